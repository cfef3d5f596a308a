#include "cluster/assignments.h"

#include <set>

#include "cluster/keys.h"
#include "cluster/malformed_records.h"
#include "cluster/record_json.h"
#include "cluster/records.h"
#include "cluster/stored_plan.h"
#include "common/log.h"

namespace hearth::cluster {
namespace {

std::string suffix(const std::string& key, const char* prefix) {
  return key.substr(std::string(prefix).size());
}

}  // namespace

// ---- for every node ------------------------------------------------------------------------

Result<std::vector<Assignment>> read_assignments(KeyValueStore& store, Consistency consistency) {
  auto range = store.get_prefix(keys::kAssignmentsPrefix, consistency);
  if (!range) return Error{"cannot read the assignments: " + range.error().message};
  std::vector<Assignment> out;
  for (const auto& kv : range->kvs) {
    auto parsed = Assignment::parse(kv.value);
    if (!parsed) {
      report_malformed_record("assignment", kv, parsed.error().message);
      continue;
    }
    parsed->service = suffix(kv.key, keys::kAssignmentsPrefix);  // the key is the truth
    parsed->revision = kv.mod_revision;
    out.push_back(std::move(*parsed));
  }
  return out;
}

std::map<std::string, Ipv4> services_for_node(const std::vector<Assignment>& assignments,
                                              const std::string& node) {
  std::map<std::string, Ipv4> out;
  if (node.empty()) return out;
  for (const auto& a : assignments) {
    if (a.node == node && a.state == AssignmentState::active) out[a.service] = a.address;
  }
  return out;
}

std::vector<Assignment> releases_for_node(const std::vector<Assignment>& assignments,
                                          const std::string& node) {
  std::vector<Assignment> out;
  for (const auto& a : assignments) {
    if (a.node == node && a.state == AssignmentState::releasing) out.push_back(a);
  }
  return out;
}

Result<bool> acknowledge_release(KeyValueStore& store, const Assignment& releasing,
                                 const std::string& node, LeaseId node_lease,
                                 std::int64_t now_ms) {
  ReleaseRecord record;
  record.service = releasing.service;
  record.node = node;
  record.address = releasing.address;
  record.revision = releasing.revision;
  record.at = now_ms;
  Txn txn;
  txn.compares = {Compare::modified_at(keys::assignment(releasing.service), releasing.revision)};
  txn.success = {TxnOp::put(keys::released(releasing.service), record.to_json(), node_lease)};
  auto result = store.txn(txn);
  if (!result) {
    return Error{"cannot acknowledge the release of " + releasing.service + ": " +
                 result.error().message};
  }
  return result->succeeded;
}

// ---- drain ---------------------------------------------------------------------------------

Result<std::map<std::string, DrainRecord>> read_drained(KeyValueStore& store,
                                                        Consistency consistency) {
  auto range = store.get_prefix(keys::kDrainedPrefix, consistency);
  if (!range) return Error{"cannot read the drained nodes: " + range.error().message};
  std::map<std::string, DrainRecord> out;
  for (const auto& kv : range->kvs) {
    std::string node = suffix(kv.key, keys::kDrainedPrefix);
    auto parsed = DrainRecord::parse(kv.value);
    DrainRecord record = parsed ? *parsed : DrainRecord{};  // a damaged record still drains
    record.node = node;
    out[node] = record;
  }
  return out;
}

Result<bool> drain_node(KeyValueStore& store, const std::string& node, const std::string& by,
                        std::int64_t now_ms) {
  DrainRecord record{node, now_ms, by};
  Txn txn;
  txn.compares = {Compare::absent(keys::drained(node))};
  txn.success = {TxnOp::put(keys::drained(node), record.to_json())};
  auto result = store.txn(txn);
  if (!result) return Error{"cannot drain " + node + ": " + result.error().message};
  return result->succeeded;
}

Result<bool> undrain_node(KeyValueStore& store, const std::string& node) {
  auto erased = store.erase(keys::drained(node));
  if (!erased) return Error{"cannot undrain " + node + ": " + erased.error().message};
  return *erased;
}

// ---- the leader's step ---------------------------------------------------------------------

Result<AssignmentStepResult> run_assignment_step(KeyValueStore& store, const Spec& spec,
                                                 const Compare& leader_guard,
                                                 const std::string& leader, std::int64_t now_ms,
                                                 const AssignmentStepOptions& options) {
  AssignmentInput input;
  input.spec = &spec;
  input.now_ms = now_ms;
  input.leader = leader;
  input.prefer_return_settle = options.prefer_return_settle;

  // A leader that follows an older spec than the stored decision was made for waits until it has
  // caught up (one control tick): deciding from the older spec would undo the newer decision.
  auto stored_key = store.get(keys::kPlan, Consistency::linearizable);
  if (!stored_key) return Error{"cannot read the stored plan: " + stored_key.error().message};
  const Revision plan_revision = stored_key->has_value() ? (*stored_key)->mod_revision : 0;
  std::optional<StoredPlan> stored;
  if (stored_key->has_value()) {
    auto parsed = StoredPlan::parse((*stored_key)->value);
    if (parsed) {
      stored = std::move(*parsed);
    } else {
      log::warn("the stored plan is damaged; deciding it again: " + parsed.error().message);
    }
  }
  if (stored && stored->spec_revision > options.spec_revision) {
    return Error{"the stored decision is for spec revision " +
                 std::to_string(stored->spec_revision) + ", newer than revision " +
                 std::to_string(options.spec_revision) +
                 " this leader follows: waiting to catch up before deciding"};
  }

  // The nodes first: a node seen dead here is dead at the write too (the txn requires it).
  auto nodes = store.get_prefix(keys::kNodesPrefix, Consistency::linearizable);
  if (!nodes) return Error{"cannot read the live nodes: " + nodes.error().message};
  for (const auto& kv : nodes->kvs) {
    std::string name = suffix(kv.key, keys::kNodesPrefix);
    auto record = NodeRecord::parse(kv.value);
    input.live[name] = record && record->registered_at > 0 ? record->registered_at : 0;
  }
  bool every_server_live = true;
  for (const Node* server : spec.servers()) {
    if (!input.live.contains(server->name)) every_server_live = false;
  }
  input.place_new =
      every_server_live || now_ms - options.leading_since_ms >= options.initial_grace.count();
  auto drained = read_drained(store, Consistency::linearizable);
  if (!drained) return drained.error();
  for (const auto& [node, record] : *drained) input.drained.insert(node);
  auto assignments = read_assignments(store, Consistency::linearizable);
  if (!assignments) return assignments.error();
  for (auto& a : *assignments) input.current[a.service] = a;
  auto releases = store.get_prefix(keys::kReleasedPrefix, Consistency::linearizable);
  if (!releases) return Error{"cannot read the releases: " + releases.error().message};
  std::map<std::string, Revision> release_revisions;
  for (const auto& kv : releases->kvs) {
    std::string service = suffix(kv.key, keys::kReleasedPrefix);
    release_revisions[service] = kv.mod_revision;
    auto record = ReleaseRecord::parse(kv.value);
    if (!record) {
      // Damaged: treated as stale (deleted below), never as a release.
      ReleaseRecord stale;
      stale.service = service;
      input.released[service] = stale;
      continue;
    }
    input.released[service] = *record;
  }

  auto decision = decide_assignments(input);
  if (!decision) return Error{"cannot plan the assignments: " + decision.error().message};

  StoredPlan plan = StoredPlan::from(decision->plan, options.spec_revision, leader, now_ms);
  bool plan_changed = !stored || stored->content_json() != plan.content_json();

  AssignmentStepResult result;
  if (decision->updates.empty() && decision->stale_releases.empty() && !plan_changed) return result;

  // One transaction: the plan and the assignments that carry it out are never seen apart.
  Txn txn;
  txn.compares.push_back(leader_guard);
  txn.compares.push_back(Compare::modified_at(keys::kPlan, plan_revision));
  if (plan_changed) {
    txn.success.push_back(TxnOp::put(keys::kPlan, plan.to_json()));
  }
  std::set<std::string> dead_required;
  std::vector<std::string> messages;
  for (const auto& update : decision->updates) {
    auto current = input.current.find(update.service);
    Revision revision = current == input.current.end() ? 0 : current->second.revision;
    txn.compares.push_back(Compare::modified_at(keys::assignment(update.service), revision));
    for (const auto& node : update.requires_dead) {
      if (dead_required.insert(node).second) txn.compares.push_back(Compare::absent(keys::node(node)));
    }
    if (update.assignment) {
      txn.success.push_back(TxnOp::put(keys::assignment(update.service), update.assignment->to_json()));
    } else {
      txn.success.push_back(TxnOp::erase(keys::assignment(update.service)));
    }
    if (update.consumes_release) {
      txn.compares.push_back(Compare::modified_at(keys::released(update.service),
                                                  release_revisions[update.service]));
      txn.success.push_back(TxnOp::erase(keys::released(update.service)));
    }
    std::string where = !update.assignment        ? ""
                        : update.assignment->unplaced() ? ": " + update.assignment->reason
                        : " -> " + update.assignment->node + " (" + update.assignment->reason + ")";
    messages.push_back("service " + update.service + " " + to_string(update.change) + where);
  }
  for (const auto& service : decision->stale_releases) {
    txn.compares.push_back(Compare::modified_at(keys::released(service), release_revisions[service]));
    txn.success.push_back(TxnOp::erase(keys::released(service)));
  }
  auto written = store.txn(txn);
  if (!written) return Error{"cannot write the assignments: " + written.error().message};
  if (!written->succeeded) {
    result.lost_race = true;
    return result;
  }
  if (plan_changed) {
    log::info("stored the decision for spec revision " + std::to_string(options.spec_revision));
  }
  for (const auto& message : messages) log::info(message);
  result.written = static_cast<int>(txn.success.size());
  return result;
}

}  // namespace hearth::cluster
