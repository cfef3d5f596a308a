#include "cluster/node_lease.h"

#include <gtest/gtest.h>

#include "cluster/keys.h"
#include "cluster/memory_kv_store.h"

namespace hearth::cluster {
namespace {

using namespace std::chrono_literals;

NodeRecord self_record() {
  NodeRecord self;
  self.name = "r510";
  self.role = "server";
  self.address = "10.1.2.17";
  self.version = "0.1.0";
  self.started_at = 1'700'000'000'000;
  return self;
}

class NodeLeaseTest : public ::testing::Test {
 protected:
  NodeLeaseTest() : etcd_(clock_), client_(etcd_.connect()), observer_(etcd_.connect()) {
    lease_ = std::make_unique<NodeLease>(*client_, clock_, self_record());
    lease_->set_fence_callback([this](const std::string& reason) {
      fences_.push_back(clock_.now());
      last_reason_ = reason;
    });
  }

  std::optional<KeyValue> node_key() {
    auto got = observer_->get(keys::node("r510"), Consistency::serializable);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : std::nullopt;
  }

  // hearthd's two loops: ticks every 500 ms, the watchdog every 50 ms.
  void run_for(std::chrono::milliseconds duration) {
    for (auto t = 0ms; t < duration; t += 50ms) {
      clock_.advance(50ms);
      elapsed_ += 50ms;
      lease_->check_fence();
      if (elapsed_ % 500ms == 0ms) (void)lease_->tick();
    }
  }

  ManualClock clock_;
  MemoryKeyValueStore etcd_;
  std::unique_ptr<MemoryKeyValueStore> client_;
  std::unique_ptr<MemoryKeyValueStore> observer_;
  std::unique_ptr<NodeLease> lease_;
  std::vector<Clock::TimePoint> fences_;
  std::string last_reason_;
  std::chrono::milliseconds elapsed_{0};
};

TEST_F(NodeLeaseTest, FirstTickGrantsALeaseAndRegistersTheNodeOnIt) {
  ASSERT_TRUE(lease_->tick().ok());
  auto state = lease_->state();
  EXPECT_NE(state.lease, 0);
  EXPECT_TRUE(state.registered);
  EXPECT_TRUE(state.held);
  EXPECT_EQ(state.deadline - clock_.now(), 1500ms) << "TTL 2 s minus the 500 ms margin";

  auto key = node_key();
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->lease, state.lease);
  auto record = NodeRecord::parse(key->value);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->name, "r510");
  EXPECT_EQ(record->role, "server");
  EXPECT_EQ(record->address, "10.1.2.17");
  EXPECT_EQ(record->version, "0.1.0");
  EXPECT_EQ(record->registered_at, clock_.wall_ms());
  EXPECT_EQ(record->lease, state.lease);
}

TEST_F(NodeLeaseTest, RenewingEvery500msKeepsTheNodeAliveIndefinitely) {
  ASSERT_TRUE(lease_->tick().ok());
  LeaseId first = lease_->lease_id();
  run_for(60s);
  EXPECT_TRUE(fences_.empty());
  EXPECT_EQ(lease_->lease_id(), first);
  EXPECT_TRUE(lease_->held());
  EXPECT_TRUE(node_key().has_value());
}

TEST_F(NodeLeaseTest, ACutOffNodeFencesBeforeEtcdExpiresItsLease) {
  ASSERT_TRUE(lease_->tick().ok());
  run_for(1s);
  auto last_renewal = lease_->state().last_renewal;
  client_->set_reachable(false);  // the node's link is cut; the rest of the cluster goes on

  std::optional<Clock::TimePoint> key_gone;
  for (int step = 0; step < 100 && !key_gone; ++step) {
    run_for(50ms);
    if (!node_key()) key_gone = clock_.now();
  }
  ASSERT_EQ(fences_.size(), 1u) << "fenced exactly once";
  ASSERT_TRUE(key_gone.has_value()) << "etcd expired the lease";
  EXPECT_LT(fences_[0], *key_gone) << "the node stopped its services before peers saw it dead";
  EXPECT_EQ(fences_[0] - last_renewal, 1500ms) << "fenced at TTL - margin after the last renewal";
  EXPECT_GE(*key_gone - fences_[0], 500ms) << "at least the margin between fence and expiry";
  EXPECT_FALSE(lease_->held());
  EXPECT_TRUE(lease_->state().fenced);
  EXPECT_NE(last_reason_.find("not renewed for 1500 ms"), std::string::npos) << last_reason_;
}

