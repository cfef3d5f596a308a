#pragma once
// The services of one node: a level-triggered reconciler that runs exactly the services assigned
// to this node, each with its address, restarts what dies or fails its health check (with
// back-off), and stops everything at once when the node fences.
//
//   desired   the spec + the services assigned to this node (name -> address)
//   observed  ServiceHost::observe(): containers and service namespaces on the node
//   apply     start / stop / restart through ServiceHost (with the service's firewall, applied in
//             its namespace before the container starts); health probes
//
// Every reconcile() looks at the node afresh, so a restart of hearthd (containers keep running;
// they are found again, adopted when their address is as assigned) or a missed step converges.
//
// Rules, per service:
//   - found on the node but not assigned here (or the spec no longer has it): stopped;
//   - assigned with a different address or spec than it was started with: restarted at once;
//   - assigned and not running (never started, container exited or killed, namespace gone):
//     started, once the host is ready for it (ServiceHost::not_ready: e.g. its volume mounted). A
//     start after a failure (the container died, the health check failed kFailureThreshold times in
//     a row, or the start itself failed) is a restart and waits its back-off: 0 for the first
//     failure, then 1 s, 2 s, 4 s, ... up to 30 s. Running for 30 s without a failure forgets the
//     failures;
//   - a health probe every `health.interval`, the first one `interval` after the start; failures
//     count once the service answered once or 10 s after the start, whichever comes first.
//     Probes run in the background: a step waits at most `probe_wait` for the probes it started
//     and takes later results at a later step, so a probe that hangs (a service whose volume
//     stalls while gluster gives up on a dead server) never delays a failover or handover step.
//
// Fencing: stop_all() closes the gate (a start in progress stops between two steps), removes every
// service address, kills every container and returns; reconcile() then starts nothing while
// `lease_held` is false, and reopens when it is true again.
//
// Threads: reconcile() and status() from one thread; stop_all() from any thread (the fence
// watchdog), also while reconcile() runs: it never touches the reconciler's memory, only the gate,
// a flag and the node; reconcile() notices the flag at its next step.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/service_host.h"
#include "common/clock.h"
#include "spec/spec.h"

namespace hearth::agent {

// A service assigned to this node.
struct AssignedService {
  std::string service;
  Ipv4 address;
  bool operator==(const AssignedService&) const = default;
};

struct ServiceReconcilerOptions {
  int failure_threshold = 3;  // failed probes in a row that make a service unhealthy
  std::chrono::milliseconds backoff_first{1000};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds stable_after{30000};  // running this long forgets past failures
  std::chrono::milliseconds probe_grace{10000};   // failed probes before the first good one count
                                                  // only after this long
  std::chrono::milliseconds stop_grace{2000};     // SIGTERM before SIGKILL on a normal stop
  // How long a step waits for the probes it started (the rest are taken at a later step).
  // hearthd: 0; the default waits for them all, so one step shows a probe's result.
  std::chrono::milliseconds probe_wait = std::chrono::milliseconds::max();
};

struct ProbeRecord {
  bool ok = false;
  std::int64_t at_ms = 0;  // wall clock
  std::string message;
  std::int64_t duration_ms = 0;  // how long the probe took (for the metrics' probe latency)
};

// What `hearth status` shows of a service on this node.
struct ServiceRuntimeStatus {
  std::string service;
  Ipv4 address;
  // "starting" (no good probe yet), "running", "unhealthy" (probes failing), "restarting"
  // (waiting its back-off), "failed" (the last start failed; retried after the back-off),
  // "waiting" (cannot start yet, e.g. its volume is not mounted: see `error`),
  // "fenced" (stopped: this node lost its lease)
  std::string state;
  int restarts = 0;
  std::int64_t since_ms = 0;  // wall clock: started (or in this state) since
  std::optional<ProbeRecord> last_probe;
  std::string error;  // the last failure, for people
  bool operator==(const ServiceRuntimeStatus& other) const;
};

class ServiceReconciler {
 public:
  ServiceReconciler(ServiceHost& host, Clock& clock, ServiceReconcilerOptions options = {});
  ServiceReconciler(const ServiceReconciler&) = delete;
  ServiceReconciler& operator=(const ServiceReconciler&) = delete;
  ~ServiceReconciler();  // waits for the probes in flight

  // One step. `assigned`: the services this node must run (services missing from `spec` are
  // ignored: they cannot be started). `lease_held`: this node holds its lease (may run services).
  // Returns the first failure (other services are still handled).
  Status reconcile(const Spec& spec, const std::vector<AssignedService>& assigned, bool lease_held);

  // Fence: see above. Synchronous; safe from any thread.
  Status stop_all(const std::string& reason);

  // The services assigned to this node as they are now, sorted by name.
  std::vector<ServiceRuntimeStatus> status() const;

  // Which of `services` have nothing left on this node (no container, no namespace: no address),
  // as the node shows now. For handovers: a service is released only once this says so.
  Result<std::vector<std::string>> gone_from_node(const std::vector<std::string>& services);

 private:
  struct Tracked {
    Ipv4 address;
    std::string fingerprint;  // of the spec the running container was started from
    bool started = false;     // this reconciler started it (or adopted it)
    Clock::TimePoint started_at{};
    Clock::TimePoint next_start{};  // back-off: no start before
    Clock::TimePoint next_probe{};
    int failures = 0;        // in a row, for the back-off
    int probe_failures = 0;  // in a row
    bool answered = false;   // a probe succeeded since the start
    ServiceRuntimeStatus status;
  };

  // A health probe in flight, on a thread of its own.
  struct ProbeTask {
    Ipv4 address;
    HealthCheck check;
    Clock::TimePoint run;  // the Tracked::started_at of the run it probes
    Clock::TimePoint launched{};
    std::atomic<bool> done{false};
    ProbeResult result;
    std::int64_t duration_ms = 0;
    std::thread thread;
  };

  void launch_probe(const std::string& service, Ipv4 address, const HealthCheck& check,
                    Clock::TimePoint run);
  void wait_for_probes();
  Status take_probe_results();
  void record_failure(Tracked& tracked, const std::string& state, const std::string& error);
  void set_state(Tracked& tracked, const std::string& state);
  std::chrono::milliseconds backoff(int failures) const;

  ServiceHost& host_;
  Clock& clock_;
  ServiceReconcilerOptions options_;
  FenceGate gate_;
  std::atomic<bool> fenced_{false};
  std::string fence_reason_;                // set by reconcile() only
  std::map<std::string, Tracked> tracked_;  // reconcile() and status() only (one thread)
  std::map<std::string, std::unique_ptr<ProbeTask>> probing_;  // reconcile() only
};

// The nftables ruleset of `service`'s namespace when it holds `address`: only its ports, only
// from its allow_from sources (plan/firewall.h, rendered by engines/nftables_config.h).
std::string service_firewall_ruleset(const Spec& spec, const Service& service, Ipv4 address);

// A fingerprint of what a container is started from (the service's spec and its network), to
// restart a service whose spec changed.
std::string service_fingerprint(const Service& service, const Network& network);

}  // namespace hearth::agent
