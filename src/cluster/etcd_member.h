#pragma once
// One node's etcd member, derived from the spec: a pure function, so every machine computes the
// same cluster from the same file, and `hearth etcd-exec` (what systemd and the lab run) only has
// to exec etcd with the result.
//
// Every node of the spec runs one member (the arbiter too: its vote is what keeps the cluster
// writable when either server dies). Members talk to each other on the management network:
//   peer URL    http://ADDRESS:2380
//   client URLs http://ADDRESS:2379 (peers' hearthd ask it for quorum) and http://127.0.0.1:2379
//               (the local hearthd)
//
// Timing (see docs/architecture.md, "etcd timing"): heartbeat 50 ms, election timeout 500 ms.
// On a LAN the round trip is well under 1 ms, so 50 ms heartbeats are cheap, and 500 ms of
// silence (10 heartbeats) still rides out an ordinary slow fsync. The election timeout matters
// twice for failover: a dead etcd leader is replaced after it, and the new leader then extends
// every lease by it (etcd's lessor Promote). So when the machine that dies was also etcd's
// leader, its node lease outlives it by detection + election + election timeout + TTL: measured
// on loopback ~3.3 s with 500 ms against ~4.4 s with 1000 ms (a follower's: ~1.3 s either way).
// etcd's minimum lease TTL (1.5 x election timeout, rounded up to whole seconds) is then 1 s,
// below the 2 s node lease TTL (cluster/node_lease.h), which etcd therefore keeps as asked.

#include <string>
#include <vector>

#include "common/result.h"
#include "spec/spec.h"

namespace hearth::cluster {

inline constexpr int kEtcdClientPort = 2379;
inline constexpr int kEtcdPeerPort = 2380;
inline constexpr int kEtcdHeartbeatIntervalMs = 50;
inline constexpr int kEtcdElectionTimeoutMs = 500;

struct EtcdMember {
  std::string name;  // the node's name
  std::string data_dir;
  std::vector<std::string> listen_peer_urls;
  std::vector<std::string> initial_advertise_peer_urls;
  std::vector<std::string> listen_client_urls;
  std::vector<std::string> advertise_client_urls;
  std::string initial_cluster;  // "r510=http://10.1.2.17:2380,r530=...,elitedesk=..."
  std::string
      initial_cluster_token;  // "hearth-<cluster.name>": members of other clusters refuse us
  int heartbeat_interval_ms = kEtcdHeartbeatIntervalMs;
  int election_timeout_ms = kEtcdElectionTimeoutMs;

  // The command line flags for etcd 3.4, "--name=r510" style, in a fixed order.
  std::vector<std::string> flags() const;
};

// The member that node `node_name` of `spec` runs, keeping its data in `data_dir`.
// Fails when the node is not in the spec or `data_dir` is not an absolute path.
Result<EtcdMember> etcd_member_for(const Spec& spec, const std::string& node_name,
                                   const std::string& data_dir);

// The client URL of every member, in spec order (for reaching peers' etcd, e.g. quorum counts).
std::vector<std::string> etcd_client_urls(const Spec& spec);

// "http://10.1.2.17:2379"
std::string etcd_client_url(const Node& node);

}  // namespace hearth::cluster
