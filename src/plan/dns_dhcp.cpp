#include "plan/dns_dhcp.h"

#include <algorithm>

namespace hearth {
namespace {

const ArbiterAddress* arbiter_address_on(const std::vector<ArbiterAddress>& addresses,
                                         const std::string& network) {
  for (const ArbiterAddress& entry : addresses) {
    if (entry.network == network) return &entry;
  }
  return nullptr;
}

}  // namespace

DnsPlan plan_dns(const Spec& spec, const std::vector<ArbiterAddress>& arbiter_addresses,
                 const std::vector<ServiceAddress>& services) {
  DnsPlan dns;
  const Node* arbiter = spec.arbiter();
  dns.server = arbiter != nullptr ? arbiter->name : std::string{};
  dns.domain = spec.cluster.domain;
  dns.upstream = spec.dns.upstream;
  if (arbiter != nullptr) dns.listen.push_back(arbiter->address);
  for (const ArbiterAddress& entry : arbiter_addresses) {
    if (std::find(dns.listen.begin(), dns.listen.end(), entry.address) == dns.listen.end()) {
      dns.listen.push_back(entry.address);
    }
  }

  std::size_t reservations = 0;
  for (const Network& network : spec.networks) {
    if (network.dhcp) reservations += network.dhcp->reservations.size();
  }
  dns.records.reserve(spec.nodes.size() + services.size() + reservations + spec.dns.records.size());
  auto add = [&](const std::string& name, Ipv4 address, DnsSource source) {
    dns.records.push_back(DnsEntry{name + "." + spec.cluster.domain, address, source});
  };
  for (const Node& node : spec.nodes) add(node.name, node.address, DnsSource::node);
  for (const ServiceAddress& service : services) add(service.service, service.address, DnsSource::service);
  for (const Network& network : spec.networks) {
    if (!network.dhcp) continue;
    for (const DhcpReservation& reservation : network.dhcp->reservations) {
      add(reservation.name, reservation.address, DnsSource::reservation);
    }
  }
  for (const DnsRecord& record : spec.dns.records) add(record.name, record.address, DnsSource::record);
  return dns;
}

std::vector<DhcpScope> plan_dhcp(const Spec& spec, const std::vector<ArbiterAddress>& arbiter_addresses) {
  std::vector<DhcpScope> scopes;
  for (const Network& network : spec.networks) {
    if (!network.dhcp) continue;
    DhcpScope scope;
    scope.network = network.name;
    scope.vlan = network.vlan;
    scope.cidr = network.cidr;
    scope.range = network.dhcp->range;
    scope.lease = network.dhcp->lease;
    scope.router = network.gateway;
    if (const ArbiterAddress* arbiter = arbiter_address_on(arbiter_addresses, network.name)) {
      scope.dns_server = arbiter->address;
    }
    scope.domain = spec.cluster.domain;
    scope.reservations = network.dhcp->reservations;
    scopes.push_back(std::move(scope));
  }
  return scopes;
}

}  // namespace hearth
