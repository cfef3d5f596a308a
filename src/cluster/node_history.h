#pragma once
// "Since when" is each node alive or dead. The leader records every transition it observes under
// /hearth/node-history/<node>: a node's key appearing (alive since it registered: the
// registered_at of its record) or disappearing (dead since the leader noticed: within one tick,
// 500 ms, of etcd expiring the lease). A new leader continues from the stored history, so
// "since" survives leader changes; nodes never seen are recorded dead from the first leader's
// first look. Writes are guarded by the leadership (LeaderElection::guard()).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/kv_store.h"
#include "cluster/records.h"

namespace hearth::cluster {

// The live nodes (by name) and the recorded history, as read from the store.
struct NodeObservation {
  std::map<std::string, NodeRecord> alive;
  std::map<std::string, NodeHistoryRecord> history;
};

// Reads /hearth/nodes/ and /hearth/node-history/ with `consistency`.
Result<NodeObservation> observe_nodes(KeyValueStore& store, Consistency consistency);

// Leader only: records a transition for every node in `node_names` whose liveness differs from
// its history (or has none). Returns how many records it wrote. A lost leadership (guard fails)
// writes nothing and is not an error.
Result<int> record_node_history(KeyValueStore& store, const std::vector<std::string>& node_names,
                                const Compare& leader_guard, const std::string& leader_name,
                                std::int64_t now_ms);

}  // namespace hearth::cluster
