#pragma once
// The plan: everything the cluster should be, computed from the spec and the observed state.
// Pure (no I/O), deterministic, and fast (linear in the number of services; see bench/plan).
// See src/plan/README.md for the pipeline and docs/plan-json.md for its JSON form.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"
#include "plan/addresses.h"
#include "plan/bricks.h"
#include "plan/dns_dhcp.h"
#include "plan/firewall.h"
#include "plan/placement.h"
#include "spec/spec.h"

namespace hearth {

// What the cluster looks like now, as far as the plan cares. Offline (`hearth plan` without a
// cluster): empty, i.e. nothing allocated, nothing running, every node alive. The leader fills it
// from etcd (cluster/assignments.h) and stores the plan it gets: one planner for both.
struct ObservedState {
  std::map<std::string, Ipv4> addresses;          // service -> the address it holds now
  std::map<std::string, std::string> placements;  // service -> the node it runs on (or is moving to) now
  std::set<std::string> down_nodes;               // nodes known dead (lease expired)
  std::set<std::string> drained_nodes;            // alive, but no service is placed there
  // Alive for too short a time to take a service back for `prefer` (a node that just came back
  // may flap, and its bricks are still healing): a service running on another live server stays
  // there. A service without a live node still goes to its preferred server.
  std::set<std::string> unsettled_nodes;
};

struct ServicePlan {
  std::string name;
  std::string network;
  Ipv4 address;
  AddressSource address_source = AddressSource::allocated;
  std::optional<std::string> node;  // empty: cannot be placed (see reason)
  PlacementDecision placement = PlacementDecision::unplaced;
  std::string reason;  // why this node, or exactly why none
};

struct Plan {
  std::vector<VolumePlan> volumes;     // spec order
  std::vector<ServicePlan> services;     // spec order
  std::vector<NodeLoad> servers;         // the live, undrained servers and their load, spec order
  std::vector<ArbiterAddress> arbiter_addresses;  // one per DHCP network, spec order
  DnsPlan dns;
  std::vector<DhcpScope> dhcp;           // one per DHCP network, spec order
  FirewallPlan firewall;
};

// REQUIRES: `spec` passed validation (came from load_spec_*). Services that fit on no live server
// are part of the plan (ServicePlan::node empty, with the reason). Fails only on what the spec
// itself cannot satisfy whatever the cluster's state: a network whose service_ips has no address
// left, a DHCP network with no address left for the arbiter, a volume that does not fit.
Result<Plan> plan(const Spec& spec, const ObservedState& observed);

}  // namespace hearth
