#include "lab/daemons.h"

#include <signal.h>

#include <cstdio>
#include <ctime>
#include <fstream>

#include "common/process.h"
#include "lab/system.h"

namespace hearth::lab {
namespace {

std::string now_text() {
  std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

const LabDaemon* find_daemon(const std::vector<LabDaemon>& daemons, const std::string& name) {
  for (const auto& daemon : daemons) {
    if (daemon.name == name) return &daemon;
  }
  return nullptr;
}

bool running(const LabDaemon& daemon) {
  auto process = read_pid_file(daemon.pid_file);
  return process && process_running(process->pid, process->start_time);
}

}  // namespace

std::optional<DaemonProcess> read_pid_file(const std::string& path) {
  std::ifstream in(path);
  DaemonProcess process;
  long long pid = 0;
  if (!(in >> pid >> process.start_time) || pid <= 0) return std::nullopt;
  process.pid = static_cast<pid_t>(pid);
  return process;
}

std::vector<DaemonStatus> daemon_status(const LabState& state, const LabNode& node) {
  std::vector<DaemonStatus> result;
  for (const auto& daemon : node_daemons(state, node)) {
    DaemonStatus status;
    status.name = daemon.name;
    if (auto process = read_pid_file(daemon.pid_file)) {
      status.pid = process->pid;
      status.running = process_running(process->pid, process->start_time);
    }
    result.push_back(status);
  }
  return result;
}

Status start_daemon_in_node(const LabNode& node, const LabDaemon& daemon) {
  if (running(daemon)) return ok_status();
  std::vector<std::string> argv = node_command_prefix(node);
  argv.insert(argv.end(), daemon.argv.begin(), daemon.argv.end());
  {
    std::ofstream log(daemon.log_file, std::ios::app);
    log << "--- hearth lab: " << now_text() << " starting " << daemon.name << " on " << node.name
        << ":";
    for (const auto& arg : daemon.argv) log << ' ' << arg;
    log << '\n';
  }
  auto pid = start_daemon(
      {.argv = argv, .out = Output::file, .err = Output::merge, .output_file = daemon.log_file});
  if (!pid)
    return Error{"cannot start " + daemon.name + " on node " + node.name + ": " +
                 pid.error().message};
  auto info = inspect_process(*pid);
  std::uint64_t start_time = info ? info->start_time : 0;
  return write_text_file(daemon.pid_file,
                         std::to_string(*pid) + " " + std::to_string(start_time) + "\n");
}

Status start_missing_daemons(const LabState& state, const LabNode& node,
                             std::vector<std::string>* started) {
  for (const auto& daemon : node_daemons(state, node)) {
    if (running(daemon)) continue;
    if (auto s = start_daemon_in_node(node, daemon); !s) return s;
    if (started) started->push_back(daemon.name);
  }
  return ok_status();
}

Status stop_daemon(const LabDaemon& daemon, StopMode mode, std::chrono::milliseconds grace) {
  auto process = read_pid_file(daemon.pid_file);
  if (process && process_running(process->pid, process->start_time)) {
    bool gone = false;
    if (mode == StopMode::crash) {
      ::kill(process->pid, SIGKILL);
      gone = stop_process(process->pid, std::chrono::milliseconds(2000), process->start_time);
    } else {
      gone = stop_process(process->pid, grace, process->start_time);
    }
    if (!gone) {
      return Error{"cannot stop " + daemon.name + " (pid " + std::to_string(process->pid) +
                   "): it survived SIGKILL; it may be stuck in the kernel (state D)"};
    }
  }
  std::remove(daemon.pid_file.c_str());
  return ok_status();
}

Status stop_daemons(const LabState& state, const LabNode& node, StopMode mode,
                    const std::string& only) {
  auto daemons = node_daemons(state, node);
  if (!only.empty()) {
    const LabDaemon* daemon = find_daemon(daemons, only);
    if (!daemon) {
      std::string names;
      for (const auto& d : daemons) names += (names.empty() ? "" : ", ") + d.name;
      return Error{"node " + node.name + " runs no daemon named " + only + " (it runs " + names +
                   ")"};
    }
    return stop_daemon(*daemon, mode);
  }
  for (auto it = daemons.rbegin(); it != daemons.rend(); ++it) {
    if (auto s = stop_daemon(*it, mode); !s) return s;
  }
  return ok_status();
}

}  // namespace hearth::lab
