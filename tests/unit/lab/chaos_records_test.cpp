#include "lab/chaos_records.h"

#include <gtest/gtest.h>

namespace hearth::lab {
namespace {

const std::string kHolding =
    R"([{"ifindex":1,"ifname":"lo","address":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},)"
    R"({"ifindex":2,"ifname":"eth0","link_type":"ether","address":"5a:0c:11:22:33:44","addr_info":[{"family":"inet","local":"10.1.2.130","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]}])";
const std::string kEmpty =
    R"([{"ifindex":1,"ifname":"lo","address":"00:00:00:00:00:00","addr_info":[]},)"
    R"({"ifindex":2,"ifname":"eth0","address":"5a:0c:11:22:33:44","addr_info":[]}])";

TEST(ChaosRecords, HolderBlocksGiveOneSamplePerServiceWithTheMac) {
  std::string log = "T 1000\nN hearth-svc-homepage\n" + kHolding + "\nN hearth-svc-notes\n" +
                    kEmpty + "\nE 1040\n" + "T 1300\nN hearth-svc-homepage\n" + kEmpty +
                    "\nE 1330\n" + "T 1600\nN hearth-svc-homepage\n" + kHolding + "\n";  // cut
  auto samples =
      parse_holder_log(log, "r510", {{"homepage", "10.1.2.130"}, {"notes", "10.1.2.128"}});
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(samples[0].service, "homepage");
  EXPECT_EQ(samples[0].node, "r510");
  EXPECT_TRUE(samples[0].holds);
  EXPECT_EQ(samples[0].mac, "5a:0c:11:22:33:44");
  EXPECT_EQ(samples[0].at.start_ms, 1000);
  EXPECT_EQ(samples[0].at.end_ms, 1040);
  EXPECT_EQ(samples[1].service, "notes");
  EXPECT_FALSE(samples[1].holds);
  EXPECT_FALSE(samples[2].holds);  // the namespace is there, the address is not
  EXPECT_FALSE(samples[3].holds);  // no namespace at all
  EXPECT_EQ(samples[3].at.start_ms, 1300);
}

TEST(ChaosRecords, AnotherAddressOrGarbageIsNotHolding) {
  std::string log = "T 1\nN hearth-svc-homepage\n" + kHolding +
                    "\nE 2\nT 3\nN hearth-svc-homepage\n" + "not json\nE 4\nT x\nE 5\n";
  auto samples = parse_holder_log(log, "r530", {{"homepage", "10.1.2.131"}});
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_FALSE(samples[0].holds);
  EXPECT_FALSE(samples[1].holds);
}

TEST(ChaosRecords, PollerLinesGiveTheAnswerAndWhereItWent) {
  std::string log =
      "1000 1012 200 10.1.2.130 dev services lladdr 5a:0c:11:22:33:44 REACHABLE\n"
      "1300 2301 000 10.1.2.130 dev services  FAILED\n"
      "2600 2610 404 \n"
      "2900 2910\n"  // cut short
      "garbage line here\n";
  auto answers = parse_poller_log(log, "homepage");
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_TRUE(answers[0].answered);
  EXPECT_EQ(answers[0].mac, "5a:0c:11:22:33:44");
  EXPECT_EQ(answers[0].at.end_ms, 1012);
  EXPECT_FALSE(answers[1].answered);
  EXPECT_EQ(answers[1].mac, "");
  EXPECT_TRUE(answers[2].answered);  // any HTTP answer is an answer
  EXPECT_EQ(answers[2].service, "homepage");
}

TEST(ChaosRecords, AppenderLinesAndTheFile) {
  auto writes = parse_appender_log("1 100 150 1\n2 400 10400 0\n3 10600 10650 1\n4 10900\n");
  ASSERT_EQ(writes.size(), 3u);
  EXPECT_TRUE(writes[0].acknowledged);
  EXPECT_FALSE(writes[1].acknowledged);
  EXPECT_EQ(writes[2].seq, 3);
  EXPECT_EQ(writes[2].at.start_ms, 10600);
  // A torn append ("w 1" of "w 12 12") never reads as a write; blank lines separate records.
  EXPECT_EQ(parse_appended_file("\nw 1 1\n\nw 2 2\n\nw 1\nw 3 3\n\nw 12 1\nw 4 4 4\nw 5 5"),
            (std::set<std::int64_t>{1, 2, 3, 5}));
}

TEST(ChaosRecords, TheLoopsPrintWhatIsParsed) {
  EXPECT_NE(holder_loop("0.3").find("echo \"T $(date +%s%3N)\""), std::string::npos);
  EXPECT_NE(holder_loop("0.3").find("-j addr show"), std::string::npos);
  auto poller = poller_loop("http://10.1.2.130:80/", "hearth-router", "10.1.2.130", "0.2");
  EXPECT_NE(poller.find("ip -n hearth-router neigh show 10.1.2.130"), std::string::npos);
  EXPECT_NE(poller.find("'http://10.1.2.130:80/'"), std::string::npos);
  auto appender = appender_loop("/run/x/file", "0.2");
  EXPECT_NE(appender.find("conv=notrunc,fsync"), std::string::npos);
  EXPECT_NE(appender.find("printf '\\nw %d %d\\n'"), std::string::npos);
}

}  // namespace
}  // namespace hearth::lab
