#include "cluster/control_loop.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cluster/keys.h"
#include "cluster/memory_kv_store.h"
#include "spec/load.h"

namespace hearth::cluster {
namespace {

using namespace std::chrono_literals;

std::string example_text() {
  std::ifstream in(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Spec example_spec() {
  LoadResult loaded = load_spec_text(example_text(), "homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return *loaded.spec;
}

class ControlLoopTest : public ::testing::Test {
 protected:
  ControlLoopTest() : etcd_(clock_) {
    spec_ = example_spec();
    for (const auto& node : spec_.nodes) {
      clients_.push_back(etcd_.connect());
      loops_.push_back(std::make_unique<ControlLoop>(*clients_.back(), *clients_.back(), clock_,
                                                     spec_,
                                                     ControlLoopOptions{node.name, "t", {}}));
    }
  }
  void run_for(std::chrono::milliseconds duration) {
    for (auto t = 0ms; t < duration; t += 500ms) {
      clock_.advance(500ms);
      for (auto& loop : loops_) {
        (void)loop->renew_lease();
        (void)loop->tick();
      }
    }
  }
  ManualClock clock_;
  MemoryKeyValueStore etcd_;
  Spec spec_;
  std::vector<std::unique_ptr<MemoryKeyValueStore>> clients_;
  std::vector<std::unique_ptr<ControlLoop>> loops_;
};

TEST_F(ControlLoopTest, NodesRegisterOneLeadsAndStatusShowsThemAll) {
  run_for(1s);
  int leaders = 0;
  for (auto& loop : loops_) leaders += loop->is_leader() ? 1 : 0;
  EXPECT_EQ(leaders, 1);
  auto view = loops_[0]->status({});
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_TRUE(view->quorum);
  ASSERT_EQ(view->nodes.size(), spec_.nodes.size());
  for (const auto& node : view->nodes) {
    EXPECT_TRUE(node.alive) << node.name;
    EXPECT_TRUE(node.since.has_value()) << node.name;
  }
  ASSERT_TRUE(view->self.has_value());
  EXPECT_EQ(view->self->name, spec_.nodes[0].name);
  EXPECT_TRUE(view->self->lease_held);
  EXPECT_EQ(view->self->spec_revision, 0) << "the bootstrap file until something is applied";
}

TEST_F(ControlLoopTest, AnAppliedSpecBecomesTheSpecOfEveryNode) {
  run_for(1s);
  std::string changed = example_text() + "\n# changed\n";
  auto applied = loops_[1]->apply(changed, "tester");
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(applied->spec.revision, 1);
  EXPECT_EQ(loops_[1]->spec_revision(), 1) << "the applying node switches at once";
  run_for(500ms);
  for (auto& loop : loops_) EXPECT_EQ(loop->spec_revision(), 1);
  auto view = loops_[0]->status({});
  ASSERT_TRUE(view.ok());
  ASSERT_TRUE(view->spec.has_value());
  EXPECT_EQ(view->spec->revision, 1);
  EXPECT_EQ(view->spec->applied_by, "tester");
}

TEST_F(ControlLoopTest, AStoredSpecThatDoesNotLoadIsIgnored) {
  run_for(1s);
  ASSERT_TRUE(store_spec(etcd_, "not: [a, valid spec\n", "someone", 1).ok());
  run_for(1s);
  for (auto& loop : loops_) {
    EXPECT_EQ(loop->spec_revision(), 0);
    EXPECT_EQ(loop->spec().nodes.size(), spec_.nodes.size());
  }
}

TEST_F(ControlLoopTest, ShutdownLetsPeersSeeTheNodeLeaveAtOnce) {
  run_for(1s);
  std::size_t leader = 0;
  while (!loops_[leader]->is_leader()) ++leader;
  loops_[leader]->shutdown();
  auto observer = etcd_.connect();
  auto key = observer->get(keys::node(spec_.nodes[leader].name), Consistency::linearizable);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(key->has_value());
  auto leader_key = observer->get(keys::kLeader, Consistency::linearizable);
  ASSERT_TRUE(leader_key.ok());
  EXPECT_FALSE(leader_key->has_value());
  loops_.erase(loops_.begin() + static_cast<long>(leader));
  run_for(500ms);
  int leaders = 0;
  for (auto& loop : loops_) leaders += loop->is_leader() ? 1 : 0;
  EXPECT_EQ(leaders, 1) << "a new leader within one tick";
}

}  // namespace
}  // namespace hearth::cluster
