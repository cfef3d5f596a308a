#pragma once
// The firewall policy, as data (the nftables engine renders it).
//
// Per service: traffic to the service's address is accepted only on its ports and only from its
// allowed sources; everything else to that address is dropped. Allowed sources are the
// `allow_from` entries in spec order, networks resolved to their CIDRs and literal CIDRs as
// given, duplicates dropped; an empty `allow_from` means the service's own network.
//
// Per node: hearth's own ports (hearth API, etcd client and peer, glusterd, gluster bricks) are
// accepted only from the management network and the storage network (when the spec has one).
// On the arbiter also DNS (53 tcp+udp, from the management network and every DHCP network) and
// DHCP (67/udp, from those DHCP networks and from 0.0.0.0/32, the source of clients that have no
// address yet). A node's other ports (ssh, ...) are not hearth's: the node policy leaves them.

#include <cstdint>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "plan/addresses.h"
#include "spec/spec.h"

namespace hearth {

// The well-known ports of the cluster's own daemons.
inline constexpr std::uint16_t kHearthApiPort = 7070;        // hearthd's API (tcp); the one definition
inline constexpr std::uint16_t kEtcdClientPort = 2379;       // etcd clients (tcp)
inline constexpr std::uint16_t kEtcdPeerPort = 2380;         // etcd members (tcp)
inline constexpr std::uint16_t kGlusterdPort = 24007;        // glusterd management (tcp, 24007-24008)
inline constexpr std::uint16_t kGlusterdLastPort = 24008;
inline constexpr std::uint16_t kGlusterBrickFirstPort = 49152;  // brick processes (tcp, Gluster's
inline constexpr std::uint16_t kGlusterBrickLastPort = 60999;   // base-port..max-port)
inline constexpr std::uint16_t kDnsPort = 53;
inline constexpr std::uint16_t kDhcpServerPort = 67;

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;  // inclusive; == first for a single port
  Protocol protocol = Protocol::tcp;
  auto operator<=>(const PortRange&) const = default;
};

struct ServiceFirewall {
  std::string service;
  Ipv4 address;
  std::vector<Port> ports;             // accepted, in spec order
  std::vector<Cidr> allowed_sources;   // accepted from; everything else to `address` is dropped
};

struct NodeFirewallRule {
  std::string name;  // "hearth-api", "etcd-client", "etcd-peer", "glusterd", "gluster-bricks",
                     // "dns", "dhcp"
  std::vector<PortRange> ports;
  std::vector<Cidr> allowed_sources;  // the listed ports are dropped from every other source
};

struct NodeFirewall {
  std::string node;
  std::vector<NodeFirewallRule> rules;
};

struct FirewallPlan {
  std::vector<ServiceFirewall> services;  // spec order
  std::vector<NodeFirewall> nodes;        // spec order, every node (arbiter included)
};

// REQUIRES: services == plan_service_addresses(spec, ...).value() (spec order),
// arbiter_addresses == plan_arbiter_addresses(spec).value().
FirewallPlan plan_firewall(const Spec& spec, const std::vector<ServiceAddress>& services,
                           const std::vector<ArbiterAddress>& arbiter_addresses);

}  // namespace hearth
