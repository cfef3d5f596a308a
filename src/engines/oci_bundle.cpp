#include "engines/oci_bundle.h"

#include <cmath>

namespace hearth {
namespace {

using json = nlohmann::ordered_json;

json mount(const std::string& destination, const std::string& type, const std::string& source,
           std::vector<std::string> options) {
  json m;
  m["destination"] = destination;
  m["type"] = type;
  m["source"] = source;
  m["options"] = std::move(options);
  return m;
}

json mounts(const Service& service, const OciBundleOptions& options) {
  json list = json::array();
  list.push_back(mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}));
  list.push_back(
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
  list.push_back(mount("/dev/pts", "devpts", "devpts",
                       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}));
  list.push_back(
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
  list.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
  list.push_back(mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}));
  list.push_back(
      mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}));
  list.push_back(mount("/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=1777"}));
  for (const auto& volume : service.volumes) {
    std::vector<std::string> flags = {"rbind", "rprivate", "nosuid", "nodev"};
    if (volume.read_only) flags.push_back("ro");
    list.push_back(mount(volume.mountpoint, "bind", volume_source(options.volumes_dir, volume),
                         std::move(flags)));
  }
  return list;
}

json resources(const Service& service) {
  json r;
  // No device nodes beyond the runtime's defaults (null, zero, full, random, urandom, tty).
  r["devices"] = json::array({json{{"allow", false}, {"access", "rwm"}}});
  if (service.resources.memory > 0) {
    auto limit = static_cast<std::int64_t>(service.resources.memory);
    r["memory"] = json{{"limit", limit}, {"swap", limit}};
  }
  if (service.resources.cpus > 0) {
    auto quota = static_cast<std::int64_t>(
        std::llround(service.resources.cpus * static_cast<double>(kCpuPeriodMicros)));
    if (quota < 1000) quota = 1000;  // the kernel's minimum CFS quota (1 ms)
    r["cpu"] = json{{"quota", quota}, {"period", kCpuPeriodMicros}};
  }
  return r;
}

}  // namespace

std::string volume_source(const std::string& volumes_dir, const VolumeMount& mount) {
  std::string source = volumes_dir + "/" + mount.volume;
  if (!mount.subdir.empty()) source += "/" + mount.subdir;
  return source;
}

nlohmann::ordered_json render_oci_config(const Service& service, const OciBundleOptions& options) {
  json config;
  config["ociVersion"] = "1.0.2";

  json process;
  process["terminal"] = false;
  ContainerProcess run;
  if (options.process) {
    run = *options.process;
  } else {
    // What the spec alone says (a fingerprint): a user by name and an image's command are only
    // known on the node.
    Service alone = service;
    alone.user.clear();
    if (alone.command.empty() && !alone.entrypoint) alone.command = {"(the image's command)"};
    if (auto from_spec = container_process(alone, nullptr, "", "")) run = std::move(*from_spec);
  }
  process["user"] = json{{"uid", run.uid}, {"gid", run.gid}};
  process["args"] = run.args;
  process["env"] = run.env;
  process["cwd"] = run.cwd;
  const auto& caps = default_capabilities();
  process["capabilities"] = json{{"bounding", caps},
                                 {"effective", caps},
                                 {"permitted", caps},
                                 {"inheritable", json::array()},
                                 {"ambient", json::array()}};
  // No rlimits: the container inherits hearthd's (raising them may be refused, e.g. inside a
  // container or a systemd unit with a lower hard limit).
  process["noNewPrivileges"] = true;
  config["process"] = process;

  config["root"] = json{{"path", options.rootfs}, {"readonly", !options.writable_rootfs}};
  config["hostname"] = service.name;
  config["mounts"] = mounts(service, options);

  json linux_section;
  linux_section["namespaces"] =
      json::array({json{{"type", "pid"}}, json{{"type", "network"}, {"path", options.netns_path}},
                   json{{"type", "ipc"}}, json{{"type", "uts"}}, json{{"type", "mount"}}});
  linux_section["cgroupsPath"] = options.cgroups_path;
  linux_section["resources"] = resources(service);
  linux_section["maskedPaths"] = {"/proc/acpi",        "/proc/asound",        "/proc/kcore",
                                  "/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
                                  "/proc/timer_stats", "/proc/sched_debug",   "/proc/scsi",
                                  "/sys/firmware"};
  linux_section["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                    "/proc/sysrq-trigger"};
  config["linux"] = linux_section;
  return config;
}

}  // namespace hearth
