#include "cluster/cluster_status.h"

#include <algorithm>
#include <future>

#include "cluster/etcd_member.h"
#include "cluster/etcd_store.h"
#include "cluster/keys.h"
#include "cluster/node_history.h"
#include "cluster/spec_store.h"

namespace hearth::cluster {

std::vector<MemberView> probe_members(const Spec& spec, const std::string& local_endpoint,
                                      std::chrono::milliseconds timeout) {
  std::vector<MemberView> members;
  for (const auto& node : spec.nodes) {
    MemberView member;
    member.name = node.name;
    member.endpoint = etcd_client_url(node);
    members.push_back(std::move(member));
  }
  auto listed = etcd_member_list(local_endpoint, timeout);
  if (!listed) {
    for (auto& member : members) {
      member.error = "unknown: the local etcd member did not list the members (" +
                     listed.error().message + ")";
    }
    return members;
  }
  std::vector<std::future<EtcdMemberStatus>> probes(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto found = std::find_if(listed->begin(), listed->end(),
                              [&](const EtcdMemberInfo& m) { return m.name == members[i].name; });
    if (found == listed->end() || found->client_urls.empty()) {
      members[i].error = "not a member of the etcd cluster (or not started yet)";
      continue;
    }
    members[i].endpoint = found->client_urls.front();
    probes[i] = std::async(std::launch::async, [url = members[i].endpoint, timeout] {
      return etcd_member_status(url, timeout);
    });
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (!probes[i].valid()) continue;
    EtcdMemberStatus status = probes[i].get();
    members[i].up = status.reachable;
    members[i].etcd_leader =
        status.reachable && status.member_id != 0 && status.member_id == status.leader_id;
    members[i].error = status.error;
  }
  return members;
}

Result<ClusterView> observe_cluster(KeyValueStore& store, const Spec& spec,
                                    std::vector<MemberView> members, std::int64_t now_ms) {
  ClusterView view;
  view.cluster = spec.cluster.name;
  view.observed_at = now_ms;
  view.members_total = static_cast<int>(spec.nodes.size());
  for (const auto& m : members) view.members_up += m.up ? 1 : 0;
  view.members = std::move(members);

  Consistency consistency = Consistency::linearizable;
  auto nodes = observe_nodes(store, consistency);
  if (nodes) {
    view.quorum = true;
  } else {
    view.quorum_error = nodes.error().message;
    view.stale = true;
    consistency = Consistency::serializable;
    nodes = observe_nodes(store, consistency);
    if (!nodes) {
      return Error{"the local etcd member does not answer: " + nodes.error().message +
                   " (is hearth-etcd running on this node?)"};
    }
  }

  auto leader = store.get(keys::kLeader, consistency);
  if (leader && leader->has_value()) {
    if (auto record = LeaderRecord::parse((*leader)->value)) {
      view.leader = *record;
      view.leader->lease = (*leader)->lease;
    }
  }
  auto spec_stored = read_stored_spec(store, consistency);
  if (spec_stored && spec_stored->has_value()) {
    view.spec = **spec_stored;
    view.spec->text.clear();
  }

  std::map<std::string, Assignment> assigned;
  if (auto assignments = read_assignments(store, consistency)) {
    for (auto& a : *assignments) assigned[a.service] = std::move(a);
  }
  for (const auto& service : spec.services) {
    auto found = assigned.find(service.name);
    view.assignments.emplace_back(service.name, found == assigned.end()
                                                    ? std::nullopt
                                                    : std::optional<Assignment>(found->second));
  }
  if (auto drained = read_drained(store, consistency)) view.drained = std::move(*drained);

  for (const auto& node : spec.nodes) {
    NodeView n;
    n.name = node.name;
    n.role = node.role == NodeRole::arbiter ? "arbiter" : "server";
    n.address = node.address.str();
    auto live = nodes->alive.find(node.name);
    n.alive = live != nodes->alive.end();
    if (n.alive) {
      n.version = live->second.version;
      n.started_at = live->second.started_at;
    }
    auto history = nodes->history.find(node.name);
    if (history != nodes->history.end() && history->second.alive == n.alive) {
      n.since = history->second.since;
    } else if (n.alive && live->second.registered_at > 0) {
      n.since = live->second.registered_at;  // the leader has not recorded it yet
    }
    view.nodes.push_back(std::move(n));
  }

  std::vector<ServiceStatusRecord> reports;
  if (auto read = read_service_statuses(store, consistency)) reports = std::move(*read);
  for (const auto& service : spec.services) {
    ServiceStatusRecord shown;
    shown.service = service.name;
    shown.state = "not running";
    for (const auto& report : reports) {
      if (report.service == service.name) shown = report;
    }
    view.services.push_back(std::move(shown));
  }
  return view;
}

nlohmann::ordered_json to_json(const ClusterView& view) {
  using nlohmann::ordered_json;
  auto optional_ms = [](const std::optional<std::int64_t>& ms) -> ordered_json {
    return ms ? ordered_json(*ms) : ordered_json(nullptr);
  };
  ordered_json out;
  out["cluster"] = view.cluster;
  out["observed_by"] = view.observed_by;
  out["observed_at"] = view.observed_at;
  out["quorum"] = {{"ok", view.quorum},
                   {"members_up", view.members_up},
                   {"members", view.members_total},
                   {"error", view.quorum_error}};
  out["stale"] = view.stale;
  out["members"] = ordered_json::array();
  for (const auto& m : view.members) {
    out["members"].push_back({{"name", m.name},
                              {"endpoint", m.endpoint},
                              {"up", m.up},
                              {"etcd_leader", m.etcd_leader},
                              {"error", m.error}});
  }
  if (view.leader) {
    out["leader"] = {{"node", view.leader->node},
                     {"since", view.leader->since},
                     {"lease", lease_hex(view.leader->lease)}};
  } else {
    out["leader"] = nullptr;
  }
  if (view.spec) {
    out["spec"] = {{"revision", view.spec->revision},
                   {"applied_at", view.spec->applied_at},
                   {"applied_by", view.spec->applied_by}};
  } else {
    out["spec"] = nullptr;
  }
  out["nodes"] = ordered_json::array();
  for (const auto& n : view.nodes) {
    out["nodes"].push_back({{"name", n.name},
                            {"role", n.role},
                            {"address", n.address},
                            {"state", n.alive ? "alive" : "dead"},
                            {"since", optional_ms(n.since)},
                            {"version", n.version},
                            {"started_at", n.started_at}});
  }
  out["services"] = ordered_json::array();
  for (const auto& r : view.services) {
    ordered_json probe = nullptr;
    if (r.last_probe) {
      probe = {{"ok", r.last_probe->ok},
               {"at", r.last_probe->at},
               {"message", r.last_probe->message},
               {"duration_ms", r.last_probe->duration_ms}};
    }
    out["services"].push_back({{"name", r.service},
                               {"node", r.node},
                               {"address", r.address},
                               {"state", r.state},
                               {"restarts", r.restarts},
                               {"since", r.since != 0 ? ordered_json(r.since) : ordered_json(nullptr)},
                               {"last_probe", probe},
                               {"error", r.error}});
  }
  out["assignments"] = ordered_json::array();
  for (const auto& [service, a] : view.assignments) {
    ordered_json entry{{"service", service}};
    if (!a) {
      entry.update({{"node", nullptr}, {"address", nullptr}, {"state", "pending"},
                    {"since", nullptr}, {"reason", "not assigned yet"}});
    } else {
      entry.update({{"node", a->unplaced() ? ordered_json(nullptr) : ordered_json(a->node)},
                    {"address", a->address.str()},
                    {"state", a->unplaced() ? "unplaced" : to_string(a->state)},
                    {"since", a->since},
                    {"reason", a->reason}});
      if (a->state == AssignmentState::releasing) entry["to"] = a->to;
    }
    out["assignments"].push_back(std::move(entry));
  }
  out["drained"] = ordered_json::array();
  for (const auto& [node, d] : view.drained) {
    out["drained"].push_back({{"node", node}, {"since", d.since}, {"by", d.by}});
  }
  if (view.self) {
    const SelfView& s = *view.self;
    out["this_node"] = {{"name", s.name},
                        {"lease", s.lease != 0 ? lease_hex(s.lease) : std::string()},
                        {"lease_held", s.lease_held},
                        {"fenced", s.fenced},
                        {"fence_count", s.fence_count},
                        {"leader", s.leader},
                        {"last_renewal_ms_ago", s.last_renewal_ms_ago},
                        {"last_error", s.last_error},
                        {"spec_revision", s.spec_revision},
                        {"spec_file", s.spec_file}};
  } else {
    out["this_node"] = nullptr;
  }
  return out;
}

}  // namespace hearth::cluster
