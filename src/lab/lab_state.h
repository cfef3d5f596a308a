#pragma once
// The contract between `hearth lab` (which builds and records a lab) and everything that needs to
// reach into a running lab: the CLI (status/apply from the host), lab tests and benchmarks.
//
// A running lab is described by a JSON file at kLabStateFile, written by `hearth lab up` before it
// creates anything (so `down` can always clean up after a half-failed `up`) and removed by
// `hearth lab down` after everything else is gone.

#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"

namespace hearth::lab {

inline constexpr const char* kLabRoot = "/var/lib/hearth-lab";          // every file the lab makes
inline constexpr const char* kLabStateFile = "/var/lib/hearth-lab/lab.json";

// A machine of the spec, emulated as namespaces.
struct LabNode {
  std::string name;            // the spec's node name
  std::string role;            // "server" | "arbiter"
  std::string netns;           // network namespace name, under /run/netns/
  std::string mount_ns_path;   // bind-mounted mount namespace file (nsenter --mount=)
  std::string uts_ns_path;     // bind-mounted UTS namespace file (nsenter --uts=)
  std::string host_dir;        // this node's directory on the host, under kLabRoot
  std::string data_dir;        // hearthd's --data-dir as seen INSIDE the node (e.g. /var/lib/hearth)
  std::string host_data_dir;   // the same directory as seen from the host (token file lives here)
  Ipv4 address;                // management address
  int api_port = 0;            // hearthd's HTTP API port on `address`
};

// A client namespace on one network (home, guests, toxic in the example).
struct LabClient {
  std::string name;   // the network's name
  std::string netns;
};

struct LabState {
  std::string spec_path;  // absolute path of the spec the lab was built from
  std::vector<LabNode> nodes;
  std::vector<LabClient> clients;
  std::vector<std::string> namespaces;  // every netns the lab made (nodes, clients, switch, router)

  const LabNode* find_node(const std::string& name) const;
};

// Reads kLabStateFile (or `path`). Error if no lab is recorded or the file is damaged.
Result<LabState> read_lab_state(const std::string& path = kLabStateFile);

// Writes atomically (temporary file + rename).
Status write_lab_state(const LabState& state, const std::string& path = kLabStateFile);

}  // namespace hearth::lab
