#include "agent/volume_admin.h"

#include <sys/xattr.h>

#include <cstdio>
#include <filesystem>

#include "agent/volume_reconciler.h"
#include "cluster/malformed_records.h"
#include "common/log.h"

namespace hearth::agent {

using json = nlohmann::ordered_json;

namespace {

const GlusterVolume* find_volume(const std::vector<GlusterVolume>& volumes,
                                 const std::string& name) {
  for (const auto& v : volumes) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

bool in_spec(const Spec& spec, const std::string& volume) {
  for (const auto& v : spec.volumes) {
    if (v.name == volume) return true;
  }
  return false;
}

std::string node_of_host(const Spec& spec, const std::string& host) {
  for (const auto& node : spec.nodes) {
    if (gluster_host(node) == host || node.address.str() == host) return node.name;
  }
  return "";
}

}  // namespace

Result<BrickMove> plan_brick_move(const Spec& spec, const GlusterVolume& volume,
                                  const std::string& node, const std::string& to) {
  const Node* target = spec.find_node(node);
  if (!target) return Error{"the spec in force has no node " + node};
  const GlusterBrickRef* old = nullptr;
  for (const auto& brick : volume.bricks) {
    if (node_of_host(spec, brick.host) == node) old = &brick;
  }
  if (!old) return Error{"volume " + volume.name + " has no brick on node " + node};
  std::string path;
  if (!to.empty() && to.front() == '/') {
    path = std::filesystem::path(to).lexically_normal().string();
    while (path.size() > 1 && path.back() == '/') path.pop_back();
  } else {
    for (const auto& disk : target->disks) {
      if (disk.name == to) path = disk.path + "/" + volume.name;
    }
    if (path.empty()) {
      std::string names;
      for (const auto& disk : target->disks) names += (names.empty() ? "" : ", ") + disk.name;
      return Error{"node " + node + " has no disk '" + to + "' (its disks: " + names +
                   "); give a disk name or an absolute directory"};
    }
  }
  if (path == old->path) {
    return Error{"the brick of " + volume.name + " on " + node + " is already " + old->id() +
                 "; to rebuild it in place, give another directory"};
  }
  return BrickMove{old->id(), old->host + ":" + path};
}

Result<json> replace_brick(GlusterCli& gluster, const Spec& spec, const std::string& volume,
                           const nlohmann::json& arguments) {
  if (!arguments.contains("node") || !arguments["node"].is_string() || !arguments.contains("to") ||
      !arguments["to"].is_string()) {
    return Error{"replace-brick needs {\"node\": NODE, \"to\": DISK or /ABSOLUTE/PATH}"};
  }
  auto volumes = gluster.volumes();
  if (!volumes) return volumes.error();
  const GlusterVolume* existing = find_volume(*volumes, volume);
  if (!existing) return Error{"gluster has no volume " + volume};
  auto move = plan_brick_move(spec, *existing, arguments["node"].get<std::string>(),
                              arguments["to"].get<std::string>());
  if (!move) return move.error();
  if (auto s = gluster.replace_brick(volume, move->old_brick, move->new_brick); !s)
    return s.error();
  log::info("volumes: replaced brick " + move->old_brick + " of " + volume + " by " +
            move->new_brick);
  json answer{{"volume", volume}, {"old", move->old_brick}, {"new", move->new_brick}};
  // The new brick is empty: heal everything onto it now (hearthd's heal loop follows up).
  if (auto s = gluster.heal(volume); !s) {
    // Right after replace-brick the self-heal daemons restart and may refuse for a moment.
    answer["heal"] =
        "not accepted yet (hearthd heals while entries are pending): " + s.error().message;
  } else {
    answer["heal"] = "started";
  }
  return answer;
}

Result<json> delete_volume(GlusterCli& gluster, cluster::KeyValueStore& store, const Spec& spec,
                           const std::string& volume, const nlohmann::json& arguments,
                           const std::string& by) {
  auto confirmed = arguments.find("yes_destroy_data");
  if (confirmed == arguments.end() || !confirmed->is_boolean() || !confirmed->get<bool>()) {
    return Error{"deleting volume " + volume +
                 " destroys its data on every brick: confirm with --yes-destroy-data"};
  }
  if (in_spec(spec, volume)) {
    return Error{"volume " + volume +
                 " is in the spec in force: remove it from the spec and apply first "
                 "(hearthd then stops it), then delete it"};
  }
  auto volumes = gluster.volumes();
  if (!volumes) return volumes.error();
  const GlusterVolume* existing = find_volume(*volumes, volume);
  if (!existing) return Error{"gluster has no volume " + volume};
  json bricks = json::array();
  for (const auto& brick : existing->bricks) {
    bricks.push_back({{"node", node_of_host(spec, brick.host)}, {"path", brick.path}});
  }
  json record{{"volume", volume}, {"id", existing->id}, {"bricks", bricks}, {"by", by}};
  // Recorded first: a crash after gluster's delete still removes the bricks.
  if (auto put = store.put(kVolumeDeletionsPrefix + volume, record.dump()); !put) {
    return Error{"cannot record the deletion (no quorum?): " + put.error().message};
  }
  if (existing->started()) {
    if (auto s = gluster.stop(volume); !s) return s.error();
  }
  if (auto s = gluster.remove(volume); !s) return s.error();
  log::warn("volumes: deleted volume " + volume + " (" + existing->id +
            "); every node removes its bricks");
  return json{{"volume", volume}, {"id", existing->id}, {"bricks", bricks}, {"deleted", true}};
}

std::string brick_volume_id(const std::string& dir) {
  unsigned char raw[16];
  ssize_t got = ::getxattr(dir.c_str(), "trusted.glusterfs.volume-id", raw, sizeof raw);
  if (got != 16) return "";
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", raw[0],
                raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10],
                raw[11], raw[12], raw[13], raw[14], raw[15]);
  return text;
}

