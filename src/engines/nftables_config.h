#pragma once
// The firewall policy of plan/firewall.h rendered as nftables rulesets, one table each, applied
// with `nft -f` (engines/nftables.h) in the network namespace concerned:
//
//   table inet hearth_node      a node's own namespace (the host, on a real install): hearth's
//                               ports (API, etcd, gluster; DNS and DHCP on the arbiter) are
//                               accepted from loopback, from established connections and from the
//                               rule's sources, and dropped from everyone else. Every other port
//                               is left alone (policy accept): ssh and the owner's own rules stay.
//   table inet hearth_service   a service's namespace (it holds the service address alone): only
//                               the service's ports from its allowed sources, loopback (health
//                               probes run there) and replies to its own connections; every other
//                               packet in is dropped (policy drop), pings included.
//
// Each ruleset replaces its table atomically (one nft transaction: create-if-missing, delete,
// define), so applying it twice is harmless and a half-applied table never exists. Tables of
// other owners are never touched. The text holds only numbers, addresses and fixed words: nothing
// of the spec's free text can reach nft.

#include <string>

#include "plan/firewall.h"

namespace hearth {

inline constexpr const char* kNodeFirewallTable = "hearth_node";
inline constexpr const char* kServiceFirewallTable = "hearth_service";

std::string render_node_ruleset(const NodeFirewall& firewall);
std::string render_service_ruleset(const ServiceFirewall& firewall);

}  // namespace hearth
