#include "cluster/assignments.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cluster/keys.h"
#include "cluster/record_json.h"
#include "cluster/records.h"
#include "common/log.h"
#include "plan/addresses.h"
#include "plan/placement.h"

namespace hearth::cluster {
namespace {

using nlohmann::json;

using record_json::get_int;
using record_json::get_string;
using record_json::parse_object;

std::string suffix(const std::string& key, const char* prefix) {
  return key.substr(std::string(prefix).size());
}

}  // namespace

const char* to_string(AssignmentState state) {
  return state == AssignmentState::releasing ? "releasing" : "active";
}

const char* to_string(AssignmentChange change) {
  switch (change) {
    case AssignmentChange::placed: return "placed";
    case AssignmentChange::failed_over: return "failed over";
    case AssignmentChange::releasing: return "releasing";
    case AssignmentChange::handed_over: return "handed over";
    case AssignmentChange::unplaced: return "unplaced";
    case AssignmentChange::updated: return "updated";
    case AssignmentChange::removed: return "removed";
  }
  return "?";
}

// ---- records -------------------------------------------------------------------------------

std::string Assignment::to_json() const {
  json out{{"service", service},
           {"node", node},
           {"address", address.str()},
           {"since", since},
           {"by", by},
           {"state", to_string(state)}};
  if (state == AssignmentState::releasing) out["to"] = to;
  if (!reason.empty()) out["reason"] = reason;
  return out.dump();
}

Result<Assignment> Assignment::parse(const std::string& text) {
  auto object = parse_object(text, "assignment");
  if (!object) return object.error();
  Assignment a;
  a.service = get_string(*object, "service");
  if (a.service.empty()) return Error{"stored assignment has no service: " + text.substr(0, 120)};
  a.node = get_string(*object, "node");
  auto address = Ipv4::parse(get_string(*object, "address"));
  if (!address) return Error{"stored assignment of " + a.service + " has no valid address"};
  a.address = *address;
  a.since = get_int(*object, "since");
  a.by = get_string(*object, "by");
  std::string state = get_string(*object, "state");
  if (state.empty() || state == "active") {
    a.state = AssignmentState::active;
  } else if (state == "releasing") {
    a.state = AssignmentState::releasing;
  } else {
    return Error{"stored assignment of " + a.service + " has an unknown state '" + state + "'"};
  }
  a.to = get_string(*object, "to");
  a.reason = get_string(*object, "reason");
  return a;
}

std::string DrainRecord::to_json() const {
  return json{{"node", node}, {"since", since}, {"by", by}}.dump();
}

Result<DrainRecord> DrainRecord::parse(const std::string& text) {
  auto object = parse_object(text, "drain record");
  if (!object) return object.error();
  DrainRecord record;
  record.node = get_string(*object, "node");
  record.since = get_int(*object, "since");
  record.by = get_string(*object, "by");
  return record;
}

std::string ReleaseRecord::to_json() const {
  return json{{"service", service},
              {"node", node},
              {"address", address.str()},
              {"revision", revision},
              {"at", at}}
      .dump();
}

Result<ReleaseRecord> ReleaseRecord::parse(const std::string& text) {
  auto object = parse_object(text, "release record");
  if (!object) return object.error();
  ReleaseRecord record;
  record.service = get_string(*object, "service");
  record.node = get_string(*object, "node");
  if (record.service.empty() || record.node.empty()) {
    return Error{"stored release record has no service or node: " + text.substr(0, 120)};
  }
  auto address = Ipv4::parse(get_string(*object, "address"));
  if (address) record.address = *address;
  record.revision = get_int(*object, "revision");
  record.at = get_int(*object, "at");
  return record;
}

// ---- for every node ------------------------------------------------------------------------

Result<std::vector<Assignment>> read_assignments(KeyValueStore& store, Consistency consistency) {
  auto range = store.get_prefix(keys::kAssignmentsPrefix, consistency);
  if (!range) return Error{"cannot read the assignments: " + range.error().message};
  std::vector<Assignment> out;
  for (const auto& kv : range->kvs) {
    auto parsed = Assignment::parse(kv.value);
    if (!parsed) {
      log::warn("ignoring a damaged assignment " + kv.key + ": " + parsed.error().message);
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

// ---- the leader's decision -----------------------------------------------------------------

namespace {

enum class Kind {
  free,      // no assignment, unplaced, or its node is dead: place it
  running,   // active on a live node
  released,  // releasing, and its node has released it: place it (at `to` when it can)
  waiting,   // releasing, not released yet: leave it
};

}  // namespace

Result<AssignmentDecision> decide_assignments(const AssignmentInput& input) {
  const Spec& spec = *input.spec;
  auto is_live = [&](const std::string& node) { return input.live.contains(node); };

  auto arbiter_addresses = plan_arbiter_addresses(spec);
  if (!arbiter_addresses) return arbiter_addresses.error();
  std::map<std::string, Ipv4> held;
  for (const auto& [service, a] : input.current) held[service] = a.address;
  auto addresses = plan_service_addresses(spec, *arbiter_addresses, held);
  if (!addresses) return addresses.error();

  std::vector<const Node*> live_servers;
  std::string not_available;  // "r510 is dead, r530 is drained"
  for (const Node* server : spec.servers()) {
    bool live = is_live(server->name);
    bool drained = input.drained.contains(server->name);
    if (live && !drained) {
      live_servers.push_back(server);
      continue;
    }
    if (!not_available.empty()) not_available += ", ";
    not_available += server->name + (live ? " is drained" : drained ? " is dead (and drained)" : " is dead");
  }
  auto is_live_server = [&](const std::string& node) {
    return std::any_of(live_servers.begin(), live_servers.end(),
                       [&](const Node* n) { return n->name == node; });
  };

  const std::size_t n = spec.services.size();
  std::vector<Kind> kinds(n, Kind::free);
  std::vector<Service> services = spec.services;  // copies: `prefer` cleared where unsafe
  std::map<std::string, std::string> previous;
  for (std::size_t i = 0; i < n; ++i) {
    const Service& service = spec.services[i];
    auto found = input.current.find(service.name);
    if (found == input.current.end()) continue;
    const Assignment& c = found->second;
    if (c.unplaced() || !is_live(c.node)) continue;  // free
    if (c.state == AssignmentState::active) {
      kinds[i] = Kind::running;
      previous[service.name] = c.node;
    } else {
      auto release = input.released.find(service.name);
      bool released = release != input.released.end() && release->second.node == c.node &&
                      release->second.revision == c.revision;
      kinds[i] = released ? Kind::released : Kind::waiting;
      if (!c.to.empty()) previous[service.name] = c.to;  // its room is kept there
    }
    // Where it runs (or is going) it stays, unless moving to `prefer` is safe (see the header).
    auto stays = previous.find(service.name);
    if (service.prefer && stays != previous.end() && *service.prefer != stays->second &&
        is_live_server(stays->second)) {
      auto since = input.live.find(*service.prefer);
      bool settled = since != input.live.end() &&
                     input.now_ms - since->second >= input.prefer_return_settle.count();
      if (!settled || !is_live_server(*service.prefer)) services[i].prefer.reset();
    }
  }

  std::vector<const Service*> pointers;
  pointers.reserve(n);
  for (const Service& s : services) pointers.push_back(&s);
  PlacementResult placement = place_services(pointers, live_servers, previous);

  auto unplaced_reason = [&](const ServicePlacement& p) {
    if (live_servers.empty()) {
      return "no server can run it: " + (not_available.empty() ? std::string("none") : not_available);
    }
    return p.reason + (not_available.empty() ? "" : " (" + not_available + ")");
  };

  AssignmentDecision decision;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& name = spec.services[i].name;
    const ServicePlacement& p = placement.services[i];
    const Ipv4 address = (*addresses)[i].address;
    auto found = input.current.find(name);
    const Assignment* c = found == input.current.end() ? nullptr : &found->second;

    Assignment next;
    next.service = name;
    next.address = address;
    next.by = input.leader;
    next.since = input.now_ms;
    next.node = p.node.value_or("");
    next.reason = p.node ? p.reason : unplaced_reason(p);

    AssignmentUpdate update;
    update.service = name;

    switch (kinds[i]) {
      case Kind::free: {
        if (c == nullptr && !input.place_new) continue;  // the initial grace
        bool was_on_dead = c != nullptr && !c->unplaced();
        if (c != nullptr && c->unplaced() && next.unplaced() && c->reason == next.reason &&
            c->address == next.address) {
          decision.desired[name] = *c;
          continue;
        }
        if (was_on_dead) {
          update.change = AssignmentChange::failed_over;
          update.requires_dead = {c->node};
          // (An unplaced reason stays as placement gives it, so that it is rewritten only when
          // it changes.)
          if (!next.unplaced()) next.reason = "failed over from " + c->node + " (dead); " + next.reason;
        } else {
          update.change = next.unplaced() ? AssignmentChange::unplaced : AssignmentChange::placed;
        }
        if (c != nullptr && c->unplaced() && next.unplaced()) next.since = c->since;
        break;
      }
      case Kind::running: {
        if (p.node && *p.node == c->node) {
          if (c->address == address) {
            decision.desired[name] = *c;
            continue;
          }
          next = *c;
          next.address = address;
          next.by = input.leader;
          update.change = AssignmentChange::updated;
          break;
        }
        if (!p.node && !is_live_server(c->node)) {
          // Drained (or no longer a server) and nowhere else to go: it keeps running there.
          std::string why = input.drained.contains(c->node) ? " (drained)" : " (not a server of the spec)";
          std::string reason = "stays on " + c->node + why + ": " + unplaced_reason(p);
          if (c->reason == reason && c->address == address) {
            decision.desired[name] = *c;
            continue;
          }
          next = *c;
          next.reason = reason;
          next.by = input.leader;
          update.change = AssignmentChange::updated;
          break;
        }
        // Handover step 1: the live node releases it first.
        next = *c;
        next.state = AssignmentState::releasing;
        next.to = p.node.value_or("");
        next.by = input.leader;
        next.since = input.now_ms;
        std::string why = input.drained.contains(c->node) ? c->node + " is drained"
                          : !is_live_server(c->node)      ? c->node + " is not a server of the spec"
                          : p.decision == PlacementDecision::returned
                              ? "back to its preferred server " + next.to
                              : "it no longer fits on " + c->node;
        next.reason = "handover: " + why + "; " +
                      (next.to.empty() ? "then unplaced: " + unplaced_reason(p) : "to " + next.to);
        update.change = AssignmentChange::releasing;
        break;
      }
      case Kind::released: {
        update.change = AssignmentChange::handed_over;
        update.consumes_release = true;
        next.reason = "handed over from " + c->node + "; " + next.reason;
        break;
      }
      case Kind::waiting:
        decision.desired[name] = *c;
        continue;
    }
    decision.desired[name] = next;
    update.assignment = std::move(next);
    decision.updates.push_back(std::move(update));
  }

  for (const auto& [service, c] : input.current) {
    if (spec.find_service(service) != nullptr) continue;
    AssignmentUpdate update;
    update.service = service;
    update.change = AssignmentChange::removed;
    decision.updates.push_back(std::move(update));
  }
  for (const auto& [service, release] : input.released) {
    bool consumed = std::any_of(decision.updates.begin(), decision.updates.end(),
                                [&](const AssignmentUpdate& u) {
                                  return u.service == service && u.consumes_release;
                                });
    if (consumed) continue;
    // A release that answers the handover waiting for it stays until the leader uses it.
    auto found = input.current.find(service);
    bool pending = found != input.current.end() &&
                   found->second.state == AssignmentState::releasing &&
                   found->second.node == release.node && found->second.revision == release.revision;
    if (!pending) decision.stale_releases.push_back(service);
  }
  return decision;
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

  AssignmentStepResult result;
  if (decision->updates.empty() && decision->stale_releases.empty()) return result;

  Txn txn;
  txn.compares.push_back(leader_guard);
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
  for (const auto& message : messages) log::info(message);
  result.written = static_cast<int>(txn.success.size());
  return result;
}

}  // namespace hearth::cluster
