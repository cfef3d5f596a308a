#pragma once
// What the arbiter's dnsmasq serves: DNS for the cluster domain and DHCP for every network with
// a range. The arbiter serves both from its last configuration, with or without quorum.

#include <optional>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "plan/addresses.h"
#include "spec/spec.h"

namespace hearth {

enum class DnsSource { node, service, reservation, record };

struct DnsEntry {
  std::string name;  // fully qualified, without the trailing dot: "r510.home.arpa"
  Ipv4 address;
  DnsSource source = DnsSource::node;
};

struct DnsPlan {
  std::string server;  // the arbiter's node name
  std::string domain;  // the cluster domain
  std::vector<Ipv4> upstream;      // forwarders for every other name, in spec order
  std::vector<Ipv4> listen;        // the arbiter's addresses that answer: management + DHCP networks
  std::vector<DnsEntry> records;   // A records: nodes (management address), services,
                                   // DHCP reservations, dns.records; each group in spec order
};

struct DhcpScope {
  std::string network;
  std::optional<int> vlan;
  Cidr cidr;
  Ipv4Range range;
  Milliseconds lease = 0;
  std::optional<Ipv4> router;  // the network's gateway, when it has one
  Ipv4 dns_server;             // the arbiter's address on this network
  std::string domain;          // the cluster domain, handed to clients as their search domain
  std::vector<DhcpReservation> reservations;  // in spec order
};

// REQUIRES: arbiter_addresses == plan_arbiter_addresses(spec).value(), services ==
// plan_service_addresses(spec, ...).value().
DnsPlan plan_dns(const Spec& spec, const std::vector<ArbiterAddress>& arbiter_addresses,
                 const std::vector<ServiceAddress>& services);

// One scope per network with a DHCP range, in spec order.
// REQUIRES: arbiter_addresses == plan_arbiter_addresses(spec).value().
std::vector<DhcpScope> plan_dhcp(const Spec& spec, const std::vector<ArbiterAddress>& arbiter_addresses);

}  // namespace hearth
