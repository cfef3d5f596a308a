#pragma once
// Builds Specs in C++ for the plan's unit tests: the example lab of DESIGN.md (r510, r530,
// elitedesk; networks services/storage/home/guests/toxic), plus small helpers to add
// services and volumes. The result is what load_spec_text() would return for the same YAML.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/ipv4.h"
#include "spec/spec.h"

namespace hearth::testing {

inline constexpr Bytes kMiB = Bytes{1} << 20;
inline constexpr Bytes kGiB = Bytes{1} << 30;
inline constexpr Bytes kTiB = Bytes{1} << 40;

inline Ipv4 ip(const char* text) { return *Ipv4::parse(text); }
inline Cidr cidr(const char* text) { return *Cidr::parse(text); }
inline Ipv4Range range(const char* text) { return *Ipv4Range::parse(text); }

inline Node server(std::string name, const char* address, const char* storage, double cpus, Bytes memory,
                   std::vector<Disk> disks) {
  Node node;
  node.name = std::move(name);
  node.role = NodeRole::server;
  node.address = ip(address);
  if (storage != nullptr) node.storage_address = ip(storage);
  node.capacity = {cpus, memory};
  node.disks = std::move(disks);
  return node;
}

// The lab of DESIGN.md, without volumes or services.
inline Spec example_lab() {
  Spec spec;
  spec.file = "homelab.yaml";
  spec.cluster = {"homecentr", "home.arpa"};
  spec.nodes.push_back(server("r510", "10.1.2.17", "10.1.7.17", 8, 48 * kGiB,
                              {{"hdd1", "/srv/hearth/bricks/hdd1", 2 * kTiB},
                               {"hdd2", "/srv/hearth/bricks/hdd2", 2 * kTiB}}));
  spec.nodes.push_back(server("r530", "10.1.2.22", "10.1.7.22", 8, 32 * kGiB,
                              {{"ssd1", "/srv/hearth/bricks/ssd1", 1 * kTiB},
                               {"hdd1", "/srv/hearth/bricks/hdd1", 2 * kTiB}}));
  Node arbiter = server("elitedesk", "10.1.2.26", "10.1.7.26", 4, 8 * kGiB,
                        {{"ssd1", "/srv/hearth/arbiter", 120 * kGiB}});
  arbiter.role = NodeRole::arbiter;
  spec.nodes.push_back(arbiter);

  Network services;
  services.name = "services";
  services.cidr = cidr("10.1.2.0/24");
  services.vlan = 20;
  services.gateway = ip("10.1.2.1");
  services.management = true;
  services.service_ips = range("10.1.2.128-10.1.2.191");
  services.dhcp = Dhcp{range("10.1.2.220-10.1.2.250"), kDefaultDhcpLease, {}};
  spec.networks.push_back(services);

  Network storage;
  storage.name = "storage";
  storage.cidr = cidr("10.1.7.0/24");
  storage.vlan = 70;
  storage.storage = true;
  spec.networks.push_back(storage);

  Network home;
  home.name = "home";
  home.cidr = cidr("10.1.3.0/24");
  home.vlan = 30;
  home.gateway = ip("10.1.3.1");
  home.dhcp = Dhcp{range("10.1.3.25-10.1.3.254"), 12LL * 3600 * 1000,
                   {{"laserjet", "3c:52:82:00:00:05", ip("10.1.3.5")}}};
  spec.networks.push_back(home);

  Network guests;
  guests.name = "guests";
  guests.cidr = cidr("10.1.4.0/24");
  guests.vlan = 40;
  guests.gateway = ip("10.1.4.1");
  guests.dhcp = Dhcp{range("10.1.4.25-10.1.4.254"), kDefaultDhcpLease, {}};
  spec.networks.push_back(guests);

  Network toxic;
  toxic.name = "toxic";
  toxic.cidr = cidr("10.1.5.0/24");
  toxic.vlan = 50;
  toxic.gateway = ip("10.1.5.1");
  toxic.dhcp = Dhcp{range("10.1.5.50-10.1.5.200"), kDefaultDhcpLease, {}};
  spec.networks.push_back(toxic);

  spec.dns.upstream = {ip("1.1.1.1"), ip("1.0.0.1")};
  spec.dns.records = {{"nas", ip("10.1.2.40")}};
  return spec;
}

// Chained setters for a service just added: add_service(spec, "web").cpus(1).prefer("r510").
// Use it within one statement: adding another service may move the service in memory.
class ServiceBuilder {
 public:
  explicit ServiceBuilder(Service& service) : service_(service) {}
  ServiceBuilder& cpus(double cpus) { service_.resources.cpus = cpus; return *this; }
  ServiceBuilder& memory(Bytes memory) { service_.resources.memory = memory; return *this; }
  ServiceBuilder& prefer(std::string node) { service_.prefer = std::move(node); return *this; }
  ServiceBuilder& address(const char* address) { service_.address = ip(address); return *this; }
  ServiceBuilder& network(std::string network) { service_.network = std::move(network); return *this; }
  ServiceBuilder& mount(std::string volume, std::string mountpoint, bool read_only = false) {
    service_.volumes.push_back(VolumeMount{std::move(volume), "", std::move(mountpoint), read_only});
    return *this;
  }
  ServiceBuilder& allow_network(std::string network) {
    service_.allow_from.push_back(AllowedSource{std::move(network), std::nullopt});
    return *this;
  }
  ServiceBuilder& allow_cidr(const char* text) {
    service_.allow_from.push_back(AllowedSource{"", cidr(text)});
    return *this;
  }
  ServiceBuilder& ports(std::vector<Port> ports) { service_.ports = std::move(ports); return *this; }

 private:
  Service& service_;
};

// A busybox httpd on the services network, port 80/tcp, no resources, no volumes.
inline ServiceBuilder add_service(Spec& spec, std::string name) {
  Service service;
  service.name = std::move(name);
  service.rootfs = "/srv/hearth/images/busybox";
  service.command = {"httpd", "-f", "-p", "80"};
  service.network = "services";
  service.ports = {{80, Protocol::tcp}};
  spec.services.push_back(std::move(service));
  return ServiceBuilder(spec.services.back());
}

inline Volume& add_volume(Spec& spec, std::string name, Bytes size,
                          std::map<std::string, std::string> pinned = {}) {
  spec.volumes.push_back(Volume{std::move(name), size, std::move(pinned)});
  return spec.volumes.back();
}

inline std::vector<const Service*> all_services(const Spec& spec) {
  std::vector<const Service*> services;
  for (const Service& service : spec.services) services.push_back(&service);
  return services;
}

}  // namespace hearth::testing
