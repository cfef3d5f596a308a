#pragma once
// The daemons of lab nodes (etcd, hearthd; glusterd later), each its own process started inside
// its node's namespaces exactly as the shipped systemd units start it (lab/layout.h,
// node_daemons()), with stdout and stderr appended to a log file per daemon and its PID (with
// its start time, so a recycled PID is never mistaken for it) in a pid file.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "lab/lab_state.h"
#include "lab/layout.h"

namespace hearth::lab {

struct DaemonStatus {
  std::string name;
  pid_t pid = 0;  // from the pid file; 0 if there is none
  bool running = false;
};

// The recorded process of a daemon, if its pid file exists.
struct DaemonProcess {
  pid_t pid = 0;
  std::uint64_t start_time = 0;
};
std::optional<DaemonProcess> read_pid_file(const std::string& path);

// Every daemon of the node, in start order.
std::vector<DaemonStatus> daemon_status(const LabState& state, const LabNode& node);

// Starts the daemon unless it runs. Fails if it cannot be started or exits at once.
Status start_daemon_in_node(const LabNode& node, const LabDaemon& daemon);

// Starts every daemon of the node that is not running, in order; `started` gets their names.
Status start_missing_daemons(const LabState& state, const LabNode& node,
                             std::vector<std::string>* started = nullptr);

// How to stop a daemon.
enum class StopMode {
  crash,     // SIGKILL at once: a crash, no chance to clean up
  graceful,  // SIGTERM, up to `grace` to exit, then SIGKILL
};

// Stops one daemon (by the PID in its pid file, never by name) and removes its pid file.
Status stop_daemon(const LabDaemon& daemon, StopMode mode,
                   std::chrono::milliseconds grace = std::chrono::seconds(5));

// Stops the node's daemons in reverse start order (or only `only`, when not empty).
Status stop_daemons(const LabState& state, const LabNode& node, StopMode mode,
                    const std::string& only = "");

}  // namespace hearth::lab
