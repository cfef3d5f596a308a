#include "plan/plan_json.h"

#include "spec/values.h"

namespace hearth {
namespace {

using Json = nlohmann::ordered_json;

std::string_view protocol_name(Protocol protocol) { return protocol == Protocol::tcp ? "tcp" : "udp"; }

Json optional_string(const std::optional<std::string>& value) { return value ? Json(*value) : Json(nullptr); }

Json address_list(const std::vector<Ipv4>& addresses) {
  Json list = Json::array();
  for (const Ipv4& address : addresses) list.push_back(address.str());
  return list;
}

Json cidr_list(const std::vector<Cidr>& cidrs) {
  Json list = Json::array();
  for (const Cidr& cidr : cidrs) list.push_back(cidr.str());
  return list;
}

double cpus(Millicpus millicpus) { return static_cast<double>(millicpus) / 1000.0; }

Json brick_json(const Brick& brick, bool arbiter) {
  return Json{{"role", arbiter ? "arbiter" : "data"}, {"node", brick.node}, {"disk", brick.disk},
              {"path", brick.path},                   {"host", brick.host.str()}, {"size", brick.size}};
}

Json servers_json(const std::vector<NodeLoad>& servers) {
  Json list = Json::array();
  for (const NodeLoad& load : servers) {
    list.push_back(Json{{"node", load.node},
                        {"cpus_capacity", cpus(load.cpus_capacity)},
                        {"memory_capacity", load.memory_capacity},
                        {"cpus_used", cpus(load.cpus_used)},
                        {"memory_used", load.memory_used},
                        {"services", load.services}});
  }
  return list;
}

Json volumes_json(const std::vector<VolumePlan>& volumes) {
  Json list = Json::array();
  for (const VolumePlan& volume : volumes) {
    Json bricks = Json::array();
    for (const Brick* brick : volume.gluster_order()) bricks.push_back(brick_json(*brick, brick == &volume.arbiter));
    list.push_back(Json{{"name", volume.volume}, {"size", volume.size}, {"bricks", std::move(bricks)}});
  }
  return list;
}

Json services_json(const std::vector<ServicePlan>& services) {
  Json list = Json::array();
  for (const ServicePlan& service : services) {
    list.push_back(Json{{"name", service.name},
                        {"network", service.network},
                        {"address", service.address.str()},
                        {"address_source", name_of(service.address_source)},
                        {"node", optional_string(service.node)},
                        {"placement", name_of(service.placement)},
                        {"reason", service.reason}});
  }
  return list;
}

Json dns_json(const DnsPlan& dns) {
  Json records = Json::array();
  for (const DnsEntry& record : dns.records) {
    records.push_back(Json{{"name", record.name}, {"address", record.address.str()}, {"source", name_of(record.source)}});
  }
  return Json{{"server", dns.server},
              {"domain", dns.domain},
              {"upstream", address_list(dns.upstream)},
              {"listen", address_list(dns.listen)},
              {"records", std::move(records)}};
}

Json dhcp_json(const std::vector<DhcpScope>& scopes) {
  Json list = Json::array();
  for (const DhcpScope& scope : scopes) {
    Json reservations = Json::array();
    for (const DhcpReservation& reservation : scope.reservations) {
      reservations.push_back(
          Json{{"name", reservation.name}, {"mac", reservation.mac}, {"address", reservation.address.str()}});
    }
    list.push_back(Json{{"network", scope.network},
                        {"vlan", scope.vlan ? Json(*scope.vlan) : Json(nullptr)},
                        {"cidr", scope.cidr.str()},
                        {"range", scope.range.str()},
                        {"lease_ms", scope.lease},
                        {"router", scope.router ? Json(scope.router->str()) : Json(nullptr)},
                        {"dns_server", scope.dns_server.str()},
                        {"domain", scope.domain},
                        {"reservations", std::move(reservations)}});
  }
  return list;
}

Json firewall_json(const FirewallPlan& firewall) {
  Json services = Json::array();
  for (const ServiceFirewall& service : firewall.services) {
    Json ports = Json::array();
    for (const Port& port : service.ports) ports.push_back(format_port(port));
    services.push_back(Json{{"service", service.service},
                            {"address", service.address.str()},
                            {"ports", std::move(ports)},
                            {"allowed_sources", cidr_list(service.allowed_sources)}});
  }
  Json nodes = Json::array();
  for (const NodeFirewall& node : firewall.nodes) {
    Json rules = Json::array();
    for (const NodeFirewallRule& rule : node.rules) {
      Json ports = Json::array();
      for (const PortRange& range : rule.ports) ports.push_back(format_port_range(range));
      rules.push_back(Json{{"name", rule.name}, {"ports", std::move(ports)}, {"allowed_sources", cidr_list(rule.allowed_sources)}});
    }
    nodes.push_back(Json{{"node", node.node}, {"rules", std::move(rules)}});
  }
  return Json{{"services", std::move(services)}, {"nodes", std::move(nodes)}};
}

}  // namespace

std::string_view name_of(PlacementDecision decision) {
  switch (decision) {
    case PlacementDecision::kept: return "kept";
    case PlacementDecision::returned: return "returned";
    case PlacementDecision::preferred: return "preferred";
    case PlacementDecision::least_loaded: return "least_loaded";
    case PlacementDecision::unplaced: return "unplaced";
  }
  return "unplaced";
}

std::string_view name_of(AddressSource source) {
  switch (source) {
    case AddressSource::fixed: return "fixed";
    case AddressSource::kept: return "kept";
    case AddressSource::allocated: return "allocated";
  }
  return "allocated";
}

std::string_view name_of(DnsSource source) {
  switch (source) {
    case DnsSource::node: return "node";
    case DnsSource::service: return "service";
    case DnsSource::reservation: return "reservation";
    case DnsSource::record: return "record";
  }
  return "record";
}

std::string_view name_of(VolumeState state) {
  switch (state) {
    case VolumeState::healthy: return "healthy";
    case VolumeState::degraded: return "degraded";
    case VolumeState::read_only: return "read_only";
    case VolumeState::unavailable: return "unavailable";
  }
  return "unavailable";
}

std::string_view name_of(ServiceOutcome outcome) {
  switch (outcome) {
    case ServiceOutcome::stays: return "stays";
    case ServiceOutcome::moves: return "moves";
    case ServiceOutcome::stops: return "stops";
    case ServiceOutcome::not_running: return "not_running";
  }
  return "stops";
}

std::string format_port_range(const PortRange& range) {
  std::string text = std::to_string(range.first);
  if (range.last != range.first) text.append("-").append(std::to_string(range.last));
  return text.append("/").append(protocol_name(range.protocol));
}

Json to_json(const DnsPlan& dns) { return dns_json(dns); }
Json to_json(const std::vector<DhcpScope>& scopes) { return dhcp_json(scopes); }

namespace {

// Readers of the stored JSON: each throws ParseFailure naming the field; the public parsers turn
// it into an Error.
struct ParseFailure {
  std::string what;
};

const nlohmann::json& member(const nlohmann::json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) throw ParseFailure{std::string("no ") + name};
  return object.at(name);
}

std::string string_of(const nlohmann::json& object, const char* name) {
  const auto& value = member(object, name);
  if (!value.is_string()) throw ParseFailure{std::string(name) + " is not a string"};
  return value.get<std::string>();
}

template <typename T>
T parsed(const nlohmann::json& object, const char* name) {
  std::string text = string_of(object, name);
  auto value = T::parse(text);
  if (!value) throw ParseFailure{std::string(name) + " '" + text + "' is not valid"};
  return *value;
}

std::vector<Ipv4> addresses_of(const nlohmann::json& object, const char* name) {
  const auto& list = member(object, name);
  if (!list.is_array()) throw ParseFailure{std::string(name) + " is not a list"};
  std::vector<Ipv4> out;
  for (const auto& entry : list) {
    auto address = entry.is_string() ? Ipv4::parse(entry.get<std::string>()) : std::nullopt;
    if (!address) throw ParseFailure{std::string(name) + " holds an invalid address"};
    out.push_back(*address);
  }
  return out;
}

const nlohmann::json& list_of(const nlohmann::json& object, const char* name) {
  const auto& list = member(object, name);
  if (!list.is_array()) throw ParseFailure{std::string(name) + " is not a list"};
  return list;
}

DnsSource dns_source_of(const std::string& name) {
  for (DnsSource source : {DnsSource::node, DnsSource::service, DnsSource::reservation, DnsSource::record}) {
    if (name_of(source) == name) return source;
  }
  throw ParseFailure{"unknown DNS record source '" + name + "'"};
}

}  // namespace

