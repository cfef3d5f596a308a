#pragma once
// A machine's links to the networks of the spec, on a real install: every network reaches a node
// as a VLAN (`networks.X.vlan`) on one trunk link, and hearthd makes one VLAN interface per network
// the node needs, named after the network (what engines/service_network.h and the arbiter's dnsmasq
// look for). Networks without a `vlan` are not made: they are the trunk's own (untagged) traffic,
// or links the owner configures.
//
// Which networks a node needs:
//   every node   the management network (its `address`), the storage network (its storage_address)
//   arbiter      every network with a DHCP range, with the address the planner gives it there
//   servers      every network a service of the spec uses (no address: services move between the
//                servers, and their macvlan children carry the service addresses)

#include <optional>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"
#include "spec/spec.h"

namespace hearth {

struct NodeLink {
  std::string network;
  std::string interface;  // the network's name; "vlan<N>" when the name is longer than 15 characters
  int vlan = 0;
  std::optional<Ipv4> address;  // the node's address there, if it has one
  int prefix_length = 0;        // the network's
  bool operator==(const NodeLink&) const = default;
};

// The VLAN interfaces `node` needs, in spec order of the networks. REQUIRES: validated spec.
// Fails when the node is not in the spec or the arbiter's addresses cannot be planned.
Result<std::vector<NodeLink>> plan_node_links(const Spec& spec, const std::string& node);

}  // namespace hearth
