#pragma once
// The lab's layout: every name, link, address, route, mount and daemon of a lab, decided from the
// spec alone. Pure functions (no I/O): `hearth lab up` records their result (the LabState) and
// then makes it; unit tests check the decisions without root.
//
// The shape (for the example spec):
//   hearth-switch   one bridge per network (VLANs modelled as separate bridges)
//   hearth-r510 ... one namespace per node: a link on the management network (its `address`)
//                   and on the storage network (its `storage_address`); the arbiter also on
//                   every network with a DHCP range (with the address the planner gives it)
//   hearth-router   the gateway address of every network that has one; forwards between them
//   hearth-home ... one client per network with a DHCP range that is not the management network
// Every namespace is linked to a bridge by a veth pair: the owner's end is named after the
// network ("services", "home"), the switch's end "v<owner>_<network>" (indices).

#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"
#include "lab/lab_state.h"
#include "plan/firewall.h"
#include "spec/spec.h"

namespace hearth::lab {

inline constexpr const char* kNamespacePrefix = "hearth-";
inline constexpr const char* kNodeDataDir = "/var/lib/hearth";  // hearthd --data-dir
inline constexpr const char* kNodeSpecDir = "/etc/hearth";      // the spec's copy
inline constexpr const char* kNodeLogDir = "/var/log/hearth";   // daemons' output
inline constexpr const char* kBusyboxImage = "/srv/hearth/images/busybox";
inline constexpr int kHearthdApiPort =
    kHearthApiPort;  // plan/firewall.h; packaging/systemd/hearthd.service

struct LabPrograms {
  std::string hearth;   // absolute path of the `hearth` binary (runs etcd-exec, apply)
  std::string hearthd;  // absolute path of the `hearthd` binary
};

// Plans the lab of `spec` (a validated spec read from `spec_path`, absolute), with every file
// under `root`. Fails, naming the clash, when two of the lab's namespaces or a node's mounts
// would collide (e.g. a node named like a client network, or a disk at /var/lib/hearth).
Result<LabState> plan_lab(const Spec& spec, const std::string& spec_path,
                          const LabPrograms& programs, const std::string& root = kLabRoot);

// The name of the interface (or bridge) for the `index`th network of the spec: the network's
// name when it is a valid interface name (at most 15 characters), else "net_<index>".
std::string interface_name(const std::string& network, std::size_t index);

// The arbiter's address on a network that has a DHCP range, as the planner chooses it
// (plan_arbiter_addresses in plan/addresses.h). Fails when the network has no DHCP range or no
// address is left.
Result<Ipv4> arbiter_address_on(const Spec& spec, const Network& network);

// The static address of the lab's client on a network: the lowest usable address that nothing
// of the spec uses or may hand out (gateway, node and arbiter addresses, DHCP range and
// reservations, service_ips, fixed service and dns.records addresses). Fails when none is left.
Result<Ipv4> client_address_on(const Spec& spec, const Network& network);

// The /etc/hosts of every lab node: localhost, and every address of every node: its management
// address as NODE, its others as NODE-NETWORK (r530-storage). With it and lab_resolv_conf(), a
// lookup on a node never waits for the machine's own resolver, which the lab's namespaces cannot
// reach (glusterd looks up the addresses of its peers: without this, each first peer probe waited
// ~10 s for DNS timeouts).
std::string lab_hosts_file(const LabState& state);

// The /etc/resolv.conf of every lab node: the node itself (nothing answers there on a server, so
// a lookup the hosts file cannot answer fails at once), one try of 1 s.
std::string lab_resolv_conf();

// The mounts of a node's private mount namespace, parents before children:
// a tmpfs on /run; per-node directories for /etc/hearth, /var/lib/hearth, /var/lib/etcd,
// /var/lib/glusterd, /var/log/glusterfs, /var/log/hearth; the busybox image (read-only);
// one directory per disk of the node at the disk's path.
Result<std::vector<LabMount>> node_mounts(const Node& node, const std::string& host_dir,
                                          const std::string& images_dir);

// A daemon of a lab node, run the way a real install runs it (packaging/systemd/).
struct LabDaemon {
  std::string name;               // "etcd", "glusterd", "hearthd"
  std::vector<std::string> argv;  // as run inside the node
  std::string log_file;           // stdout and stderr, path on the host
  std::string pid_file;           // "PID START_TIME", path on the host
};

// The daemons of a node in start order (etcd, glusterd, then hearthd, which needs both). Stopped
// in reverse order.
std::vector<LabDaemon> node_daemons(const LabState& state, const LabNode& node);

// The argv prefix that runs a command on a node (its network, mount and UTS namespaces) or in a
// client's (or any other) network namespace.
std::vector<std::string> node_command_prefix(const LabNode& node);
std::vector<std::string> netns_command_prefix(const std::string& netns);

}  // namespace hearth::lab
