#pragma once
// Placement: which server runs each service. Pure and deterministic: the same input gives the
// same placement on every machine. Used by plan() (all live servers) and by what_if() (the
// failed nodes removed, the healthy plan as the previous state): one placement rule, not two.
//
// The rule, in order of precedence:
//  1. Only the given live servers are candidates; the arbiter never runs services.
//  2. Capacity is never exceeded: on every node the sum of the requested cpus (counted in
//     millicpus) and of the requested memory of its services stays <= its capacity.
//  3. A service with a previous node that is one of the live servers keeps it when it still fits,
//     except when `prefer` names ANOTHER live server where it fits: then it moves back there.
//     Services that keep their node are placed before any other, so adding a service (or a
//     service moving back to its preferred server) never moves a service that is running.
//  4. Otherwise `prefer` is honoured when that server is live and the service fits there.
//  5. Otherwise the least loaded live server where it fits. The load of a server is its dominant
//     share AFTER adding the service: max(cpus counted / cpus capacity, memory counted / memory
//     capacity). For this ranking only, a service that requests no cpus counts as 0.1 cpu and
//     one that requests no memory as 128MiB (as Kubernetes scores pods without requests), so
//     services without resources are spread too. Ties go to the server whose name sorts first.
//  6. A service that fits nowhere is unplaced, with the numbers: "needs 4 cpus, 2GiB; r510 has
//     1.5 cpus, 3GiB free; r530 has 0.5 cpus, 1GiB free".
// Within each step services are considered in the given order (the spec's order).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plan/quantities.h"
#include "spec/spec.h"

namespace hearth {

// Ranking weights of a service without requests (rule 5 above); never used for capacity.
inline constexpr Millicpus kUnrequestedCpuWeight = 100;
inline constexpr Bytes kUnrequestedMemoryWeight = Bytes{128} << 20;

enum class PlacementDecision {
  kept,          // stays on its previous node (rule 3)
  returned,      // moves back from its previous node to its preferred server (rule 3)
  preferred,     // on its preferred server (rule 4)
  least_loaded,  // on the least loaded server where it fits (rule 5)
  unplaced,      // fits on no live server (rule 6)
};

struct ServicePlacement {
  std::string service;
  std::optional<std::string> node;  // empty iff decision == unplaced
  PlacementDecision decision = PlacementDecision::unplaced;
  std::string reason;  // for people: why this node, or exactly why none ("needs ...; r510 has ...")
};

// How full a live server is once every placed service is counted.
struct NodeLoad {
  std::string node;
  Millicpus cpus_capacity = 0;
  Bytes memory_capacity = 0;
  Millicpus cpus_used = 0;  // sum of the requests of the services placed on it
  Bytes memory_used = 0;
  std::size_t services = 0;  // how many services are placed on it
};

struct PlacementResult {
  std::vector<ServicePlacement> services;  // one per input service, in input order
  std::vector<NodeLoad> nodes;             // one per live server, in input order
};

// Places `services` on `live_servers`. `previous` maps a service name to the node it runs on now
// (names that are not live servers are ignored). REQUIRES: every pointer is non-null and points
// into the same Spec; live_servers holds servers only (role == server), each once.
PlacementResult place_services(const std::vector<const Service*>& services,
                               const std::vector<const Node*>& live_servers,
                               const std::map<std::string, std::string>& previous);

}  // namespace hearth