Result<VolumeDeletion> VolumeDeletion::parse(const std::string& text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return Error{"not a JSON object"};
  auto text_of = [](const nlohmann::json& object, const char* name) {
    auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  VolumeDeletion record;
  record.volume = text_of(parsed, "volume");
  record.id = text_of(parsed, "id");
  if (record.id.empty()) return Error{"no \"id\" (the volume's UUID, a string)"};
  auto bricks = parsed.find("bricks");
  if (bricks == parsed.end() || !bricks->is_array()) return Error{"no \"bricks\" array"};
  for (const auto& brick : *bricks) {
    if (!brick.is_object()) return Error{"a brick is not an object"};
    Brick entry{text_of(brick, "node"), text_of(brick, "path")};
    if (entry.node.empty()) return Error{"a brick has no \"node\" string"};
    if (entry.path.empty() || entry.path.front() != '/' ||
        entry.path.find("/../") != std::string::npos ||
        (entry.path.size() >= 3 && entry.path.compare(entry.path.size() - 3, 3, "/..") == 0)) {
      return Error{"a brick's \"path\" is not an absolute path without \"..\""};
    }
    record.bricks.push_back(std::move(entry));
  }
  return record;
}

Result<std::vector<std::string>> remove_deleted_bricks(cluster::KeyValueStore& store,
                                                       const Spec& spec, const std::string& node) {
  (void)spec;
  auto records = store.get_prefix(kVolumeDeletionsPrefix, cluster::Consistency::serializable);
  if (!records) return records.error();
  std::vector<std::string> removed;
  for (const auto& kv : records->kvs) {
    auto record = VolumeDeletion::parse(kv.value);
    if (!record) {
      cluster::report_malformed_record("volume deletion", kv, record.error().message);
      continue;
    }
    for (const auto& brick : record->bricks) {
      if (brick.node != node || brick_volume_id(brick.path) != record->id) continue;
      std::error_code ec;
      std::filesystem::remove_all(brick.path, ec);
      if (ec)
        return Error{"cannot remove the brick " + brick.path + " of deleted volume " +
                     record->volume + ": " + ec.message()};
      log::warn("volumes: removed brick " + brick.path + " of deleted volume " + record->volume);
      removed.push_back(brick.path);
    }
  }
  return removed;
}

}  // namespace hearth::agent
