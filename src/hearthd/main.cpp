// hearthd: the hearth daemon of one machine (docs/architecture.md).
//
//   hearthd --node r510 --spec /etc/hearth/homelab.yaml --data-dir /var/lib/hearth
//           [--api-port 7070] [--etcd http://127.0.0.1:2379] [--log-level info]
//
// On servers, services (every 500 ms: agent/service_reconciler.h), fenced by the fence callback,
// and a guard process that stops them if this hearthd dies without doing so
// (agent/service_guard.h).
//
// Threads: lease renewal (every 500 ms), the control loop (every 500 ms: election, node history,
// spec), the node firewall (every 500 ms: hearth's ports open to the management and storage
// networks only; runs nft only when the spec changes, and every 5 s to check), on the arbiter DNS
// and DHCP (every 500 ms: dnsmasq follows the leader's stored decision, read from the local etcd
// member, so without quorum too) and etcd's raft leadership (every second: kept on the arbiter), the
// leader's assignment step (every 100 ms), volumes (every 500 ms: the leader builds and heals
// gluster volumes; agent/volume_reconciler.h), volume mounts (every 500 ms: each server keeps its
// FUSE mounts), the fence watchdog (every 50 ms, no I/O), the status watcher (every 500 ms: the
// web UI's live page and /metrics, api/status_feed.h), the API and web UI listeners (management
// address and 127.0.0.1), and the main thread, which waits for SIGTERM/SIGINT and then stops
// cleanly: the lease is revoked so the other nodes see this one leave at once.

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "agent/dns_dhcp_reconciler.h"
#include "agent/image_reconciler.h"
#include "agent/node_firewall_reconciler.h"
#include "agent/node_links_reconciler.h"
#include "agent/service_assignments.h"
#include "agent/service_guard.h"
#include "agent/service_reconciler.h"
#include "agent/service_status_publisher.h"
#include "agent/volume_admin.h"
#include "agent/volume_reconciler.h"
#include "agent/volume_status.h"
#include "api/api.h"
#include "api/drain_preflight.h"
#include "api/metrics.h"
#include "api/status_feed.h"
#include "api/token.h"
#include "api/ui.h"
#include "cluster/cluster_status.h"
#include "cluster/control_loop.h"
#include "cluster/etcd_leader_keeper.h"
#include "cluster/etcd_member.h"
#include "cluster/etcd_store.h"
#include "cluster/stored_plan.h"
#include "cluster/malformed_records.h"
#include "common/log.h"
#include "engines/gluster.h"
#include "plan/firewall.h"
#include "spec/load.h"

namespace {

using namespace std::chrono_literals;
using namespace hearth;

constexpr const char* kVersion = "0.1.0";
constexpr int kExitUsage = 2;
constexpr int kExitFailed = 1;

// Lets a thread sleep until a deadline or until stop is requested.
class StopSignal {
 public:
  void request() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }
  // Returns false when stop was requested.
  bool sleep_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [this] { return stopped_; });
    return !stopped_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopped_ = false;
};

// Runs one step of a thread; an exception (which no step should throw: a bug, or input no reader
// foresaw) becomes a failed step, so the thread and hearthd live on to the next one.
template <typename Step>
Status guarded(const char* what, Step& step) {
  try {
    return step();
  } catch (const std::exception& error) {
    return Error{std::string("unexpected failure in the ") + what + " step: " + error.what()};
  }
}

// Logs a recurring failure once, then every 10 s while it lasts, and its recovery.
class FailureLog {
 public:
  explicit FailureLog(std::string what) : what_(std::move(what)) {}
  void report(const Status& status) {
    auto now = std::chrono::steady_clock::now();
    if (status) {
      if (failing_) log::info(what_ + ": working again");
      failing_ = false;
      return;
    }
    if (!failing_ || now - last_logged_ >= 10s) {
      log::warn(what_ + ": " + status.error().message);
      last_logged_ = now;
    }
    failing_ = true;
  }

 private:
  std::string what_;
  bool failing_ = false;
  std::chrono::steady_clock::time_point last_logged_{};
};

