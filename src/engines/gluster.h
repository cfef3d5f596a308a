#pragma once
// GlusterFS as hearth sees it: the trusted pool, volumes, bricks and heal state, read from the
// `gluster` command line's --xml answers (pure parsers below, tested on captured samples), and
// the few commands hearth gives it. Each node runs its own glusterd; the CLI talks to the local
// one. The FUSE mounts of volumes are a separate small interface (VolumeMounts).
//
// Contract of every GlusterCli call: it runs `gluster --mode=script ...` (never asks a
// question), returns within its timeout, and fails with gluster's own message when glusterd
// refuses or does not answer. Calls are safe from several threads (each is one process).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "plan/bricks.h"

namespace hearth {

// A peer of the trusted pool, as `gluster pool list` shows it (the local node included, with
// hostname "localhost").
struct GlusterPeer {
  std::string uuid;
  std::string hostname;                // as probed (an address for hearth)
  std::vector<std::string> hostnames;  // every name glusterd knows it by
  bool connected = false;
  bool self = false;  // the local glusterd
};

struct GlusterBrickRef {
  std::string host;  // as in "host:/path"
  std::string path;
  bool arbiter = false;
  std::string id() const { return host + ":" + path; }
};

// `gluster volume info`.
struct GlusterVolume {
  std::string name;
  std::string id;  // its UUID; each brick directory carries it (xattr trusted.glusterfs.volume-id)
  std::string state;  // "Created", "Started", "Stopped"
  int replica = 0;
  int arbiter = 0;
  std::vector<GlusterBrickRef> bricks;         // in volume order (the arbiter last)
  std::map<std::string, std::string> options;  // the options set on it (reconfigured ones)
  bool started() const { return state == "Started"; }
};

// One brick's process in `gluster volume status NAME detail`.
struct GlusterBrickState {
  std::string host;
  std::string path;
  bool online = false;
  int port = 0;
  std::int64_t pid = 0;
  std::uint64_t size_total = 0;  // bytes of the brick's file system
  std::uint64_t size_free = 0;
  std::string id() const { return host + ":" + path; }
};

// `gluster volume status NAME detail`: bricks of unreachable peers are missing (not online).
struct GlusterVolumeState {
  std::string name;
  std::vector<GlusterBrickState> bricks;
  const GlusterBrickState* brick(const std::string& id) const;
};

// One brick's line of `gluster volume heal NAME info summary`.
struct GlusterBrickHeal {
  std::string brick;  // host:path
  bool connected = false;
  std::int64_t pending = -1;      // entries waiting for heal (-1: unknown, the brick is down)
  std::int64_t split_brain = -1;  // entries in split-brain
  std::int64_t healing = -1;      // possibly being healed now
};

struct GlusterHealSummary {
  std::string volume;
  std::vector<GlusterBrickHeal> bricks;
  // Totals over the connected bricks (an entry pending on two bricks counts twice).
  std::int64_t pending() const;
  std::int64_t split_brain() const;
};

// --- Pure parsers of `gluster ... --xml` answers. Each fails with gluster's own error text when
// the answer says the operation failed (opRet != 0), or names what is malformed.
Result<std::vector<GlusterPeer>> parse_pool_list(const std::string& xml);
Result<std::vector<GlusterVolume>> parse_volume_info(const std::string& xml);
Result<GlusterVolumeState> parse_volume_status(const std::string& xml);
Result<GlusterHealSummary> parse_heal_summary(const std::string& xml);

// The local glusterd, through its command line.
class GlusterCli {
 public:
  virtual ~GlusterCli() = default;
  virtual Result<std::vector<GlusterPeer>> pool() = 0;
  // Adds a peer to the trusted pool. Succeeds when it is already a peer.
  virtual Status probe(const std::string& host) = 0;
  virtual Result<std::vector<GlusterVolume>> volumes() = 0;
  // REQUIRES: the volume is not Created/Started; bricks in gluster_order() of the plan.
  // Uses `force`: bricks may sit on the root file system (the lab does so).
  virtual Status create(const VolumePlan& plan) = 0;
  // Sets options in one transaction (`volume set NAME K1 V1 K2 V2 ...`).
  virtual Status set_options(const std::string& volume,
                             const std::vector<std::pair<std::string, std::string>>& options) = 0;
  virtual Status start(const std::string& volume) = 0;
  virtual Status stop(const std::string& volume) = 0;
  // Destroys the volume's definition (the bricks' files stay on disk).
  virtual Status remove(const std::string& volume) = 0;
  virtual Result<GlusterVolumeState> status(const std::string& volume) = 0;
  virtual Result<GlusterHealSummary> heal_summary(const std::string& volume) = 0;
  // Starts an index heal (what the self-heal daemon does on its periodic crawl, now).
  virtual Status heal(const std::string& volume) = 0;
  // `volume replace-brick NAME OLD NEW commit force`: NEW is empty and is filled by heal.
  virtual Status replace_brick(const std::string& volume, const std::string& old_brick,
                               const std::string& new_brick) = 0;
};

// The real one: runs /usr/sbin/gluster (found in PATH). Reads give up after `read_timeout`
// (glusterd waits for a peer that lost power until its own timeouts); changes after
// `change_timeout`.
class GlusterCommandLine final : public GlusterCli {
 public:
  explicit GlusterCommandLine(std::chrono::milliseconds read_timeout = std::chrono::seconds(10),
                              std::chrono::milliseconds change_timeout = std::chrono::seconds(60))
      : read_timeout_(read_timeout), change_timeout_(change_timeout) {}
  Result<std::vector<GlusterPeer>> pool() override;
  Status probe(const std::string& host) override;
  Result<std::vector<GlusterVolume>> volumes() override;
  Status create(const VolumePlan& plan) override;
  Status set_options(const std::string& volume,
                     const std::vector<std::pair<std::string, std::string>>& options) override;
  Status start(const std::string& volume) override;
  Status stop(const std::string& volume) override;
  Status remove(const std::string& volume) override;
  Result<GlusterVolumeState> status(const std::string& volume) override;
  Result<GlusterHealSummary> heal_summary(const std::string& volume) override;
  Status heal(const std::string& volume) override;
  Status replace_brick(const std::string& volume, const std::string& old_brick,
                       const std::string& new_brick) override;

