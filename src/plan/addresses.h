#pragma once
// Addresses: the address of every service, and the arbiter's address on every DHCP network.
//
// Service addresses are STABLE. An address fixed in the spec is used as is. Otherwise the
// address the service holds now (from the previous state) is kept when it is still valid: inside
// its network's service_ips, not taken by anything of the spec (below), and not already kept by
// an earlier service. Every other service gets the lowest free address of its network's
// service_ips, in spec order. So adding or removing a service never renumbers another.
//
// Never handed out to a service: node addresses (management and storage), gateways, DHCP
// reservations, dns.records addresses, fixed service addresses, the arbiter's addresses below,
// and a network's own network and broadcast addresses (for prefixes up to /30).
//
// The arbiter's address on a network with a DHCP range (it serves DNS and DHCP there): its node
// address or storage address when that lies in the network; otherwise the HIGHEST usable address
// of the network that nothing else uses: not a node address, the gateway, a reservation, a
// dns.records address or a fixed service address, and outside the DHCP range and service_ips.
// E.g. 10.1.3.0/24 with range 10.1.3.25-10.1.3.254 -> 10.1.3.24; with range .50-.200 -> .254.

#include <map>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"
#include "spec/spec.h"

namespace hearth {

enum class AddressSource {
  fixed,      // given in the spec
  kept,       // held before (previous state) and still valid
  allocated,  // newly taken: the lowest free address of service_ips
};

struct ServiceAddress {
  std::string service;
  std::string network;
  Ipv4 address;
  AddressSource source = AddressSource::allocated;
};

struct ArbiterAddress {
  std::string network;
  Cidr cidr;
  Ipv4 address;
  bool node_address = false;  // true: the arbiter's own node/storage address; false: chosen here
};

// The arbiter's address on each network that has a DHCP range, in spec order.
// Fails when such a network has no address left for the arbiter.
Result<std::vector<ArbiterAddress>> plan_arbiter_addresses(const Spec& spec);

// One address per service, in spec order. `previous` maps service name -> address it holds now
// (offline: empty); entries of services no longer in the spec are ignored (their address is free).
// Fails, naming the service and network, when a service's network has no service_ips and the
// service no fixed address, or when service_ips has no free address left.
// REQUIRES: arbiter_addresses == plan_arbiter_addresses(spec).value().
// Runs in O(n log n) over services and reserved addresses, whatever the size of service_ips.
Result<std::vector<ServiceAddress>> plan_service_addresses(
    const Spec& spec, const std::vector<ArbiterAddress>& arbiter_addresses,
    const std::map<std::string, Ipv4>& previous);

}  // namespace hearth
