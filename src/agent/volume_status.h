#pragma once
// The volumes part of GET /v1/status and `hearth status`: per volume, its bricks up or down, where
// it is mounted, pending and split-brain heal entries, and space used/free.
//
// Bricks and heal come from the observing node's own glusterd (VolumeReconciler::reports()).
// "Mounted where" needs every server's word: each server's hearthd publishes its mounts under
//   /hearth/volume-mounts/<node>   {"node", "mounts": {"<volume>": {"state",
//                                   "path", "total", "free"}}}   attached to the node's lease
// so a dead node's mounts vanish with it.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/volume_reconciler.h"
#include "cluster/keys.h"
#include "common/result.h"
#include "spec/spec.h"

namespace hearth::agent {

inline constexpr const char* kVolumeMountsPrefix = cluster::keys::kVolumeMountsPrefix;

struct MountRecord {
  std::string state;  // to_string(MountState)
  std::string path;
  std::uint64_t total = 0;
  std::uint64_t free = 0;
};

struct NodeMounts {
  std::string node;
  std::map<std::string, MountRecord> mounts;  // by volume

  std::string to_json() const;
  static Result<NodeMounts> parse(const std::string& json);
};

// This node's mounts as the reconciler last saw them.
NodeMounts node_mounts(const VolumeReconciler& reconciler, const std::string& node,
                       const std::string& data_dir);

// [{"name", "state", "bricks": [{"node", "brick", "role": "data"|"arbiter", "up" (null when
//   unknown: the volume is not started or gluster did not answer), "total", "free"}], "mounts":
//   [{"node", "path", "state"}], "heal": {"pending", "split_brain", "age_ms"} | null, "size":
//   {"total", "used", "free"} | null, "observed_ms_ago" (of the bricks' states; null: never
//   observed), "stale" (the last `volume info`/`volume status` failed: the bricks' states are
//   the last good ones, "error" says why; a brick they do not name is "up": null), "error"?}]
// in spec order, then volumes gluster has that the spec no longer names. A spec volume is always
// listed (state "missing" while gluster has not shown it).
// `now_ms`: the reconciler's (monotonic) clock, to say how old the states and heal counts are.
nlohmann::ordered_json volumes_json(const Spec& spec, const std::vector<VolumeReport>& reports,
                                    const std::vector<NodeMounts>& mounts, std::int64_t now_ms);

}  // namespace hearth::agent
