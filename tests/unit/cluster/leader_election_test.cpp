#include "cluster/leader_election.h"

#include <gtest/gtest.h>

#include <random>

#include "control_harness.h"

namespace hearth::cluster {
namespace {

using namespace std::chrono_literals;
using testing::SimCluster;

TEST(LeaderElection, OneNodeWinsAndEveryNodeAgreesWhoLeads) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  cluster.run_for(1s);
  ASSERT_EQ(cluster.leaders_now(), 1);
  int leader = cluster.leader();
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    auto seen = cluster.node(i).election->leader();
    ASSERT_TRUE(seen.has_value()) << cluster.node(i).name;
    EXPECT_EQ(seen->node, cluster.node(static_cast<std::size_t>(leader)).name);
  }
  cluster.run_for(30s);
  EXPECT_EQ(cluster.leader(), leader) << "a healthy leader keeps leading";
  EXPECT_EQ(cluster.max_leaders_seen(), 1);
}

TEST(LeaderElection, WhenTheLeaderCrashesAnotherTakesOverOnlyAfterItsLeaseExpired) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  cluster.run_for(1s);
  int old_leader = cluster.leader();
  ASSERT_GE(old_leader, 0);
  cluster.node(static_cast<std::size_t>(old_leader)).running = false;  // SIGKILL
  auto crashed_at = cluster.clock().now();

  // Nobody leads while the dead leader's lease lives (2 s from its last renewal).
  cluster.run_for(1500ms);
  EXPECT_EQ(cluster.leader(), -1);
  EXPECT_TRUE(cluster.key_exists(keys::kLeader));
  Clock::TimePoint took_over{};
  for (int i = 0; i < 40 && cluster.leader() < 0; ++i) {
    cluster.run_for(50ms);
    took_over = cluster.clock().now();
  }
  ASSERT_GE(cluster.leader(), 0);
  EXPECT_NE(cluster.leader(), old_leader);
  EXPECT_LE(took_over - crashed_at, 3s) << "failover: TTL 2 s + one 500 ms campaign tick";
  EXPECT_EQ(cluster.max_leaders_seen(), 1);
}

TEST(LeaderElection, ACutOffLeaderStepsDownBeforeAnotherNodeCanWin) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  cluster.run_for(1s);
  int old_leader = cluster.leader();
  ASSERT_GE(old_leader, 0);
  auto& node = cluster.node(static_cast<std::size_t>(old_leader));
  node.client->set_reachable(false);  // still running, still ticking: a power-cut link

  std::optional<Clock::TimePoint> stepped_down, new_leader;
  for (int i = 0; i < 100 && !new_leader; ++i) {
    cluster.run_for(50ms);
    if (!stepped_down && !node.election->is_leader()) stepped_down = cluster.clock().now();
    int leader = cluster.leader();
    if (leader >= 0 && leader != old_leader) new_leader = cluster.clock().now();
  }
  ASSERT_TRUE(stepped_down && new_leader);
  EXPECT_LT(*stepped_down, *new_leader);
  EXPECT_EQ(node.fences, 1);
  EXPECT_EQ(cluster.max_leaders_seen(), 1);

  // Reconnected, the old leader rejoins as a follower (new lease) and does not steal the lead.
  node.client->set_reachable(true);
  cluster.run_for(5s);
  EXPECT_TRUE(node.lease->held());
  EXPECT_NE(cluster.leader(), old_leader);
  EXPECT_EQ(cluster.max_leaders_seen(), 1);
}

TEST(LeaderElection, AStuckControlLoopStillStepsDownAtTheFenceDeadline) {
  SimCluster cluster({"r510"});
  cluster.run_for(1s);
  ASSERT_EQ(cluster.leader(), 0);
  auto& node = cluster.node(0);
  auto last_renewal = node.lease->state().last_renewal;
  node.running = false;  // the control loop hangs (no more ticks); only the watchdog runs
  while (cluster.clock().now() - last_renewal < 1450ms) {
    cluster.clock().advance(50ms);
    node.lease->check_fence();
    ASSERT_TRUE(node.election->is_leader());
  }
  cluster.clock().advance(50ms);
  node.lease->check_fence();
  EXPECT_FALSE(node.election->is_leader()) << "leadership ends with the lease, tick or not";
  EXPECT_EQ(node.fences, 1);
}