std::int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The images of GET /v1/status: what every server published of its staged images.
nlohmann::ordered_json images_status(const Spec& spec, cluster::KeyValueStore& store) {
  std::map<std::string, std::vector<agent::ImageStatus>> published;
  std::string prefix = agent::kImagesStatusPrefix;
  if (auto found = store.get_prefix(prefix, cluster::Consistency::serializable)) {
    for (const auto& kv : found->kvs) {
      published[kv.key.substr(prefix.size())] = agent::parse_images_status(kv.value);
    }
  }
  return agent::images_json(spec, published);
}

// The volumes of GET /v1/status: this node's gluster view, every server's published mounts.
nlohmann::ordered_json volumes_status(const Spec& spec, const agent::VolumeReconciler& volumes,
                                      cluster::KeyValueStore& store) {
  std::vector<agent::NodeMounts> mounts;
  if (auto found =
          store.get_prefix(agent::kVolumeMountsPrefix, cluster::Consistency::serializable)) {
    for (const auto& kv : found->kvs) {
      if (auto record = agent::NodeMounts::parse(kv.value)) {
        mounts.push_back(*record);
      } else {
        cluster::report_malformed_record("volume-mounts record", kv, record.error().message);
      }
    }
  }
  return agent::volumes_json(spec, volumes.reports(), mounts, monotonic_ms());
}

class DaemonControlPlane final : public api::ControlPlane {
 public:
  DaemonControlPlane(cluster::ControlLoop& loop, std::string etcd,
                     const agent::VolumeReconciler& volumes, cluster::KeyValueStore& store,
                     GlusterCli& gluster, const api::StatusFeed& feed,
                     const api::NodeMetrics& metrics, ImageResolver& images)
      : loop_(loop),
        etcd_(std::move(etcd)),
        volumes_(volumes),
        store_(store),
        gluster_(gluster),
        feed_(feed),
        metrics_(metrics),
        images_(images) {}
  // From the status watcher's last look (at most 500 ms old): a scrape costs no etcd call.
  Result<std::string> metrics() override {
    return api::render_metrics(feed_.status(), metrics_, loop_.lease().node_name(), kVersion);
  }
  Result<nlohmann::ordered_json> drain_preflight(const std::string& node) override {
    auto current = status();
    if (!current) return current.error();
    return api::drain_preflight(loop_.spec(), node, *current);
  }
  Result<nlohmann::ordered_json> volume_action(const std::string& volume, const std::string& action,
                                               const nlohmann::json& arguments) override {
    if (action == "replace-brick")
      return agent::replace_brick(gluster_, loop_.spec(), volume, arguments);
    if (action == "delete") {
      return agent::delete_volume(gluster_, store_, loop_.spec(), volume, arguments,
                                  "API via " + loop_.lease().node_name());
    }
    return Error{"no volume action '" + action + "' (there are delete and replace-brick)"};
  }
  Result<nlohmann::ordered_json> status() override {
    auto members = cluster::probe_members(loop_.spec(), etcd_, 300ms);
    auto view = loop_.status(std::move(members));
    if (!view) return view.error();
    auto json = cluster::to_json(*view);
    json["volumes"] = volumes_status(loop_.spec(), volumes_, store_);
    json["images"] = images_status(loop_.spec(), store_);
    return json;
  }
  Result<std::map<std::string, std::string>> pin_images(const Spec& spec, bool refresh) override {
    return loop_.pin_images(spec, refresh, images_);
  }
  Result<Applied> apply(const std::string& text, const std::string& applied_by,
                        const std::map<std::string, std::string>& images) override {
    auto applied = loop_.apply(text, applied_by + " via " + loop_.lease().node_name(), images);
    if (!applied) return applied.error();
    return Applied{applied->spec, applied->unchanged};
  }
  Result<DrainOutcome> set_drained(const std::string& node, bool drained,
                                   const std::string& by) override {
    Spec spec = loop_.spec();
    const Node* found = spec.find_node(node);
    if (found == nullptr) return DrainOutcome::unknown_node;
    if (found->role == NodeRole::arbiter) return DrainOutcome::arbiter;
    auto changed = loop_.set_drained(node, drained, by + " via " + loop_.lease().node_name());
    if (!changed) return changed.error();
    return *changed ? DrainOutcome::changed : DrainOutcome::unchanged;
  }

