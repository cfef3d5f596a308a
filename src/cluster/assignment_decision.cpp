#include "cluster/assignment_decision.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

namespace hearth::cluster {

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

  ObservedState observed;
  for (const auto& [service, a] : input.current) observed.addresses[service] = a.address;
  for (const Node& node : spec.nodes) {
    auto since = input.live.find(node.name);
    if (since == input.live.end()) {
      observed.down_nodes.insert(node.name);
    } else if (input.now_ms - since->second < input.prefer_return_settle.count()) {
      observed.unsettled_nodes.insert(node.name);
    }
  }
  observed.drained_nodes = input.drained;

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

  // Where each service runs (or is going): it stays there (placement rule 3) unless it must move.
  const std::size_t n = spec.services.size();
  std::vector<Kind> kinds(n, Kind::free);
  for (std::size_t i = 0; i < n; ++i) {
    const Service& service = spec.services[i];
    auto found = input.current.find(service.name);
    if (found == input.current.end()) continue;
    const Assignment& c = found->second;
    if (c.unplaced() || !is_live(c.node)) continue;  // free
    if (c.state == AssignmentState::active) {
      kinds[i] = Kind::running;
      observed.placements[service.name] = c.node;
    } else {
      auto release = input.released.find(service.name);
      bool released = release != input.released.end() && release->second.node == c.node &&
                      release->second.revision == c.revision;
      kinds[i] = released ? Kind::released : Kind::waiting;
      if (!c.to.empty()) observed.placements[service.name] = c.to;  // its room is kept there
    }
  }

  auto planned = plan(spec, observed);
  if (!planned) return planned.error();

  auto unplaced_reason = [&](const ServicePlan& p) {
    if (live_servers.empty()) {
      return "no server can run it: " + (not_available.empty() ? std::string("none") : not_available);
    }
    return p.reason + (not_available.empty() ? "" : " (" + not_available + ")");
  };

  AssignmentDecision decision;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& name = spec.services[i].name;
    const ServicePlan& p = planned->services[i];
    const Ipv4 address = p.address;
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
                          : p.placement == PlacementDecision::returned
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
        continue;
    }
    update.assignment = std::move(next);
    decision.updates.push_back(std::move(update));
  }

  std::unordered_set<std::string_view> in_spec;
  in_spec.reserve(n);
  for (const Service& service : spec.services) in_spec.insert(service.name);
  for (const auto& [service, c] : input.current) {
    if (in_spec.contains(service)) continue;
    AssignmentUpdate update;
    update.service = service;
    update.change = AssignmentChange::removed;
    decision.updates.push_back(std::move(update));
  }
  std::set<std::string> consumed;
  for (const auto& update : decision.updates) {
    if (update.consumes_release) consumed.insert(update.service);
  }
  for (const auto& [service, release] : input.released) {
    if (consumed.contains(service)) continue;
    // A release that answers the handover waiting for it stays until the leader uses it.
    auto found = input.current.find(service);
    bool pending = found != input.current.end() &&
                   found->second.state == AssignmentState::releasing &&
                   found->second.node == release.node && found->second.revision == release.revision;
    if (!pending) decision.stale_releases.push_back(service);
  }
  decision.plan = std::move(*planned);
  return decision;
}

}  // namespace hearth::cluster
