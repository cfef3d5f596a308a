#pragma once
// A simulated cluster for the control logic: N hearthd "nodes", each with its own client of one
// MemoryKeyValueStore, its NodeLease and LeaderElection, driven by one ManualClock in 50 ms steps
// (renewal ticks every 500 ms, the fence watchdog every step), like hearthd's threads.

#include <memory>
#include <string>
#include <vector>

#include "cluster/keys.h"
#include "cluster/leader_election.h"
#include "cluster/memory_kv_store.h"
#include "cluster/node_lease.h"

namespace hearth::cluster::testing {

using namespace std::chrono_literals;

struct SimNode {
  std::string name;
  std::unique_ptr<MemoryKeyValueStore> client;
  std::unique_ptr<NodeLease> lease;
  std::unique_ptr<LeaderElection> election;
  bool running = true;  // false: crashed (no ticks, no watchdog)
  int fences = 0;
  Clock::TimePoint last_fence{};
  std::chrono::milliseconds tick_phase{0};  // offset of this node's ticks in the 500 ms cycle
};

class SimCluster {
 public:
  explicit SimCluster(std::vector<std::string> names) : etcd_(clock_) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      nodes_.push_back(std::make_unique<SimNode>());
      start(*nodes_.back(), names[i]);
      nodes_.back()->tick_phase = std::chrono::milliseconds(50 * static_cast<int>(i));
    }
  }

  // Every node (and every restarted one) prefers `node` as the leader (LeaderElection).
  void prefer(const std::string& node) {
    preferred_ = node;
    for (auto& n : nodes_) n->election->set_preferred_leader(node);
  }

  ManualClock& clock() { return clock_; }
  MemoryKeyValueStore& etcd() { return etcd_; }
  SimNode& node(std::size_t i) { return *nodes_[i]; }
  std::size_t size() const { return nodes_.size(); }

  // A crashed hearthd comes back as a new process: new objects, new lease; the old lease is
  // left to expire (nobody revoked it).
  void restart(std::size_t i) {
    SimNode& n = *nodes_[i];
    std::string name = n.name;
    start(n, name);
  }

  // Advances time by `duration` in 50 ms steps, running each live node's ticks and watchdog.
  // After every step, checks the invariant and counts leaders.
  void run_for(std::chrono::milliseconds duration) {
    for (auto t = 0ms; t < duration; t += 50ms) {
      clock_.advance(50ms);
      elapsed_ += 50ms;
      for (auto& n : nodes_) {
        if (!n->running) continue;
        n->lease->check_fence();
        if ((elapsed_ - n->tick_phase) % 500ms == 0ms) {
          (void)n->lease->tick();
          (void)n->election->tick();
        }
      }
      int leaders = 0;
      for (auto& n : nodes_) leaders += (n->running && n->election->is_leader()) ? 1 : 0;
      max_leaders_ = std::max(max_leaders_, leaders);
    }
  }

  // The node that believes it leads, or -1.
  int leader() const {
    int found = -1;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i]->running && nodes_[i]->election->is_leader()) found = static_cast<int>(i);
    }
    return found;
  }
  int leaders_now() const {
    int count = 0;
    for (auto& n : nodes_) count += (n->running && n->election->is_leader()) ? 1 : 0;
    return count;
  }
  int max_leaders_seen() const { return max_leaders_; }

  bool key_exists(const std::string& key) {
    auto observer = etcd_.connect();
    auto got = observer->get(key, Consistency::serializable);
    return got.ok() && got->has_value();
  }

 private:
  void start(SimNode& n, const std::string& name) {
    n.election.reset();
    n.lease.reset();
    n.name = name;
    n.client = etcd_.connect();
    NodeRecord self;
    self.name = name;
    self.role = "server";
    self.address = "10.1.2.1";
    self.version = "test";
    self.started_at = clock_.wall_ms();
    n.lease = std::make_unique<NodeLease>(*n.client, clock_, self);
    SimNode* raw = &n;
    ManualClock* clock = &clock_;
    n.lease->set_fence_callback([raw, clock](const std::string&) {
      ++raw->fences;
      raw->last_fence = clock->now();
    });
    n.election = std::make_unique<LeaderElection>(*n.client, clock_, *n.lease);
    n.election->set_preferred_leader(preferred_);
    n.running = true;
  }

  ManualClock clock_;
  std::string preferred_;
  MemoryKeyValueStore etcd_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::chrono::milliseconds elapsed_{0};
  int max_leaders_ = 0;
};

}  // namespace hearth::cluster::testing
