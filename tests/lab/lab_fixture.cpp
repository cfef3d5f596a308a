#include "lab_fixture.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/file.h"

namespace hearth::lab::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string output_of(const std::vector<std::string>& argv) {
  auto done = run({.argv = argv, .timeout = std::chrono::seconds(10)});
  return done ? done->out : "cannot run " + argv[0] + ": " + done.error().message;
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

std::uint64_t inode_of(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

std::vector<std::string> lab_netns_names() {
  std::vector<std::string> names;
  std::istringstream lines(output_of({"ip", "netns", "list"}));
  for (std::string line; std::getline(lines, line);) {
    std::string name = line.substr(0, line.find(' '));
    if (name.rfind("hearth-", 0) == 0) names.push_back(name);
  }
  return names;
}

std::string describe(const Completed& done) {
  return done.describe() + "\n--- stdout:\n" + done.out + "--- stderr:\n" + done.err;
}

}  // namespace

std::string hearth_binary() { return std::string(HEARTH_BINARY_DIR) + "/hearth"; }
std::string hearthd_binary() { return std::string(HEARTH_BINARY_DIR) + "/hearthd"; }
std::string example_spec() { return std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml"; }

Completed hearth(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {hearth_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto done = run({.argv = argv, .timeout = timeout, .own_process_group = true});
  if (done) return *done;
  Completed failed;
  failed.exit_code = 127;
  failed.err = done.error().message;
  return failed;
}

HostNetwork HostNetwork::observe() {
  HostNetwork network;
  network.addresses = output_of({"ip", "-o", "addr"});
  network.routes = output_of({"ip", "route"}) + output_of({"ip", "-6", "route"});
  // Without statistics: only names, flags and addresses of the links.
  network.links = output_of({"ip", "-o", "link"});
  network.forwarding = read_text_file("/proc/sys/net/ipv4/ip_forward");
  return network;
}

LabFootprint LabFootprint::observe() {
  LabFootprint footprint;
  footprint.namespaces = lab_netns_names();
  for (const auto& name : footprint.namespaces) {
    footprint.netns_inodes.push_back(inode_of("/run/netns/" + name));
    std::istringstream pids(output_of({"ip", "netns", "pids", name}));
    for (long pid; pids >> pid;) {
      auto info = inspect_process(static_cast<pid_t>(pid));
      footprint.pids.push_back(static_cast<pid_t>(pid));
      footprint.start_times.push_back(info ? info->start_time : 0);
    }
  }
  return footprint;
}

std::vector<std::string> lab_leftovers(const LabFootprint& footprint) {
  std::vector<std::string> leftovers;
  for (const auto& name : lab_netns_names()) leftovers.push_back("network namespace " + name);
  std::istringstream mounts(read_text_file("/proc/self/mountinfo"));
  for (std::string line; std::getline(mounts, line);) {
    if (line.find(kLabRoot) != std::string::npos) leftovers.push_back("mount " + line);
  }
  if (exists(kLabRoot)) leftovers.push_back("directory " + std::string(kLabRoot));
  // Gone means reaped: `down` returns only once nothing it stopped is left, not even a zombie.
  for (std::size_t i = 0; i < footprint.pids.size(); ++i) {
    auto info = inspect_process(footprint.pids[i]);
    if (info && info->start_time == footprint.start_times[i]) {
      leftovers.push_back("process " + std::to_string(footprint.pids[i]) +
                          (info->state == 'Z' ? " (exited, not reaped yet)" : ""));
    }
  }
  // Any process still inside one of the lab's network namespaces (even one we did not record).
  if (DIR* proc = ::opendir("/proc")) {
    while (dirent* entry = ::readdir(proc)) {
      char* end = nullptr;
      long pid = std::strtol(entry->d_name, &end, 10);
      if (*end != '\0' || pid <= 0) continue;
      std::uint64_t inode = inode_of("/proc/" + std::string(entry->d_name) + "/ns/net");
      for (std::uint64_t lab_inode : footprint.netns_inodes) {
        if (inode != 0 && inode == lab_inode && process_running(static_cast<pid_t>(pid))) {
          leftovers.push_back("process " + std::to_string(pid) + " inside a lab namespace");
        }
      }
    }
    ::closedir(proc);
  }
  return leftovers;
}

bool take_down_leftover_lab() {
  if (!exists(kLabStateFile) && !exists(kLabRoot)) return true;
  std::cout << "a lab was left up (by an interrupted test run?): taking it down first\n";
  Completed done = hearth({"lab", "down"});
  if (!done.succeeded()) ADD_FAILURE() << "hearth lab down failed: " << describe(done);
  return !exists(kLabRoot);
}

LabUp::LabUp(std::string spec, std::vector<std::string> extra_args, Existing existing) {
  if (existing == Existing::take_down && !take_down_leftover_lab()) return;
  std::vector<std::string> args = {"lab", "up", "-f", spec};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto start = Clock::now();
  Completed done = hearth(args);
  took_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  output_ = describe(done);
  ok_ = done.succeeded();
  if (auto state = read_lab_state()) state_ = std::move(*state);
  if (!ok_) ADD_FAILURE() << "hearth lab up failed: " << output_;
}

LabUp::~LabUp() {
  if (down_) return;
  Completed done = down();
  if (!done.succeeded()) ADD_FAILURE() << "hearth lab down failed: " << describe(done);
}

Completed LabUp::down() {
  down_ = true;
  return hearth({"lab", "down"});
}

Completed LabUp::exec(const std::string& name, const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout) const {
  std::vector<std::string> args = {"lab", "exec", name, "--"};
  args.insert(args.end(), argv.begin(), argv.end());
  return hearth(args, timeout);
}

void LabUp::kill_power(const std::string& node) const {
  Completed done = hearth({"lab", "kill", node, "--power"});
  if (!done.succeeded())
    ADD_FAILURE() << "hearth lab kill " << node << " --power: " << describe(done);
}

void LabUp::kill_process(const std::string& node, const std::string& daemon) const {
  std::vector<std::string> args = {"lab", "kill", node, "--process"};
  if (!daemon.empty()) args.insert(args.end(), {"--daemon", daemon});
  Completed done = hearth(args);
  if (!done.succeeded())
    ADD_FAILURE() << "hearth lab kill " << node << " --process: " << describe(done);
}

void LabUp::revive(const std::string& node) const {
  Completed done = hearth({"lab", "revive", node});
  if (!done.succeeded()) ADD_FAILURE() << "hearth lab revive " << node << ": " << describe(done);
}

nlohmann::json LabUp::status() const {
  Completed done = hearth({"lab", "status", "--json"});
  try {
    return nlohmann::json::parse(done.out);
  } catch (const std::exception& error) {
    ADD_FAILURE() << "hearth lab status --json is not JSON (" << error.what()
                  << "): " << describe(done);
    return nlohmann::json::object();
  }
}

nlohmann::json LabUp::cluster_status(const std::string& node) const {
  Completed done = hearth({"status", "--json", "--node", node}, std::chrono::seconds(10));
  auto status = nlohmann::json::parse(done.out, nullptr, false);
  return status.is_object() && status.contains("quorum") ? status : nlohmann::json();
}

bool LabUp::cluster_healthy() const {
  std::string leader;
  for (const auto& node : state_.nodes) {
    auto status = cluster_status(node.name);
    if (!has_quorum(status)) return false;
    for (const auto& other : state_.nodes) {
      if (node_state(status, other.name) != "alive") return false;
    }
    std::string seen = leader_of(status);
    if (seen.empty() || (!leader.empty() && seen != leader)) return false;
    leader = seen;
  }
  return true;
}

std::optional<std::chrono::milliseconds> LabUp::wait_healthy(
    std::chrono::milliseconds limit) const {
  return wait_until([this] { return cluster_healthy(); }, limit, std::chrono::milliseconds(200));
}

Completed LabUp::apply(const std::string& spec, const std::string& node) const {
  std::vector<std::string> args = {"apply", "-f", spec};
  if (!node.empty()) args.insert(args.end(), {"--node", node});
  return hearth(args, std::chrono::seconds(60));
}

pid_t LabUp::daemon_pid(const std::string& node, const std::string& daemon) const {
  std::ifstream in(std::string(kLabRoot) + "/nodes/" + node + "/pids/" + daemon + ".pid");
  long long pid = 0;
  std::uint64_t start_time = 0;
  if (!(in >> pid >> start_time)) return 0;
  return process_running(static_cast<pid_t>(pid), start_time) ? static_cast<pid_t>(pid) : 0;
}

bool LabUp::signal_daemon(const std::string& node, const std::string& daemon, int signal) const {
  pid_t pid = daemon_pid(node, daemon);
  return pid > 0 && ::kill(pid, signal) == 0;
}

std::string node_state(const nlohmann::json& status, const std::string& node) {
  if (!status.is_object() || !status.contains("nodes")) return "";
  for (const auto& entry : status["nodes"]) {
    if (entry.value("name", "") == node) return entry.value("state", "");
  }
  return "";
}

std::string leader_of(const nlohmann::json& status) {
  if (!status.is_object() || !status.contains("leader") || !status["leader"].is_object()) return "";
  return status["leader"].value("node", "");
}

bool has_quorum(const nlohmann::json& status) {
  return status.is_object() && status.contains("quorum") && status["quorum"].value("ok", false);
}

std::string example_spec_variant(int n) {
  std::string text = read_text_file(example_spec());
  const std::string records = "records: { nas: 10.1.2.40 }";
  auto at = text.find(records);
  if (at == std::string::npos) {
    ADD_FAILURE() << "the example spec no longer contains `" << records << "`";
    return example_spec();
  }
  text.replace(at, records.size(),
               "records: { nas: 10.1.2.40, lab-test-" + std::to_string(n) + ": 10.1.2." +
                   std::to_string(60 + n % 60) + " }");
  std::string path =
      "/tmp/hearth_lab_spec_" + std::to_string(::getpid()) + "_" + std::to_string(n) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

std::optional<std::chrono::milliseconds> wait_until(const std::function<bool()>& condition,
                                                    std::chrono::milliseconds limit,
                                                    std::chrono::milliseconds step) {
  auto start = Clock::now();
  while (true) {
    if (condition())
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (Clock::now() - start > limit) return std::nullopt;
    std::this_thread::sleep_for(step);
  }
}

}  // namespace hearth::lab::testing
