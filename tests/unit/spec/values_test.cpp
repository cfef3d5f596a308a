#include "spec/values.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(DnsLabel, AcceptsLowercaseLettersDigitsAndInnerHyphens) {
  EXPECT_TRUE(is_dns_label("r510"));
  EXPECT_TRUE(is_dns_label("a"));
  EXPECT_TRUE(is_dns_label("my-app-2"));
  EXPECT_TRUE(is_dns_label(std::string(63, 'a')));
  EXPECT_FALSE(is_dns_label(std::string(64, 'a')));
  EXPECT_FALSE(is_dns_label(""));
  EXPECT_FALSE(is_dns_label("-a"));
  EXPECT_FALSE(is_dns_label("a-"));
  EXPECT_FALSE(is_dns_label("R510"));
  EXPECT_FALSE(is_dns_label("my_app"));
  EXPECT_FALSE(is_dns_label("a.b"));
}

TEST(DnsName, IsLabelsJoinedByDots) {
  EXPECT_TRUE(is_dns_name("home.arpa"));
  EXPECT_TRUE(is_dns_name("lab"));
  EXPECT_TRUE(is_dns_name("a.b-c.d1"));
  EXPECT_FALSE(is_dns_name("home.arpa."));
  EXPECT_FALSE(is_dns_name(".home"));
  EXPECT_FALSE(is_dns_name("home..arpa"));
  EXPECT_FALSE(is_dns_name("Home.arpa"));
  EXPECT_FALSE(is_dns_name("under_score.arpa"));
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  long_name += "x";
  EXPECT_FALSE(is_dns_name(long_name));  // over 253 characters
}

TEST(Mac, NormalisesToLowercaseColons) {
  EXPECT_EQ(normalize_mac("3c:52:82:00:00:05"), "3c:52:82:00:00:05");
  EXPECT_EQ(normalize_mac("3C:52:82:0A:BB:05"), "3c:52:82:0a:bb:05");
  EXPECT_EQ(normalize_mac("3C-52-82-0A-BB-05"), "3c:52:82:0a:bb:05");
  EXPECT_FALSE(normalize_mac("3c:52:82:00:00"));
  EXPECT_FALSE(normalize_mac("3c:52:82:00:00:0g"));
  EXPECT_FALSE(normalize_mac("3c:52-82:00:00:05"));
  EXPECT_FALSE(normalize_mac("3c5282000005"));
  EXPECT_FALSE(normalize_mac("3c:52:82:00:00:05:"));
}

TEST(Port, ParsesNumberAndProtocol) {
  EXPECT_EQ(parse_port("80/tcp").value(), (Port{80, Protocol::tcp}));
  EXPECT_EQ(parse_port("53/udp").value(), (Port{53, Protocol::udp}));
  EXPECT_EQ(parse_port("65535/tcp").value().number, 65535);
  EXPECT_EQ(parse_port("1/udp").value().number, 1);
  EXPECT_NE(parse_port("80").error().message.find("expected N/tcp or N/udp"), std::string::npos);
  EXPECT_NE(parse_port("80/sctp").error().message.find("unknown protocol 'sctp'"),
            std::string::npos);
  EXPECT_NE(parse_port("0/tcp").error().message.find("out of range"), std::string::npos);
  EXPECT_NE(parse_port("65536/tcp").error().message.find("out of range"), std::string::npos);
  EXPECT_NE(parse_port("080/tcp").error().message.find("out of range"), std::string::npos);
  EXPECT_FALSE(parse_port("-1/tcp").ok());
  EXPECT_FALSE(parse_port("/tcp").ok());
  EXPECT_FALSE(parse_port("80/TCP").ok());
  EXPECT_EQ(format_port({53, Protocol::udp}), "53/udp");
}

TEST(VolumeMount, ParsesVolumeSubdirMountpointAndReadOnly) {
  auto plain = parse_volume_mount("appdata:/data");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->volume, "appdata");
  EXPECT_EQ(plain->subdir, "");
  EXPECT_EQ(plain->mountpoint, "/data");
  EXPECT_FALSE(plain->read_only);
  auto full = parse_volume_mount("appdata/home/page:/var/www:ro");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->subdir, "home/page");
  EXPECT_EQ(full->mountpoint, "/var/www");
  EXPECT_TRUE(full->read_only);
}

TEST(VolumeMount, RejectsBadSyntaxDotDotAndRelativeMountpoints) {
  EXPECT_NE(parse_volume_mount("appdata").error().message.find("not a volume mount"),
            std::string::npos);
  EXPECT_NE(parse_volume_mount("appdata/../etc:/data").error().message.find("'..'"),
            std::string::npos);
  EXPECT_NE(parse_volume_mount("appdata//x:/data").error().message.find("subdirectory"),
            std::string::npos);
  EXPECT_NE(parse_volume_mount("appdata:data").error().message.find("absolute path"),
            std::string::npos);
  EXPECT_NE(parse_volume_mount("appdata:/data/../etc").error().message.find("mountpoint"),
            std::string::npos);
  EXPECT_NE(parse_volume_mount("appdata:/").error().message.find("root"), std::string::npos);
  EXPECT_NE(parse_volume_mount("appdata:/data:rw").error().message.find("unknown mount option"),
            std::string::npos);
  EXPECT_NE(parse_volume_mount(":/data").error().message.find("names no volume"),
            std::string::npos);
  EXPECT_NE(parse_volume_mount("App:/data").error().message.find("not a valid volume name"),
            std::string::npos);
}

