#include "agent/volume_status.h"

namespace hearth::agent {

using json = nlohmann::ordered_json;

std::string NodeMounts::to_json() const {
  json mounts_json = json::object();
  for (const auto& [volume, m] : mounts) {
    mounts_json[volume] = {
        {"state", m.state}, {"path", m.path}, {"total", m.total}, {"free", m.free}};
  }
  return json{{"node", node}, {"mounts", mounts_json}}.dump();
}

Result<NodeMounts> NodeMounts::parse(const std::string& text) {
  auto parsed = json::parse(text, nullptr, false);
  if (!parsed.is_object() || !parsed["node"].is_string() || !parsed["mounts"].is_object()) {
    return Error{"a volume-mounts record needs \"node\" (a string) and \"mounts\" (an object)"};
  }
  // Field by field, each of the type it must have: a hostile record is read as far as it is sound.
  auto text_of = [](const json& object, const char* name) {
    auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto bytes_of = [](const json& object, const char* name) {
    auto it = object.find(name);
    return it != object.end() && it->is_number_unsigned() ? it->get<std::uint64_t>()
                                                          : std::uint64_t{0};
  };
  NodeMounts record;
  record.node = parsed["node"].get<std::string>();
  for (const auto& [volume, m] : parsed["mounts"].items()) {
    if (!m.is_object()) continue;
    record.mounts[volume] = {text_of(m, "state"), text_of(m, "path"), bytes_of(m, "total"),
                             bytes_of(m, "free")};
  }
  return record;
}

NodeMounts node_mounts(const VolumeReconciler& reconciler, const std::string& node,
                       const std::string& data_dir) {
  NodeMounts record;
  record.node = node;
  auto usage = reconciler.mount_usage();
  for (const auto& [volume, state] : reconciler.mount_states()) {
    if (state == "absent") continue;
    MountRecord m;
    m.state = state;
    m.path = volume_mount_dir(data_dir, volume);
    if (auto u = usage.find(volume); u != usage.end()) {
      m.total = u->second.total;
      m.free = u->second.free;
    }
    record.mounts[volume] = m;
  }
  return record;
}

namespace {

std::string node_of_host(const Spec& spec, const std::string& host) {
  for (const auto& node : spec.nodes) {
    if (gluster_host(node) == host || node.address.str() == host) return node.name;
  }
  return host;
}

json volume_json(const Spec& spec, const std::string& name, const VolumeReport* report,
                 const std::vector<NodeMounts>& mounts, std::int64_t now_ms) {
  json volume{{"name", name}, {"state", report ? report->state : "missing"}};
  json bricks = json::array();
  std::uint64_t total = 0, free = 0;
  if (report) {
    for (const auto& brick : report->bricks) {
      json b{{"node", node_of_host(spec, brick.host)},
             {"brick", brick.id()},
             {"role", brick.arbiter ? "arbiter" : "data"}};
      auto state = report->brick_states.find(brick.id());
      bool up = state != report->brick_states.end() && state->second.online;
      // glusterd may go on calling a brick of a peer that lost power online until its own
      // connection times out; the heal summary's fresh client sees it unreachable within seconds.
      if (report->heal) {
        for (const auto& heal : report->heal->bricks) {
          if (heal.brick == brick.id() && !heal.connected) up = false;
        }
      }
      bool known =
          report->state == "Started" && !(report->brick_states.empty() && !report->error.empty());
      // A stale view (the last `volume status` failed) that predates this brick (a replace-brick
      // since) says nothing about it.
      if (report->stale && state == report->brick_states.end()) known = false;
      if (known) {
        b["up"] = up;
      } else {
        b["up"] = nullptr;  // not started, or gluster did not answer: unknown
      }
      if (known && up) {
        b["total"] = state->second.size_total;
        b["free"] = state->second.size_free;
        if (!brick.arbiter && (total == 0 || state->second.size_free < free)) {
          total = state->second.size_total;  // the fuller data brick bounds the volume
          free = state->second.size_free;
        }
      }
      bricks.push_back(b);
    }
  }
  volume["bricks"] = bricks;
  json mounted = json::array();
  for (const auto& node : mounts) {
    auto m = node.mounts.find(name);
    if (m == node.mounts.end()) continue;
    mounted.push_back({{"node", node.node}, {"path", m->second.path}, {"state", m->second.state}});
    if (total == 0 && m->second.state == "alive" && m->second.total > 0) {
      total = m->second.total;
      free = m->second.free;
    }
  }
  volume["mounts"] = mounted;
  if (report && report->heal) {
    volume["heal"] = {{"pending", report->heal->pending()},
                      {"split_brain", report->heal->split_brain()},
                      {"age_ms", now_ms - report->heal_observed_ms}};
  } else {
    volume["heal"] = nullptr;
  }
  if (total > 0) {
    volume["size"] = {{"total", total}, {"used", total - free}, {"free", free}};
  } else {
    volume["size"] = nullptr;
  }
  // How old the bricks' states are; stale: the last look failed and they are the last good ones.
  if (report && report->states_observed_ms >= 0) {
    volume["observed_ms_ago"] = now_ms - report->states_observed_ms;
  } else {
    volume["observed_ms_ago"] = nullptr;
  }
  volume["stale"] = report != nullptr && report->stale;
  if (report && !report->error.empty()) volume["error"] = report->error;
  return volume;
}

}  // namespace

json volumes_json(const Spec& spec, const std::vector<VolumeReport>& reports,
                  const std::vector<NodeMounts>& mounts, std::int64_t now_ms) {
  json volumes = json::array();
  auto find = [&](const std::string& name) -> const VolumeReport* {
    for (const auto& r : reports) {
      if (r.name == name) return &r;
    }
    return nullptr;
  };
  for (const auto& v : spec.volumes)
    volumes.push_back(volume_json(spec, v.name, find(v.name), mounts, now_ms));
  for (const auto& r : reports) {
    bool in_spec = false;
    for (const auto& v : spec.volumes) in_spec = in_spec || v.name == r.name;
    if (!in_spec) volumes.push_back(volume_json(spec, r.name, &r, mounts, now_ms));
  }
  return volumes;
}

}  // namespace hearth::agent
