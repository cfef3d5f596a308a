#pragma once
// The contract between `hearth lab` (which builds and records a lab) and everything that needs to
// reach into a running lab: the CLI (status/apply from the host), lab tests and benchmarks.
//
// A running lab is described by a JSON file at kLabStateFile, written by `hearth lab up` before it
// creates anything (so `down` can always clean up after a half-failed `up`) and removed by
// `hearth lab down` after everything else is gone. The state is the complete plan of the lab
// (lab/layout.h computes it from the spec): `down`, `status`, `kill` and `revive` work from it
// alone, never from the spec file, which may have changed since.

#include <optional>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"

namespace hearth::lab {

inline constexpr const char* kLabRoot = "/var/lib/hearth-lab";  // every file the lab makes
inline constexpr const char* kLabStateFile = "/var/lib/hearth-lab/lab.json";

// One mount inside a node's private mount namespace.
struct LabMount {
  std::string source;  // directory on the host; empty for a tmpfs
  std::string target;  // absolute path inside the node
  bool read_only = false;
};

// A machine of the spec, emulated as namespaces.
struct LabNode {
  std::string name;           // the spec's node name
  std::string role;           // "server" | "arbiter"
  std::string netns;          // network namespace name, under /run/netns/
  std::string mount_ns_path;  // bind-mounted mount namespace file (nsenter --mount=)
  std::string uts_ns_path;    // bind-mounted UTS namespace file (nsenter --uts=)
  std::string host_dir;       // this node's directory on the host, under kLabRoot
  std::string data_dir;       // hearthd's --data-dir as seen INSIDE the node (e.g. /var/lib/hearth)
  std::string host_data_dir;  // the same directory as seen from the host (token file lives here)
  Ipv4 address;               // management address
  int api_port = 0;           // hearthd's HTTP API port on `address`
  std::string spec_path;      // the spec as seen INSIDE the node (a copy, /etc/hearth/NAME.yaml)
  std::string log_dir;        // daemons' stdout/stderr, as seen from the host (one file each)
  std::vector<LabMount> mounts;  // in the order they are made (parents before children)
};

// A client namespace on one network (home, guests, toxic in the example).
struct LabClient {
  std::string name;  // the network's name
  std::string netns;
};

// One veth pair: an endpoint namespace (node, client or router) plugged into a network's bridge.
struct LabLink {
  std::string owner;        // node name, client name, or "router"
  std::string netns;        // the owner's namespace
  std::string network;      // the spec's network name
  std::string interface;    // the owner's end, inside `netns`
  std::string switch_port;  // the other end, inside the switch namespace, enslaved to `bridge`
  std::string bridge;       // inside the switch namespace
  Ipv4 address;             // the owner's address on the network
  int prefix_length = 0;
};

// A default route of one namespace.
struct LabRoute {
  std::string netns;
  Ipv4 via;
};

// A network's bridge inside the switch namespace.
struct LabBridge {
  std::string network;
  std::string name;
};

struct LabState {
  std::string spec_path;  // absolute path of the spec the lab was built from
  std::vector<LabNode> nodes;
  std::vector<LabClient> clients;
  std::vector<std::string> namespaces;  // every netns the lab made (nodes, clients, switch, router)

  std::string switch_netns;  // holds one bridge per network
  std::string router_netns;  // owns every gateway address, forwards between networks
  std::vector<LabBridge> bridges;
  std::vector<LabLink> links;
  std::vector<LabRoute> routes;
  std::string ns_dir;         // holds the mount/UTS namespace files (a private bind mount)
  std::string images_dir;     // host directory of the busybox root file system
  std::string hearth_binary;  // absolute paths of the programs the nodes run
  std::string hearthd_binary;

  const LabNode* find_node(const std::string& name) const;
  const LabClient* find_client(const std::string& name) const;
  std::vector<const LabLink*> links_of(const std::string& owner) const;
};

// Reads kLabStateFile (or `path`). Error if no lab is recorded or the file is damaged.
Result<LabState> read_lab_state(const std::string& path = kLabStateFile);

// Writes atomically (temporary file + rename).
Status write_lab_state(const LabState& state, const std::string& path = kLabStateFile);

}  // namespace hearth::lab
