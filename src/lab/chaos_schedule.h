#pragma once
// The faults of `hearth lab chaos`: a random schedule that one seed reproduces exactly (pure: no
// clock, no I/O; lab/chaos_run.h carries it out, lab/chaos_checker.h judges what happened).
//
// The cluster is built to survive the loss of any one machine, so the schedule injects one fault
// at a time: each is held for its `hold`, healed, and the run waits until the cluster has settled
// before the next one. Kinds (docs/lab.md, "Chaos"):
//   power_cut     every link of `node` cut at the switch (peers hear silence; its processes run
//                 on), then restored
//   kill_daemon   `daemon` (etcd, glusterd, hearthd) of `node` killed with SIGKILL, started again
//                 after `hold`
//   kill_service  the main process of `service`'s container killed with SIGKILL wherever it runs;
//                 hearth restarts it (no heal by the run)
//   partition     the nodes of `side_a` and of `side_b` cannot reach each other (packets dropped,
//                 silence); a node in neither side reaches both (a "bridge"); then healed
//   pause         every process of `node` (its daemons, bricks, mounts and services) stopped with
//                 SIGSTOP, continued with SIGCONT after `hold`
//   disk_loss     `node` cut off and its gluster processes killed, its brick of `volume` wiped
//                 (the directory removed, as a new empty disk), then the node comes back
//
// Reproducible across machines and compilers: the generator is std::mt19937_64 (fully specified
// by the standard) with its own mapping to ranges (std::uniform_int_distribution is not).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace hearth::lab {

enum class FaultKind { power_cut, kill_daemon, kill_service, partition, pause, disk_loss };

inline constexpr FaultKind kAllFaultKinds[] = {FaultKind::power_cut,    FaultKind::kill_daemon,
                                               FaultKind::kill_service, FaultKind::partition,
                                               FaultKind::pause,        FaultKind::disk_loss};

// "power-cut", "kill-daemon", ...
std::string to_string(FaultKind kind);

struct Fault {
  int index = 0;  // 1-based, in schedule order
  FaultKind kind = FaultKind::power_cut;
  std::string node;                 // power_cut, kill_daemon, pause, disk_loss
  std::string daemon;               // kill_daemon: "etcd" | "glusterd" | "hearthd"
  std::string service;              // kill_service
  std::vector<std::string> side_a;  // partition (each side sorted by name)
  std::vector<std::string> side_b;
  std::string volume;  // disk_loss
  std::chrono::milliseconds hold{0};

  // What is hit, for the fault table: "r510", "r510 hearthd", "homepage", "r510 | elitedesk r530",
  // "r510 | r530 (elitedesk reaches both)", "r510 appdata".
  std::string target() const;
  bool operator==(const Fault&) const = default;
};

// What the schedule may hit: taken from the running lab.
struct ChaosTopology {
  std::vector<std::string> nodes;     // every node (servers and the arbiter)
  std::vector<std::string> services;  // every service
  std::vector<std::string> volumes;   // every volume (each has a brick on every node)
};

inline const std::vector<std::string> kChaosDaemons = {"etcd", "glusterd", "hearthd"};

// How long each kind of fault is held (a range, drawn per fault). kill_service is not held.
struct HoldRange {
  std::chrono::milliseconds min{0};
  std::chrono::milliseconds max{0};
};
HoldRange hold_range(FaultKind kind);

// `count` faults drawn from `seed`. Every kind of the topology appears at least once when
// count >= 6 (the first five faults are the five common kinds in a random order; disk losses, the
// slowest to recover from, come one per 25 faults and at least one, never among the first five).
// A kind with nothing to hit (no service, no volume) is left out. Fails on a topology of fewer
// than two nodes or a count below 1.
Result<std::vector<Fault>> make_schedule(const ChaosTopology& topology, int count,
                                         std::uint64_t seed);

}  // namespace hearth::lab
