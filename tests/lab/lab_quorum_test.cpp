// Scenario lab_quorum: the cluster keeps quorum through the loss of any one machine and says so
// clearly when it has none.
//   - each node in turn loses power (its links are cut): the other two show it dead, keep quorum
//     2/3, elect a new leader if the leader died, and still accept `hearth apply`; revived, it
//     rejoins and catches up. (How fast it is seen dead, ~2-4 s, is measured by
//     bench/lab-failover; here it is printed, and the waits' deadlines only catch a hang.)
//   - both servers lose power: the arbiter reports "no quorum"; `hearth apply` is refused.
//   - the arbiter leads hearth and etcd (back to it after it was dead).

#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "lab_fixture.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

long long spec_revision(const nlohmann::json& status) {
  return status.is_object() && status["spec"].is_object() ? status["spec"].value("revision", 0LL)
                                                          : 0;
}

class Quorum : public SharedLabSuite<Quorum> {
 protected:
  void SetUp() override {
    SharedLabSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(revive_all_and_wait_healthy(30s));
  }

  static std::vector<std::string> others(const std::string& node) {
    std::vector<std::string> result;
    for (const auto& n : lab_->state().nodes) {
      if (n.name != node) result.push_back(n.name);
    }
    return result;
  }

  static int applied_;
};

int Quorum::applied_ = 0;

class PowerLoss : public Quorum, public ::testing::WithParamInterface<std::string> {};

TEST_P(PowerLoss, SurvivorsSeeItDeadKeepQuorumElectAndApplyThenItRejoins) {
  const std::string victim = GetParam();
  const auto survivors = others(victim);
  auto before = lab_->cluster_status(survivors[0]);
  const std::string old_leader = leader_of(before);
  const long long old_revision = spec_revision(before);

  lab_->kill_power(victim);
  // Dead in every survivor's view.
  std::chrono::milliseconds slowest{0};
  for (const auto& survivor : survivors) {
    auto took = wait_until(
        [&] { return node_state(lab_->cluster_status(survivor), victim) == "dead"; }, 60s);
    ASSERT_TRUE(took.has_value()) << survivor << " never saw " << victim << " dead";
    slowest = std::max(slowest, *took);
  }
  std::cout << victim << " (power cut) dead in the survivors' views after " << slowest.count()
            << " ms\n";

  // Quorum 2/3 kept, and a leader that is alive (a new one if the leader died).
  std::optional<std::chrono::milliseconds> elected = wait_until(
      [&] {
        for (const auto& survivor : survivors) {
          auto status = lab_->cluster_status(survivor);
          std::string leader = leader_of(status);
          if (!has_quorum(status) || leader.empty() || leader == victim) return false;
        }
        return true;
      },
      20s);
  ASSERT_TRUE(elected.has_value())
      << "no live leader with quorum among " << survivors[0] << ", " << survivors[1];
  for (const auto& survivor : survivors) {
    auto status = lab_->cluster_status(survivor);
    EXPECT_EQ(status["quorum"].value("members_up", 0), 2) << status.dump();
    EXPECT_EQ(status["quorum"].value("members", 0), 3);
  }
  if (old_leader == victim) {
    std::cout << "the leader " << victim
              << " died: " << leader_of(lab_->cluster_status(survivors[0])) << " leads "
              << elected->count() << " ms after it was seen dead\n";
  } else {
    EXPECT_EQ(leader_of(lab_->cluster_status(survivors[0])), old_leader)
        << "a live leader stays leader";
  }

  // `hearth apply` still works, and every survivor follows the new revision.
  Completed applied = lab_->apply(example_spec_variant(++applied_));
  EXPECT_TRUE(applied.succeeded()) << applied.out << applied.err;
  for (const auto& survivor : survivors) {
    EXPECT_TRUE(wait_until(
        [&] { return spec_revision(lab_->cluster_status(survivor)) == old_revision + 1; }, 10s))
        << survivor << " does not show the new revision";
  }

  // Back on: it rejoins (alive in every view, quorum 3/3) and has the revision it missed.
  lab_->revive(victim);
  auto rejoined = wait_until(
      [&] {
        auto own = lab_->cluster_status(victim);
        if (!has_quorum(own) || spec_revision(own) != old_revision + 1) return false;
        for (const auto& node : lab_->state().nodes) {
          if (node_state(lab_->cluster_status(node.name), victim) != "alive") return false;
        }
        return own["quorum"].value("members_up", 0) == 3;
      },
      30s);
  ASSERT_TRUE(rejoined.has_value())
      << victim << " did not rejoin: " << lab_->cluster_status(victim).dump(2);
  std::cout << victim << " rejoined " << rejoined->count() << " ms after its links came back\n";
}

INSTANTIATE_TEST_SUITE_P(EachNode, PowerLoss, ::testing::Values("r510", "r530", "elitedesk"),
                         [](const auto& info) { return info.param; });

// The arbiter runs no service, so it keeps both leaderships (docs/architecture.md): hearth's (a
// server hands it back 10 s after the arbiter is alive again) and etcd's raft leadership (moved to
// it after 3 s). A server's death then never costs an election.
TEST_F(Quorum, TheArbiterLeadsHearthAndEtcd) {
  auto settled = wait_until(
      [] {
        auto status = lab_->cluster_status("r510");
        if (leader_of(status) != "elitedesk") return false;
        for (const auto& member : status["members"]) {
          if (member.value("etcd_leader", false)) return member.value("name", "") == "elitedesk";
        }
        return false;
      },
      60s);
  ASSERT_TRUE(settled.has_value()) << "the arbiter does not lead hearth and etcd: "
                                   << lab_->cluster_status("r510").dump(2);
}

TEST_F(Quorum, BothServersDownTheArbiterSaysNoQuorumAndApplyIsRefused) {
  const long long revision = spec_revision(lab_->cluster_status("elitedesk"));
  lab_->kill_power("r510");
  lab_->kill_power("r530");
  auto lost = wait_until([] { return !has_quorum(lab_->cluster_status("elitedesk")); }, 20s);
  ASSERT_TRUE(lost.has_value()) << "the arbiter still claims quorum: "
                                << lab_->cluster_status("elitedesk").dump(2);
  std::cout << "the arbiter reports no quorum " << lost->count()
            << " ms after both servers lost power\n";

  auto status = lab_->cluster_status("elitedesk");
  EXPECT_EQ(status["quorum"].value("members_up", -1), 1) << status.dump(2);
  Completed text = hearth({"status", "--node", "elitedesk"});
  EXPECT_EQ(text.exit_code, 1) << "status without quorum is a failure for scripts";
  EXPECT_NE(text.out.find("NO QUORUM"), std::string::npos) << "said clearly: " << text.out;

  Completed through_arbiter = lab_->apply(example_spec_variant(++applied_), "elitedesk");
  EXPECT_EQ(through_arbiter.exit_code, 1) << through_arbiter.out;
  EXPECT_NE(through_arbiter.err.find("quorum"), std::string::npos) << through_arbiter.err;
  EXPECT_NE(through_arbiter.err.find("nothing was applied"), std::string::npos)
      << through_arbiter.err;
  Completed anywhere = lab_->apply(example_spec_variant(++applied_));
  EXPECT_EQ(anywhere.exit_code, 1) << anywhere.out;

  lab_->revive("r510");
  lab_->revive("r530");
  ASSERT_TRUE(lab_->wait_healthy(30s).has_value());
  EXPECT_EQ(spec_revision(lab_->cluster_status("r510")), revision)
      << "the refused applies changed nothing";
}

}  // namespace
}  // namespace hearth::lab::testing
