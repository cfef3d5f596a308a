#pragma once
// Electing one hearthd leader through etcd.
//
// Campaign: a transaction "if /hearth/leader does not exist, put it (LeaderRecord) on my lease;
// else read it". The key exists as long as the winner's lease does, so:
// - at most one node holds the key at a time (etcd's transactions are serializable);
// - a leader that dies or is cut off loses the key when etcd expires its lease; every other node
//   campaigns on each tick (500 ms) and one wins after that;
// - a restarted hearthd has a new lease: the key of its previous incarnation (old lease) is not
//   its own, so it is a follower until that key expires, and never a second leader.
// A node believes it leads only while its own lease is held (NodeLease::held(), which ends before
// etcd can expire the lease, see node_lease.h): its belief ends before anyone else can win.
// Every write a leader makes carries guard() (the key still exists with the create revision it
// won), so even a stale belief cannot write.
//
// The preferred leader (hearthd sets it to the arbiter): a server's failover is fastest when the
// node that reassigns its services is not the one that died, and only the arbiter never runs a
// service. So a node other than the preferred one campaigns only while the preferred node is not
// alive (its /hearth/nodes key absent, checked in the same transaction), and a leader that is not
// the preferred node resigns once the preferred node has been alive for kHandBackSettle (so a
// flapping arbiter does not make the leadership flap). Without a preference every node campaigns.
//
// Thread-safety: tick() and resign() from the control loop; the rest from any thread.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "cluster/kv_store.h"
#include "cluster/node_lease.h"
#include "cluster/records.h"
#include "common/clock.h"

namespace hearth::cluster {

// How long the preferred leader must be alive before another leader hands the leadership back.
inline constexpr std::chrono::seconds kHandBackSettle{10};

class LeaderElection {
 public:
  LeaderElection(KeyValueStore& store, Clock& clock, NodeLease& lease);
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  // The node that should lead whenever it is alive ("": none). Takes effect at the next tick.
  void set_preferred_leader(std::string node);

  // Campaigns if there is no leader (while this node holds its lease); otherwise observes who
  // leads. Call after NodeLease::tick(). Fails when etcd does not answer (nothing changes).
  Status tick();

  // This node leads: it won with its current lease and that lease is held right now.
  bool is_leader() const;

  // The leader as last observed (this node or another); nullopt when there was none.
  std::optional<LeaderRecord> leader() const;

  // A transaction compare that holds while this node still owns the leader key it won (never
  // holds when this node has not won).
  Compare guard() const;

  // Gives up leadership (deletes the key if it is still ours) so another node takes over at once
  // rather than after the lease expires. No-op when not leader.
  Status resign();

 private:
  KeyValueStore& store_;
  Clock& clock_;
  NodeLease& lease_;

  mutable std::mutex mutex_;
  LeaseId won_with_ = 0;  // the lease this node won with; 0: not leader
  Revision won_at_ = 0;   // create revision of the leader key it won
  std::optional<LeaderRecord> leader_;
  std::string preferred_;
  std::optional<Clock::TimePoint> preferred_alive_since_;  // seen alive at every tick since then
};

}  // namespace hearth::cluster
