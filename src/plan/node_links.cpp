#include "plan/node_links.h"

#include <map>
#include <set>

#include "plan/addresses.h"

namespace hearth {

Result<std::vector<NodeLink>> plan_node_links(const Spec& spec, const std::string& node_name) {
  const Node* node = spec.find_node(node_name);
  if (node == nullptr) return Error{"node '" + node_name + "' is not in the spec"};

  // network -> the node's address there (nullopt: needed, without an address)
  std::map<std::string, std::optional<Ipv4>> needed;
  if (const Network* management = spec.management_network()) needed[management->name] = node->address;
  if (const Network* storage = spec.storage_network(); storage && node->storage_address) {
    needed[storage->name] = node->storage_address;
  }
  if (node->role == NodeRole::arbiter) {
    auto arbiter = plan_arbiter_addresses(spec);
    if (!arbiter) return arbiter.error();
    for (const ArbiterAddress& entry : *arbiter) needed.try_emplace(entry.network, entry.address);
  } else {
    for (const Service& service : spec.services) needed.try_emplace(service.network, std::nullopt);
  }

  std::vector<NodeLink> links;
  for (const Network& network : spec.networks) {
    auto wanted = needed.find(network.name);
    if (wanted == needed.end() || !network.vlan) continue;
    std::string interface =
        network.name.size() <= 15 ? network.name : "vlan" + std::to_string(*network.vlan);
    links.push_back({network.name, interface, *network.vlan, wanted->second,
                     network.cidr.prefix_length});
  }
  return links;
}

}  // namespace hearth
