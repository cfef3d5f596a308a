#include "spec/load.h"

#include <gtest/gtest.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "spec_test_util.h"

namespace hearth {
namespace {

std::string example_path() { return std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml"; }

std::string all(const LoadResult& result) {
  std::string text;
  for (const Diagnostic& d : result.errors) text += d.format() + "\n";
  return text;
}

TEST(LoadSpecFile, ExampleLoadsWithEveryValueTyped) {
  LoadResult result = load_spec_file(example_path());
  ASSERT_TRUE(result.ok()) << all(result);
  const Spec& spec = *result.spec;
  EXPECT_EQ(spec.file, example_path());
  EXPECT_EQ(spec.cluster.name, "homecentr");
  EXPECT_EQ(spec.cluster.domain, "home.arpa");
  ASSERT_EQ(spec.nodes.size(), 3u);
  EXPECT_EQ(spec.nodes[0].name, "r510");
  EXPECT_EQ(spec.nodes[0].address.str(), "10.1.2.17");
  ASSERT_TRUE(spec.nodes[0].storage_address);
  EXPECT_EQ(spec.nodes[0].storage_address->str(), "10.1.7.17");
  EXPECT_EQ(spec.nodes[0].capacity.memory, 48ULL << 30);
  EXPECT_EQ(spec.nodes[0].capacity.cpus, 8);
  ASSERT_EQ(spec.nodes[0].disks.size(), 2u);
  EXPECT_EQ(spec.nodes[0].disks[1].name, "hdd2");
  EXPECT_EQ(spec.nodes[0].disks[1].path, "/srv/hearth/bricks/hdd2");
  EXPECT_EQ(spec.nodes[0].disks[1].size, 2ULL << 40);
  ASSERT_NE(spec.arbiter(), nullptr);
  EXPECT_EQ(spec.arbiter()->name, "elitedesk");
  EXPECT_EQ(spec.servers().size(), 2u);

  ASSERT_EQ(spec.networks.size(), 5u);
  const Network* services = spec.management_network();
  ASSERT_NE(services, nullptr);
  EXPECT_EQ(services->name, "services");
  EXPECT_EQ(services->cidr.str(), "10.1.2.0/24");
  EXPECT_EQ(services->vlan, 20);
  EXPECT_EQ(services->gateway->str(), "10.1.2.1");
  EXPECT_EQ(services->service_ips->str(), "10.1.2.128-10.1.2.191");
  EXPECT_EQ(services->dhcp->range.str(), "10.1.2.220-10.1.2.250");
  EXPECT_EQ(services->dhcp->lease, kDefaultDhcpLease);
  ASSERT_NE(spec.storage_network(), nullptr);
  EXPECT_EQ(spec.storage_network()->name, "storage");
  const Network* home = spec.find_network("home");
  ASSERT_NE(home, nullptr);
  ASSERT_EQ(home->dhcp->reservations.size(), 1u);
  EXPECT_EQ(home->dhcp->reservations[0].name, "laserjet");
  EXPECT_EQ(home->dhcp->reservations[0].mac, "3c:52:82:00:00:05");
  EXPECT_EQ(home->dhcp->reservations[0].address.str(), "10.1.3.5");
  EXPECT_EQ(spec.find_network("toxic")->dhcp->range.str(), "10.1.5.50-10.1.5.200");

  ASSERT_EQ(spec.dns.upstream.size(), 2u);
  EXPECT_EQ(spec.dns.upstream[1].str(), "1.0.0.1");
  ASSERT_EQ(spec.dns.records.size(), 1u);
  EXPECT_EQ(spec.dns.records[0].name, "nas");

  ASSERT_EQ(spec.volumes.size(), 2u);
  EXPECT_EQ(spec.volumes[0].size, 100ULL << 30);
  EXPECT_TRUE(spec.volumes[0].pinned_disks.empty());
  EXPECT_EQ(spec.volumes[1].pinned_disks.at("r510"), "hdd2");
  EXPECT_EQ(spec.volumes[1].pinned_disks.at("r530"), "hdd1");

  ASSERT_EQ(spec.services.size(), 3u);
  const Service& homepage = spec.services[0];
  EXPECT_EQ(homepage.rootfs, "/srv/hearth/images/busybox");
  EXPECT_TRUE(homepage.image.empty());
  EXPECT_EQ(homepage.command, (std::vector<std::string>{"httpd", "-f", "-p", "80", "-h", "/data"}));
  ASSERT_EQ(homepage.env.size(), 1u);
  EXPECT_EQ(homepage.env[0], (std::pair<std::string, std::string>{"TZ", "Europe/Prague"}));
  EXPECT_EQ(homepage.network, "services");
  EXPECT_EQ(homepage.address->str(), "10.1.2.130");
  ASSERT_EQ(homepage.ports.size(), 1u);
  EXPECT_EQ(homepage.ports[0], (Port{80, Protocol::tcp}));
  ASSERT_EQ(homepage.allow_from.size(), 2u);
  EXPECT_EQ(homepage.allow_from[0].network, "home");
  ASSERT_EQ(homepage.volumes.size(), 1u);
  EXPECT_EQ(homepage.volumes[0].volume, "appdata");
  EXPECT_EQ(homepage.volumes[0].subdir, "homepage");
  EXPECT_EQ(homepage.volumes[0].mountpoint, "/data");
  EXPECT_FALSE(homepage.volumes[0].read_only);
  ASSERT_TRUE(homepage.health);
  EXPECT_EQ(homepage.health->kind, HealthKind::http);
  EXPECT_EQ(homepage.health->http_path, "/");
  EXPECT_EQ(homepage.health->port, 80);
  EXPECT_EQ(homepage.health->interval, 1000);
  EXPECT_EQ(homepage.health->timeout, 500);
  EXPECT_EQ(homepage.resources.cpus, 0.5);
  EXPECT_EQ(homepage.resources.memory, 128ULL << 20);
  EXPECT_EQ(homepage.prefer, "r510");
  const Service* notes = spec.find_service("notes");
  ASSERT_NE(notes, nullptr);
  EXPECT_FALSE(notes->address);
  EXPECT_EQ(notes->health->port, 80);
  const Service* whoami = spec.find_service("whoami");
  ASSERT_NE(whoami, nullptr);
  EXPECT_EQ(whoami->health->kind, HealthKind::tcp);
  EXPECT_EQ(whoami->health->port, 8080);
  EXPECT_EQ(whoami->allow_from[2].cidr->str(), "10.1.9.0/24");
  EXPECT_TRUE(whoami->volumes[0].read_only);

  ASSERT_EQ(spec.backups.size(), 1u);
  const Backup& offsite = spec.backups[0];
  EXPECT_EQ(offsite.volumes, std::vector<std::string>{"appdata"});
  EXPECT_EQ(offsite.repository, "azure:hearth-backups:/appdata");
  EXPECT_EQ(offsite.password_file, "/etc/hearth/secrets/restic-password");
  EXPECT_EQ(offsite.schedule.kind, BackupSchedule::Kind::daily);
  EXPECT_EQ(offsite.schedule.hour, 3);
  EXPECT_EQ(offsite.keep.daily, 7);
  EXPECT_EQ(offsite.keep.weekly, 4);
  EXPECT_EQ(offsite.keep.monthly, 6);
  EXPECT_EQ(offsite.keep.yearly, 0);
}

TEST(LoadSpecFile, ExampleRecordsPositionsByKeyPath) {
  LoadResult result = load_spec_file(example_path());
  ASSERT_TRUE(result.ok()) << all(result);
  const SourceMap& source = result.spec->source;
  Position address = source.find("services.homepage.address");
  Position address_key = source.find("services.homepage.address#key");
  EXPECT_GT(address.line, 0);
  EXPECT_EQ(address.line, address_key.line);
  EXPECT_EQ(address_key.column, 5);
  EXPECT_EQ(address.column, 14);
  Position port = source.find("services.homepage.ports[0]");
  EXPECT_EQ(port.line, address.line + 1);
  EXPECT_EQ(port.column, 13);
}

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hearth-spec-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& content) const {
    std::string path = path_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LoadSpecFile, MissingFileIsUnreadableAndNamesThePathAndOsError) {
  LoadResult result = load_spec_file("/nonexistent/homelab.yaml");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(result.unreadable);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].format(),
            "/nonexistent/homelab.yaml: cannot read /nonexistent/homelab.yaml: No such file or "
            "directory");
}

