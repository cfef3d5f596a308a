#include "agent/service_reconciler.h"

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "engines/nftables_config.h"
#include "engines/oci_bundle.h"
#include "plan/firewall.h"

namespace hearth::agent {
namespace {

using namespace std::chrono_literals;

struct Desired {
  const Service* service = nullptr;
  const Network* network = nullptr;
  Ipv4 address;
  std::string fingerprint;
  std::string firewall;
};

}  // namespace

bool ServiceRuntimeStatus::operator==(const ServiceRuntimeStatus& other) const {
  auto probe_tuple = [](const std::optional<ProbeRecord>& p) {
    return p ? std::make_tuple(true, p->ok, p->at_ms, p->message)
             : std::make_tuple(false, false, std::int64_t{0}, std::string());
  };
  return service == other.service && address == other.address && state == other.state &&
         restarts == other.restarts && since_ms == other.since_ms && error == other.error &&
         probe_tuple(last_probe) == probe_tuple(other.last_probe);
}

std::string service_fingerprint(const Service& service, const Network& network) {
  // Everything the container and its namespace are made from, except the per-node paths.
  OciBundleOptions placeholders{"ROOTFS", "NETNS", "VOLUMES", "CGROUP", false};
  std::string text = render_oci_config(service, placeholders).dump();
  text += "\nrootfs=" + service.rootfs + "\nimage=" + service.image + "@" + service.image_digest +
          "\nuser=" + service.user;
  text += "\nnetwork=" + network.name + " " + network.cidr.str() + " " +
          (network.gateway ? network.gateway->str() : "-");
  return text;
}

std::string service_firewall_ruleset(const Spec& spec, const Service& service, Ipv4 address) {
  // plan_firewall() pairs spec.services[i] with addresses[i]; only this service's entry is used.
  std::vector<ServiceAddress> addresses;
  for (const auto& s : spec.services) {
    addresses.push_back({s.name, s.network, s.name == service.name ? address : Ipv4{}, {}});
  }
  FirewallPlan plan = plan_firewall(spec, addresses, {});
  for (const auto& firewall : plan.services) {
    if (firewall.service == service.name) return render_service_ruleset(firewall);
  }
  return "";
}

ServiceReconciler::ServiceReconciler(ServiceHost& host, Clock& clock,
                                     ServiceReconcilerOptions options)
    : host_(host), clock_(clock), options_(options) {}

ServiceReconciler::~ServiceReconciler() {
  for (auto& [service, task] : probing_) {
    if (task->thread.joinable()) task->thread.join();
  }
}

void ServiceReconciler::launch_probe(const std::string& service, Ipv4 address,
                                     const HealthCheck& check, Clock::TimePoint run) {
  auto task = std::make_unique<ProbeTask>();
  task->address = address;
  task->check = check;
  task->run = run;
  task->launched = clock_.now();
  ProbeTask* raw = task.get();
  task->thread = std::thread([this, raw, service] {
    auto started = clock_.now();
    raw->result = host_.probe(service, raw->address, raw->check);
    raw->duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started).count();
    raw->done = true;
  });
  probing_[service] = std::move(task);
}

