#pragma once
// A lab node's private mount and UTS namespaces (see LAB-NOTES.md, "Hosts as namespaces"):
// persistent namespaces bound to files under the lab's private ns directory, so every command
// entered later with nsenter sees the same mounts: a tmpfs on /run and per-node directories on
// /etc/hearth, /var/lib/hearth, /var/lib/etcd, /var/lib/glusterd, /var/log/*, the disks.

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "lab/lab_state.h"

namespace hearth::lab {

// Where a directory inside a node lives, given the mounts made before it.
struct NodeDirLocation {
  enum class Kind {
    host,       // on the host's own file system at `host_path` (== the path)
    lab,        // inside one of the node's bind mounts: on the host at `host_path`
    node_only,  // on a tmpfs of the node: only reachable from inside it
  } kind = Kind::host;
  std::string host_path;
};

// Pure. `mounts_before` are the mounts already made, in order; the deepest one holding `path` wins.
NodeDirLocation locate_node_dir(const std::vector<LabMount>& mounts_before,
                                const std::string& path);

// Pure. The directories of the machine that a node needs an overlay on, because a mount point
// of `mounts` (in order, parents first; a file's too) is missing on the machine and not under an
// earlier mount: for each, its nearest existing parent (`exists` says what the machine has),
// outermost only. The node makes the missing mount points in the overlay's writable layer, so the
// machine's own file system is never written. Fails when only / exists above a mount point.
Result<std::vector<std::string>> node_overlay_dirs(
    const std::vector<LabMount>& mounts, const std::function<bool(const std::string&)>& exists);

// Makes the lab's private ns directory (a bind mount of itself, private). Idempotent.
Status build_ns_dir(const LabState& state);

// Makes the busybox root file system every node sees at /srv/hearth/images/busybox. Idempotent.
Status build_images(const LabState& state);

// Makes a node's directories under the lab's root, its spec copy, its mount and UTS namespaces
// with every mount in them (overlays where the machine lacks a mount point, see
// node_overlay_dirs) and its host name. The namespaces are anchored at this process's root, so
// the lab works inside a chroot too. A node whose namespaces exist is left as it is.
Status build_node(const LabState& state, const LabNode& node);

// Releases a node's namespace files (the namespaces die with their last process).
// Missing pieces are skipped.
// Also removes the node's service cgroups (/sys/fs/cgroup/.../hearth/<node>, made by crun for the
// node's containers), killing any container process still in them.
Status release_node(const LabNode& node);

// Unmounts the ns directory. Missing is fine.
Status release_ns_dir(const LabState& state);

// True when the node's mount and UTS namespace files are bound (the node's namespaces exist).
bool node_namespaces_exist(const LabNode& node, const std::vector<std::string>& host_mounts);

}  // namespace hearth::lab
