#include "api/drain_preflight.h"

#include <algorithm>
#include <set>

#include "cluster/record_json.h"

#include "plan/what_if.h"

namespace hearth::api {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
// A missing or mistyped field reads as "" or 0 (find() is end() on a non-object too).
using cluster::record_json::get_int;
using cluster::record_json::get_string;

ordered_json check(const char* name, bool ok, const std::string& detail) {
  return {{"check", name}, {"ok", ok}, {"detail", detail}};
}

ordered_json quorum_check(const std::string& node, const json& status) {
  const json& quorum = status["quorum"];
  bool ok_now = quorum.is_object() && quorum.value("ok", false);
  std::int64_t total = get_int(quorum, "members");
  std::int64_t up = get_int(quorum, "members_up");
  std::int64_t needed = total / 2 + 1;
  bool node_member_up = false;
  if (status["members"].is_array()) {
    for (const auto& m : status["members"]) {
      if (get_string(m, "name") == node && m.value("up", false)) node_member_up = true;
    }
  }
  std::int64_t without = up - (node_member_up ? 1 : 0);
  std::string counts = std::to_string(up) + " of " + std::to_string(total) + " etcd members up";
  if (!ok_now) return check("quorum", false, "no quorum now (" + counts + "): nothing can move");
  if (without < needed) {
    return check("quorum", false,
                 counts + "; without " + node + " only " + std::to_string(without) +
                     " would be, and " + std::to_string(needed) +
                     " are needed: stopping it would stop the whole cluster");
  }
  return check("quorum", true,
               counts + "; without " + node + " " + std::to_string(without) + " of " +
                   std::to_string(needed) + " needed");
}

ordered_json volumes_check(const std::string& node, const json& status) {
  std::vector<std::string> problems;
  int volumes = 0;
  if (status["volumes"].is_array()) {
    for (const auto& v : status["volumes"]) {
      ++volumes;
      std::string name = get_string(v, "name");
      const json& heal = v["heal"];
      if (!heal.is_object()) {
        problems.push_back(name + ": heal state unknown");
      } else {
        if (get_int(heal, "split_brain") > 0) {
          problems.push_back(name + ": " + std::to_string(get_int(heal, "split_brain")) +
                             " split-brain entries");
        }
        if (get_int(heal, "pending") > 0) {
          problems.push_back(name + ": " + std::to_string(get_int(heal, "pending")) +
                             " entries to heal");
        }
      }
      if (v["bricks"].is_array()) {
        for (const auto& b : v["bricks"]) {
          if (get_string(b, "node") == node) continue;
          if (!b["up"].is_boolean()) {
            problems.push_back(name + ": brick on " + get_string(b, "node") + " unknown");
          } else if (!b["up"].get<bool>()) {
            problems.push_back(name + ": brick on " + get_string(b, "node") + " down");
          }
        }
      }
    }
  }
  if (!problems.empty()) {
    std::string detail;
    for (const auto& p : problems) detail += (detail.empty() ? "" : "; ") + p;
    return check("volumes", false, detail);
  }
  return check("volumes", true,
               volumes == 0 ? "no volumes"
                            : std::to_string(volumes) + (volumes == 1 ? " volume" : " volumes") +
                                  " in sync, the other bricks up");
}

}  // namespace

ordered_json drain_preflight(const Spec& spec, const std::string& node, const json& status) {
  ordered_json out{{"node", node}};
  const Node* found = spec.find_node(node);
  if (found == nullptr) {
    out["error"] = "no node '" + node + "' in the spec";
    return out;
  }
  if (found->role != NodeRole::server) {
    out["error"] = node + " is the arbiter: it runs no services, so there is nothing to drain";
    return out;
  }
  ordered_json checks = ordered_json::array();
  checks.push_back(quorum_check(node, status));
  checks.push_back(volumes_check(node, status));

  // Room: place the services as if the node, the dead nodes and the other drained servers were
  // gone, starting from where the services run now.
  std::set<std::string> gone = {node};
  ObservedState observed;
  if (status["nodes"].is_array()) {
    for (const auto& n : status["nodes"]) {
      if (get_string(n, "state") == "dead") {
        gone.insert(get_string(n, "name"));
        observed.down_nodes.insert(get_string(n, "name"));
      }
    }
  }
  if (status["drained"].is_array()) {
    for (const auto& d : status["drained"]) gone.insert(get_string(d, "node"));
  }
  std::map<std::string, std::string> on_now;  // service -> node, from the assignments
  if (status["assignments"].is_array()) {
    for (const auto& a : status["assignments"]) {
      std::string service = get_string(a, "service"), at = get_string(a, "node");
      if (at.empty()) continue;
      on_now[service] = at;
      observed.placements[service] = at;
      if (auto address = Ipv4::parse(get_string(a, "address"))) observed.addresses[service] = *address;
    }
  }
  Failures failures;
  for (const auto& n : spec.nodes) {
    if (gone.count(n.name)) failures.nodes.push_back(n.name);
  }
  ordered_json services = ordered_json::array();
  auto report = what_if(spec, failures, observed);
  if (!report) {
    checks.push_back(check("room", false, "cannot plan: " + report.error().message));
  } else {
    std::vector<std::string> stopped;
    int moving = 0;
    for (const auto& s : report->services) {
      auto now = on_now.find(s.service);
      bool on_node = now != on_now.end() ? now->second == node : s.from == node;
      if (!on_node) continue;
      std::string outcome = s.outcome == ServiceOutcome::moves   ? "moves"
                            : s.outcome == ServiceOutcome::stays ? "stays"
                                                                 : "stops";
      if (outcome == "stops") stopped.push_back(s.service + " (" + s.reason + ")");
      if (outcome == "moves") ++moving;
      services.push_back({{"service", s.service},
                          {"from", node},
                          {"to", s.to ? ordered_json(*s.to) : ordered_json(nullptr)},
                          {"outcome", outcome},
                          {"reason", s.reason}});
    }
    if (!stopped.empty()) {
      std::string detail = "no room elsewhere for: ";
      for (std::size_t i = 0; i < stopped.size(); ++i) detail += (i ? ", " : "") + stopped[i];
      checks.push_back(check("room", false, detail));
    } else {
      checks.push_back(check("room", true,
                             moving == 0 ? "no service runs on " + node
                                         : "every service of " + node + " has a place elsewhere (" +
                                               std::to_string(moving) + " to move)"));
    }
  }
  bool ok = std::all_of(checks.begin(), checks.end(),
                        [](const ordered_json& c) { return c.value("ok", false); });
  out["ok"] = ok;
  out["checks"] = std::move(checks);
  out["services"] = std::move(services);
  return out;
}

}  // namespace hearth::api
