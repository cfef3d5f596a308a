#pragma once
// What the service reconciler (agent/service_reconciler.h) does to its node, behind one small
// interface, so its decisions are unit-tested with a fake host and run for real with
// NodeServiceHost: crun containers (engines/crun.h), each in its own network namespace with the
// service address (engines/service_network.h), probed from inside it (engines/health_probe.h).

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"
#include "engines/crun.h"
#include "engines/health_probe.h"
#include "engines/image_store.h"
#include "engines/service_layout.h"
#include "engines/service_network.h"
#include "spec/spec.h"

namespace hearth::agent {

// Lets a fence interrupt a start between its steps. Each step runs under the gate's lock, and
// close() takes the lock: once close() has returned, no step runs until open().
class FenceGate {
 public:
  // Runs `step` unless the gate is closed (then fails with "fenced" without running it).
  Status step(const std::function<Status()>& step);
  void close();
  void open();
  bool closed() const;

 private:
  mutable std::mutex mutex_;
  bool closed_ = false;
};

// One service as found on the node.
struct ServiceInstance {
  std::string service;
  bool container = false;    // a container exists (running or not)
  bool running = false;      // ... and its process runs
  bool network = false;      // its namespace (with its address) exists
  std::string started_from;  // the StartRequest::fingerprint it was started with ("" unknown)
  // Where, inside the running container, a volume shows a mount that is gone from the node (the
  // volume was mounted again since it started: it sees a dead file system); "" when none.
  std::string stale_volume = {};
};

struct StartRequest {
  const Service* service = nullptr;  // REQUIRES: non-null, of a validated spec
  const Network* network = nullptr;  // the service's network
  Ipv4 address;
  std::string fingerprint;  // kept with the service, given back by observe()
  // The nftables ruleset of the service's namespace (engines/nftables_config.h), applied before
  // the container starts, so the service is never reachable unfiltered. Empty: none.
  std::string firewall;
};

// Contract of a node's services. start/stop/stop_everything from one thread at a time each, except
// that stop_everything may run while a start is between gated steps; probe from any thread.
class ServiceHost {
 public:
  virtual ~ServiceHost() = default;

  // Every service that has a container or a namespace on this node, sorted by name.
  virtual Result<std::vector<ServiceInstance>> observe() = 0;

  // Why the service cannot start on this node now, for a reason that is not its fault and goes
  // away by itself (a volume it uses is not mounted yet, its image is not staged here yet);
  // nullopt when it can start. Retried every step, without back-off.
  virtual std::optional<std::string> not_ready(const StartRequest& request) = 0;

  // Starts the service from nothing: leftovers of it are removed first; then its namespace and
  // address (not reachable yet), its bundle, its container; once the container accepts on its
  // readiness port (or kReadinessWait has passed) the address is exposed and announced, so no
  // client is ever refused by a service that is still starting. Each step goes through `gate`; on
  // any failure (or a closed gate) everything of it that was made is removed again.
  virtual Status start(const StartRequest& request, FenceGate& gate) = 0;

  // Stops the service and removes its address, namespace and bundle. `grace`: how long SIGTERM
  // may take before SIGKILL (0: SIGKILL at once). Succeeds when nothing of it exists.
  virtual Status stop(const std::string& service, std::chrono::milliseconds grace) = 0;

  // Fencing: every service address of this node is removed first, then every container is
  // killed, then namespaces and bundles go. As fast as the commands allow; never waits for a
  // process to exit gracefully.
  virtual Status stop_everything() = 0;

  virtual ProbeResult probe(const std::string& service, Ipv4 address, const HealthCheck& check) = 0;

  // Keeps each service's output log under its size cap (see NodeServiceHost).
  virtual void rotate_logs() = 0;
};

// Why `service` cannot start yet because of its volumes: the first volume without a glusterfs
// mount at `volumes_dir`/VOLUME in `mountinfo` (the text of /proc/self/mountinfo); nullopt when
// every one is mounted.
std::optional<std::string> volumes_not_mounted(const Service& service,
                                               const std::string& volumes_dir,
                                               const std::string& mountinfo);

// The TCP port that tells a service has come up (it accepts connections there): its health
// check's port, else its first TCP port; nullopt when it has neither.
std::optional<std::uint16_t> readiness_port(const Service& service);

// How long a start waits for the readiness port to accept before it exposes the address anyway
// (the health check then deals with a service that never comes up).
inline constexpr std::chrono::milliseconds kReadinessWait{5000};

class NodeServiceHost final : public ServiceHost {
 public:
  // `images`: where services with `image:` find their staged root file system (nullptr: this
  // host runs rootfs services only, e.g. the service guard, which only stops things).
  NodeServiceHost(ServiceLayout layout, ContainerRuntime& runtime, ServiceNetworks& networks,
                  HealthProber& prober, ImageStore* images = nullptr);

  Result<std::vector<ServiceInstance>> observe() override;
  std::optional<std::string> not_ready(const StartRequest& request) override;
  Status start(const StartRequest& request, FenceGate& gate) override;
  Status stop(const std::string& service, std::chrono::milliseconds grace) override;
  Status stop_everything() override;
  ProbeResult probe(const std::string& service, Ipv4 address, const HealthCheck& check) override;
  void rotate_logs() override;

 private:
  Status prepare_bundle(const StartRequest& request);
  void remove_bundle(const std::string& service);

  ServiceLayout layout_;
  ContainerRuntime& runtime_;
  ServiceNetworks& networks_;
  HealthProber& prober_;
  ImageStore* images_;
};

}  // namespace hearth::agent
