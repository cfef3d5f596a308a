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
// Timing (see docs/architecture.md, "etcd timing"): heartbeat 100 ms, election timeout 1000 ms.
// On a LAN the round trip is well under 1 ms, so 100 ms heartbeats are cheap; 1000 ms of silence
// before an election rides out a slow fsync on a busy spinning disk (which would otherwise cause
// spurious elections) while a dead etcd leader is replaced in ~1-2 s. It also fixes etcd's
// minimum lease TTL (1.5 x election timeout, rounded up to whole seconds = 2 s), which is the TTL
// of the node leases (cluster/node_lease.h).

#include <string>
#include <vector>

#include "common/result.h"
#include "spec/spec.h"

namespace hearth::cluster {

inline constexpr int kEtcdClientPort = 2379;
inline constexpr int kEtcdPeerPort = 2380;
inline constexpr int kEtcdHeartbeatIntervalMs = 100;
inline constexpr int kEtcdElectionTimeoutMs = 1000;

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