 private:
  cluster::ControlLoop& loop_;
  std::string etcd_;
  const agent::VolumeReconciler& volumes_;
  cluster::KeyValueStore& store_;
  GlusterCli& gluster_;
  const api::StatusFeed& feed_;
  const api::NodeMetrics& metrics_;
  ImageResolver& images_;
};

// Holds an exclusive lock on DATA_DIR/hearthd.lock for the life of the process: two hearthd for
// one node would hold two leases and could both believe they lead.
Result<int> lock_data_dir(const std::string& data_dir) {
  std::string path = data_dir + "/hearthd.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot open " + path + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Error{"another hearthd is already running with the data directory " + data_dir +
                 " (it holds " + path + "); stop it first"};
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hearthd: the hearth daemon of one machine"};
  std::string node, spec_file, data_dir, etcd = "http://127.0.0.1:2379", level = "info";
  int api_port = kHearthApiPort;
  app.add_option("--node", node, "This machine's node name in the spec")->required();
  std::string guard_of;
  app.add_option("--spec", spec_file, "The bootstrap spec (an applied revision replaces it)");
  app.add_option("--guard-of", guard_of,
                 "Internal: be the services' guard of the hearthd PID:START_TIME "
                 "(agent/service_guard.h)");
  app.add_option("--data-dir", data_dir, "State directory (API token, lock)")->required();
  app.add_option("--api-port", api_port, "API port on the management address and 127.0.0.1")
      ->check(CLI::Range(1, 65535));
  app.add_option("--etcd", etcd, "The local etcd member's client URL");
  app.add_option("--log-level", level, "debug | info | warn | error");
  std::string trunk;
  app.add_option("--trunk", trunk,
                 "Real installs: the link carrying the spec's VLANs; hearthd makes one VLAN "
                 "interface per network this node needs (docs/operations.md)");
  bool manage_firewall = true;
  app.add_flag(
      "!--no-firewall", manage_firewall,
      "Leave this machine's nftables alone: no table inet hearth_node (docs/operations.md)");
  app.set_version_flag("--version", std::string("hearthd ") + kVersion);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : kExitUsage;
  }

  log::set_program("hearthd");
  if (auto parsed = log::parse_level(level)) {
    log::set_level(*parsed);
  } else {
    std::cerr << "hearthd: --log-level must be debug, info, warn or error\n";
    return kExitUsage;
  }

  if (!guard_of.empty()) {
    auto colon = guard_of.find(':');
    pid_t pid = 0;
    std::uint64_t start_time = 0;
    try {
      pid = static_cast<pid_t>(std::stol(guard_of.substr(0, colon)));
      if (colon != std::string::npos) start_time = std::stoull(guard_of.substr(colon + 1));
    } catch (const std::exception&) {
      std::cerr << "hearthd: --guard-of takes PID:START_TIME\n";
      return kExitUsage;
    }
    log::set_program("hearthd-guard");
    std::string dir = std::filesystem::absolute(data_dir).string();
    CrunRuntime crun(dir + "/crun");
    MacvlanServiceNetworks networks;
    NetnsHealthProber prober;
    agent::NodeServiceHost host({dir, node}, crun, networks, prober);
    return agent::run_service_guard(pid, start_time, host);
  }
  if (spec_file.empty()) {
    std::cerr << "hearthd: --spec is required\n";
    return kExitUsage;
  }

  LoadResult loaded = load_spec_file(spec_file);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) log::error(e.format());
    log::error("cannot start: the spec " + spec_file + " is not valid (" +
               std::to_string(loaded.errors.size()) + " errors above)");
    return kExitUsage;
  }
  Spec spec = std::move(*loaded.spec);
  const Node* self = spec.find_node(node);
  if (self == nullptr) {
    log::error("cannot start: node '" + node + "' is not in the spec " + spec_file);
    return kExitUsage;
  }
  std::string address = self->address.str();

  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    log::error("cannot create the data directory " + data_dir + ": " + ec.message());
    return kExitFailed;
  }
  ::chmod(data_dir.c_str(), 0700);
  auto lock = lock_data_dir(data_dir);
  if (!lock) {
    log::error(lock.error().message);
    return kExitFailed;
  }
  auto token = api::load_or_create_token(data_dir);
  if (!token) {
    log::error(token.error().message);
    return kExitFailed;
  }

  // The arbiter's DNS and DHCP: from the saved copy at once, before etcd is asked (no quorum
  // needed).
  std::optional<DnsmasqServer> dnsmasq;
  std::optional<agent::DnsDhcpReconciler> dns_dhcp;
  if (self->role == NodeRole::arbiter) {
    DnsmasqLayout files{std::filesystem::absolute(data_dir).string() + "/dnsmasq"};
    dnsmasq.emplace(files);
    dns_dhcp.emplace(*dnsmasq, DnsmasqFiles{files.lease_file(), files.pid_file()});
    if (auto started = dns_dhcp->start_saved(); !started) log::error(started.error().message);
  }

  // Signals are taken by the main thread alone (sigwait); every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  cluster::ControlLoopOptions options{node, kVersion, {}};
  // Renewals must finish well within the renew interval; everything else may take longer.
  cluster::EtcdKeyValueStore lease_store(etcd, 400ms);
  cluster::EtcdKeyValueStore store(etcd, 1500ms);
  cluster::ControlLoop loop(lease_store, store, system_clock(), spec, options);

  // Services (servers only; the arbiter runs none): crun containers, each with its own address.
  std::string absolute_data_dir = std::filesystem::absolute(data_dir).string();
  CrunRuntime crun(absolute_data_dir + "/crun");
  MacvlanServiceNetworks service_networks;
  NetnsHealthProber prober;
  SkopeoImageStore image_store(absolute_data_dir + "/images");
  agent::NodeServiceHost service_host({absolute_data_dir, node}, crun, service_networks, prober,
                                      &image_store);
  std::optional<agent::ServiceReconciler> services;
  if (self->role == NodeRole::server) {
    agent::ServiceReconcilerOptions service_options;
    service_options.probe_wait = 0ms;  // a hanging probe never holds up a failover step
    services.emplace(service_host, system_clock(), service_options);
  }
  agent::ServiceStatusPublisher service_status(store, system_clock(), node);
  std::optional<agent::AssignedServices> assigned_services;
  if (services) assigned_services.emplace(*services, store, system_clock(), node);

  loop.set_fence_callback([&services](const std::string& reason) {
    if (!services) {
      log::error("FENCED: " + reason + " (the arbiter runs no services)");
      return;
    }
    log::error("FENCED: " + reason + ": stopping every service");
    (void)services->stop_all("fenced: " + reason);
  });

  log::info("hearthd " + std::string(kVersion) + " starting as node " + node + " (" + address +
            "), cluster " + spec.cluster.name + ", etcd " + etcd + ", data " + data_dir);

  StopSignal stop;
  // Runs `step` every renew interval until stopped; a slow step does not cause a burst after it.
  auto every_interval = [&](const char* what, auto step) {
    return std::thread([&stop, &options, what, step] {
      FailureLog failures(what);
      auto next = std::chrono::steady_clock::now();
      do {
        failures.report(guarded(what, step));
        next += options.timing.renew_interval;
        auto now = std::chrono::steady_clock::now();
        if (next < now) next = now;
      } while (stop.sleep_until(next));
    });
  };
  api::NodeMetrics node_metrics;
  std::thread renewal = every_interval("lease", [&loop, &node_metrics] {
    auto started = std::chrono::steady_clock::now();
    Status renewed = loop.renew_lease();
    if (renewed) {
      node_metrics.lease_renewal_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    } else {
      node_metrics.lease_renewal_failures += 1;
    }
    return renewed;
  });
  std::thread control = every_interval("control loop", [&loop] { return loop.tick(); });
  // The leader's assignment step, faster than the tick: failover waits on it (assignments.h).
  std::thread assignments([&stop, &loop] {
    FailureLog failures("assignments");
    auto step = [&loop] { return loop.assign(); };
    do {
      failures.report(guarded("assignments", step));
    } while (stop.sleep_until(std::chrono::steady_clock::now() + 100ms));
  });
  // Before the firewall and the services: they look for this node's interface on each network.
  std::optional<IpVlanLinks> vlan_links;
  std::optional<agent::NodeLinksReconciler> node_links;
  std::thread links_thread;
  if (!trunk.empty()) {
    vlan_links.emplace(trunk);
    node_links.emplace(*vlan_links, node);
    links_thread = every_interval(
        "links", [&loop, &node_links] { return node_links->reconcile(loop.spec()); });
  }
  NftTarget nftables;
  agent::NodeFirewallReconciler node_firewall(nftables, node);
  std::thread firewall;
  if (manage_firewall) {
    firewall = every_interval(
        "firewall", [&loop, &node_firewall] { return node_firewall.reconcile(loop.spec()); });
  } else {
    log::warn("--no-firewall: hearth's ports are open to every network this machine is on");
  }
  std::thread dns_dhcp_thread;
  if (dns_dhcp) {
    // The leader's stored decision, from the local etcd member: answered without quorum.
    dns_dhcp_thread = every_interval("DNS and DHCP", [&store, &dns_dhcp]() -> Status {
      auto decision = cluster::read_stored_plan(store, cluster::Consistency::serializable);
      if (!decision) return decision.error();
      if (!*decision) return ok_status();  // no decision yet: the saved copy (if any) serves
      return dns_dhcp->reconcile(**decision);
    });
  }
  // The arbiter keeps etcd's raft leadership (cluster/etcd_leader_keeper.h), as it keeps hearth's
  // (cluster/leader_election.h): a server's death then costs neither election.
  std::thread etcd_leader_thread;
  std::optional<cluster::EtcdLeaderKeeper> etcd_leader;
  if (self->role == NodeRole::arbiter) {
    etcd_leader.emplace(etcd);
    etcd_leader_thread = std::thread([&stop, &etcd_leader] {
      FailureLog failures("etcd leadership");
      auto step = [&etcd_leader] { return etcd_leader->step(); };
      do {
        failures.report(guarded("etcd leadership", step));
      } while (stop.sleep_until(std::chrono::steady_clock::now() + 1s));
    });
  }
  // Volumes: the leader builds and heals them; every server keeps its mounts; each server
  // publishes its mounts (attached to its lease) when they change.
  GlusterCommandLine gluster;
  FuseVolumeMounts fuse_mounts("/var/log/glusterfs/mounts");
  agent::VolumeReconciler volumes(gluster, fuse_mounts, node, absolute_data_dir);
  std::string published_mounts;
  cluster::LeaseId published_lease = 0;
  std::thread volume_thread = every_interval("volumes", [&]() -> Status {
    return volumes.reconcile_cluster(loop.spec(), loop.is_leader(), monotonic_ms());
  });
  std::thread mount_thread = every_interval("volume mounts", [&]() -> Status {
    Spec current = loop.spec();
    Status done = volumes.reconcile_node(current);
    if (auto removed = agent::remove_deleted_bricks(store, current, node); !removed && done) {
      done = removed.error();
    }
    if (self->role != NodeRole::server) return done;
    std::string text = agent::node_mounts(volumes, node, absolute_data_dir).to_json();
    cluster::LeaseId lease = loop.lease().lease_id();
    if (lease != 0 && (text != published_mounts || lease != published_lease)) {
      if (store.put(agent::kVolumeMountsPrefix + node, text, lease)) {
        published_mounts = text;
        published_lease = lease;
      }
    }
    return done;
  });
  // Images: every server stages each pinned image of the spec before a service of it can be
  // placed there (agent/image_reconciler.h), and publishes their state (attached to its lease).
  agent::ImageReconciler images(image_store, system_clock(), image_store.roots_dir());
  std::thread images_thread;
  std::string published_images;
  cluster::LeaseId images_lease = 0;
  if (self->role == NodeRole::server) {
    images_thread = every_interval("images", [&]() -> Status {
      Status done = images.reconcile(loop.spec());
      std::string text = agent::images_status_json(images.status());
      cluster::LeaseId lease = loop.lease().lease_id();
      if (lease != 0 && (text != published_images || lease != images_lease)) {
        if (store.put(agent::kImagesStatusPrefix + node, text, lease)) {
          published_images = text;
          images_lease = lease;
        }
      }
      return done;
    });
  }
  std::thread services_thread;
  if (services) {
    std::error_code link_error;
    std::string self_path = std::filesystem::read_symlink("/proc/self/exe", link_error).string();
    if (auto guard = agent::start_service_guard(self_path, absolute_data_dir, node); !guard) {
      log::error(guard.error().message + "; services would outlive a crash of hearthd");
    }
    auto services_step = [&]() -> Status {
      cluster::LeaseId lease = loop.lease().held() ? loop.lease().lease_id() : 0;
      auto [spec_in_force, revision] = loop.spec_and_revision();
      Status stepped = assigned_services->step(spec_in_force, revision, lease);
      service_host.rotate_logs();
      Status published = service_status.publish(services->status(), lease);
      if (!stepped) return stepped;
      return published;
    };
    // A step every renew interval, and at once when the assignments change (looked at every
    // 100 ms in between): a failover or handover is not kept waiting for the next step.
    services_thread = std::thread([&stop, &options, &assigned_services, services_step] {
      FailureLog failures("services");
      while (true) {
        failures.report(guarded("services", services_step));
        auto next = std::chrono::steady_clock::now() + options.timing.renew_interval;
        while (true) {
          if (!stop.sleep_until(std::min(next, std::chrono::steady_clock::now() + 100ms))) return;
          if (std::chrono::steady_clock::now() >= next) break;
          auto changed = assigned_services->assignments_changed();
          if (changed && *changed) break;
        }
      }
    });
  }
  std::thread watchdog([&] {
    do {
      loop.check_fence();
    } while (stop.sleep_until(std::chrono::steady_clock::now() + 50ms));
  });

  api::StatusFeed status_feed(node_metrics);
  DaemonControlPlane control_plane(loop, etcd, volumes, store, gluster, status_feed, node_metrics,
                                   image_store);
  // The status watcher: the web UI's live page and /metrics read its last look.
  std::thread status_watcher([&stop, &control_plane, &status_feed] {
    do {
      auto status = control_plane.status();
      if (status) {
        status_feed.publish(*status);
      } else {
        status_feed.publish_failure(status.error().message);
      }
    } while (stop.sleep_until(std::chrono::steady_clock::now() + 500ms));
  });
  api::UiServer ui(*token, status_feed, node);
  api::ApiHandler handler(control_plane, *token);
  std::mutex servers_mutex;
  std::vector<std::unique_ptr<api::ApiServer>> servers;
  auto listen_on = [&](const std::string& listen) -> Status {
    auto server = std::make_unique<api::ApiServer>(handler, &ui);
    if (auto s = server->start(listen, api_port); !s) return s;
    std::lock_guard lock(servers_mutex);
    servers.push_back(std::move(server));
    return ok_status();
  };
  if (address != "127.0.0.1") {
    if (auto s = listen_on("127.0.0.1"); !s) log::error("API: " + s.error().message);
  }
  // The management address may come up after hearthd does (a slow network at boot): until it can
  // be bound, try again every 2 s.
  std::thread management_listener;
  if (auto s = listen_on(address); !s) {
    log::error("API: " + s.error().message + "; retrying every 2 s");
    management_listener = std::thread([&stop, &listen_on, address] {
      while (stop.sleep_until(std::chrono::steady_clock::now() + 2s)) {
        if (listen_on(address)) return;
      }
    });
  }

  int received = 0;
  sigwait(&signals, &received);
  log::info(std::string("received ") + (received == SIGTERM ? "SIGTERM" : "SIGINT") +
            ": leaving the cluster");
  stop.request();
  if (services_thread.joinable()) services_thread.join();
  if (images_thread.joinable()) images_thread.join();
  // Services stop before the lease goes: once peers see this node leave they may start them.
  if (services) (void)services->stop_all("hearthd is stopping");
  renewal.join();
  control.join();
  assignments.join();
  if (links_thread.joinable()) links_thread.join();
  if (firewall.joinable()) firewall.join();
  if (dns_dhcp_thread.joinable()) dns_dhcp_thread.join();
  if (etcd_leader_thread.joinable()) etcd_leader_thread.join();
  volume_thread.join();
  mount_thread.join();
  watchdog.join();
  if (management_listener.joinable()) management_listener.join();
  status_watcher.join();
  for (auto& server : servers) server->stop();
  loop.shutdown();
  if (dnsmasq) dnsmasq->stop();  // a clean stop takes its child along; a crash leaves it serving
  ::close(*lock);
  log::info("stopped");
  return 0;
}
