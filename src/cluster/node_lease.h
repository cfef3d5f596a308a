#pragma once
// This node's lease in the cluster: "a node is alive iff its key exists".
//
// hearthd grants a lease (TTL 2 s), puts /hearth/nodes/<name> (NodeRecord) on it, and renews it
// every 500 ms. When the node dies or is cut off, etcd deletes the key TTL after the last renewal
// it received; when hearthd stops cleanly it revokes the lease and the key goes at once.
//
// Fencing: the holder cannot know when etcd will expire the lease, but it knows a lower bound:
// etcd restarts the TTL when it *receives* a renewal, which is after the holder *sent* it. So the
// lease is safe until (start of the last successful renewal + TTL). The holder gives up earlier,
// at that point minus a margin (500 ms: clock-rate differences, and time to stop services):
//
//   fence deadline = start of last successful renewal + TTL - margin       (1.5 s after it)
//
// check_fence() (cheap, no I/O; hearthd calls it every 50 ms from a watchdog thread, so a renewal
// stuck in I/O cannot delay it) calls the fence callback once the deadline has passed: stop every
// service, drop every service address. A fenced lease is abandoned for good (never renewed again,
// revoked when etcd answers again) and the next tick() starts over with a new lease, so a node
// that comes back is a new incarnation: the leader never sees one lease flap.
// The leader reassigns a dead node's work only once its key is gone, i.e. after etcd expired the
// lease, which is after the holder fenced itself. So no service runs twice.
//
// Thread-safety: tick(), release() from one thread (the control loop); check_fence(), state()
// and held() from any thread. The callback runs on the thread that detects the deadline.

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "cluster/kv_store.h"
#include "cluster/records.h"
#include "common/clock.h"

namespace hearth::cluster {

struct NodeLeaseTiming {
  std::chrono::seconds ttl{2};                    // see docs/architecture.md, "Node liveness"
  std::chrono::milliseconds renew_interval{500};  // 4 renewals per TTL: 2 may fail unnoticed
  std::chrono::milliseconds fence_margin{500};
};

class NodeLease {
 public:
  using FenceCallback = std::function<void(const std::string& reason)>;

  // `self`: this node's record (name, role, address, version, started_at); the lease and
  // registered_at fields are filled in here.
  NodeLease(KeyValueStore& store, Clock& clock, NodeRecord self, NodeLeaseTiming timing = {});
  NodeLease(const NodeLease&) = delete;
  NodeLease& operator=(const NodeLease&) = delete;

  // Called when this node must stop its services (see above). Set before the first tick().
  void set_fence_callback(FenceCallback callback);

  // One step, every renew_interval: without a lease, grants one and registers the node key on
  // it; with one, renews it (and registers if an earlier registration failed). Fails, changing
  // nothing else, when etcd does not answer; fences at once when etcd says the lease is gone.
  Status tick();

  // Fences (once per lease) when the deadline has passed. Returns true if it fenced now.
  bool check_fence();

  // Revokes the lease so the node key vanishes at once (clean shutdown). Afterwards the node
  // holds no lease; a later tick() would register again.
  Status release();

  struct State {
    LeaseId lease = 0;                // 0: none
    bool registered = false;          // the node key was put on this lease
    bool held = false;                // the lease is safe to act on now (before the deadline)
    bool fenced = false;              // the last lease was given up; no new one registered yet
    int fence_count = 0;              // how many times this node fenced
    Clock::TimePoint deadline{};      // fence deadline of the current lease
    Clock::TimePoint last_renewal{};  // start of the last successful grant/renewal
    std::string last_error;           // of the last failed tick, empty after a good one
  };
  State state() const;

  // A lease that is registered and before its deadline: this node may act as a cluster member
  // (and, if it won the election, as leader).
  bool held() const;
  LeaseId lease_id() const;
  const NodeLeaseTiming& timing() const { return timing_; }
  const std::string& node_name() const { return self_.name; }

 private:
  // REQUIRES: mutex_ held. Abandons the current lease; returns the callback to run (unlocked).
  FenceCallback fence_locked(const std::string& reason, bool& fenced_now);
  Status register_key(LeaseId lease);

  KeyValueStore& store_;
  Clock& clock_;
  NodeRecord self_;
  NodeLeaseTiming timing_;
  FenceCallback on_fence_;

  mutable std::mutex mutex_;
  LeaseId lease_ = 0;
  LeaseId abandoned_ = 0;  // a fenced lease to revoke when etcd answers again
  bool registered_ = false;
  bool fenced_ = false;
  int fence_count_ = 0;
  Clock::TimePoint deadline_{};
  Clock::TimePoint last_renewal_{};
  std::string last_error_;
};

}  // namespace hearth::cluster
