#include "cluster/node_history.h"

#include <gtest/gtest.h>

#include "cluster/cluster_status.h"
#include "control_harness.h"
#include "test_spec.h"

namespace hearth::cluster {
namespace {

using namespace std::chrono_literals;
using testing::SimCluster;

// Runs the leader's history step the way hearthd does after each tick.
void record(SimCluster& cluster, const std::vector<std::string>& names) {
  int leader = cluster.leader();
  if (leader < 0) return;
  auto& node = cluster.node(static_cast<std::size_t>(leader));
  ASSERT_TRUE(record_node_history(*node.client, names, node.election->guard(), node.name,
                                  cluster.clock().wall_ms())
                  .ok());
}

std::optional<NodeHistoryRecord> history_of(SimCluster& cluster, const std::string& name) {
  auto observed = observe_nodes(cluster.etcd(), Consistency::serializable);
  EXPECT_TRUE(observed.ok());
  auto it = observed->history.find(name);
  if (it == observed->history.end()) return std::nullopt;
  return it->second;
}

TEST(NodeHistory, RecordsAliveSinceRegistrationAndDeadSinceTheLeaderNoticed) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  std::vector<std::string> names = {"r510", "r530", "elitedesk"};
  auto started = cluster.clock().wall_ms();
  cluster.run_for(1s);
  record(cluster, names);
  for (const auto& name : names) {
    auto h = history_of(cluster, name);
    ASSERT_TRUE(h.has_value()) << name;
    EXPECT_TRUE(h->alive);
    EXPECT_GE(h->since, started);
    EXPECT_LE(h->since, started + 1000);
  }
  int leader = cluster.leader();
  std::size_t victim = leader == 1 ? 2 : 1;
  cluster.node(victim).running = false;
  auto died = cluster.clock().wall_ms();
  // The leader records "dead" within one tick of etcd expiring the lease (2 s).
  for (int i = 0; i < 8; ++i) {
    cluster.run_for(500ms);
    record(cluster, names);
  }
  auto h = history_of(cluster, cluster.node(victim).name);
  ASSERT_TRUE(h.has_value());
  EXPECT_FALSE(h->alive);
  EXPECT_GE(h->since - died, 1500);
  EXPECT_LE(h->since - died, 3000);
  EXPECT_EQ(h->observed_by, cluster.node(static_cast<std::size_t>(leader)).name);

  // Unchanged liveness: nothing is rewritten, so "since" stays put.
  auto again = record_node_history(*cluster.node(static_cast<std::size_t>(leader)).client, names,
                                   cluster.node(static_cast<std::size_t>(leader)).election->guard(),
                                   "x", cluster.clock().wall_ms());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

TEST(NodeHistory, ANodeThatIsNotLeaderWritesNothing) {
  SimCluster cluster({"r510", "r530"});
  cluster.run_for(1s);
  int follower = 1 - cluster.leader();
  auto& node = cluster.node(static_cast<std::size_t>(follower));
  auto written = record_node_history(*node.client, {"r510", "r530"}, node.election->guard(),
                                     node.name, cluster.clock().wall_ms());
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 0);
  EXPECT_FALSE(history_of(cluster, "r510").has_value());
}

TEST(ClusterStatus, ShowsEveryNodeOfTheSpecWithLeaderQuorumAndSpec) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  cluster.node(2).running = false;  // the arbiter's hearthd never started
  cluster.run_for(1s);
  record(cluster, {"r510", "r530", "elitedesk"});
  auto spec = testing::three_node_spec();
  std::vector<MemberView> members = {
      {"r510", "http://10.1.2.17:2379", true, true, ""},
      {"r530", "http://10.1.2.22:2379", true, false, ""},
      {"elitedesk", "http://10.1.2.26:2379", false, false, "refused"}};
  auto view = observe_cluster(cluster.etcd(), spec, members, cluster.clock().wall_ms());
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_TRUE(view->quorum);
  EXPECT_FALSE(view->stale);
  EXPECT_EQ(view->members_up, 2);
  EXPECT_EQ(view->members_total, 3);
  ASSERT_TRUE(view->leader.has_value());
  ASSERT_EQ(view->nodes.size(), 3u);
  EXPECT_EQ(view->nodes[0].name, "r510");
  EXPECT_TRUE(view->nodes[0].alive);
  EXPECT_TRUE(view->nodes[0].since.has_value());
  EXPECT_EQ(view->nodes[0].version, "test");
  EXPECT_EQ(view->nodes[2].name, "elitedesk");
  EXPECT_EQ(view->nodes[2].role, "arbiter");
  EXPECT_FALSE(view->nodes[2].alive);
  EXPECT_TRUE(view->nodes[2].since.has_value()) << "dead since the leader's first look";

  auto json = to_json(*view);
  EXPECT_EQ(json["quorum"]["ok"], true);
  EXPECT_EQ(json["quorum"]["members_up"], 2);
  EXPECT_EQ(json["nodes"][2]["state"], "dead");
  EXPECT_EQ(json["leader"]["node"], view->leader->node);
  EXPECT_TRUE(json["spec"].is_null());
  EXPECT_TRUE(json["this_node"].is_null());
}

TEST(ClusterStatus, WithoutQuorumItSaysSoAndShowsTheLocalCopyAsStale) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  cluster.run_for(1s);
  cluster.etcd().set_quorum(false);
  auto view =
      observe_cluster(cluster.etcd(), testing::three_node_spec(), {}, cluster.clock().wall_ms());
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_FALSE(view->quorum);
  EXPECT_TRUE(view->stale);
  EXPECT_NE(view->quorum_error.find("no quorum"), std::string::npos) << view->quorum_error;
  EXPECT_EQ(view->nodes.size(), 3u);

  auto cut = cluster.etcd().connect();
  cut->set_reachable(false);
  auto none = observe_cluster(*cut, testing::three_node_spec(), {}, 0);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("local etcd member does not answer"), std::string::npos);
}

}  // namespace
}  // namespace hearth::cluster