Result<DnsPlan> dns_plan_from_json(const nlohmann::json& json) {
  try {
    DnsPlan dns;
    dns.server = string_of(json, "server");
    dns.domain = string_of(json, "domain");
    dns.upstream = addresses_of(json, "upstream");
    dns.listen = addresses_of(json, "listen");
    for (const auto& record : list_of(json, "records")) {
      dns.records.push_back(DnsEntry{string_of(record, "name"), parsed<Ipv4>(record, "address"),
                                     dns_source_of(string_of(record, "source"))});
    }
    return dns;
  } catch (const ParseFailure& failure) {
    return Error{"the stored DNS plan cannot be read: " + failure.what};
  }
}

Result<std::vector<DhcpScope>> dhcp_scopes_from_json(const nlohmann::json& json) {
  try {
    if (!json.is_array()) throw ParseFailure{"not a list"};
    std::vector<DhcpScope> scopes;
    for (const auto& entry : json) {
      DhcpScope scope;
      scope.network = string_of(entry, "network");
      const auto& vlan = member(entry, "vlan");
      if (vlan.is_number_integer()) {
        scope.vlan = vlan.get<int>();
      } else if (!vlan.is_null()) {
        throw ParseFailure{"vlan is not a number"};
      }
      scope.cidr = parsed<Cidr>(entry, "cidr");
      scope.range = parsed<Ipv4Range>(entry, "range");
      const auto& lease = member(entry, "lease_ms");
      if (!lease.is_number_integer()) throw ParseFailure{"lease_ms is not a number"};
      scope.lease = lease.get<Milliseconds>();
      if (!member(entry, "router").is_null()) scope.router = parsed<Ipv4>(entry, "router");
      scope.dns_server = parsed<Ipv4>(entry, "dns_server");
      scope.domain = string_of(entry, "domain");
      for (const auto& reservation : list_of(entry, "reservations")) {
        scope.reservations.push_back(DhcpReservation{string_of(reservation, "name"),
                                                     string_of(reservation, "mac"),
                                                     parsed<Ipv4>(reservation, "address")});
      }
      scopes.push_back(std::move(scope));
    }
    return scopes;
  } catch (const ParseFailure& failure) {
    return Error{"the stored DHCP plan cannot be read: " + failure.what};
  }
}

