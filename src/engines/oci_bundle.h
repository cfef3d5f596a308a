#pragma once
// The OCI runtime configuration (config.json) of one service's container, rendered from the spec.
// Pure: no I/O. The runtime (engines/crun.h) runs it; the agent prepares what it points at (the
// root file system, the network namespace, the volume directories).
//
// What a service's container gets:
//   - its own pid, mount, ipc and uts namespaces (host name = the service name), and the network
//     namespace at `netns_path`, made beforehand, that holds the service's address;
//   - the root file system read-only (unless `writable_rootfs`), with a fresh tmpfs on /tmp,
//     /proc, a minimal /dev (tmpfs, pts, shm, mqueue), /sys and /sys/fs/cgroup read-only;
//   - each `volumes:` entry "volume[/subdir]:/path[:ro]" bind-mounted from
//     `<volumes_dir>/<volume>/<subdir>` (nosuid, nodev; read-only with ":ro");
//   - the process of container_process(): the spec's command, entrypoint, user, working dir and
//     environment, each not given taken from the image's config (a service with an image);
//   - cgroup limits from `resources`: cpus as a CFS quota per 100 ms period, memory as the hard
//     limit (swap included, so the limit is not dodged by swapping); nothing when not given;
//   - as root inside, but only kDefaultCapabilities, no new privileges, and the usual masked and
//     read-only /proc paths.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engines/image_config.h"
#include "spec/spec.h"

namespace hearth {

// The capabilities every service gets, and no others: Docker's default set minus NET_RAW (raw
// sockets: ARP/ICMP spoofing on the service network), MKNOD, SETFCAP, SETPCAP and SYS_CHROOT.
// Enough for a server that binds a low port and drops to its own user.
inline const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
      "CAP_AUDIT_WRITE", "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER",          "CAP_FSETID",
      "CAP_KILL",        "CAP_SETGID", "CAP_SETUID",       "CAP_NET_BIND_SERVICE"};
  return caps;
}

// The CFS period used for `resources.cpus` (quota = cpus x period).
inline constexpr std::int64_t kCpuPeriodMicros = 100'000;

struct OciBundleOptions {
  std::string rootfs;        // absolute path of the root file system the runtime mounts
  std::string netns_path;    // absolute path of the service's network namespace (/run/netns/...)
  std::string volumes_dir;   // where the node mounts its volumes: <data-dir>/volumes
  std::string cgroups_path;  // e.g. "/hearth/r510/homepage"; unique on the machine
  bool writable_rootfs = false;
  // The process (engines/image_config.h: from the spec and the image's config). nullopt: from
  // the spec alone, with a user given by name left as root (for fingerprints, no files read).
  std::optional<ContainerProcess> process = std::nullopt;
};

// `<volumes_dir>/<volume>[/<subdir>]`: the host directory of one volume mount.
std::string volume_source(const std::string& volumes_dir, const VolumeMount& mount);

// The config.json of `service` (REQUIRES: validated; rootfs/netns/volumes/cgroups absolute).
nlohmann::ordered_json render_oci_config(const Service& service, const OciBundleOptions& options);

}  // namespace hearth
