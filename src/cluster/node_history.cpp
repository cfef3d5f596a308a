#include "cluster/node_history.h"

#include <algorithm>

#include "cluster/keys.h"
#include "cluster/malformed_records.h"
#include "common/log.h"

namespace hearth::cluster {

Result<NodeObservation> observe_nodes(KeyValueStore& store, Consistency consistency) {
  NodeObservation observation;
  auto nodes = store.get_prefix(keys::kNodesPrefix, consistency);
  if (!nodes) return Error{"cannot read the live nodes: " + nodes.error().message};
  for (const auto& kv : nodes->kvs) {
    auto record = NodeRecord::parse(kv.value);
    std::string name = kv.key.substr(std::string(keys::kNodesPrefix).size());
    if (!record) {
      report_malformed_record("node record", kv, record.error().message);
      continue;
    }
    record->lease = kv.lease;
    observation.alive[name] = std::move(*record);
  }
  auto history = store.get_prefix(keys::kNodeHistoryPrefix, consistency);
  if (!history) return Error{"cannot read the node history: " + history.error().message};
  for (const auto& kv : history->kvs) {
    auto record = NodeHistoryRecord::parse(kv.value);
    if (!record) continue;  // rewritten below as if absent
    observation.history[kv.key.substr(std::string(keys::kNodeHistoryPrefix).size())] = *record;
  }
  return observation;
}

Result<int> record_node_history(KeyValueStore& store, const std::vector<std::string>& node_names,
                                const Compare& leader_guard, const std::string& leader_name,
                                std::int64_t now_ms) {
  auto observation = observe_nodes(store, Consistency::linearizable);
  if (!observation) return observation.error();
  Txn txn;
  txn.compares = {leader_guard};
  std::vector<std::string> messages;
  for (const auto& name : node_names) {
    auto live = observation->alive.find(name);
    bool alive = live != observation->alive.end();
    auto recorded = observation->history.find(name);
    if (recorded != observation->history.end() && recorded->second.alive == alive) continue;
    NodeHistoryRecord record;
    record.alive = alive;
    record.observed_by = leader_name;
    // Alive since it registered (its own clock; never in our future), dead since we noticed.
    record.since = alive && live->second.registered_at > 0
                       ? std::min(live->second.registered_at, now_ms)
                       : now_ms;
    messages.push_back("node " + name + " is " + (alive ? "alive" : "dead") +
                       (recorded == observation->history.end() ? " (first record)" : ""));
    txn.success.push_back(TxnOp::put(keys::node_history(name), record.to_json()));
  }
  if (txn.success.empty()) return 0;
  auto result = store.txn(txn);
  if (!result) return Error{"cannot record the node history: " + result.error().message};
  if (!result->succeeded) return 0;
  for (const auto& message : messages) log::info(message);
  return static_cast<int>(txn.success.size());
}

}  // namespace hearth::cluster