 private:
  // A read with --xml: the answer's text (opRet is checked by the parsers).
  Result<std::string> run_xml(std::vector<std::string> args);
  // A change: succeeds when gluster exits 0; fails with its own message.
  Status run_change(std::vector<std::string> args);
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds change_timeout_;
};

// What a node sees of one volume's FUSE mount at a directory.
enum class MountState {
  absent,       // nothing is mounted there
  alive,        // a glusterfs mount answers
  unreachable,  // its client runs but answers errors: it reaches no brick (a partition)
  stuck,        // its client runs but did not answer within the check's timeout (a stall)
  dead,         // mounted but its client process is gone ("Transport endpoint is not connected")
};
const char* to_string(MountState state);

struct MountUsage {
  std::uint64_t total = 0;  // bytes
  std::uint64_t free = 0;
};

// The node's FUSE mounts of volumes.
class VolumeMounts {
 public:
  virtual ~VolumeMounts() = default;
  // Looks at the mount table and asks the file system (in a child process, so a stalled mount
  // never blocks the caller longer than the check's timeout). `usage` is filled when alive.
  virtual MountState check(const std::string& dir, MountUsage* usage = nullptr) = 0;
  // Mounts volume `volume` from `servers` (the first one gives the volume file, the others are
  // backups) at `dir`, creating `dir`.
  virtual Status mount(const std::string& volume, const std::vector<std::string>& servers,
                       const std::string& dir) = 0;
  // Detaches the mount at `dir` (lazily: users of a dead mount do not block it).
  virtual Status unmount(const std::string& dir) = 0;
};

class FuseVolumeMounts final : public VolumeMounts {
 public:
  // `log_dir`: where each mount's client log goes (<log_dir>/<volume>.log).
  explicit FuseVolumeMounts(std::string log_dir) : log_dir_(std::move(log_dir)) {}
  MountState check(const std::string& dir, MountUsage* usage = nullptr) override;
  Status mount(const std::string& volume, const std::vector<std::string>& servers,
               const std::string& dir) override;
  Status unmount(const std::string& dir) override;

 private:
  std::string log_dir_;
};

// True when /proc/self/mountinfo (text given) has a glusterfs FUSE mount at `dir`.
bool mountinfo_has_glusterfs(const std::string& mountinfo, const std::string& dir);

// The first glusterfs FUSE mount in `container_mountinfo` (a container's /proc/PID/mountinfo)
// whose file system is no longer mounted anywhere in `node_mountinfo` (the node's): the volume was
// mounted again since the container started, and the container still sees the old, dead mount
// through its bind mount. Its mount point inside the container; nullopt when there is none.
// (Compared by device number: the old mount's number cannot be given to another file system while
// the container still holds it.)
std::optional<std::string> stale_glusterfs_mount(const std::string& container_mountinfo,
                                                 const std::string& node_mountinfo);

// True when `cmdline` (argv) is a glusterfs FUSE client serving the mount point `dir` (its last
// argument, as mount.glusterfs starts it).
bool is_fuse_client_of(const std::vector<std::string>& cmdline, const std::string& dir);

}  // namespace hearth
