#pragma once
// The spec's volumes made real in GlusterFS, and kept so (docs/architecture.md, "Volumes").
//
// Two pure decision steps, then a driver that applies them:
//
//   decide_cluster()  THE LEADER ONLY: the trusted pool (probe every other node at its gluster
//                     address), and per volume of the plan: create (replica 3 arbiter 1, the
//                     plan's bricks, once every peer is connected), set the options of
//                     volume_options() that differ, start; a volume gluster has but the spec no
//                     longer names is stopped, never deleted. A heal is started when a brick or a
//                     peer comes back, and again while entries stay pending with every brick up
//                     (the self-heal daemon may never have noticed a cut link).
//   decide_node()     EVERY NODE: its own brick directories are made before the volume exists
//                     (never afterwards: a brick directory that vanished is a failed disk, not
//                     something to re-create on the root file system); on a SERVER, every started
//                     volume of the plan is FUSE-mounted at <data dir>/volumes/<V> and a dead
//                     mount is unmounted and mounted again; a mount of a volume that is not
//                     started or not in the spec is unmounted. The arbiter mounts nothing.
//
// Each step is level-triggered and idempotent: after a crash half-way, the next observation
// shows what was done (gluster's own state is the record) and the rest follows.

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "engines/gluster.h"
#include "plan/bricks.h"
#include "spec/spec.h"

namespace hearth::agent {

// A volume option hearth sets on every volume, and why (docs/operations.md repeats the reasons).
struct VolumeOption {
  std::string key;
  std::string value;
  std::string why;
};
const std::vector<VolumeOption>& volume_options();

// --- the leader's step ---

struct ClusterObservation {
  std::vector<GlusterPeer> peers;  // the local glusterd's pool list
  std::vector<GlusterVolume> volumes;
  std::map<std::string, GlusterVolumeState> states;  // started volumes, when known
  std::map<std::string, GlusterHealSummary> heals;   // started volumes, when known
};

struct ClusterAction {
  enum class Kind { probe, create, set_options, start, stop, heal };
  Kind kind = Kind::probe;
  std::string volume;                                        // every kind but probe
  std::string host;                                          // probe
  std::vector<std::pair<std::string, std::string>> options;  // set_options: those that differ
  std::string reason;                                        // for the log: why this step
  std::optional<VolumePlan> plan;                            // create
};
std::string describe(const ClusterAction& action);

// What decide_cluster() remembers between observations (to see bricks and peers come back).
struct HealMemory {
  std::map<std::string, std::set<std::string>> online_bricks;  // volume -> brick ids
  std::optional<std::set<std::string>> connected_peers;        // hostnames; nullopt: not seen yet
  std::set<std::string> wanted;                         // volumes to heal when all bricks are up
  std::map<std::string, std::int64_t> last_attempt_ms;  // volume -> when a heal was decided
  // Record that the heal of `volume` decided last was started (gluster accepted it).
  void healed(const std::string& volume);
};

// A heal wanted because something came back is retried this often (ms) until gluster accepts
// it (right after a link returns, it may refuse); pending entries with every brick up are healed
// again this often until none is left.
inline constexpr std::int64_t kHealRetryMs = 1000;
inline constexpr std::int64_t kHealRepeatMs = 5000;

// `peer_hosts`: the gluster addresses of every OTHER node. Updates `memory` (what was seen).
std::vector<ClusterAction> decide_cluster(const std::vector<VolumePlan>& plan,
                                          const std::vector<std::string>& peer_hosts,
                                          const ClusterObservation& observed, HealMemory& memory,
                                          std::int64_t now_ms);

// --- every node's step ---

struct NodeObservation {
  std::vector<GlusterVolume> volumes;        // as gluster knows them (the local glusterd)
  std::set<std::string> existing_paths;      // of the node's disk paths and brick dirs
  std::map<std::string, MountState> mounts;  // mount dir -> state (of the plan's volumes
                                             // and of every dir under <data dir>/volumes)
};

struct NodeAction {
  enum class Kind { make_brick_dir, mount, unmount };
  Kind kind = Kind::mount;
  std::string volume;
  std::string path;                  // brick dir or mount dir
  std::vector<std::string> servers;  // mount: the volume file servers, own first
  std::string reason;
};
std::string describe(const NodeAction& action);

// The mount point of a volume on a server.
std::string volume_mount_dir(const std::string& data_dir, const std::string& volume);

// REQUIRES: `node` is in `spec`; `plan` = plan_bricks(spec).
std::vector<NodeAction> decide_node(const Spec& spec, const std::vector<VolumePlan>& plan,
                                    const std::string& node, const std::string& data_dir,
                                    const NodeObservation& observed);

// The gluster address of a node: its storage address when it has one, else its address.
std::string gluster_host(const Node& node);

// --- the driver ---

// What `hearth status` shows of the volumes, as this node last observed them.
struct VolumeReport {
  std::string name;
  std::string state;  // gluster's ("Started", ...), or "missing" (not created yet)
  std::vector<GlusterBrickRef> bricks;
  std::map<std::string, GlusterBrickState> brick_states;  // by brick id, when observed
  std::optional<GlusterHealSummary> heal;
  std::int64_t heal_observed_ms = 0;
  // When brick_states were read (the reconciler's monotonic clock); -1: never.
  std::int64_t states_observed_ms = -1;
  // The last `volume info` or `volume status` failed (error says why): brick_states are the last
  // good ones, of states_observed_ms. A failed heal summary keeps the last good `heal` (its age:
  // heal_observed_ms). A failed read never empties the view.
  bool stale = false;
  std::string error;  // the last observation's failure, if any
};

// Two steps, each driven by a thread of its own: the cluster step's gluster commands may wait
// for a peer that lost power (up to the CLI's timeouts), and mounts must not wait for them.
class VolumeReconciler {
 public:
  VolumeReconciler(GlusterCli& gluster, VolumeMounts& mounts, std::string node,
                   std::string data_dir);

  // Observes the volumes (for status) and, as leader, decide_cluster() and applies it. Returns
  // the first failure; later actions still run. `now_ms`: a monotonic clock (intervals only).
  Status reconcile_cluster(const Spec& spec, bool leader, std::int64_t now_ms);
  // decide_node() and applies it.
  Status reconcile_node(const Spec& spec);

  // The volumes of the last observation, and this node's mounts ({"volume": "alive", ...}).
  std::vector<VolumeReport> reports() const;
  std::map<std::string, std::string> mount_states() const;
  std::map<std::string, MountUsage> mount_usage() const;

 private:
  void observe_states(const std::vector<GlusterVolume>& volumes, std::int64_t now_ms,
                      std::map<std::string, GlusterVolumeState>& states,
                      std::map<std::string, GlusterHealSummary>& heals);
  // `volume info` failed: every report keeps its last good content, marked stale with `error`.
  void mark_stale(const std::string& error);

  GlusterCli& gluster_;
  VolumeMounts& mounts_;
  std::string node_;
  std::string data_dir_;
  HealMemory memory_;                                  // the cluster step's
  std::map<std::string, std::string> cluster_failed_;  // last failure per action, logged once
  std::map<std::string, std::string> node_failed_;

  mutable std::mutex mutex_;
  std::vector<VolumeReport> reports_;
  std::map<std::string, std::string> mount_states_;
  std::map<std::string, MountUsage> mount_usage_;
};

// Heal info runs a gluster client of its own (~1 s): observed at most this often (ms).
inline constexpr std::int64_t kHealObserveMs = 2000;

}  // namespace hearth::agent