TEST_F(NodeLeaseTest, AfterFencingTheNodeComesBackWithANewLeaseAndRevokesTheOldOne) {
  ASSERT_TRUE(lease_->tick().ok());
  LeaseId first = lease_->lease_id();
  client_->set_reachable(false);
  run_for(1600ms);
  ASSERT_EQ(fences_.size(), 1u);
  ASSERT_EQ(lease_->lease_id(), 0);

  client_->set_reachable(true);  // within the TTL: etcd still has the old lease
  run_for(500ms);
  auto state = lease_->state();
  EXPECT_NE(state.lease, 0);
  EXPECT_NE(state.lease, first) << "a fenced lease is never used again";
  EXPECT_TRUE(state.held);
  EXPECT_FALSE(state.fenced);
  EXPECT_EQ(state.fence_count, 1);
  auto old = observer_->keep_alive(first);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, 0s) << "the abandoned lease was revoked";
  ASSERT_TRUE(node_key().has_value());
  EXPECT_EQ(node_key()->lease, state.lease);
  run_for(10s);
  EXPECT_EQ(fences_.size(), 1u);
}

TEST_F(NodeLeaseTest, ALeaseEtcdAlreadyExpiredFencesAtTheNextTick) {
  ASSERT_TRUE(lease_->tick().ok());
  clock_.advance(3s);  // the process was stopped (SIGSTOP, swap storm): no watchdog ran
  auto status = lease_->tick();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("has expired"), std::string::npos)
      << status.error().message;
  ASSERT_EQ(fences_.size(), 1u);
  ASSERT_TRUE(lease_->tick().ok());
  EXPECT_TRUE(lease_->held());
  EXPECT_TRUE(node_key().has_value());
}

TEST_F(NodeLeaseTest, WithoutQuorumRenewalsFailAndTheNodeFences) {
  ASSERT_TRUE(lease_->tick().ok());
  etcd_.set_quorum(false);
  run_for(2s);
  EXPECT_EQ(fences_.size(), 1u);
  EXPECT_FALSE(lease_->held());
  EXPECT_NE(lease_->state().last_error.find("no quorum"), std::string::npos)
      << lease_->state().last_error;
  etcd_.set_quorum(true);
  run_for(1s);
  EXPECT_TRUE(lease_->held()) << "registered again once the cluster is writable";
  EXPECT_EQ(fences_.size(), 1u);
}

TEST_F(NodeLeaseTest, ReleaseRevokesTheLeaseSoPeersSeeTheNodeLeaveAtOnce) {
  ASSERT_TRUE(lease_->tick().ok());
  ASSERT_TRUE(node_key().has_value());
  ASSERT_TRUE(lease_->release().ok());
  EXPECT_FALSE(node_key().has_value());
  EXPECT_FALSE(lease_->held());
  EXPECT_TRUE(fences_.empty()) << "a clean stop is not a fence";
  EXPECT_FALSE(lease_->check_fence());
}

TEST_F(NodeLeaseTest, ARestartedHearthdTakesTheKeyOverAndTheOldLeaseCannotDeleteIt) {
  ASSERT_TRUE(lease_->tick().ok());
  LeaseId old_lease = lease_->lease_id();
  // Crash: the old process stops without revoking. Its successor starts at once.
  auto new_client = etcd_.connect();
  NodeLease restarted(*new_client, clock_, self_record());
  ASSERT_TRUE(restarted.tick().ok());
  EXPECT_NE(restarted.lease_id(), old_lease);
  for (int i = 0; i < 10; ++i) {
    clock_.advance(500ms);
    ASSERT_TRUE(restarted.tick().ok());
  }
  ASSERT_TRUE(node_key().has_value()) << "the old lease expired but the key is the new lease's";
  EXPECT_EQ(node_key()->lease, restarted.lease_id());
}

TEST_F(NodeLeaseTest, AFailedRegistrationIsRetriedAndTheLeaseIsNotHeldMeanwhile) {
  // An etcd that grants the lease but fails the put: simulate with quorum lost right after.
  client_->set_reachable(false);
  EXPECT_FALSE(lease_->tick().ok());
  EXPECT_EQ(lease_->lease_id(), 0);
  EXPECT_FALSE(lease_->held());
  client_->set_reachable(true);
  ASSERT_TRUE(lease_->tick().ok());
  EXPECT_TRUE(lease_->held());
}

}  // namespace
}  // namespace hearth::cluster
