#include "plan/plan.h"

#include <deque>

namespace hearth {

Result<Plan> plan(const Spec& spec, const ObservedState& observed) {
  Plan result;

  auto bricks = plan_bricks(spec);
  if (!bricks) return bricks.error();
  result.volumes = std::move(bricks).value();

  auto arbiter_addresses = plan_arbiter_addresses(spec);
  if (!arbiter_addresses) return arbiter_addresses.error();
  result.arbiter_addresses = std::move(arbiter_addresses).value();

  auto addresses = plan_service_addresses(spec, result.arbiter_addresses, observed.addresses);
  if (!addresses) return addresses.error();

  std::vector<const Node*> live_servers;
  for (const Node* server : spec.servers()) {
    if (!observed.down_nodes.contains(server->name) && !observed.drained_nodes.contains(server->name)) {
      live_servers.push_back(server);
    }
  }
  auto is_live_server = [&](const std::string& node) {
    for (const Node* server : live_servers) {
      if (server->name == node) return true;
    }
    return false;
  };
  std::vector<const Service*> services;
  services.reserve(spec.services.size());
  std::deque<Service> without_prefer;  // copies of the services that must not move back yet
  for (const Service& service : spec.services) {
    auto previous = observed.placements.find(service.name);
    if (service.prefer && observed.unsettled_nodes.contains(*service.prefer) &&
        previous != observed.placements.end() && previous->second != *service.prefer &&
        is_live_server(previous->second)) {
      without_prefer.push_back(service);
      without_prefer.back().prefer.reset();
      services.push_back(&without_prefer.back());
      continue;
    }
    services.push_back(&service);
  }
  PlacementResult placement = place_services(services, live_servers, observed.placements);

  result.services.reserve(spec.services.size());
  for (std::size_t i = 0; i < spec.services.size(); ++i) {
    const ServiceAddress& address = addresses.value()[i];
    ServicePlacement& placed = placement.services[i];
    result.services.push_back(ServicePlan{address.service, address.network, address.address, address.source,
                                          std::move(placed.node), placed.decision, std::move(placed.reason)});
  }
  result.servers = std::move(placement.nodes);
  result.dns = plan_dns(spec, result.arbiter_addresses, addresses.value());
  result.dhcp = plan_dhcp(spec, result.arbiter_addresses);
  result.firewall = plan_firewall(spec, addresses.value(), result.arbiter_addresses);
  return result;
}

}  // namespace hearth
