#include "agent/service_guard.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/log.h"
#include "common/process.h"

namespace hearth::agent {

using namespace std::chrono_literals;

namespace {
std::atomic<bool> told_to_stop{false};
}

int run_service_guard(pid_t pid, std::uint64_t start_time, ServiceHost& host) {
  // SIGTERM (systemd stopping the unit's left-over processes after hearthd died, `hearth lab
  // down`) means the same: hearthd is not there to fence.
  struct sigaction on_term {};
  on_term.sa_handler = [](int) { told_to_stop = true; };
  ::sigaction(SIGTERM, &on_term, nullptr);
  ::sigaction(SIGINT, &on_term, nullptr);
  while (!told_to_stop && process_running(pid, start_time)) std::this_thread::sleep_for(50ms);
  auto observed = host.observe();
  if (observed && observed->empty()) return 0;
  log::warn("hearthd (pid " + std::to_string(pid) +
            ") is gone without stopping its services: removing every service address and "
            "container of this node");
  Status stopped = host.stop_everything();
  if (!stopped) {
    log::error("cannot stop every service: " + stopped.error().message);
    return 1;
  }
  return 0;
}

Status start_service_guard(const std::string& hearthd_path, const std::string& data_dir,
                           const std::string& node) {
  auto self = inspect_process(::getpid());
  if (!self) return Error{"cannot read this process's start time from /proc"};
  auto started =
      start_daemon({.argv = {hearthd_path, "--guard-of",
                             std::to_string(self->pid) + ":" + std::to_string(self->start_time),
                             "--node", node, "--data-dir", data_dir},
                    .out = Output::file,
                    .err = Output::merge,
                    .output_file = data_dir + "/services-guard.log"});
  if (!started) return Error{"cannot start the services' guard: " + started.error().message};
  return ok_status();
}

}  // namespace hearth::agent
