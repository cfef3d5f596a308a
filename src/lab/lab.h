#pragma once
// `hearth lab`: the whole cluster of a spec on this one machine (DESIGN.md, "The lab").
// Every operation needs root. The lab's own record is lab/lab_state.h; its shape lab/layout.h.
//
//   up      plan -> record lab.json -> images, node namespaces and mounts, network -> daemons
//           -> wait until healthy -> apply the spec. Idempotent: a complete lab is left as it is;
//           a half-made one (a crashed or failed `up`) is removed and built again.
//   down    kill every process in the lab's namespaces, release mounts and namespaces, remove
//           the directories the lab made and kLabRoot. Works on any half-made lab; with no lab
//           it does nothing.
//   kill    --power cuts a node's links at the switch (peers see silence; the node's processes
//           keep running); --process kills its daemons (SIGKILL, like a crash).
//   revive  restores the links and starts the daemons that are not running.
//
// Mutating operations (up, down, kill, revive) hold an exclusive lock (flock on /var/lib) so two
// of them never interleave; they fail at once if another one runs.

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "lab/daemons.h"
#include "lab/lab_state.h"
#include "lab/layout.h"
#include "lab/network.h"
#include "spec/spec.h"

namespace hearth::lab {

struct UpOptions {
  std::string spec_path;  // absolute path of the spec file `spec` was loaded from
  LabPrograms programs;   // absolute paths of hearth and hearthd
  std::chrono::seconds timeout{120};  // for the cluster to become healthy
};

// Progress lines and the final summary go to `out`.
Status lab_up(const Spec& spec, const UpOptions& options, std::ostream& out);

Status lab_down(std::ostream& out);

// What runs where, as observed now.
struct NodeReport {
  const LabNode* node = nullptr;
  bool namespaces = false;  // network, mount and UTS namespaces all exist
  std::vector<DaemonStatus> daemons;
  std::vector<LinkStatus> links;
};

struct ClientReport {
  const LabClient* client = nullptr;
  bool namespace_exists = false;
  std::vector<LinkStatus> links;
};

struct LabReport {
  LabState state;  // the nodes, clients and links below point into it
  std::vector<NodeReport> nodes;
  std::vector<ClientReport> clients;
  bool switch_exists = false;
  bool router_exists = false;

  LabReport() = default;
  LabReport(const LabReport&) = delete;  // holds pointers into `state`
  LabReport& operator=(const LabReport&) = delete;
};

// Error "no lab is up" when there is none.
Status lab_report(LabReport& report);

// {"spec": ..., "nodes": [{"name", "role", "address", "namespaces", "daemons": [{"name", "pid",
// "running"}], "links": [{"network", "interface", "address", "up"}]}], "clients": [...],
// "switch": bool, "router": bool}
nlohmann::ordered_json report_to_json(const LabReport& report);

// True when every namespace, mount namespace file and link of the lab exists (daemons may be
// stopped and links cut: that is a lab in use, not a half-made one).
bool lab_complete(const LabReport& report);

enum class KillMode { power, process };

// `daemon` (only with KillMode::process) limits the kill to one daemon, e.g. "hearthd".
Status lab_kill(const std::string& node, KillMode mode, const std::string& daemon, std::ostream& out);

Status lab_revive(const std::string& node, std::ostream& out);

// Runs argv inside a node (network, mount and UTS namespaces) or a client (network namespace),
// stdin/stdout/stderr passed through; returns its exit code (128+N if killed by signal N).
Result<int> lab_exec(const std::string& name, const std::vector<std::string>& argv);

// The argv prefix that runs a command inside a node or client of the running lab.
Result<std::vector<std::string>> lab_command_prefix(const LabState& state, const std::string& name);

}  // namespace hearth::lab
