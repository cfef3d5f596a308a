#include "lab/node_namespace.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/process.h"
#include "lab/layout.h"
#include "lab/system.h"

namespace hearth::lab {
namespace {

constexpr const char* kHybridCgroup2Mount = "/sys/fs/cgroup/unified";

bool inside(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status unmount(const std::string& path, const std::string& what) {
  if (run_step({"umount", path}, what)) return ok_status();
  return run_step({"umount", "--lazy", path}, what);  // busy: detach now, free when unused
}

}  // namespace

NodeDirLocation locate_node_dir(const std::vector<LabMount>& mounts_before,
                                const std::string& path) {
  const LabMount* holder = nullptr;
  for (const auto& mount : mounts_before) {
    if (inside(path, mount.target) && (!holder || mount.target.size() > holder->target.size())) {
      holder = &mount;
    }
  }
  if (!holder) return {NodeDirLocation::Kind::host, path};
  if (holder->source.empty()) return {NodeDirLocation::Kind::node_only, ""};
  return {NodeDirLocation::Kind::lab, holder->source + path.substr(holder->target.size())};
}

Status build_ns_dir(const LabState& state) {
  if (auto s = make_dirs(state.ns_dir, 0700); !s) return s;
  if (contains(host_mount_points(), state.ns_dir)) return ok_status();
  if (auto s = run_step({"mount", "--bind", state.ns_dir, state.ns_dir},
                        "cannot bind-mount the lab's namespace directory");
      !s) {
    return s;
  }
  return run_step({"mount", "--make-private", state.ns_dir},
                  "cannot make the lab's namespace directory private");
}

Status build_images(const LabState& state) {
  std::string root = state.images_dir + "/busybox";
  std::string marker = root + "/bin/busybox";
  struct stat info {};
  if (::stat(marker.c_str(), &info) == 0) return ok_status();
  auto busybox = find_program("busybox");
  if (!busybox) {
    return Error{
        "cannot make the lab's busybox image: busybox is not installed "
        "(package busybox-static; run scripts/install-deps)"};
  }
  auto applets = run_step_output({*busybox, "--list"}, "cannot list busybox's applets");
  if (!applets) return applets.error();
  for (const char* dir : {"bin", "etc", "tmp", "proc", "sys", "dev", "root", "var", "data"}) {
    if (auto s = make_dirs(root + "/" + dir); !s) return s;
  }
  std::istringstream names(*applets);
  std::error_code error;
  for (std::string name; std::getline(names, name);) {
    if (name.empty() || name == "busybox" || name.find('/') != std::string::npos) continue;
    std::filesystem::create_symlink("busybox", root + "/bin/" + name, error);
    if (error && error != std::errc::file_exists) {
      return Error{"cannot make the lab's busybox image: " + root + "/bin/" + name + ": " +
                   error.message()};
    }
  }
  // Copied last: its presence marks a complete image.
  return copy_file(*busybox, marker, 0755);
}

bool node_namespaces_exist(const LabNode& node, const std::vector<std::string>& host_mounts) {
  return contains(host_mounts, node.mount_ns_path) && contains(host_mounts, node.uts_ns_path);
}

Result<std::vector<std::string>> node_overlay_dirs(
    const std::vector<LabMount>& mounts, const std::function<bool(const std::string&)>& exists) {
  std::vector<std::string> dirs;
  for (std::size_t i = 0; i < mounts.size(); ++i) {
    const std::string& target = mounts[i].target;
    std::vector<LabMount> before(mounts.begin(), mounts.begin() + static_cast<long>(i));
    if (locate_node_dir(before, target).kind != NodeDirLocation::Kind::host || exists(target))
      continue;
    std::string ancestor = target;
    do {
      auto slash = ancestor.find_last_of('/');
      ancestor = slash == 0 ? "/" : ancestor.substr(0, slash);
    } while (ancestor != "/" && !exists(ancestor));
    if (ancestor == "/") {
      return Error{"the lab cannot make the mount point " + target +
                   " inside its nodes: no directory above it but / exists on this machine; "
                   "use a path under an existing directory such as /srv"};
    }
    dirs.push_back(ancestor);
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  std::vector<std::string> outermost;
  for (const auto& dir : dirs) {
    bool covered = false;
    for (const auto& kept : outermost) covered = covered || inside(dir, kept);
    if (!covered) outermost.push_back(dir);
  }
  return outermost;
}

namespace {

// Anchors a new mount namespace at the root of the process that made it. Entering a mount
// namespace (setns, as nsenter does) puts a process at the namespace's own root, which inside a
// chroot is the machine's real root, not the chroot's: every command run in the node would then
// see another system. Where the two differ, the chroot's root is bound over the namespace's root
// (after making that root private, so nothing reaches the machine's own mounts); where they are
// the same (a real machine), nothing is done. Run by `unshare` inside the new namespace; $$ is
// that shell, still at the chroot's root.
constexpr const char* kAnchorRootScript =
    "[ \"$(stat -c %d:%i /)\" = \"$(nsenter --mount=/proc/$$/ns/mnt stat -c %d:%i /)\" ] ||\n"
    "  nsenter --mount=/proc/$$/ns/mnt -- sh -c "
    "'mount --make-rprivate / && mount --rbind \"$1\" /' anchor /proc/$$/root\n";

// Where a node keeps the writable layers of its overlays: on its own /run tmpfs, so they vanish
// with the node and never touch the machine's disks.
constexpr const char* kOverlayLayersDir = "/run/hearth-lab-overlays";
// Where the lab's root is bound in a node while its mounts are made: the sources of the bind
// mounts (all under kLabRoot) are taken from here, because an overlay on a parent of kLabRoot
// (/var/lib) would otherwise hand the node the overlay's copy instead of the lab's directory.
constexpr const char* kLabRootInNode = "/run/hearth-lab-root";

bool exists_on_machine(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

}  // namespace

Status build_node(const LabState& state, const LabNode& node) {
  std::string where = "node " + node.name;
  // Host directories behind the node's bind mounts (all under the lab's root).
  for (const auto& mount : node.mounts) {
    if (mount.source.empty() || inside(mount.source, state.images_dir)) continue;
    unsigned mode = mount.target == kNodeDataDir ? 0700 : 0755;
    if (auto s = make_dirs(mount.source, mode); !s) return s;
  }
  // hearthd's data directory is a tmpfs of the node's: hearthd puts each service's root file
  // system there as an overlay, whose writable layer cannot live on an overlay file system (the
  // lab's own directory is one inside a chroot made with debootstrap + overlay). Mounted on the
  // machine, under the lab's directory, so the lab's tools read the node's API token from it.
  if (!contains(host_mount_points(), node.host_data_dir)) {
    if (auto s = run_step(
            {"mount", "-t", "tmpfs", "-o", "mode=0700", "hearth-lab-data", node.host_data_dir},
            "cannot mount the data directory of " + where);
        !s) {
      return s;
    }
  }
  for (const auto& dir : {node.log_dir, node.host_dir + "/pids", node.host_data_dir + "/etcd"}) {
    if (auto s = make_dirs(dir, 0700); !s) return s;
  }
  // The spec as the node sees it, like /etc/hearth/homelab.yaml on a real machine, and the lab's
  // name lookups (lab_hosts_file): never the machine's own resolver.
  std::string spec_copy = node.host_dir + "/etc/" + base_name(node.spec_path);
  if (auto s = copy_file(state.spec_path, spec_copy); !s) return s;
  const std::pair<const char*, std::string> lookup_files[] = {{"hosts", lab_hosts_file(state)},
                                                              {"resolv.conf", lab_resolv_conf()}};
  for (const auto& [file, text] : lookup_files) {
    if (auto s = write_text_file(node.host_dir + "/etc/" + file, text); !s) return s;
  }

  // The namespaces and every mount in them are made in one go: a node whose namespaces exist is
  // complete (a half-made lab is taken down before it is built again).
  auto host_mounts = host_mount_points();
  if (node_namespaces_exist(node, host_mounts)) return ok_status();
  // The lookup files are bound over the machine's, which a bare root may lack (debootstrap's
  // minbase has no /etc/hosts): they count as mount points too.
  std::vector<LabMount> mount_points = node.mounts;
  for (const auto& [file, text] : lookup_files) {
    mount_points.push_back({node.host_dir + "/etc/" + file, std::string("/etc/") + file, false});
  }
  auto overlays = node_overlay_dirs(mount_points, exists_on_machine);
  if (!overlays) return Error{overlays.error().message + " (" + where + ")"};
  for (const auto& file : {node.mount_ns_path, node.uts_ns_path}) {
    if (contains(host_mounts, file)) {
      if (auto s = unmount(file, "cannot release a half-made namespace of " + where); !s) return s;
    }
    if (auto s = write_text_file(file, ""); !s) return s;
  }
  if (auto s = run_step({"unshare", "--mount=" + node.mount_ns_path, "--uts=" + node.uts_ns_path,
                         "--propagation", "private", "sh", "-c", kAnchorRootScript},
                        "cannot create the mount and UTS namespaces of " + where);
      !s) {
    return s;
  }

  auto in_node = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(),
                {"nsenter", "--mount=" + node.mount_ns_path, "--uts=" + node.uts_ns_path, "--"});
    return argv;
  };
  auto points = mount_points_in(node.mount_ns_path);
  if (!points) return points.error();
  // The namespace began as a copy of the host's mounts: drop its copies of other nodes' namespace
  // files and of network namespaces, so they do not keep those alive after `down`.
  for (const auto& copied : {state.ns_dir, std::string("/run/netns")}) {
    // Best effort: a copy left behind only delays freeing until this node's namespace is gone.
    if (contains(*points, copied)) (void)run_step(in_node({"umount", "--lazy", copied}), where);
  }
  // crun refuses a hybrid cgroup layout (v1 controllers plus the v2 hierarchy at
  // /sys/fs/cgroup/unified): without the v2 mount the node sees plain cgroup v1, which crun
  // supports. A real Debian 12 install has pure cgroup v2.
  if (contains(*points, kHybridCgroup2Mount)) {
    if (auto s = run_step(in_node({"umount", kHybridCgroup2Mount}),
                          "cannot unmount " + std::string(kHybridCgroup2Mount) + " in " + where);
        !s) {
      return s;
    }
  }

  auto mount = [&](const LabMount& mount) {
    std::vector<std::string> argv;
    if (mount.source.empty()) {
      argv = {"mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", mount.target};
    } else {
      std::string source = mount.source;
      if (inside(source, kLabRoot))
        source = kLabRootInNode + source.substr(std::string(kLabRoot).size());
      argv = {"mount", "-o", mount.read_only ? "bind,ro" : "bind", source, mount.target};
    }
    return run_step(in_node(argv), "cannot mount " + mount.target + " in " + where);
  };
  auto mkdir_in_node = [&](const std::string& dir) {
    return run_step(in_node({"mkdir", "-p", dir}), "cannot create " + dir + " in " + where);
  };
  // The node's own /run first (node_mounts puts its tmpfs first): it holds the overlays' writable
  // layers and, while the mounts are made, the lab's directory.
  if (node.mounts.empty() || node.mounts.front().target != "/run" ||
      !node.mounts.front().source.empty()) {
    return Error{"the lab needs a tmpfs on /run first in " + where + " (a bug in node_mounts)"};
  }
  if (auto s = mount(node.mounts.front()); !s) return s;
  if (auto s = mkdir_in_node(kLabRootInNode); !s) return s;
  // Recursive: the nodes' data directories are tmpfs mounts under it.
  if (auto s = run_step(in_node({"mount", "--rbind", kLabRoot, kLabRootInNode}),
                        "cannot bind the lab's directory in " + where);
      !s) {
    return s;
  }
  // A mount point the machine lacks (/etc/hearth on a bare machine) is made inside the node only:
  // its nearest existing parent gets an overlay whose writable layer is the node's, so the node
  // sees the machine's files there and nothing it creates reaches the machine.
  for (std::size_t i = 0; i < overlays->size(); ++i) {
    const std::string& dir = (*overlays)[i];
    std::string layers = std::string(kOverlayLayersDir) + "/" + std::to_string(i);
    if (auto s = mkdir_in_node(layers + "/upper"); !s) return s;
    if (auto s = mkdir_in_node(layers + "/work"); !s) return s;
    if (auto s = run_step(in_node({"mount", "-t", "overlay", "-o",
                                   "lowerdir=" + dir + ",upperdir=" + layers +
                                       "/upper,workdir=" + layers + "/work",
                                   "hearth-lab", dir}),
                          "cannot put an overlay on " + dir + " in " + where);
        !s) {
      return s;
    }
  }
  for (std::size_t i = 1; i < node.mounts.size(); ++i) {
    const LabMount& lab_mount = node.mounts[i];
    std::vector<LabMount> before(node.mounts.begin(), node.mounts.begin() + static_cast<long>(i));
    NodeDirLocation location = locate_node_dir(before, lab_mount.target);
    if (location.kind == NodeDirLocation::Kind::lab) {
      if (auto s = make_dirs(location.host_path); !s) return s;  // under the lab's root
    } else if (auto s = mkdir_in_node(lab_mount.target); !s) {
      return s;
    }
    if (auto s = mount(lab_mount); !s) return s;
  }
  // The node sees nothing of the lab, as a real machine would not: inside it, `hearth status`
  // talks to the node's own hearthd instead of looking for the lab's namespaces.
  if (auto s = run_step(in_node({"umount", "--recursive", kLabRootInNode}),
                        "cannot unbind the lab's directory in " + where);
      !s) {
    return s;
  }
  if (auto s = run_step(in_node({"mount", "-t", "tmpfs", "-o", "ro,mode=0755,size=4k",
                                 "hearth-lab-hidden", kLabRoot}),
                        "cannot hide the lab's directory in " + where);
      !s) {
    return s;
  }
  for (const auto& [file, text] : lookup_files) {
    std::string target = std::string("/etc/") + file;
    if (!exists_on_machine(target)) {  // made in the overlay on /etc
      if (auto s = run_step(in_node({"touch", target}), "cannot create " + target + " in " + where);
          !s)
        return s;
    }
    if (auto s =
            run_step(in_node({"mount", "--bind", std::string(kNodeSpecDir) + "/" + file, target}),
                     "cannot mount the lab's " + target + " in " + where);
        !s) {
      return s;
    }
  }
  return run_step(in_node({"hostname", node.name}), "cannot set the host name of " + where);
}

void release_node_cgroups(const LabNode& node) {
  // Every cgroup hierarchy of the machine: /sys/fs/cgroup itself (v2) or one per v1 controller.
  std::vector<std::string> roots = {"/sys/fs/cgroup"};
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/fs/cgroup", error)) {
    if (entry.is_directory(error)) roots.push_back(entry.path().string());
  }
  // Kills what is left in the node's service cgroups; true when they were already empty.
  auto kill_remaining = [&] {
    bool empty = true;
    for (const auto& root : roots) {
      std::string node_dir = root + "/hearth/" + node.name;
      if (!std::filesystem::is_directory(node_dir, error)) continue;
      for (const auto& service : std::filesystem::directory_iterator(node_dir, error)) {
        if (!service.is_directory(error)) continue;
        // A container that outlived everything (its hearthd and guard killed): kill it.
        std::ifstream procs(service.path().string() + "/cgroup.procs");
        for (pid_t pid; procs >> pid;) {
          empty = false;
          ::kill(pid, SIGKILL);
        }
      }
    }
    return empty;
  };
  // A cgroup lists a process until it has exited; a busy cgroup cannot be removed.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!kill_remaining() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (const auto& root : roots) {
    std::string node_dir = root + "/hearth/" + node.name;
    if (!std::filesystem::is_directory(node_dir, error)) continue;
    for (const auto& service : std::filesystem::directory_iterator(node_dir, error)) {
      if (service.is_directory(error)) ::rmdir(service.path().c_str());  // busy: left in place
    }
    ::rmdir(node_dir.c_str());
    ::rmdir((root + "/hearth").c_str());  // only when no other node's is left
  }
}

Status release_node(const LabNode& node) {
  release_node_cgroups(node);
  auto host_mounts = host_mount_points();
  if (contains(host_mounts, node.host_data_dir)) {
    if (auto s =
            unmount(node.host_data_dir, "cannot unmount the data directory of node " + node.name);
        !s) {
      return s;
    }
  }
  for (const auto& file : {node.mount_ns_path, node.uts_ns_path}) {
    if (!contains(host_mounts, file)) continue;
    if (auto s = unmount(file, "cannot release a namespace of node " + node.name); !s) return s;
  }
  return ok_status();
}

Status release_ns_dir(const LabState& state) {
  if (!contains(host_mount_points(), state.ns_dir)) return ok_status();
  return unmount(state.ns_dir, "cannot unmount the lab's namespace directory");
}

}  // namespace hearth::lab