TEST(LeaderElection, ARestartedLeaderIsNotLeaderUntilItsOldIncarnationsKeyExpires) {
  SimCluster cluster({"r510", "r530"});
  cluster.node(1).running = false;  // only r510 runs: it must win again after the restart
  cluster.run_for(1s);
  ASSERT_EQ(cluster.leader(), 0);
  LeaseId old_lease = cluster.node(0).lease->lease_id();

  cluster.restart(0);  // crash + immediate restart: new lease, old leader key still there
  cluster.run_for(1s);
  EXPECT_EQ(cluster.leader(), -1) << "the key belongs to the previous incarnation's lease";
  auto seen = cluster.node(0).election->leader();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->lease, old_lease);

  cluster.run_for(2s);
  EXPECT_EQ(cluster.leader(), 0) << "won again once the old lease expired";
  EXPECT_NE(cluster.node(0).election->leader()->lease, old_lease);
  EXPECT_EQ(cluster.max_leaders_seen(), 1);
}

TEST(LeaderElection, ResigningHandsOverAtTheNextCampaign) {
  SimCluster cluster({"r510", "r530"});
  cluster.run_for(1s);
  int old_leader = cluster.leader();
  ASSERT_GE(old_leader, 0);
  auto& node = cluster.node(static_cast<std::size_t>(old_leader));
  ASSERT_TRUE(node.election->resign().ok());
  ASSERT_TRUE(node.lease->release().ok());
  node.running = false;  // clean shutdown
  EXPECT_FALSE(cluster.key_exists(keys::kLeader));
  cluster.run_for(500ms);
  EXPECT_EQ(cluster.leader(), 1 - old_leader) << "no wait for a TTL after a clean stop";
}

TEST(LeaderElection, TheGuardStopsWritesOfAFormerLeader) {
  SimCluster cluster({"r510", "r530"});
  cluster.run_for(1s);
  int leader = cluster.leader();
  ASSERT_GE(leader, 0);
  auto& node = cluster.node(static_cast<std::size_t>(leader));
  Compare guard = node.election->guard();

  Txn write;
  write.compares = {guard};
  write.success = {TxnOp::put("/hearth/assignments/x", "leader wrote this")};
  auto done = node.client->txn(write);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->succeeded);

  node.client->set_reachable(false);
  cluster.run_for(4s);  // it stepped down, the other node won
  node.client->set_reachable(true);
  auto stale = node.client->txn(write);  // a write with the old guard
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->succeeded);

  Txn not_leader;
  not_leader.compares = {node.election->guard()};
  not_leader.success = {TxnOp::put("/hearth/assignments/y", "x")};
  auto refused = node.client->txn(not_leader);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->succeeded) << "a node that never won has a guard that never holds";
}

TEST(LeaderElection, LosingQuorumLeavesNoLeaderAndOneLeaderAfterwards) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  cluster.run_for(1s);
  ASSERT_EQ(cluster.leaders_now(), 1);
  cluster.etcd().set_quorum(false);
  cluster.run_for(3s);
  EXPECT_EQ(cluster.leaders_now(), 0) << "without quorum nobody can vouch for their lease";
  cluster.etcd().set_quorum(true);
  cluster.run_for(5s);
  EXPECT_EQ(cluster.leaders_now(), 1);
  EXPECT_EQ(cluster.max_leaders_seen(), 1);
}

TEST(LeaderElection, ThePreferredNodeLeadsWhileItIsAlive) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  cluster.prefer("elitedesk");
  // At a cold start a server may win before the arbiter's key exists; it hands back after the
  // settle.
  cluster.run_for(1s);
  EXPECT_GE(cluster.leader(), 0);
  cluster.run_for(kHandBackSettle + 2s);
  EXPECT_EQ(cluster.leader(), 2);
  cluster.run_for(30s);
  EXPECT_EQ(cluster.leader(), 2);
  EXPECT_EQ(cluster.max_leaders_seen(), 1);
}