TEST(LoadSpecFile, DirectoryIsUnreadable) {
  TempDir dir;
  LoadResult result = load_spec_file(dir.path());
  EXPECT_TRUE(result.unreadable);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("it is a directory"), std::string::npos);
}

// For the scope's life, this thread's file accesses are checked as user "nobody" when it runs as
// root (setfsuid also drops root's right to read any file); without root it changes nothing.
class FileAccessAsNobody {
 public:
  FileAccessAsNobody() {
    if (::geteuid() == 0) previous_ = ::setfsuid(65534);
  }
  ~FileAccessAsNobody() {
    if (previous_ >= 0) ::setfsuid(static_cast<uid_t>(previous_));
  }
  FileAccessAsNobody(const FileAccessAsNobody&) = delete;
  FileAccessAsNobody& operator=(const FileAccessAsNobody&) = delete;

 private:
  int previous_ = -1;
};

TEST(LoadSpecFile, FileWithoutPermissionIsUnreadable) {
  TempDir dir;
  namespace fs = std::filesystem;
  fs::permissions(dir.path(),
                  fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  std::string path = dir.file("secret.yaml", "cluster: {}\n");
  fs::permissions(path, fs::perms::none);
  LoadResult result;
  {
    FileAccessAsNobody nobody;  // root would read it all the same
    result = load_spec_file(path);
  }
  EXPECT_TRUE(result.unreadable);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("Permission denied"), std::string::npos);
}

