#include "plan/firewall.h"

#include <algorithm>

namespace hearth {
namespace {

void add_unique(std::vector<Cidr>& cidrs, const Cidr& cidr) {
  if (std::find(cidrs.begin(), cidrs.end(), cidr) == cidrs.end()) cidrs.push_back(cidr);
}

std::vector<Cidr> allowed_sources(const Spec& spec, const Service& service) {
  std::vector<Cidr> sources;
  for (const AllowedSource& source : service.allow_from) {
    if (source.cidr) {
      add_unique(sources, *source.cidr);
    } else if (const Network* network = spec.find_network(source.network)) {
      add_unique(sources, network->cidr);
    }
  }
  if (service.allow_from.empty()) {
    if (const Network* own = spec.find_network(service.network)) add_unique(sources, own->cidr);
  }
  return sources;
}

PortRange tcp(std::uint16_t first, std::uint16_t last) { return {first, last, Protocol::tcp}; }

std::vector<NodeFirewallRule> cluster_rules(const Spec& spec) {
  std::vector<Cidr> cluster_networks;
  if (const Network* management = spec.management_network()) add_unique(cluster_networks, management->cidr);
  if (const Network* storage = spec.storage_network()) add_unique(cluster_networks, storage->cidr);
  return {
      {"hearth-api", {tcp(kHearthApiPort, kHearthApiPort)}, cluster_networks},
      {"etcd-client", {tcp(kEtcdClientPort, kEtcdClientPort)}, cluster_networks},
      {"etcd-peer", {tcp(kEtcdPeerPort, kEtcdPeerPort)}, cluster_networks},
      {"glusterd", {tcp(kGlusterdPort, kGlusterdLastPort)}, cluster_networks},
      {"gluster-bricks", {tcp(kGlusterBrickFirstPort, kGlusterBrickLastPort)}, cluster_networks},
  };
}

// DNS for the management network and every DHCP network; DHCP for the DHCP networks.
std::vector<NodeFirewallRule> arbiter_rules(const Spec& spec, const std::vector<ArbiterAddress>& arbiter_addresses) {
  std::vector<Cidr> dns_sources;
  if (const Network* management = spec.management_network()) add_unique(dns_sources, management->cidr);
  std::vector<Cidr> dhcp_sources{Cidr{Ipv4{0}, 32}};
  for (const ArbiterAddress& entry : arbiter_addresses) {
    add_unique(dns_sources, entry.cidr);
    add_unique(dhcp_sources, entry.cidr);
  }
  return {
      {"dns", {{kDnsPort, kDnsPort, Protocol::udp}, {kDnsPort, kDnsPort, Protocol::tcp}}, dns_sources},
      {"dhcp", {{kDhcpServerPort, kDhcpServerPort, Protocol::udp}}, dhcp_sources},
  };
}

}  // namespace

FirewallPlan plan_firewall(const Spec& spec, const std::vector<ServiceAddress>& services,
                           const std::vector<ArbiterAddress>& arbiter_addresses) {
  FirewallPlan plan;
  plan.services.reserve(services.size());
  for (std::size_t i = 0; i < services.size() && i < spec.services.size(); ++i) {
    const Service& service = spec.services[i];
    plan.services.push_back(
        ServiceFirewall{service.name, services[i].address, service.ports, allowed_sources(spec, service)});
  }
  std::vector<NodeFirewallRule> common = cluster_rules(spec);
  for (const Node& node : spec.nodes) {
    NodeFirewall firewall{node.name, common};
    if (node.role == NodeRole::arbiter) {
      for (NodeFirewallRule& rule : arbiter_rules(spec, arbiter_addresses)) firewall.rules.push_back(std::move(rule));
    }
    plan.nodes.push_back(std::move(firewall));
  }
  return plan;
}

}  // namespace hearth
