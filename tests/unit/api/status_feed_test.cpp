#include "api/status_feed.h"

#include <gtest/gtest.h>

#include <thread>

#include "status_json.h"

namespace hearth::api {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::example_status;

std::vector<std::string> texts(const StatusChanges& changes) {
  std::vector<std::string> out;
  for (const auto& e : changes.events) out.push_back(e.text);
  return out;
}

// r510 dies (recorded at 1700000020000), its lease's reports go, homepage is reassigned to r530,
// starts there and runs: the steps of a failover, in the order of their recorded times.
TEST(StatusTracker, AFailoverReadsAsItsStepsAndIsTimed) {
  StatusTracker tracker;
  json status = example_status();
  EXPECT_TRUE(tracker.observe(status).events.empty()) << "the first look reports nothing";

  json dead = status;
  dead["observed_at"] = 1700000020500;
  dead["nodes"][0]["state"] = "dead";
  dead["nodes"][0]["since"] = 1700000020000;
  dead["members"][0]["up"] = false;
  dead["quorum"]["members_up"] = 2;
  dead["leader"] = {{"node", "r530"}, {"since", 1700000020100}, {"lease", "1"}};
  dead["services"][0] = {{"name", "homepage"},     {"node", ""},    {"address", ""},
                         {"state", "not running"}, {"restarts", 0}, {"since", nullptr},
                         {"last_probe", nullptr},  {"error", ""}};
  auto changes = tracker.observe(dead);
  EXPECT_TRUE(changes.leader_changed);
  EXPECT_TRUE(changes.failover_seconds.empty()) << "not running anywhere yet";
  EXPECT_EQ(texts(changes), (std::vector<std::string>{"r510 is dead", "r530 leads (was r510)",
                                                      "homepage: not running"}));
  EXPECT_EQ(changes.events[0].at_ms, 1700000020000) << "the time the cluster recorded";

  json moved = dead;
  moved["observed_at"] = 1700000021000;
  moved["assignments"][0]["node"] = "r530";
  moved["assignments"][0]["since"] = 1700000020200;
  moved["assignments"][0]["reason"] = "r510 is dead";
  moved["services"][0] = {{"name", "homepage"},    {"node", "r530"}, {"address", "10.1.2.130"},
                          {"state", "starting"},   {"restarts", 0},  {"since", 1700000020600},
                          {"last_probe", nullptr}, {"error", ""}};
  changes = tracker.observe(moved);
  EXPECT_FALSE(changes.leader_changed);
  EXPECT_TRUE(changes.failover_seconds.empty()) << "judged once it runs";
  EXPECT_EQ(texts(changes), (std::vector<std::string>{"homepage: r510 -> r530 (r510 is dead)",
                                                      "homepage: starting on r530"}));

  json running = moved;
  running["services"][0]["state"] = "running";
  running["services"][0]["since"] = 1700000022500;
  changes = tracker.observe(running);
  EXPECT_EQ(texts(changes), (std::vector<std::string>{"homepage: running on r530"}));
  ASSERT_EQ(changes.failover_seconds.size(), 1u);
  EXPECT_DOUBLE_EQ(changes.failover_seconds[0], 2.5);

  EXPECT_TRUE(tracker.observe(running).failover_seconds.empty()) << "counted once";
}

TEST(StatusTracker, AMoveOffALiveNodeIsNoFailover) {
  StatusTracker tracker;
  json status = example_status();
  tracker.observe(status);
  json drained = status;
  drained["drained"] = json::array({{{"node", "r510"}, {"since", 1700000030000}, {"by", "me"}}});
  drained["services"][0]["node"] = "r530";
  drained["services"][0]["since"] = 1700000031000;
  auto changes = tracker.observe(drained);
  EXPECT_TRUE(changes.failover_seconds.empty());
  EXPECT_EQ(texts(changes),
            (std::vector<std::string>{"r510 drained by me", "homepage: running on r530"}));
  json undrained = drained;
  undrained["drained"] = json::array();
  EXPECT_EQ(texts(tracker.observe(undrained)), (std::vector<std::string>{"r510 undrained"}));
}

TEST(StatusTracker, QuorumAndHealChangesAreEvents) {
  StatusTracker tracker;
  json status = example_status();
  tracker.observe(status);
  json lost = status;
  lost["quorum"]["ok"] = false;
  lost["quorum"]["error"] = "etcd: timed out";
  lost["volumes"][0]["heal"]["pending"] = 12;
  EXPECT_EQ(
      texts(tracker.observe(lost)),
      (std::vector<std::string>{"quorum lost: etcd: timed out", "appdata: 12 entries to heal"}));
  EXPECT_EQ(texts(tracker.observe(status)),
            (std::vector<std::string>{"quorum regained", "appdata: no entries to heal"}));
}

TEST(StatusFeed, TheVersionMovesOnlyWhenWhatPeopleSeeChanges) {
  NodeMetrics metrics;
  StatusFeed feed(metrics);
  EXPECT_EQ(feed.latest().version, 0u);
  json status = example_status();
  feed.publish(status);
  EXPECT_EQ(feed.latest().version, 1u);
  json later = status;
  later["observed_at"] = 1700000099000;
  later["this_node"]["last_renewal_ms_ago"] = 7;
  later["services"][0]["last_probe"]["at"] = 1700000098000;
  feed.publish(later);
  EXPECT_EQ(feed.latest().version, 1u) << "only times moved";
  later["nodes"][1]["state"] = "dead";
  feed.publish(later);
  EXPECT_EQ(feed.latest().version, 2u);
  json body = json::parse(feed.latest().body);
  EXPECT_EQ(body["status"]["nodes"][1]["state"], "dead");
  ASSERT_EQ(body["events"].size(), 1u);
  EXPECT_EQ(body["events"][0]["text"], "r530 is dead");

  feed.publish_failure("the local etcd member does not answer");
  EXPECT_EQ(feed.latest().version, 3u);
  EXPECT_TRUE(feed.status().is_null());
  EXPECT_EQ(json::parse(feed.latest().body)["error"], "the local etcd member does not answer");
  feed.publish_failure("the local etcd member does not answer");
  EXPECT_EQ(feed.latest().version, 3u) << "the same failure again changes nothing";
  EXPECT_EQ(metrics.status_failures.load(), 2u);
}

TEST(StatusFeed, CountsLeaderChangesAndFailoversIntoTheMetrics) {
  NodeMetrics metrics;
  StatusFeed feed(metrics);
  json status = example_status();
  feed.publish(status);
  status["leader"]["node"] = "r530";
  status["nodes"][0]["state"] = "dead";
  status["nodes"][0]["since"] = 1700000020000;
  status["services"][0]["node"] = "r530";
  status["services"][0]["since"] = 1700000021500;
  feed.publish(status);
  EXPECT_EQ(metrics.leader_changes.load(), 1u);
  EXPECT_EQ(metrics.failovers.load(), 1u);
  EXPECT_DOUBLE_EQ(metrics.failover_seconds.snapshot().sum, 1.5);
}

TEST(StatusFeed, AWaiterWakesOnANewVersionAndOnStop) {
  NodeMetrics metrics;
  StatusFeed feed(metrics);
  EXPECT_FALSE(feed.wait_newer(0, 1ms).has_value()) << "nothing published";
  std::thread publisher([&] { feed.publish(example_status()); });
  auto got = feed.wait_newer(0, 60s);  // a hang, not a timing: the publish wakes it
  publisher.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->version, 1u);
  std::thread stopper([&] { feed.stop(); });
  EXPECT_FALSE(feed.wait_newer(1, 60s).has_value());
  stopper.join();
  EXPECT_TRUE(feed.stopped());
}

}  // namespace
}  // namespace hearth::api
