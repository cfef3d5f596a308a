#pragma once
// What `hearth status` shows, as one node sees it: nodes alive/dead and since when, quorum
// (members up out of all), the leader, the applied spec revision, and this node's own view.
// Built from the store (observe_cluster) and from probing each etcd member (probe_members).

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cluster/assignments.h"
#include "cluster/kv_store.h"
#include "cluster/records.h"
#include "cluster/service_status.h"
#include "spec/spec.h"

namespace hearth::cluster {

struct MemberView {
  std::string name;          // the node running the member
  std::string endpoint;      // its client URL
  bool up = false;           // it answered
  bool etcd_leader = false;  // it is etcd's raft leader (as it says itself)
  std::string error;         // why it is not up
};

struct NodeView {
  std::string name;
  std::string role;
  std::string address;
  bool alive = false;
  std::optional<std::int64_t> since;  // wall ms; nullopt when not known (no history yet)
  std::string version;                // hearthd's version, when alive
  std::int64_t started_at = 0;        // when its hearthd started, when alive
};

// The observing node's own state (filled in by hearthd).
struct SelfView {
  std::string name;
  LeaseId lease = 0;
  bool lease_held = false;
  bool fenced = false;
  int fence_count = 0;
  bool leader = false;
  std::int64_t last_renewal_ms_ago = -1;  // -1: never renewed
  std::string last_error;
  std::int64_t spec_revision = 0;  // the spec revision it runs; 0: the bootstrap file
  std::string spec_file;           // the bootstrap file
};

struct ClusterView {
  std::string cluster;
  std::string observed_by;
  std::int64_t observed_at = 0;
  bool quorum = false;
  std::string quorum_error;  // why linearizable reads failed
  bool stale = false;        // read from the local member alone: may be out of date
  int members_total = 0;
  int members_up = 0;
  std::vector<MemberView> members;
  std::optional<LeaderRecord> leader;
  std::optional<StoredSpec> spec;  // without its text
  std::vector<NodeView> nodes;     // every node of the spec, in spec order
  // How each service of the spec runs, as the node running it reports it (service_status.h), in
  // spec order; a service no node reports has only its name and state "not running".
  std::vector<ServiceStatusRecord> services;
  // Where each service of the spec is assigned (spec order; nullopt: not assigned yet), and
  // the drained nodes (assignments.h).
  std::vector<std::pair<std::string, std::optional<Assignment>>> assignments;
  std::map<std::string, DrainRecord> drained;
  std::optional<SelfView> self;
};

// Asks every member for its status, in parallel, each within `timeout`: the members (names =
// node names) and their client URLs as the local member at `local_endpoint` lists them; a node of
// the spec that is not a member is shown down. Answers without quorum.
std::vector<MemberView> probe_members(const Spec& spec, const std::string& local_endpoint,
                                      std::chrono::milliseconds timeout);

// Reads the cluster's state. With quorum: linearizable. Without: the local member's own copy,
// marked stale. Fails only when the store answers neither way. `members` (from probe_members,
// may be empty) fills the quorum counts.
Result<ClusterView> observe_cluster(KeyValueStore& store, const Spec& spec,
                                    std::vector<MemberView> members, std::int64_t now_ms);

// The JSON of GET /v1/status (docs/architecture.md, "API").
nlohmann::ordered_json to_json(const ClusterView& view);

}  // namespace hearth::cluster