Json to_json(const Plan& plan) {
  Json arbiter_addresses = Json::array();
  for (const ArbiterAddress& entry : plan.arbiter_addresses) {
    arbiter_addresses.push_back(Json{{"network", entry.network},
                                     {"cidr", entry.cidr.str()},
                                     {"address", entry.address.str()},
                                     {"node_address", entry.node_address}});
  }
  return Json{{"volumes", volumes_json(plan.volumes)},
              {"services", services_json(plan.services)},
              {"servers", servers_json(plan.servers)},
              {"arbiter_addresses", std::move(arbiter_addresses)},
              {"dns", dns_json(plan.dns)},
              {"dhcp", dhcp_json(plan.dhcp)},
              {"firewall", firewall_json(plan.firewall)}};
}

Json to_json(const WhatIfReport& report) {
  Json failed_disks = Json::array();
  for (const DiskRef& disk : report.failures.disks) failed_disks.push_back(disk.node + ":" + disk.disk);
  Json volumes = Json::array();
  for (const VolumeReport& volume : report.volumes) {
    Json bricks = Json::array();
    for (const BrickReport& brick : volume.bricks) {
      Json entry = brick_json(brick.brick, brick.arbiter);
      entry["up"] = brick.up;
      entry["reason"] = brick.reason;
      bricks.push_back(std::move(entry));
    }
    volumes.push_back(Json{{"name", volume.volume},
                           {"state", name_of(volume.state)},
                           {"reason", volume.reason},
                           {"bricks", std::move(bricks)}});
  }
  Json services = Json::array();
  for (const ServiceReport& service : report.services) {
    services.push_back(Json{{"name", service.service},
                            {"outcome", name_of(service.outcome)},
                            {"from", optional_string(service.from)},
                            {"to", optional_string(service.to)},
                            {"reason", service.reason}});
  }
  return Json{{"failures", Json{{"nodes", report.failures.nodes}, {"disks", std::move(failed_disks)}}},
              {"quorum", Json{{"voters", report.quorum.voters},
                              {"alive", report.quorum.alive},
                              {"needed", report.quorum.needed},
                              {"kept", report.quorum.kept}}},
              {"volumes", std::move(volumes)},
              {"services", std::move(services)},
              {"servers", servers_json(report.servers)},
              {"dns_dhcp", Json{{"server", report.dns_dhcp.server},
                                {"served", report.dns_dhcp.served},
                                {"reason", report.dns_dhcp.reason}}}};
}

}  // namespace hearth
