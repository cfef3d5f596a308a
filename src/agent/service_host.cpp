#include "agent/service_host.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/file.h"
#include "common/log.h"
#include "common/process.h"
#include "engines/gluster.h"
#include "engines/nftables.h"
#include "engines/oci_bundle.h"

namespace hearth::agent {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kContainerPrefix = "hearth-";

Status write_file(const std::string& path, const std::string& text) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out.flush()) return Error{"cannot write " + temporary};
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) return Error{"cannot write " + path + ": " + error.message()};
  return ok_status();
}

// True when `path` is a mount point (its device differs from its parent's).
bool is_mount_point(const std::string& path) {
  struct stat self {
  }, parent{};
  if (::stat(path.c_str(), &self) != 0) return false;
  if (::stat((path + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}

Status run_step(const std::vector<std::string>& argv, const std::string& what) {
  auto done = run({.argv = argv, .timeout = 10s});
  if (!done) return Error{what + ": " + done.error().message};
  if (!done->succeeded()) {
    std::string detail = done->err;
    while (!detail.empty() && detail.back() == '\n') detail.pop_back();
    return Error{what + ": " + argv[0] + " " + done->describe() +
                 (detail.empty() ? "" : ": " + detail)};
  }
  return ok_status();
}

// The PID of container `id` while it runs; 0 when it does not (or cannot be listed).
pid_t running_pid(ContainerRuntime& runtime, const std::string& id) {
  auto containers = runtime.list();
  if (!containers) return 0;
  for (const auto& c : *containers) {
    if (c.id == id && c.status == ContainerInfo::Status::running) return c.pid;
  }
  return 0;
}

}  // namespace

Status FenceGate::step(const std::function<Status()>& step) {
  std::lock_guard lock(mutex_);
  if (closed_) return Error{"stopped: this node is fenced"};
  return step();
}

void FenceGate::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

void FenceGate::open() {
  std::lock_guard lock(mutex_);
  closed_ = false;
}

bool FenceGate::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

NodeServiceHost::NodeServiceHost(ServiceLayout layout, ContainerRuntime& runtime,
                                 ServiceNetworks& networks, HealthProber& prober,
                                 ImageStore* images)
    : layout_(std::move(layout)),
      runtime_(runtime),
      networks_(networks),
      prober_(prober),
      images_(images) {}

Result<std::vector<ServiceInstance>> NodeServiceHost::observe() {
  std::map<std::string, ServiceInstance> found;
  std::map<std::string, pid_t> pids;  // of running containers
  auto containers = runtime_.list();
  if (!containers) return containers.error();
  std::string prefix = kContainerPrefix;
  for (const auto& container : *containers) {
    if (container.id.compare(0, prefix.size(), prefix) != 0) continue;
    std::string name = container.id.substr(prefix.size());
    auto& instance = found[name];
    instance.service = name;
    instance.container = true;
    instance.running = container.status == ContainerInfo::Status::running ||
                       container.status == ContainerInfo::Status::created ||
                       container.status == ContainerInfo::Status::creating;
    if (container.status == ContainerInfo::Status::running && container.pid > 0) {
      pids[name] = container.pid;
    }
  }
  auto networks = networks_.list();
  if (!networks) return networks.error();
  for (const auto& name : *networks) {
    auto& instance = found[name];
    instance.service = name;
    instance.network = true;
  }
  std::string node_mountinfo;
  std::vector<ServiceInstance> result;
  for (auto& [name, instance] : found) {
    std::ifstream in(layout_.started_from_file(name));
    std::getline(in, instance.started_from, '\0');
    if (auto pid = pids.find(name); pid != pids.end()) {
      if (node_mountinfo.empty()) node_mountinfo = read_text_file("/proc/self/mountinfo");
      std::string container_mountinfo =
          read_text_file("/proc/" + std::to_string(pid->second) + "/mountinfo");
      if (auto stale = stale_glusterfs_mount(container_mountinfo, node_mountinfo)) {
        instance.stale_volume = *stale;
      }
    }
    result.push_back(std::move(instance));
  }
  return result;
}

std::optional<std::string> volumes_not_mounted(const Service& service,
                                               const std::string& volumes_dir,
                                               const std::string& mountinfo) {
  for (const auto& volume : service.volumes) {
    std::string root = volumes_dir + "/" + volume.volume;
    if (!mountinfo_has_glusterfs(mountinfo, root)) {
      return "volume " + volume.volume +
             " is not mounted on this node yet (no glusterfs mount at " + root + ")";
    }
  }
  return std::nullopt;
}

std::optional<std::string> NodeServiceHost::not_ready(const StartRequest& request) {
  // The mount itself, not just its directory: a container started on the bare directory would
  // keep it, hidden under the mount that comes later, and serve from it.
  auto volumes = volumes_not_mounted(*request.service, layout_.volumes_dir(),
                                     read_text_file("/proc/self/mountinfo"));
  if (volumes) return volumes;
  const Service& service = *request.service;
  // An image is staged by the image reconciler (agent/image_reconciler.h), never by a start: a
  // start (a failover) never waits for a registry.
  if (!service.image.empty() && images_ != nullptr && !service.image_digest.empty() &&
      !images_->staged(service.image_digest)) {
    return "image " + service.image + " (" + service.image_digest +
           ") is not staged on this node yet";
  }
  return std::nullopt;
}

Status NodeServiceHost::prepare_bundle(const StartRequest& request) {
  const Service& service = *request.service;
  std::string lower = service.rootfs;
  std::optional<StagedImage> image;
  if (!service.image.empty()) {
    auto staged = images_->staged(service.image_digest);
    if (!staged) return Error{"service " + service.name + ": " + staged.error().message};
    image = std::move(*staged);
    lower = image->rootfs;
  }
  for (char c : lower) {
    if (c == ',' || c == ':') {
      return Error{"the root file system of service " + service.name + " (" + lower +
                   ") contains ',' or ':', which an overlay mount cannot take"};
    }
  }
  struct stat info {};
  if (::stat(lower.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return Error{"the root file system of service " + service.name + " (" + lower +
                 ") is not a directory on this node"};
  }
  // Users and groups by name come from the root file system's own files; a symlink there could
  // point out of it (at the node's files), so one is not followed.
  auto account_file = [&lower](const char* name) {
    std::string path = lower + "/etc/" + name;
    std::error_code error;
    if (fs::is_symlink(lower + "/etc", error) || fs::is_symlink(path, error)) return std::string();
    return read_text_file(path);
  };
  auto process = container_process(service, image ? &image->config : nullptr,
                                   account_file("passwd"), account_file("group"));
  if (!process) return process.error();
  // Volumes: each volume is mounted on the node by the volume reconciler (not_ready() waits for
  // it); the service's subdir in it is made here.
  for (const auto& volume : service.volumes) {
    std::error_code error;
    fs::create_directories(volume_source(layout_.volumes_dir(), volume), error);
    if (error) {
      return Error{"cannot create " + volume_source(layout_.volumes_dir(), volume) +
                   " for service " + service.name + ": " + error.message()};
    }
  }
  std::string bundle = layout_.bundle_dir(service.name);
  remove_bundle(service.name);
  std::error_code error;
  for (const char* dir : {"/rootfs", "/upper", "/work"}) {
    fs::create_directories(bundle + dir, error);
    if (error) return Error{"cannot create " + bundle + dir + ": " + error.message()};
  }
  if (auto s = run_step({"mount", "-t", "overlay", "overlay", "-o",
                         "lowerdir=" + lower + ",upperdir=" + bundle +
                             "/upper,workdir=" + bundle + "/work",
                         bundle + "/rootfs"},
                        "cannot mount the root file system of service " + service.name);
      !s) {
    return s;
  }
  OciBundleOptions options{bundle + "/rootfs", networks_.netns_path(service.name),
                           layout_.volumes_dir(), layout_.cgroups_path(service.name), false};
  options.process = std::move(*process);
  return write_file(bundle + "/config.json", render_oci_config(service, options).dump(2) + "\n");
}

void NodeServiceHost::remove_bundle(const std::string& service) {
  std::string bundle = layout_.bundle_dir(service);
  std::string rootfs = bundle + "/rootfs";
  if (is_mount_point(rootfs)) {
    (void)run_step({"umount", rootfs}, "unmount");
    if (is_mount_point(rootfs)) (void)run_step({"umount", "--lazy", rootfs}, "unmount");
  }
  if (is_mount_point(rootfs)) {
    log::warn("cannot unmount " + rootfs + "; leaving " + bundle + " in place");
    return;
  }
  std::error_code error;
  fs::remove_all(bundle, error);
}

Status NodeServiceHost::start(const StartRequest& request, FenceGate& gate) {
  const Service& service = *request.service;
  const Network& network = *request.network;
  std::string id = layout_.container_id(service.name);
  auto undo = [&] {
    (void)runtime_.remove(id);
    (void)networks_.remove(service.name);
    remove_bundle(service.name);
  };
  auto failed = [&](Status s) {
    undo();
    return s;
  };

  // Each step's end, for the one line that says where a start spends its time (bench/failover
  // reads it to explain a failover's seconds).
  auto begun = std::chrono::steady_clock::now();
  std::string phases;
  auto phase_done = [&](const char* phase) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - begun);
    phases += std::string(phases.empty() ? "" : ", ") + phase + " +" + std::to_string(ms.count());
    return ms;
  };

  if (!service.image.empty()) {  // checked before anything is touched
    if (service.image_digest.empty()) {
      return Error{"service " + service.name + ": image " + service.image +
                   " has no pinned digest (the spec revision was stored without one); apply the "
                   "spec again"};
    }
    if (images_ == nullptr) {
      return Error{"service " + service.name + " names an image, and this host has no image store"};
    }
  }
  if (auto s = gate.step([&] { return stop(service.name, 0ms); }); !s) return s;
  std::error_code error;
  fs::create_directories(layout_.service_dir(service.name), error);
  if (error) {
    return Error{"cannot create " + layout_.service_dir(service.name) + ": " + error.message()};
  }
  std::string parent;
  if (auto s = gate.step([&]() -> Status {
        auto found = networks_.interface_on(network.cidr, network.name);
        if (!found) return found.error();
        parent = *found;
        return ok_status();
      });
      !s) {
    return s;
  }
  phase_done("stopped");
  if (auto s = gate.step([&] { return prepare_bundle(request); }); !s) return failed(s);
  phase_done("rootfs");
  ServiceNetworkConfig config{service.name, parent, request.address, network.cidr.prefix_length,
                              network.gateway};
  if (auto s = gate.step([&] { return networks_.create(config); }); !s) return failed(s);
  phase_done("network");
  if (!request.firewall.empty()) {
    NftTarget target({"nsenter", "--net=" + networks_.netns_path(service.name), "--"});
    if (auto s = gate.step([&]() -> Status {
          Status applied = target.apply(request.firewall);
          if (!applied) {
            return Error{"cannot apply the firewall of service " + service.name + ": " +
                         applied.error().message};
          }
          return applied;
        });
        !s) {
      return failed(s);
    }
    phase_done("firewall");
  }
  if (auto s = gate.step([&] {
        return runtime_.run(id, layout_.bundle_dir(service.name), layout_.log_file(service.name));
      });
      !s) {
    return failed(s);
  }
  phase_done("container");
  if (auto port = readiness_port(service)) {
    HealthCheck accepts;
    accepts.kind = HealthKind::tcp;
    accepts.port = *port;
    accepts.timeout = 200;
    auto deadline = std::chrono::steady_clock::now() + kReadinessWait;
    while (!prober_.probe(networks_.netns_path(service.name), request.address, accepts).ok &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    phase_done("listening");
  }
  if (auto s = gate.step([&] { return networks_.expose(config); }); !s) return failed(s);
  auto total = phase_done("address up");
  log::info("service " + service.name + ": ready at " + request.address.str() + " after " +
            std::to_string(total.count()) + " ms (" + phases + ")");
  // Last: a crash before this leaves a service that the next hearthd restarts rather than adopts.
  (void)write_file(layout_.started_from_file(service.name), request.fingerprint);
  return ok_status();
}

std::optional<std::uint16_t> readiness_port(const Service& service) {
  if (service.health && service.health->port != 0) return service.health->port;
  for (const auto& port : service.ports) {
    if (port.protocol == Protocol::tcp) return port.number;
  }
  return std::nullopt;
}

Status NodeServiceHost::stop(const std::string& service, std::chrono::milliseconds grace) {
  std::string id = layout_.container_id(service);
  // A stopping service must never meet a new client without a listener (a reset: a failed
  // request); its SYN must go unanswered instead, to be retried and reach the next owner. Many a
  // PID 1 ignores SIGTERM and serves on: it keeps taking new connections until it stops listening
  // (checked every 20 ms in its namespace's TCP table) or has exited or the grace is over; from
  // then new connections are dropped. The address stays until after the kill, so connections
  // still open are reset by the dying service rather than left hanging.
  bool refusing = false;
  Status refused = ok_status();
  auto refuse_new = [&] {
    if (!refusing) refused = networks_.refuse_new_connections(service);
    refusing = true;
  };
  pid_t pid = grace > 0ms ? running_pid(runtime_, id) : 0;
  if (pid > 0 && runtime_.kill(id, SIGTERM)) {
    auto deadline = std::chrono::steady_clock::now() + grace;
    auto next_exit_check = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < deadline) {
      if (!refusing && !accepts_tcp_connections(pid)) refuse_new();
      if (std::chrono::steady_clock::now() >= next_exit_check) {
        next_exit_check += 100ms;
        if (running_pid(runtime_, id) == 0) break;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  if (pid > 0) refuse_new();
  Status removed = runtime_.remove(id);
  Status unaddressed = networks_.remove(service);
  remove_bundle(service);
  std::error_code error;
  fs::remove(layout_.started_from_file(service), error);
  if (!removed) return removed;
  if (!unaddressed) return unaddressed;
  if (!refused) log::warn(refused.error().message);  // it stopped all the same
  return ok_status();
}

Status NodeServiceHost::stop_everything() {
  Status first = ok_status();
  auto keep = [&first](Status s) {
    if (first && !s) first = std::move(s);
  };
  // Addresses first: that is what must be gone before the lease can expire.
  if (auto networks = networks_.list()) {
    for (const auto& name : *networks) keep(networks_.remove(name));
  } else {
    keep(networks.error());
  }
  std::vector<std::string> services;
  if (auto containers = runtime_.list()) {
    std::string prefix = kContainerPrefix;
    for (const auto& container : *containers) {
      if (container.id.compare(0, prefix.size(), prefix) != 0) continue;
      keep(runtime_.remove(container.id));
      services.push_back(container.id.substr(prefix.size()));
    }
  } else {
    keep(containers.error());
  }
  for (const auto& service : services) remove_bundle(service);
  return first;
}

ProbeResult NodeServiceHost::probe(const std::string& service, Ipv4 address,
                                   const HealthCheck& check) {
  return prober_.probe(networks_.netns_path(service), address, check);
}

void NodeServiceHost::rotate_logs() {
  std::error_code error;
  fs::directory_iterator it(layout_.data_dir + "/services", error);
  if (error) return;
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    std::string log = layout_.log_file(name);
    auto size = fs::file_size(log, error);
    if (error || size <= kLogCap) continue;
    // Copy, then truncate: the container keeps writing to the same file (opened for appending),
    // now from its start. Output written between the copy and the truncation is lost (a few
    // lines at most, once per megabyte).
    std::string old = layout_.old_log_file(name);
    fs::copy_file(log, old + ".tmp", fs::copy_options::overwrite_existing, error);
    if (error) continue;
    fs::rename(old + ".tmp", old, error);
    if (error) continue;
    if (::truncate(log.c_str(), 0) != 0) log::warn("cannot truncate " + log);
  }
}

}  // namespace hearth::agent
