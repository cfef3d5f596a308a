// Benchmark of validate + plan at scale: generates specs of 10 .. 10,000 services as YAML text,
// then times load_spec_text() (parse + validation) and plan() separately, median of several runs,
// and prints an aligned table. Then the leader's decision (cluster/assignment_decision.h), which
// runs every 100 ms: decide_assignments() on a settled cluster (nothing to change: the common
// step) and with one server dead (half the services fail over), at 100, 1,000 and 10,000
// services. Run it with bench/plan (Release build).
//
// Goals: validate + plan of 10,000 services <= 200 ms, linear growth (µs per service roughly
// flat); the leader's decision for 10,000 services <= 10 ms a step.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "cluster/assignment_decision.h"
#include "plan/plan.h"
#include "spec/load.h"

namespace {

using Clock = std::chrono::steady_clock;

// A lab like DESIGN.md's on a /16 management network whose service_ips holds 12,288 addresses.
// Every 10th service has a fixed address (outside service_ips), every 3rd a `prefer`, every
// service mounts one of 8 volumes and is reachable from one or two networks.
std::string generate_spec(int services) {
  std::string yaml = R"(cluster: { name: bench, domain: home.arpa }
nodes:
  r510:
    role: server
    address: 10.1.0.17
    storage_address: 10.7.0.17
    capacity: { cpus: 2000, memory: 2048GiB }
    disks:
      hdd1: { path: /srv/hearth/bricks/hdd1, size: 8TiB }
      hdd2: { path: /srv/hearth/bricks/hdd2, size: 8TiB }
  r530:
    role: server
    address: 10.1.0.22
    storage_address: 10.7.0.22
    capacity: { cpus: 2000, memory: 2048GiB }
    disks:
      ssd1: { path: /srv/hearth/bricks/ssd1, size: 4TiB }
      hdd1: { path: /srv/hearth/bricks/hdd1, size: 8TiB }
  elitedesk:
    role: arbiter
    address: 10.1.0.26
    storage_address: 10.7.0.26
    capacity: { cpus: 4, memory: 8GiB }
    disks:
      ssd1: { path: /srv/hearth/arbiter, size: 1TiB }
networks:
  services:
    cidr: 10.1.0.0/16
    vlan: 20
    gateway: 10.1.0.1
    management: true
    service_ips: 10.1.16.0-10.1.63.255
    dhcp: { range: 10.1.200.0-10.1.250.255 }
  storage: { cidr: 10.7.0.0/16, vlan: 70, storage: true }
  home:
    cidr: 10.3.0.0/16
    vlan: 30
    gateway: 10.3.0.1
    dhcp:
      range: 10.3.1.0-10.3.255.254
      reservations:
        laserjet: { mac: "3c:52:82:00:00:05", address: 10.3.0.5 }
  guests: { cidr: 10.4.0.0/24, vlan: 40, gateway: 10.4.0.1, dhcp: { range: 10.4.0.25-10.4.0.254 } }
dns:
  upstream: [1.1.1.1, 1.0.0.1]
  records: { nas: 10.1.0.40 }
volumes:
)";
  for (int v = 0; v < 8; ++v) {
    yaml += "  vol" + std::to_string(v) + ": { size: 100GiB }\n";
  }
  yaml += "services:\n";
  for (int i = 0; i < services; ++i) {
    std::string name = "svc" + std::to_string(i);
    yaml += "  " + name + ":\n";
    yaml += "    rootfs: /srv/hearth/images/busybox\n";
    yaml += "    command: [httpd, -f, -p, \"80\", -h, /data]\n";
    yaml += "    network: services\n";
    if (i % 10 == 0) {  // fixed addresses in 10.1.64.0 - 10.1.103.255, outside service_ips
      int n = i / 10;
      yaml += "    address: 10.1." + std::to_string(64 + n / 256) + "." + std::to_string(n % 256) + "\n";
    }
    yaml += "    ports: [80/tcp, 443/tcp]\n";
    yaml += i % 2 == 0 ? "    allow_from: [home, services]\n" : "    allow_from: [guests]\n";
    yaml += "    volumes: [\"vol" + std::to_string(i % 8) + "/" + name + ":/data\"]\n";
    yaml += "    resources: { cpus: 0.1, memory: 64MiB }\n";
    if (i % 3 == 0) yaml += std::string("    prefer: ") + (i % 2 == 0 ? "r510" : "r530") + "\n";
  }
  return yaml;
}

double milliseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// The stored assignments after the leader's decisions have settled on `input` (as its
// transactions would store them).
void settle(hearth::cluster::AssignmentInput& input) {
  hearth::cluster::Revision revision = 1;
  for (int round = 0; round < 4; ++round) {
    auto decision = hearth::cluster::decide_assignments(input);
    if (!decision.ok() || decision->updates.empty()) return;
    for (const auto& update : decision->updates) {
      if (!update.assignment) {
        input.current.erase(update.service);
        continue;
      }
      hearth::cluster::Assignment stored = *update.assignment;
      stored.revision = ++revision;
      input.current[update.service] = std::move(stored);
    }
  }
}