void ServiceReconciler::wait_for_probes() {
  if (options_.probe_wait <= 0ms) return;
  const bool forever = options_.probe_wait == std::chrono::milliseconds::max();
  auto deadline = std::chrono::steady_clock::now() +
                  (forever ? std::chrono::milliseconds(0) : options_.probe_wait);
  for (auto& [service, task] : probing_) {
    if (forever) {
      if (task->thread.joinable()) task->thread.join();
      continue;
    }
    // Real time (not clock_): this bounds how long the step itself waits.
    while (!task->done && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
  }
}

Status ServiceReconciler::take_probe_results() {
  Status first = ok_status();
  for (auto it = probing_.begin(); it != probing_.end();) {
    ProbeTask& probe = *it->second;
    if (!probe.done) {
      ++it;
      continue;
    }
    if (probe.thread.joinable()) probe.thread.join();
    std::string service = it->first;
    auto task = std::move(it->second);
    it = probing_.erase(it);
    auto found = tracked_.find(service);
    // A result about a run that ended (stopped, restarted, unassigned) says nothing now.
    if (fenced_ || found == tracked_.end() || !found->second.started ||
        found->second.started_at != probe.run) {
      continue;
    }
    Tracked& tracked = found->second;
    auto now = clock_.now();
    tracked.status.last_probe =
        ProbeRecord{probe.result.ok, clock_.wall_ms(), probe.result.message, probe.duration_ms};
    tracked.next_probe = probe.launched + std::chrono::milliseconds(probe.check.interval);
    if (probe.result.ok) {
      tracked.probe_failures = 0;
      tracked.answered = true;
      tracked.status.error.clear();
      set_state(tracked, "running");
      continue;
    }
    if (!tracked.answered && now - tracked.started_at < options_.probe_grace) continue;
    tracked.probe_failures += 1;
    set_state(tracked, "unhealthy");
    tracked.status.error = "health check failed: " + probe.result.message;
    if (tracked.probe_failures >= options_.failure_threshold) {
      record_failure(tracked, "restarting",
                     "health check failed " + std::to_string(tracked.probe_failures) +
                         " times in a row (" + probe.result.message + "): restarting it");
      Status stopped = host_.stop(service, options_.stop_grace);
      if (first && !stopped) first = stopped;
    }
  }
  return first;
}

std::chrono::milliseconds ServiceReconciler::backoff(int failures) const {
  if (failures <= 1) return 0ms;
  auto delay = options_.backoff_first;
  for (int i = 2; i < failures && delay < options_.backoff_max; ++i) delay *= 2;
  return std::min(delay, options_.backoff_max);
}

void ServiceReconciler::set_state(Tracked& tracked, const std::string& state) {
  if (tracked.status.state != state) {
    tracked.status.state = state;
    tracked.status.since_ms = clock_.wall_ms();
  }
}

void ServiceReconciler::record_failure(Tracked& tracked, const std::string& state,
                                       const std::string& error) {
  tracked.failures += 1;
  tracked.started = false;
  tracked.next_start = clock_.now() + backoff(tracked.failures);
  tracked.status.error = error;
  set_state(tracked, state);
  log::warn("service " + tracked.status.service + ": " + error);
}

Status ServiceReconciler::stop_all(const std::string& reason) {
  fenced_ = true;
  gate_.close();  // waits for a start step in progress; no further step runs
  Status stopped = host_.stop_everything();
  if (stopped) {
    log::warn("services: every service stopped and every service address removed (" + reason + ")");
  } else {
    log::error("services: fencing (" + reason + "): " + stopped.error().message);
  }
  return stopped;
}

Status ServiceReconciler::reconcile(const Spec& spec, const std::vector<AssignedService>& assigned,
                                    bool lease_held) {
  auto mark_fenced = [this] {
    for (auto& [name, tracked] : tracked_) {
      tracked.started = false;
      tracked.probe_failures = 0;
      tracked.status.error = "this node holds no lease: it runs no services";
      set_state(tracked, "fenced");
    }
  };
  if (!lease_held) {
    if (!fenced_) {
      auto observed = host_.observe();
      if (!observed || !observed->empty()) {
        (void)stop_all("this node holds no lease");
      } else {
        fenced_ = true;
        gate_.close();
      }
    }
    mark_fenced();
    return ok_status();
  }
  if (fenced_) {
    // Told the lease is held again (a new lease: the leader has kept or moved our services).
    fenced_ = false;
    gate_.open();
    for (auto& [name, tracked] : tracked_) tracked.failures = 0;
  }

  std::map<std::string, Desired> desired;
  for (const auto& a : assigned) {
    const Service* service = spec.find_service(a.service);
    if (service == nullptr) continue;
    const Network* network = spec.find_network(service->network);
    if (network == nullptr) continue;
    Desired& want = desired[a.service];
    want = {service, network, a.address, "", service_firewall_ruleset(spec, *service, a.address)};
    want.fingerprint = service_fingerprint(*service, *network) + "\naddress=" + a.address.str() +
                       "\nfirewall=" + want.firewall;
  }

  auto observed = host_.observe();
  if (!observed) return observed.error();
  std::map<std::string, ServiceInstance> found;
  for (auto& instance : *observed) found[instance.service] = std::move(instance);

  Status first = ok_status();
  auto keep = [&first](const Status& s) {
    if (first && !s) first = s;
  };

  // Not (or no longer) ours: stop.
  for (const auto& [name, instance] : found) {
    if (fenced_) break;
    if (desired.count(name)) continue;
    log::info("service " + name + ": not assigned to this node: stopping it");
    keep(host_.stop(name, options_.stop_grace));
  }
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    it = desired.count(it->first) ? std::next(it) : tracked_.erase(it);
  }

  struct DueProbe {
    std::string service;
    Ipv4 address;
    HealthCheck check;
    Clock::TimePoint run;
  };
  std::vector<DueProbe> due;  // launched after the starts and stops of this step
  for (const auto& [name, want] : desired) {
    if (fenced_) break;
    auto now = clock_.now();
    auto [entry, inserted] = tracked_.try_emplace(name);
    Tracked& tracked = entry->second;
    if (inserted) {
      tracked.status.service = name;
      tracked.next_start = now;
    }
    tracked.status.address = want.address;
    auto at = found.find(name);
    const ServiceInstance* instance = at == found.end() ? nullptr : &at->second;
    bool running = instance && instance->container && instance->running && instance->network;

    if (running && !tracked.started) {
      if (instance->started_from == want.fingerprint) {
        // Started by an earlier hearthd with exactly this spec and address: adopt it.
        log::info("service " + name + ": found running as assigned; keeping it");
        tracked.started = true;
        tracked.fingerprint = want.fingerprint;
        tracked.address = want.address;
        tracked.started_at = now;
        tracked.next_probe = now;
        set_state(tracked, want.service->health ? "starting" : "running");
      } else {
        log::info("service " + name + ": running from another spec or address: restarting it");
        keep(host_.stop(name, options_.stop_grace));
        running = false;
        instance = nullptr;
      }
    } else if (running && tracked.fingerprint != want.fingerprint) {
      log::info("service " + name + ": its spec or address changed: restarting it");
      keep(host_.stop(name, options_.stop_grace));
      tracked.started = false;
      running = false;
      instance = nullptr;  // stopped: nothing of it is left
    }
    if (running && !instance->stale_volume.empty()) {
      // Not its fault, and it cannot recover by itself: its bind mount holds the dead mount.
      log::info("service " + name + ": its volume at " + instance->stale_volume +
                " was mounted again on this node since it started: restarting it on the new mount");
      keep(host_.stop(name, options_.stop_grace));
      tracked.started = false;
      running = false;
      instance = nullptr;
    }

    if (running) {
      if (tracked.failures > 0 && now - tracked.started_at >= options_.stable_after) {
        tracked.failures = 0;
      }
      if (!want.service->health) {
        set_state(tracked, "running");
      } else if (now >= tracked.next_probe && !probing_.count(name)) {
        due.push_back({name, want.address, *want.service->health, tracked.started_at});
      }
      continue;
    }

    if (tracked.started) {
      // We started it and it is gone: the container exited or was killed, or its namespace
      // disappeared.
      std::string what = !instance || !instance->container ? "its container disappeared"
                         : !instance->running              ? "its container exited"
                                                           : "its network namespace disappeared";
      record_failure(tracked, "restarting", what);
      keep(host_.stop(name, 0ms));
    } else if (instance) {
      keep(host_.stop(name, 0ms));  // leftovers of a failed start or of an earlier hearthd
    }
    if (now < tracked.next_start || fenced_) continue;

    StartRequest request{want.service, want.network, want.address, want.fingerprint, want.firewall};
    if (auto reason = host_.not_ready(request)) {
      tracked.status.error = *reason;
      set_state(tracked, "waiting");
      continue;
    }
    Status started = host_.start(request, gate_);
    if (!started) {
      if (fenced_) break;
      record_failure(tracked, "failed", "cannot start: " + started.error().message);
      keep(started);
      continue;
    }
    if (tracked.failures > 0) tracked.status.restarts += 1;
    tracked.started = true;
    tracked.fingerprint = want.fingerprint;
    tracked.address = want.address;
    tracked.started_at = clock_.now();
    tracked.probe_failures = 0;
    tracked.answered = false;
    tracked.status.error.clear();  // why it was waiting or failing before
    if (want.service->health) {
      tracked.next_probe =
          tracked.started_at + std::chrono::milliseconds(want.service->health->interval);
      set_state(tracked, "starting");
    } else {
      set_state(tracked, "running");
    }
    tracked.status.since_ms = clock_.wall_ms();
    log::info("service " + name + ": started at " + want.address.str() +
              (tracked.status.restarts > 0
                   ? " (restart " + std::to_string(tracked.status.restarts) + ")"
                   : ""));
  }

  // Health probes run in parallel and in the background: a slow one delays neither the others
  // nor this step beyond probe_wait.
  if (!fenced_) {
    for (const auto& probe : due) launch_probe(probe.service, probe.address, probe.check, probe.run);
    wait_for_probes();
    keep(take_probe_results());
  }
  if (fenced_) mark_fenced();
  return first;
}

Result<std::vector<std::string>> ServiceReconciler::gone_from_node(
    const std::vector<std::string>& services) {
  auto observed = host_.observe();
  if (!observed) return observed.error();
  std::vector<std::string> gone;
  for (const auto& service : services) {
    bool present = std::any_of(observed->begin(), observed->end(),
                               [&](const ServiceInstance& i) { return i.service == service; });
    if (!present) gone.push_back(service);
  }
  return gone;
}

std::vector<ServiceRuntimeStatus> ServiceReconciler::status() const {
  std::vector<ServiceRuntimeStatus> result;
  for (const auto& [name, tracked] : tracked_) result.push_back(tracked.status);
  return result;
}

}  // namespace hearth::agent
