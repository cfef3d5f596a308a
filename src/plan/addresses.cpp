#include "plan/addresses.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

namespace hearth {
namespace {

using AddressSet = std::unordered_set<std::uint32_t>;

// Addresses the spec gives to something other than a pool-allocated service. Networks never
// overlap (validation), so one set serves every network.
AddressSet spec_addresses(const Spec& spec) {
  AddressSet taken;
  for (const Node& node : spec.nodes) {
    taken.insert(node.address.value);
    if (node.storage_address) taken.insert(node.storage_address->value);
  }
  for (const Network& network : spec.networks) {
    if (network.gateway) taken.insert(network.gateway->value);
    if (network.dhcp) {
      for (const DhcpReservation& reservation : network.dhcp->reservations) {
        taken.insert(reservation.address.value);
      }
    }
  }
  for (const DnsRecord& record : spec.dns.records) taken.insert(record.address.value);
  for (const Service& service : spec.services) {
    if (service.address) taken.insert(service.address->value);
  }
  return taken;
}

// The network and broadcast addresses, which nothing may use on networks of /30 and wider.
bool is_network_or_broadcast(const Cidr& cidr, Ipv4 address) {
  return cidr.prefix_length <= 30 && (address == cidr.first() || address == cidr.last());
}

// The arbiter's own address inside `network`, if it has one there.
std::optional<Ipv4> own_address_in(const Node& arbiter, const Network& network) {
  if (network.cidr.contains(arbiter.address)) return arbiter.address;
  if (arbiter.storage_address && network.cidr.contains(*arbiter.storage_address)) {
    return arbiter.storage_address;
  }
  return std::nullopt;
}

// The highest usable address of `network` outside its DHCP range and service_ips and not in `taken`.
std::optional<Ipv4> highest_unused(const Network& network, const AddressSet& taken) {
  std::int64_t first = network.cidr.first().value;
  std::int64_t last = network.cidr.last().value;
  if (network.cidr.prefix_length <= 30) {
    ++first;
    --last;
  }
  for (std::int64_t candidate = last; candidate >= first;) {
    Ipv4 address{static_cast<std::uint32_t>(candidate)};
    if (network.dhcp && network.dhcp->range.contains(address)) {
      candidate = std::int64_t{network.dhcp->range.first.value} - 1;
    } else if (network.service_ips && network.service_ips->contains(address)) {
      candidate = std::int64_t{network.service_ips->first.value} - 1;
    } else if (taken.contains(address.value)) {
      --candidate;
    } else {
      return address;
    }
  }
  return std::nullopt;
}

// Walks a service_ips pool upwards, skipping taken addresses; `taken` is sorted.
struct PoolCursor {
  Ipv4Range pool;
  std::uint64_t next = 0;      // the next candidate address
  std::size_t taken_index = 0; // first entry of `taken` that may be >= next