// This thread's CPU time: on a machine shared with other work the wall time also counts the
// time other processes had the CPU; this does not.
double thread_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}

struct Timing {
  double wall_ms = 0;  // median
  double cpu_ms = 0;   // median
};

// Medians of decide_assignments(input) over `runs`; `changes` gets the number of updates.
Timing time_decision(const hearth::cluster::AssignmentInput& input, int runs, std::size_t& changes) {
  std::vector<double> times;
  std::vector<double> cpu;
  for (int run = 0; run < runs; ++run) {
    Clock::time_point start = Clock::now();
    double cpu_start = thread_cpu_ms();
    auto decision = hearth::cluster::decide_assignments(input);
    cpu.push_back(thread_cpu_ms() - cpu_start);
    times.push_back(milliseconds(Clock::now() - start));
    if (!decision.ok()) {
      std::fprintf(stderr, "the decision failed: %s\n", decision.error().message.c_str());
      std::exit(1);
    }
    changes = decision->updates.size();
  }
  return {median(times), median(cpu)};
}

int bench_decision() {
  std::printf("\nthe leader's decision (decide_assignments: plan + assignment changes)\n");
  std::printf("%10s  %22s  %22s  %14s  %5s\n", "services", "settled step ms (cpu)",
              "failover step ms (cpu)", "services moved", "runs");
  for (int services : {100, 1000, 10000}) {
    hearth::LoadResult loaded = hearth::load_spec_text(generate_spec(services), "bench.yaml");
    if (!loaded.ok()) return 1;
    const hearth::Spec& spec = *loaded.spec;
    hearth::cluster::AssignmentInput input;
    input.spec = &spec;
    input.now_ms = 1'700'000'000'000;
    input.leader = "r510";
    for (const hearth::Node& node : spec.nodes) input.live[node.name] = input.now_ms - 3'600'000;
    settle(input);
    if (input.current.size() != static_cast<std::size_t>(services)) {
      std::fprintf(stderr, "only %zu of %d services were assigned\n", input.current.size(), services);
      return 1;
    }
    const int runs = services >= 10000 ? 9 : 21;
    std::size_t changes = 0;
    Timing settled = time_decision(input, runs, changes);
    if (changes != 0) {
      std::fprintf(stderr, "a settled cluster still changes %zu assignments\n", changes);
      return 1;
    }
    input.live.erase("r530");
    std::size_t moved = 0;
    Timing failover = time_decision(input, runs, moved);
    std::printf("%10d  %13.2f (%6.2f)  %13.2f (%6.2f)  %14zu  %5d\n", services, settled.wall_ms,
                settled.cpu_ms, failover.wall_ms, failover.cpu_ms, moved, runs);
  }
  return 0;
}

}  // namespace

int main() {
  const std::vector<int> sizes{10, 100, 1000, 10000};
  std::printf("%10s  %12s  %10s  %10s  %14s  %5s\n", "services", "validate ms", "plan ms", "total ms",
              "µs per service", "runs");
  for (int services : sizes) {
    const std::string yaml = generate_spec(services);
    const int runs = services >= 10000 ? 7 : 11;
    std::vector<double> validate_ms;
    std::vector<double> plan_ms;
    std::vector<double> total_ms;
    for (int run = 0; run < runs; ++run) {
      Clock::time_point start = Clock::now();
      hearth::LoadResult loaded = hearth::load_spec_text(yaml, "bench.yaml");
      Clock::time_point validated = Clock::now();
      if (!loaded.ok()) {
        std::fprintf(stderr, "the generated spec of %d services is invalid:\n", services);
        for (std::size_t e = 0; e < loaded.errors.size() && e < 10; ++e) {
          std::fprintf(stderr, "  %s\n", loaded.errors[e].format().c_str());
        }
        return 1;
      }
      auto planned = hearth::plan(*loaded.spec, {});
      Clock::time_point done = Clock::now();
      if (!planned.ok()) {
        std::fprintf(stderr, "plan failed for %d services: %s\n", services, planned.error().message.c_str());
        return 1;
      }
      std::size_t placed = 0;
      for (const hearth::ServicePlan& service : planned->services) placed += service.node ? 1 : 0;
      if (placed != static_cast<std::size_t>(services)) {
        std::fprintf(stderr, "only %zu of %d services were placed\n", placed, services);
        return 1;
      }
      validate_ms.push_back(milliseconds(validated - start));
      plan_ms.push_back(milliseconds(done - validated));
      total_ms.push_back(milliseconds(done - start));
    }
    double total = median(total_ms);
    std::printf("%10d  %12.2f  %10.2f  %10.2f  %14.2f  %5d\n", services, median(validate_ms), median(plan_ms), total,
                total * 1000.0 / services, runs);
  }
  return bench_decision();
}