TEST(Schedule, ParsesDailyHourlyAndEvery) {
  auto daily = parse_schedule("daily 03:30");
  ASSERT_TRUE(daily.ok());
  EXPECT_EQ(daily->kind, BackupSchedule::Kind::daily);
  EXPECT_EQ(daily->hour, 3);
  EXPECT_EQ(daily->minute, 30);
  EXPECT_EQ(parse_schedule("hourly")->kind, BackupSchedule::Kind::hourly);
  auto every = parse_schedule("every 6h");
  ASSERT_TRUE(every.ok());
  EXPECT_EQ(every->kind, BackupSchedule::Kind::every);
  EXPECT_EQ(every->every, 6 * 3'600'000LL);
  EXPECT_EQ(parse_schedule("every 15m")->every, 15 * 60'000LL);
  EXPECT_EQ(parse_schedule("daily 23:59")->minute, 59);
}

TEST(Schedule, RejectsOtherForms) {
  EXPECT_NE(parse_schedule("daily 24:00").error().message.find("time of day"), std::string::npos);
  EXPECT_NE(parse_schedule("daily 12:60").error().message.find("time of day"), std::string::npos);
  EXPECT_NE(parse_schedule("daily 3:00").error().message.find("not a schedule"), std::string::npos);
  EXPECT_NE(parse_schedule("every 0h").error().message.find("between 1 and"), std::string::npos);
  EXPECT_FALSE(parse_schedule("every 6d").ok());
  EXPECT_FALSE(parse_schedule("every h").ok());
  EXPECT_FALSE(parse_schedule("weekly").ok());
  EXPECT_FALSE(parse_schedule("").ok());
  EXPECT_FALSE(parse_schedule("Hourly").ok());
}

TEST(AbsolutePath, StartsWithSlashAndHasOnlyRealSegments) {
  EXPECT_TRUE(is_absolute_path("/"));
  EXPECT_TRUE(is_absolute_path("/srv/hearth/images/busybox"));
  EXPECT_FALSE(is_absolute_path("srv"));
  EXPECT_FALSE(is_absolute_path(""));
  EXPECT_FALSE(is_absolute_path("/srv/../etc"));
  EXPECT_FALSE(is_absolute_path("/srv/./x"));
  EXPECT_FALSE(is_absolute_path("/srv//x"));
  EXPECT_FALSE(is_absolute_path("/srv/"));
}

TEST(Repository, AcceptsAzureS3AndAbsolutePaths) {
  EXPECT_TRUE(check_repository("azure:hearth-backups:/appdata").ok());
  EXPECT_NE(check_repository("s3:s3.amazonaws.com/bucket/path").error().message.find(
                "not supported yet"),
            std::string::npos);
  EXPECT_TRUE(check_repository("/mnt/backup").ok());
  EXPECT_NE(check_repository("").error().message.find("empty"), std::string::npos);
  EXPECT_NE(check_repository("azure:").error().message.find("not an Azure repository"),
            std::string::npos);
  EXPECT_NE(check_repository("azure:c:x").error().message.find("not an Azure repository"),
            std::string::npos);
  EXPECT_NE(check_repository("s3:").error().message.find("not supported yet"),
            std::string::npos);
  EXPECT_NE(check_repository("sftp:host:/x").error().message.find("unsupported repository"),
            std::string::npos);
  EXPECT_NE(check_repository("backups").error().message.find("unsupported repository"),
            std::string::npos);
  EXPECT_NE(check_repository("/mnt/../x").error().message.find("absolute path"), std::string::npos);
}

TEST(EnvName, IsIdentifierLike) {
  EXPECT_TRUE(is_env_name("TZ"));
  EXPECT_TRUE(is_env_name("_private9"));
  EXPECT_FALSE(is_env_name("9LIVES"));
  EXPECT_FALSE(is_env_name("A-B"));
  EXPECT_FALSE(is_env_name(""));
}

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndTranspositions) {
  EXPECT_EQ(edit_distance("address", "address"), 0u);
  EXPECT_EQ(edit_distance("adress", "address"), 1u);
  EXPECT_EQ(edit_distance("adderss", "address"), 1u);  // transposition
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ClosestMatch, SuggestsOnlyCloseWords) {
  std::vector<std::string> keys{"role", "address", "storage_address", "capacity", "disks"};
  EXPECT_EQ(closest_match("adress", keys), "address");
  EXPECT_EQ(closest_match("disk", keys), "disks");
  EXPECT_EQ(closest_match("storage_adress", keys), "storage_address");
  EXPECT_EQ(closest_match("memory", keys), std::nullopt);
  EXPECT_EQ(closest_match("", keys), std::nullopt);
  EXPECT_EQ(closest_match(std::string(1000, 'a'), keys), std::nullopt);
}

}  // namespace
}  // namespace hearth
