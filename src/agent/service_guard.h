#pragma once
// The services' guard: services must not outlive their hearthd. Containers run detached (a
// restart of the runtime command does not stop them), so if hearthd dies without stopping them
// (a crash, SIGKILL, the OOM killer), nobody would fence them: the node's lease expires 2 s later,
// the leader moves the services, and the old containers would still answer at the same addresses.
//
// hearthd therefore starts a small guard process (hearthd --guard-of PID:START_TIME, detached,
// in the same namespaces) that polls every 50 ms whether that hearthd still lives; when it is gone
// (or the guard gets SIGTERM) the guard removes every service address and container of the node
// (ServiceHost::stop_everything, the same as a fence) and exits. A hearthd that stops cleanly has
// already stopped its services, so the guard finds nothing to do. Measured in the lab: see
// docs/architecture.md, "Services".

#include <sys/types.h>

#include <cstdint>

#include "agent/service_host.h"
#include "common/result.h"

namespace hearth::agent {

// Runs until the process (pid, start_time) is gone, then stops everything on `host`. Returns the
// process exit code (0 when everything was stopped).
int run_service_guard(pid_t pid, std::uint64_t start_time, ServiceHost& host);

// Starts the guard for the calling process: `hearthd_argv0 --guard-of PID:START --data-dir DIR
// --node NODE`. Fails when it cannot be started.
Status start_service_guard(const std::string& hearthd_path, const std::string& data_dir,
                           const std::string& node);

}  // namespace hearth::agent
