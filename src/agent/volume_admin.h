#pragma once
// The administrative actions on volumes that the spec alone does not express, run by the hearthd
// that receives them (POST /v1/volumes/<NAME>/<ACTION>; `hearth volume ...`):
//
//   replace-brick  {"node": N, "to": DISK|/ABSOLUTE/PATH}: the volume's brick on node N moves to
//                  <disk path>/<volume> of one of N's disks, or to an absolute directory.
//                  Gluster's own procedure: `volume replace-brick ... commit force` (the new
//                  brick starts empty), then a full heal copies the data from the other data
//                  brick; hearthd keeps healing while entries are pending.
//   delete         {"yes_destroy_data": true}: only for a volume the spec in force does not name
//                  (remove it from the spec and apply first: the volume is then stopped). Stops
//                  it if needed, deletes it in gluster, and records the deletion under
//                  /hearth/volume-deletions/<NAME>; every node then removes its own brick
//                  directories of it (remove_deleted_bricks), recognising them by the volume's
//                  UUID in their xattr trusted.glusterfs.volume-id, so a later volume of the same
//                  name is never touched.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster/keys.h"
#include "cluster/kv_store.h"
#include "common/result.h"
#include "engines/gluster.h"
#include "spec/spec.h"

namespace hearth::agent {

inline constexpr const char* kVolumeDeletionsPrefix = cluster::keys::kVolumeDeletionsPrefix;

struct BrickMove {
  std::string old_brick;  // host:path
  std::string new_brick;  // host:path
};

// The brick of `volume` on `node` and where it goes; pure. Fails naming what is wrong (no such
// volume or node, no brick there, an unknown disk, a relative path, the same place).
Result<BrickMove> plan_brick_move(const Spec& spec, const GlusterVolume& volume,
                                  const std::string& node, const std::string& to);

Result<nlohmann::ordered_json> replace_brick(GlusterCli& gluster, const Spec& spec,
                                             const std::string& volume,
                                             const nlohmann::json& arguments);

Result<nlohmann::ordered_json> delete_volume(GlusterCli& gluster, cluster::KeyValueStore& store,
                                             const Spec& spec, const std::string& volume,
                                             const nlohmann::json& arguments,
                                             const std::string& by);

// One /hearth/volume-deletions/<NAME> record: the volume's UUID and where its bricks were.
struct VolumeDeletion {
  struct Brick {
    std::string node;
    std::string path;  // absolute
  };
  std::string volume;
  std::string id;  // gluster's volume UUID
  std::vector<Brick> bricks;

  // Pure; every field checked for its type (a stored value may be anything): an error names what
  // is wrong, nothing throws. Bricks must have a node and an absolute path without "..".
  static Result<VolumeDeletion> parse(const std::string& text);
};

// Removes this node's brick directories of deleted volumes (see above). Returns what it removed.
// A malformed record is logged once with its key and skipped (cluster/malformed_records.h).
Result<std::vector<std::string>> remove_deleted_bricks(cluster::KeyValueStore& store,
                                                       const Spec& spec, const std::string& node);

// The volume UUID a brick directory carries ("" when none or unreadable), as gluster prints it.
std::string brick_volume_id(const std::string& dir);

}  // namespace hearth::agent