TEST(LoadSpecFile, TooLargeFileIsRefusedWithoutReading) {
  TempDir dir;
  std::string path = dir.file("big.yaml", std::string((4u << 20) + 1, '#'));
  LoadResult result = load_spec_file(path);
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.unreadable);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].format(),
            path + ": file is too large: 4194305 bytes, the limit is 4 MiB");
}

TEST(LoadSpecFile, BinaryFileIsNotAText) {
  TempDir dir;
  std::string path = dir.file("blob.yaml", std::string("\x7f"
                                                       "ELF\x02\x01\x01\0\0",
                                                       9));
  LoadResult result = load_spec_file(path);
  EXPECT_FALSE(result.unreadable);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].position, (Position{1, 1}));
  EXPECT_NE(result.errors[0].message.find("not a text file"), std::string::npos);
}

TEST(LoadSpecFile, EmptyFileIsAClearError) {
  TempDir dir;
  LoadResult result = load_spec_file(dir.file("empty.yaml", ""));
  EXPECT_FALSE(result.unreadable);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("the file is empty"), std::string::npos);
}

TEST(LoadSpecFile, ReadsTheSameAsLoadSpecText) {
  TempDir dir;
  std::string text = testing::with(testing::kValidSpec, "vlan: 11", "vlan: 0");
  std::string path = dir.file("lab.yaml", text);
  LoadResult from_file = load_spec_file(path);
  LoadResult from_text = load_spec_text(text, path);
  ASSERT_EQ(from_file.errors.size(), 1u);
  ASSERT_EQ(from_text.errors.size(), 1u);
  EXPECT_EQ(from_file.errors[0].format(), from_text.errors[0].format());
}

TEST(LoadSpecText, YamlSyntaxErrorBecomesAPositionedDiagnostic) {
  LoadResult result = load_spec_text("cluster: { name: lab\nnodes: [\n", "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_GT(result.errors[0].position.line, 0);
  EXPECT_NE(result.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(LoadSpecText, ErrorsOfAllStagesAreSortedInFileOrder) {
  // A duplicate key (YAML stage), a bad value (parse stage) and a clash (validate stage).
  std::string text = testing::with(testing::kValidSpec, "address: 10.0.0.12", "address: 10.0.0.11");
  text = testing::with(text, "    vlan: 10\n", "    vlan: 10\n    vlan: 13\n");
  text = testing::with(text, "memory: 8GiB", "memory: 8XB");
  LoadResult result = load_spec_text(text, "t.yaml");
  ASSERT_EQ(result.errors.size(), 3u) << testing::format_all(result);
  EXPECT_EQ(result.errors[0].key_path, "nodes.s1.capacity.memory");
  EXPECT_EQ(result.errors[1].key_path, "nodes.s2.address");
  EXPECT_EQ(result.errors[2].key_path, "networks.lan.vlan");
}

}  // namespace
}  // namespace hearth
