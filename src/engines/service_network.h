#pragma once
// A service's own address: a network namespace per service holding one macvlan interface (bridge
// mode) on the node's link to the service's network, with the service address and a default route
// via the network's gateway. Each service has its own namespace, so two services may listen on the
// same port; the macvlan has its own MAC address, so the switch sees the service as a host of its
// own, and the address can move to another node with a gratuitous ARP.
//
// (A macvlan child cannot reach its parent's own addresses: the node itself cannot talk to its
// services over that link. Probes therefore run inside the service's namespace.)

#include <optional>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"

namespace hearth {

struct ServiceNetworkConfig {
  std::string service;          // the namespace is named kServiceNetnsPrefix + service
  std::string parent;           // the node's interface on the service's network
  Ipv4 address;                 // the service address
  int prefix_length = 24;       // of the network's CIDR
  std::optional<Ipv4> gateway;  // the default route; none: on-link only
};

inline constexpr const char* kServiceNetnsPrefix = "hearth-svc-";
inline constexpr const char* kServiceInterface = "eth0";  // inside the service's namespace

// The node's interface on a network, from `ip -j addr show` output: the interface holding an IPv4
// address inside `cidr`; else the interface named `network_name` (the lab names each node link
// after its network; a real install names VLAN interfaces that way too). Nullopt when neither.
std::optional<std::string> find_network_interface(const std::string& ip_addr_json, const Cidr& cidr,
                                                  const std::string& network_name);

// Contract of the service namespaces of a node. Thread-safe: every call is separate commands.
class ServiceNetworks {
 public:
  virtual ~ServiceNetworks() = default;

  // The path a container's config.json names for `service`'s network namespace.
  virtual std::string netns_path(const std::string& service) const = 0;

  // The services that have a namespace on this node (made by create(), not yet removed).
  virtual Result<std::vector<std::string>> list() = 0;

  // The node's interface on a network (see find_network_interface). Fails when there is none.
  virtual Result<std::string> interface_on(const Cidr& cidr, const std::string& network_name) = 0;

  // Makes the namespace of `config.service` with its interface and address, replacing a leftover
  // of the same name. The interface stays down: the container can already bind and accept on the
  // address, and nothing outside can reach it yet (expose() does that). On failure nothing of it
  // is left.
  virtual Status create(const ServiceNetworkConfig& config) = 0;

  // Makes the address reachable: the interface up, the default route, and an announcement that
  // the address now lives here (gratuitous ARP from inside the namespace, in the background: it
  // takes ~1 s; a failure to start it is only logged).
  virtual Status expose(const ServiceNetworkConfig& config) = 0;

  // From now on, new connections into the namespace are dropped (nftables: `ct state new drop`,
  // table inet hearth_stopping), while established ones go on: a service that is stopping
  // finishes, or resets, what it has, and a new client's SYN goes unanswered and is retried
  // (and reaches the next owner) instead of being refused by a service that no longer listens.
  virtual Status refuse_new_connections(const std::string& service) = 0;

  // Removes the service's address at once (the interface goes, even while a process still holds
  // the namespace), then the namespace. Succeeds when there is none.
  virtual Status remove(const std::string& service) = 0;
};

// The real one: `ip netns`, `ip link ... type macvlan mode bridge`, `arping -U -c 2`.
class MacvlanServiceNetworks final : public ServiceNetworks {
 public:
  std::string netns_path(const std::string& service) const override;
  Result<std::vector<std::string>> list() override;
  Result<std::string> interface_on(const Cidr& cidr, const std::string& network_name) override;
  Status create(const ServiceNetworkConfig& config) override;
  Status expose(const ServiceNetworkConfig& config) override;
  Status refuse_new_connections(const std::string& service) override;
  Status remove(const std::string& service) override;
};

}  // namespace hearth