  std::optional<Ipv4> take(const std::vector<std::uint32_t>& taken) {
    while (next <= pool.last.value) {
      while (taken_index < taken.size() && taken[taken_index] < next) ++taken_index;
      if (taken_index < taken.size() && taken[taken_index] == next) {
        ++next;
        continue;
      }
      return Ipv4{static_cast<std::uint32_t>(next++)};
    }
    return std::nullopt;
  }
};

Error exhausted(const Network& network, const Service& service,
                const std::vector<ServiceAddress>& assigned) {
  const Ipv4Range& pool = *network.service_ips;
  std::uint64_t by_services = 0;
  for (const ServiceAddress& entry : assigned) {
    if (pool.contains(entry.address)) ++by_services;
  }
  return Error{"service " + service.name + ": no free address left in service_ips " + pool.str() +
               " of network " + network.name + " (" + std::to_string(pool.size()) + " addresses: " +
               std::to_string(by_services) + " held by services, " +
               std::to_string(pool.size() - by_services) +
               " taken by nodes, gateways, reservations, dns.records or the network's own "
               "addresses); widen service_ips or give the service a fixed address"};
}

}  // namespace

Result<std::vector<ArbiterAddress>> plan_arbiter_addresses(const Spec& spec) {
  std::vector<ArbiterAddress> result;
  const Node* arbiter = spec.arbiter();
  if (arbiter == nullptr) return Error{"the spec has no arbiter node"};
  AddressSet taken = spec_addresses(spec);
  for (const Network& network : spec.networks) {
    if (!network.dhcp) continue;
    ArbiterAddress entry{network.name, network.cidr, {}, false};
    if (auto own = own_address_in(*arbiter, network)) {
      entry.address = *own;
      entry.node_address = true;
    } else if (auto chosen = highest_unused(network, taken)) {
      entry.address = *chosen;
    } else {
      return Error{"network " + network.name + " (" + network.cidr.str() +
                   ") has no address left for the arbiter " + arbiter->name +
                   ", which serves DNS and DHCP there: every usable address is in the DHCP range, "
                   "service_ips or used by the spec; shrink the DHCP range by one address"};
    }
    result.push_back(std::move(entry));
  }
  return result;
}

Result<std::vector<ServiceAddress>> plan_service_addresses(
    const Spec& spec, const std::vector<ArbiterAddress>& arbiter_addresses,
    const std::map<std::string, Ipv4>& previous) {
  AddressSet reserved = spec_addresses(spec);
  for (const ArbiterAddress& entry : arbiter_addresses) reserved.insert(entry.address.value);

  std::vector<ServiceAddress> result(spec.services.size());
  std::vector<bool> needs_allocation(spec.services.size(), false);
  AddressSet kept;
  for (std::size_t i = 0; i < spec.services.size(); ++i) {
    const Service& service = spec.services[i];
    const Network* network = spec.find_network(service.network);
    if (network == nullptr) {
      return Error{"service " + service.name + ": unknown network " + service.network};
    }
    result[i].service = service.name;
    result[i].network = service.network;
    if (service.address) {
      result[i].address = *service.address;
      result[i].source = AddressSource::fixed;
      continue;
    }
    if (!network->service_ips) {
      return Error{"service " + service.name + " has no address: network " + network->name +
                   " has no service_ips; add service_ips to the network or an address to the service"};
    }
    auto held = previous.find(service.name);
    if (held != previous.end()) {
      Ipv4 address = held->second;
      if (network->service_ips->contains(address) && !reserved.contains(address.value) &&
          !is_network_or_broadcast(network->cidr, address) && kept.insert(address.value).second) {
        result[i].address = address;
        result[i].source = AddressSource::kept;
        continue;
      }
    }
    needs_allocation[i] = true;
  }

  // Everything taken, sorted once; each pool is then walked upwards a single time.
  std::vector<std::uint32_t> taken(reserved.begin(), reserved.end());
  taken.insert(taken.end(), kept.begin(), kept.end());
  for (const Network& network : spec.networks) {
    if (network.service_ips && network.cidr.prefix_length <= 30) {
      taken.push_back(network.cidr.first().value);
      taken.push_back(network.cidr.last().value);
    }
  }
  std::sort(taken.begin(), taken.end());

  std::unordered_map<std::string, PoolCursor> cursors;
  for (std::size_t i = 0; i < spec.services.size(); ++i) {
    if (!needs_allocation[i]) continue;
    const Service& service = spec.services[i];
    const Network& network = *spec.find_network(service.network);
    auto [it, inserted] = cursors.try_emplace(network.name);
    PoolCursor& cursor = it->second;
    if (inserted) {
      cursor.pool = *network.service_ips;
      cursor.next = cursor.pool.first.value;
      cursor.taken_index = static_cast<std::size_t>(
          std::lower_bound(taken.begin(), taken.end(), cursor.pool.first.value) - taken.begin());
    }
    auto address = cursor.take(taken);
    if (!address) return exhausted(network, service, result);
    result[i].address = *address;
    result[i].source = AddressSource::allocated;
  }
  return result;
}

}  // namespace hearth