TEST(LeaderElection, AServerLeadsOnlyOnceThePreferredNodeIsDeadAndHandsBackAfterTheSettle) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  cluster.prefer("elitedesk");
  cluster.run_for(kHandBackSettle + 3s);
  ASSERT_EQ(cluster.leader(), 2);
  cluster.node(2).running = false;  // power cut: its lease and node key expire after 2 s
  cluster.run_for(1500ms);
  EXPECT_EQ(cluster.leader(), -1) << "nobody campaigns while the arbiter's key lives";
  cluster.run_for(1500ms);
  int server = cluster.leader();
  ASSERT_TRUE(server == 0 || server == 1) << "a server leads once the arbiter is dead";

  cluster.restart(2);  // back, with a new lease and node key
  cluster.run_for(kHandBackSettle - 2s);
  EXPECT_EQ(cluster.leader(), server) << "no hand-back before the arbiter settled";
  cluster.run_for(5s);
  EXPECT_EQ(cluster.leader(), 2) << "handed back to the arbiter";
  EXPECT_EQ(cluster.max_leaders_seen(), 1);
}

TEST(LeaderElection, APreferredNodeThatFlapsDoesNotTakeTheLeadershipBack) {
  SimCluster cluster({"r510", "r530", "elitedesk"});
  cluster.prefer("elitedesk");
  cluster.run_for(kHandBackSettle + 3s);
  ASSERT_EQ(cluster.leader(), 2);
  cluster.node(2).running = false;
  cluster.run_for(3s);
  int server = cluster.leader();
  ASSERT_TRUE(server == 0 || server == 1);
  for (int flap = 0; flap < 3; ++flap) {
    cluster.restart(2);
    cluster.run_for(kHandBackSettle / 2);
    cluster.node(2).running = false;
    cluster.run_for(3s);
    EXPECT_EQ(cluster.leader(), server) << "flap " << flap;
  }
  EXPECT_EQ(cluster.max_leaders_seen(), 1);
}

TEST(LeaderElection, APreferredNodeThatNeverRanBlocksNobody) {
  SimCluster cluster({"r510", "r530"});
  cluster.prefer("elitedesk");  // named in the spec but not running at all
  cluster.run_for(1s);
  EXPECT_GE(cluster.leader(), 0);
}

// Random crashes, restarts, link cuts and quorum losses: never two leaders at any 50 ms step,
// and a leader again within a few seconds of the cluster being whole; with and without a
// preferred leader.
class LeaderElectionUnderFailures : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Preference, LeaderElectionUnderFailures,
                         ::testing::Values("", "elitedesk"),
                         [](const auto& info) { return info.param.empty() ? "none" : info.param; });

TEST_P(LeaderElectionUnderFailures, NeverTwoLeaders) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    SimCluster cluster({"r510", "r530", "elitedesk"});
    cluster.prefer(GetParam());
    std::mt19937 random(seed);
    cluster.run_for(1s);
    for (int round = 0; round < 30; ++round) {
      std::size_t victim = random() % cluster.size();
      auto& node = cluster.node(victim);
      switch (random() % 5) {
        case 0:
          node.running = false;
          break;  // crash
        case 1:
          cluster.restart(victim);
          break;
        case 2:
          node.client->set_reachable(!(random() % 2));
          break;
        case 3:
          cluster.etcd().set_quorum(random() % 3 != 0);
          break;
        default:
          break;
      }
      cluster.run_for(std::chrono::milliseconds(50 * (1 + random() % 60)));
      ASSERT_LE(cluster.max_leaders_seen(), 1) << "seed " << seed << " round " << round;
    }
    // Heal everything: one leader within TTL + a tick or two.
    cluster.etcd().set_quorum(true);
    for (std::size_t i = 0; i < cluster.size(); ++i) {
      if (!cluster.node(i).running) cluster.restart(i);
      cluster.node(i).client->set_reachable(true);
    }
    cluster.run_for(4s);
    EXPECT_EQ(cluster.leaders_now(), 1) << "seed " << seed;
    EXPECT_EQ(cluster.max_leaders_seen(), 1) << "seed " << seed;
  }
}

}  // namespace
}  // namespace hearth::cluster
