#include "lab/chaos_run.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "common/file.h"
#include "common/process.h"
#include "engines/gluster.h"
#include "lab/chaos_records.h"
#include "lab/daemons.h"
#include "lab/lab.h"
#include "lab/network.h"
#include "lab/system.h"

namespace hearth::lab {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kChaosTable = "hearth_chaos";  // the partitions' nftables table in a node
constexpr const char* kVolumesDir = "/var/lib/hearth/volumes/";  // hearthd's mounts in a node
constexpr const char* kCrunRoot = "/var/lib/hearth/crun";
// How long a lost disk is given to come back by itself before the owner's step is taken: a brick
// that can start does so within seconds of its node's return, and hearthd heals within 5 s.
constexpr auto kUnaidedDiskHeal = 30s;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string seconds_text(std::int64_t ms) {
  std::ostringstream text;
  text.precision(1);
  text << std::fixed << static_cast<double>(ms) / 1000.0 << " s";
  return text.str();
}

// What the run needs to know about the lab and the spec.
struct ChaosLab {
  LabState state;
  std::vector<std::string> servers;
  std::string arbiter;  // runs the appender
  std::string client;   // runs the pollers
  struct Service {
    std::string name;
    std::string address;
    int port = 0;
  };
  std::vector<Service> services;
  // Each service's directories on its volumes ("appdata/homepage"): they get an index.html, so a
  // service whose health check asks for "/" is healthy (an empty directory answers 404 and
  // hearthd restarts it, with a growing back-off, which would read as an outage).
  std::vector<std::string> page_dirs;
  std::vector<std::string> volumes;
  std::string appender_volume;
};

Completed run_in(const LabState& state, const std::string& name,
                 const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 30s) {
  Completed failed;
  failed.exit_code = 127;
  auto prefix = lab_command_prefix(state, name);
  if (!prefix) {
    failed.err = prefix.error().message;
    return failed;
  }
  std::vector<std::string> command = *prefix;
  command.insert(command.end(), argv.begin(), argv.end());
  auto done = run({.argv = command, .timeout = timeout, .own_process_group = true});
  if (!done) {
    failed.err = done.error().message;
    return failed;
  }
  return *done;
}

// `hearth status --json --node NODE`; null when it does not answer.
Json status_of(const LabState& state, const std::string& node,
               std::chrono::milliseconds timeout = 5s) {
  auto done = run({.argv = {state.hearth_binary, "status", "--json", "--node", node},
                   .timeout = timeout,
                   .own_process_group = true});
  if (!done) return nullptr;
  auto status = Json::parse(done->out, nullptr, false);
  return status.is_object() && status.contains("quorum") ? status : Json();
}

std::map<std::string, Json> statuses(const ChaosLab& lab) {
  std::vector<std::future<Json>> asks;
  for (const auto& node : lab.state.nodes) {
    asks.push_back(std::async(std::launch::async,
                              [&lab, name = node.name] { return status_of(lab.state, name); }));
  }
  std::map<std::string, Json> result;
  for (std::size_t i = 0; i < asks.size(); ++i) result[lab.state.nodes[i].name] = asks[i].get();
  return result;
}

// The first fresh answer with quorum, from any node.
Json quorum_status(const ChaosLab& lab) {
  for (const auto& node : lab.state.nodes) {
    auto status = status_of(lab.state, node.name);
    if (status.is_object() && status["quorum"].value("ok", false) && !status.value("stale", false))
      return status;
  }
  return nullptr;
}

std::int64_t lease_of(const Json& text) {
  if (!text.is_string()) return 0;
  return static_cast<std::int64_t>(std::strtoull(text.get<std::string>().c_str(), nullptr, 16));
}

// One hearthd's own view, as the checker reads it.
LeaderSample sample_leader(const LabState& state, const std::string& node) {
  LeaderSample sample;
  sample.node = node;
  sample.at.start_ms = wall_ms();
  auto status = status_of(state, node, 3s);
  sample.at.end_ms = wall_ms();
  if (!status.is_object() || !status["this_node"].is_object()) return sample;
  const auto& self = status["this_node"];
  sample.answered = true;
  sample.believes = self.value("leader", false);
  sample.lease = lease_of(self["lease"]);
  // A null leader is no evidence: status shows a failed read of the key as no leader too.
  if (status["quorum"].value("ok", false) && !status.value("stale", false) &&
      status["leader"].is_object()) {
    sample.key_known = true;
    sample.key_node = status["leader"].value("node", "");
    sample.key_lease = lease_of(status["leader"]["lease"]);
  }
  return sample;
}

// The leader samples, one line each, for a post-mortem beside the recorders' own output:
// "<start ms> <end ms> <node> answered=0|1 believes=0|1 lease=<hex> key=<node>/<hex>|unknown".
void write_leader_log(const std::vector<LeaderSample>& samples, const std::string& path) {
  std::ostringstream text;
  for (const auto& s : samples) {
    text << s.at.start_ms << ' ' << s.at.end_ms << ' ' << s.node << " answered=" << s.answered
         << " believes=" << s.believes << " lease=" << std::hex << s.lease << std::dec
         << " key=" << (s.key_known ? s.key_node + "/" : std::string("unknown"));
    if (s.key_known) text << std::hex << s.key_lease << std::dec;
    text << '\n';
  }
  std::ofstream(path) << text.str();
}

// A recorder: a shell loop in a node or a client, its output appended to a file.
class Recorder {
 public:
  static Result<std::unique_ptr<Recorder>> start(const LabState& state, const std::string& where,
                                                 const std::string& loop, const std::string& file) {
    auto prefix = lab_command_prefix(state, where);
    if (!prefix) return prefix.error();
    std::vector<std::string> argv = *prefix;
    argv.insert(argv.end(), {"sh", "-c", loop});
    auto child = Child::start({.argv = argv,
                               .out = Output::file,
                               .err = Output::discard,
                               .output_file = file,
                               .own_process_group = true});
    if (!child) return Error{"cannot start a recorder in " + where + ": " + child.error().message};
    return std::unique_ptr<Recorder>(new Recorder(std::move(*child), file));
  }
  ~Recorder() { stop(); }
  void stop() {
    if (child_.running()) (void)child_.stop(1s);
  }
  std::string read() const { return read_text_file(file_); }

 private:
  Recorder(Child child, std::string file) : child_(std::move(child)), file_(std::move(file)) {}
  Child child_;
  std::string file_;
};

// --- processes of a node (pauses, disk losses) ---

struct ProcessRef {
  pid_t pid = 0;
  std::uint64_t start_time = 0;
};

std::uint64_t inode_of(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

pid_t parent_of(pid_t pid) {
  std::string stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 1));
  std::string state;
  long parent = 0;
  fields >> state >> parent;
  return static_cast<pid_t>(parent);
}

// Ours: this process and everything it started (the recorders inside nodes, status calls), which
// a fault must never freeze or kill.
bool ours(pid_t pid) {
  for (int depth = 0; pid > 1 && depth < 64; ++depth) {
    if (pid == ::getpid()) return true;
    pid = parent_of(pid);
  }
  return false;
}

// Every process of a node that is not ours: in its network namespace, or in one of its services'
// cgroups (/hearth/<node>/<service>, their own network namespaces).
std::vector<ProcessRef> node_processes(const LabNode& node) {
  std::vector<ProcessRef> found;
  std::uint64_t netns = inode_of("/run/netns/" + node.netns);
  std::string cgroup = "/hearth/" + node.name + "/";
  DIR* proc = ::opendir("/proc");
  if (!proc) return found;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 1) continue;
    std::string dir = "/proc/" + std::string(entry->d_name);
    bool in_node = netns != 0 && inode_of(dir + "/ns/net") == netns;
    if (!in_node) in_node = read_text_file(dir + "/cgroup").find(cgroup) != std::string::npos;
    if (!in_node || ours(static_cast<pid_t>(pid))) continue;
    if (auto info = inspect_process(static_cast<pid_t>(pid)); info && info->state != 'Z') {
      found.push_back({static_cast<pid_t>(pid), info->start_time});
    }
  }
  ::closedir(proc);
  return found;
}

bool is_gluster_server_process(pid_t pid) {
  auto info = inspect_process(pid);
  if (!info) return false;
  if (info->name == "glusterfsd" || info->name == "glusterd") return true;
  for (const auto& arg : info->cmdline) {
    if (arg.find("glustershd") != std::string::npos) return true;
  }
  return false;
}

// --- the run ---

class ChaosRun {
 public:
  ChaosRun(ChaosLab lab, const ChaosOptions& options, std::ostream& out)
      : lab_(std::move(lab)), options_(options), out_(out) {}
  ~ChaosRun() { stop_recording(); }

  Result<ChaosOutcome> carry_out(std::vector<Fault> schedule);

 private:
  Status start_recording();
  void stop_recording();
  Status inject(const Fault& fault, FaultRecord& record);
  Status heal(const Fault& fault, FaultRecord& record);
  std::optional<std::int64_t> wait_settled(std::int64_t since, bool volumes, std::string& why);
  bool settled(std::int64_t since, bool volumes, std::string& why);
  VolumeEnd volume_state(const std::string& volume);
  bool volume_healed(const std::string& volume);
  void recover_lost_disk(const Fault& fault, FaultRecord& record);
  void read_back(ChaosHistory& history);
  std::string brick_path(const Json& status, const std::string& volume, const std::string& node);
  void progress(const std::string& line) {
    out_ << "  " << seconds_text(wall_ms() - start_ms_) << "  " << line << std::endl;
  }

  ChaosLab lab_;
  ChaosOptions options_;
  std::ostream& out_;
  std::int64_t start_ms_ = 0;
  std::string appender_mount_;
  std::string appended_file_;  // relative to a mount of the volume

  std::map<std::string, std::unique_ptr<Recorder>> pollers_;  // by service
  std::map<std::string, std::unique_ptr<Recorder>> holders_;  // by server
  std::unique_ptr<Recorder> appender_;
  std::thread leader_sampler_;
  std::atomic<bool> stop_sampling_{false};
  std::mutex leaders_mutex_;
  std::vector<LeaderSample> leaders_;
  std::vector<ProcessRef> paused_;
  std::vector<std::string> notes_;
};

Status ChaosRun::start_recording() {
  const std::string& dir = options_.record_dir;
  // The appender: its own FUSE mount of the volume in the arbiter, like any client's.
  appender_mount_ = "/run/hearth-chaos/" + lab_.appender_volume;
  // Right after `lab up` the volume may not be started yet (~12 s): try until it mounts.
  Completed mounted;
  auto deadline = Clock::now() + options_.settle_timeout;
  do {
    mounted = run_in(lab_.state, lab_.arbiter,
                     {"sh", "-c",
                      "mkdir -p " + appender_mount_ + " && (mountpoint -q " + appender_mount_ +
                          " || mount -t glusterfs -o log-file=/var/log/glusterfs/hearth-chaos.log"
                          " 127.0.0.1:/" +
                          lab_.appender_volume + " " + appender_mount_ + ") && mkdir -p " +
                          appender_mount_ + "/hearth-chaos"},
                     60s);
    if (!mounted.succeeded()) std::this_thread::sleep_for(2s);
  } while (!mounted.succeeded() && Clock::now() < deadline);
  if (!mounted.succeeded()) {
    return Error{"cannot mount volume " + lab_.appender_volume + " in " + lab_.arbiter +
                 " for the appender: " + mounted.describe() + " " + mounted.err};
  }
  // Written through the server's volume mount, so only once it is mounted: written before, the
  // page lands in the bare directory under the mount point, the service (bound to the mount)
  // answers 404, fails its health check and restarts with a growing back-off, which reads as a
  // 30 s outage (seen on a fresh machine, where lab up returned before r510 mounted appdata).
  for (const auto& dir : lab_.page_dirs) {
    std::string path = kVolumesDir + dir;
    std::string mount = kVolumesDir + dir.substr(0, dir.find('/'));
    Completed written;
    auto page_deadline = Clock::now() + 120s;  // catches a mount that never comes
    do {
      written = run_in(lab_.state, lab_.servers.front(),
                       {"sh", "-c",
                        "mountpoint -q '" + mount + "' && mkdir -p '" + path + "' && { [ -e '" +
                            path + "/index.html' ] || echo 'hearth lab chaos' > '" + path +
                            "/index.html'; }"},
                       60s);
      if (!written.succeeded()) std::this_thread::sleep_for(1s);  // until the mount is there
    } while (!written.succeeded() && Clock::now() < page_deadline);
    if (!written.succeeded()) {
      return Error{"cannot give " + path + " on " + lab_.servers.front() +
                   " an index.html (is " + mount + " mounted?): " + written.describe() + " " +
                   written.err};
    }
  }
  appended_file_ = "hearth-chaos/run-" + std::to_string(options_.seed) + "-" +
                   std::to_string(start_ms_) + ".log";
  auto appender = Recorder::start(lab_.state, lab_.arbiter,
                                  appender_loop(appender_mount_ + "/" + appended_file_, "0.25"),
                                  dir + "/appender.log");
  if (!appender) return appender.error();
  appender_ = std::move(*appender);
  for (const auto& server : lab_.servers) {
    auto holder = Recorder::start(lab_.state, server, holder_loop("0.3"),
                                  dir + "/holders-" + server + ".log");
    if (!holder) return holder.error();
    holders_[server] = std::move(*holder);
  }
  for (const auto& s : lab_.services) {
    std::string url = "http://" + s.address + ":" + std::to_string(s.port) + "/";
    auto poller = Recorder::start(lab_.state, lab_.client,
                                  poller_loop(url, lab_.state.router_netns, s.address, "0.25"),
                                  dir + "/poller-" + s.name + ".log");
    if (!poller) return poller.error();
    pollers_[s.name] = std::move(*poller);
  }
  leader_sampler_ = std::thread([this] {
    while (!stop_sampling_) {
      auto next = Clock::now() + 1s;
      std::vector<std::future<LeaderSample>> asks;
      for (const auto& node : lab_.state.nodes) {
        asks.push_back(std::async(std::launch::async, [this, name = node.name] {
          return sample_leader(lab_.state, name);
        }));
      }
      for (auto& ask : asks) {
        auto sample = ask.get();
        std::lock_guard lock(leaders_mutex_);
        leaders_.push_back(sample);
      }
      while (!stop_sampling_ && Clock::now() < next) std::this_thread::sleep_for(50ms);
    }
  });
  return ok_status();
}

void ChaosRun::stop_recording() {
  stop_sampling_ = true;
  if (leader_sampler_.joinable()) leader_sampler_.join();
  for (auto& [name, recorder] : pollers_) recorder->stop();
  for (auto& [name, recorder] : holders_) recorder->stop();
  if (appender_) appender_->stop();
  // Whatever a failed run left frozen is let go.
  for (const auto& p : paused_) {
    if (process_running(p.pid, p.start_time)) ::kill(p.pid, SIGCONT);
  }
  paused_.clear();
}

std::string ChaosRun::brick_path(const Json& status, const std::string& volume,
                                 const std::string& node) {
  if (!status.is_object() || !status["volumes"].is_array()) return "";
  for (const auto& v : status["volumes"]) {
    if (v.value("name", "") != volume || !v["bricks"].is_array()) continue;
    for (const auto& b : v["bricks"]) {
      if (b.value("node", "") != node) continue;
      std::string id = b.value("brick", "");
      auto colon = id.find(':');
      return colon == std::string::npos ? "" : id.substr(colon + 1);
    }
  }
  return "";
}

Status ChaosRun::inject(const Fault& fault, FaultRecord& record) {
  const LabNode* node = fault.node.empty() ? nullptr : lab_.state.find_node(fault.node);
  if (!fault.node.empty() && !node) return Error{"the lab has no node " + fault.node};
  switch (fault.kind) {
    case FaultKind::power_cut:
      return set_links(lab_.state, fault.node, false);
    case FaultKind::kill_daemon: {
      for (const auto& daemon : node_daemons(lab_.state, *node)) {
        if (daemon.name == fault.daemon) return stop_daemon(daemon, StopMode::crash);
      }
      return Error{"node " + fault.node + " has no daemon " + fault.daemon};
    }
    case FaultKind::kill_service: {
      auto status = quorum_status(lab_);
      std::string where;
      if (status.is_object()) {
        for (const auto& a : status["assignments"]) {
          if (a.value("service", "") == fault.service && a["node"].is_string()) where = a["node"];
        }
      }
      if (where.empty()) {
        record.note = "not assigned anywhere: nothing to kill";
        return ok_status();
      }
      auto state = run_in(lab_.state, where,
                          {"crun", "--root", kCrunRoot, "state", "hearth-" + fault.service}, 10s);
      auto json = Json::parse(state.out, nullptr, false);
      long long pid = json.is_object() ? json.value("pid", 0LL) : 0;
      if (!state.succeeded() || pid <= 1) {
        record.note = "not running on " + where;
        return ok_status();
      }
      ::kill(static_cast<pid_t>(pid), SIGKILL);
      record.note = "killed on " + where;
      return ok_status();
    }
    case FaultKind::partition: {
      auto addresses_of = [&](const std::vector<std::string>& side) {
        std::string list;
        for (const auto& name : side) {
          for (const LabLink* link : lab_.state.links_of(name)) {
            list += (list.empty() ? "" : ", ") + link->address.str();
          }
        }
        return list;
      };
      // Each side drops what comes from the other: silence both ways, as on a cut cable.
      auto wall = [&](const std::vector<std::string>& side, const std::string& from) -> Status {
        std::string rules = "table inet " + std::string(kChaosTable) +
                            " {\n chain input {\n  type filter hook input priority -300; policy "
                            "accept;\n  ip saddr { " +
                            from + " } drop\n }\n}\n";
        for (const auto& name : side) {
          auto prefix = lab_command_prefix(lab_.state, name);
          if (!prefix) return prefix.error();
          std::vector<std::string> argv = *prefix;
          argv.insert(argv.end(), {"nft", "-f", "-"});
          auto done =
              run({.argv = argv, .input = Input::data, .input_data = rules, .timeout = 10s});
          if (!done || !done->succeeded()) {
            return Error{"cannot partition " + name + " with nftables: " +
                         (done ? done->describe() + " " + done->err : done.error().message)};
          }
        }
        return ok_status();
      };
      if (auto s = wall(fault.side_a, addresses_of(fault.side_b)); !s) return s;
      return wall(fault.side_b, addresses_of(fault.side_a));
    }
    case FaultKind::pause: {
      // Twice: a process forked while the first round stopped its parent is caught by the second.
      std::set<pid_t> stopped;
      for (int round = 0; round < 2; ++round) {
        for (const auto& p : node_processes(*node)) {
          if (stopped.count(p.pid)) continue;
          if (::kill(p.pid, SIGSTOP) == 0) {
            paused_.push_back(p);
            stopped.insert(p.pid);
          }
        }
      }
      record.note = std::to_string(stopped.size()) + " processes stopped";
      return ok_status();
    }
    case FaultKind::disk_loss: {
      std::string path = brick_path(quorum_status(lab_), fault.volume, fault.node);
      if (path.empty())
        return Error{"cannot find the brick of " + fault.volume + " on " + fault.node};
      // The node goes down: links cut, its gluster server processes gone (bricks, self-heal,
      // glusterd); then its disk is replaced by an empty one.
      if (auto s = set_links(lab_.state, fault.node, false); !s) return s;
      for (const auto& daemon : node_daemons(lab_.state, *node)) {
        if (daemon.name == "glusterd") (void)stop_daemon(daemon, StopMode::crash);
      }
      for (const auto& p : node_processes(*node)) {
        if (is_gluster_server_process(p.pid)) ::kill(p.pid, SIGKILL);
      }
      auto wiped = run_in(lab_.state, fault.node, {"rm", "-rf", path}, 60s);
      if (!wiped.succeeded())
        return Error{"cannot wipe " + path + " on " + fault.node + ": " + wiped.err};
      record.note = "wiped " + path;
      return ok_status();
    }
  }
  return ok_status();
}

Status ChaosRun::heal(const Fault& fault, FaultRecord& record) {
  const LabNode* node = fault.node.empty() ? nullptr : lab_.state.find_node(fault.node);
  switch (fault.kind) {
    case FaultKind::power_cut:
      return set_links(lab_.state, fault.node, true);
    case FaultKind::kill_daemon:
      return start_missing_daemons(lab_.state, *node);
    case FaultKind::kill_service:
      return ok_status();  // hearth restarts it
    case FaultKind::partition: {
      std::vector<std::string> both = fault.side_a;
      both.insert(both.end(), fault.side_b.begin(), fault.side_b.end());
      for (const auto& name : both) {
        auto done = run_in(lab_.state, name, {"nft", "delete", "table", "inet", kChaosTable}, 10s);
        if (!done.succeeded()) {
          return Error{"cannot heal the partition on " + name + ": " + done.describe() + " " +
                       done.err};
        }
      }
      return ok_status();
    }
    case FaultKind::pause: {
      for (const auto& p : paused_) {
        if (process_running(p.pid, p.start_time)) ::kill(p.pid, SIGCONT);
      }
      paused_.clear();
      return ok_status();
    }
    case FaultKind::disk_loss: {
      if (auto s = set_links(lab_.state, fault.node, true); !s) return s;
      (void)record;
      return start_missing_daemons(lab_.state, *node);
    }
  }
  return ok_status();
}

VolumeEnd ChaosRun::volume_state(const std::string& volume) {
  VolumeEnd end{volume, false, 0, 0, 0, 0};
  // gluster's own word (not hearthd's view, which may be a moment old): from the arbiter, else a
  // server.
  std::vector<std::string> askers = {lab_.arbiter};
  askers.insert(askers.end(), lab_.servers.begin(), lab_.servers.end());
  for (const auto& node : askers) {
    auto done = run_in(
        lab_.state, node,
        {"gluster", "--mode=script", "--xml", "volume", "heal", volume, "info", "summary"}, 30s);
    auto summary = parse_heal_summary(done.out);
    if (!summary) continue;
    end.observed = true;
    end.bricks = static_cast<int>(summary->bricks.size());
    for (const auto& b : summary->bricks) end.bricks_connected += b.connected ? 1 : 0;
    end.pending = summary->pending();
    end.split_brain = summary->split_brain();
    break;
  }
  return end;
}

bool ChaosRun::volume_healed(const std::string& volume) {
  auto v = volume_state(volume);
  return v.observed && v.bricks > 0 && v.bricks_connected == v.bricks && v.pending == 0 &&
         v.split_brain == 0;
}

bool ChaosRun::settled(std::int64_t since, bool volumes, std::string& why) {
  auto all = statuses(lab_);
  std::string leader;
  for (const auto& [name, status] : all) {
    if (!status.is_object() || !status["quorum"].value("ok", false)) {
      why = name + " has no quorum";
      return false;
    }
    for (const auto& n : status["nodes"]) {
      if (n.value("state", "") != "alive") {
        why = name + " sees " + n.value("name", "?") + " " + n.value("state", "?");
        return false;
      }
    }
    std::string seen = status["leader"].is_object() ? status["leader"].value("node", "") : "";
    if (seen.empty() || (!leader.empty() && seen != leader)) {
      why = "no single leader";
      return false;
    }
    leader = seen;
  }
  const Json& status = all.begin()->second;
  for (const auto& a : status["assignments"]) {
    if (a.value("state", "") != "active") {
      why = a.value("service", "?") + " is " + a.value("state", "?");
      return false;
    }
  }
  if (volumes) {
    for (const auto& v : lab_.volumes) {
      if (!volume_healed(v)) {
        why = "volume " + v + " is not healed";
        return false;
      }
    }
  }
  for (const auto& [name, poller] : pollers_) {
    auto answers = parse_poller_log(poller->read(), name);
    if (answers.empty() || answers.back().at.start_ms <= since || !answers.back().answered) {
      why = name + " does not answer";
      return false;
    }
  }
  return true;
}

std::optional<std::int64_t> ChaosRun::wait_settled(std::int64_t since, bool volumes,
                                                   std::string& why) {
  auto deadline = Clock::now() + options_.settle_timeout;
  while (Clock::now() < deadline) {
    if (settled(since, volumes, why)) return wall_ms();
    std::this_thread::sleep_for(500ms);
  }
  return std::nullopt;
}

// hearth replaces no lost disk by itself (docs/operations.md, "A disk fails"): after giving it
// the chance, the run does what that section tells the owner to do.
void ChaosRun::recover_lost_disk(const Fault& fault, FaultRecord& record) {
  // Healed by itself: gluster says so twice, 5 s apart (a moment after the node's return, its
  // glusterd has not yet noticed that the brick cannot start).
  auto unaided = Clock::now() + kUnaidedDiskHeal;
  int healthy_looks = 0;
  while (Clock::now() < unaided) {
    healthy_looks = volume_healed(fault.volume) ? healthy_looks + 1 : 0;
    if (healthy_looks == 2) {
      record.note += "; hearth healed it by itself";
      return;
    }
    std::this_thread::sleep_for(5s);
  }
  std::string path = brick_path(quorum_status(lab_), fault.volume, fault.node);
  std::string to =
      path.substr(0, path.rfind('/') + 1) + fault.volume + "-chaos" + std::to_string(fault.index);
  auto done = run(
      {.argv = {lab_.state.hearth_binary, "volume", "replace-brick", fault.volume, fault.node, to},
       .err = Output::merge,
       .timeout = 120s});
  bool replaced = done && done->succeeded();
  std::string note =
      "fault " + std::to_string(fault.index) + " (disk loss of " + fault.node + " " + fault.volume +
      "): hearth did not heal it by itself within " + std::to_string(kUnaidedDiskHeal.count()) +
      " s (the brick stays down); the owner's step, `hearth volume replace-brick " + fault.volume +
      " " + fault.node + " " + to + "`, " +
      (replaced ? "was run" : "FAILED: " + (done ? done->out : done.error().message));
  notes_.push_back(note);
  record.note += replaced ? "; owner's replace-brick to " + to : "; replace-brick FAILED";
  progress(note);
}

void ChaosRun::read_back(ChaosHistory& history) {
  auto read = [&](const std::string& where, const std::string& node, const std::string& path,
                  bool brick) {
    ReplicaRead r{where, brick, false, "", {}};
    auto done = run_in(lab_.state, node, {"cat", path}, 60s);
    r.read = done.succeeded();
    if (r.read) {
      r.seqs = parse_appended_file(done.out);
    } else {
      r.error = done.describe() + " " + done.err;
    }
    history.reads.push_back(r);
  };
  for (const auto& server : lab_.servers) {
    read("mount " + server, server, kVolumesDir + lab_.appender_volume + "/" + appended_file_,
         false);
  }
  read("mount " + lab_.arbiter + " (the appender's)", lab_.arbiter,
       appender_mount_ + "/" + appended_file_, false);
  auto status = quorum_status(lab_);
  if (status.is_object()) {
    for (const auto& v : status["volumes"]) {
      if (v.value("name", "") != lab_.appender_volume) continue;
      for (const auto& b : v["bricks"]) {
        if (b.value("role", "") != "data") continue;
        std::string id = b.value("brick", "");
        std::string path = id.substr(id.find(':') + 1);
        read("brick " + b.value("node", "?") + ":" + path, b.value("node", ""),
             path + "/" + appended_file_, true);
      }
    }
  }
  for (const auto& volume : lab_.volumes) history.volumes.push_back(volume_state(volume));
  (void)run_in(lab_.state, lab_.arbiter, {"umount", "-l", appender_mount_}, 30s);
}

Result<ChaosOutcome> ChaosRun::carry_out(std::vector<Fault> schedule) {
  ChaosOutcome outcome;
  outcome.schedule = schedule;
  outcome.record_dir = options_.record_dir;
  ChaosHistory& history = outcome.history;
  history.seed = options_.seed;
  for (const auto& s : lab_.services) history.services.push_back(s.name);
  start_ms_ = wall_ms();
  history.start_ms = start_ms_;
  if (auto s = start_recording(); !s) return s.error();
  progress("recording: a poller per service from " + lab_.client + ", the addresses on " +
           std::to_string(lab_.servers.size()) + " servers, an appender on " +
           lab_.appender_volume + " in " + lab_.arbiter + ", every hearthd's leader view");
  std::string why;
  if (!wait_settled(start_ms_, true, why)) {
    return Error{"the cluster did not settle before the first fault within " +
                 std::to_string(options_.settle_timeout.count()) + " s: " + why +
                 " (recorders' output: " + options_.record_dir + ")"};
  }
  progress("settled; the faults begin");
  for (const auto& fault : schedule) {
    FaultRecord record;
    record.fault = fault;
    record.injected_ms = wall_ms();
    if (auto s = inject(fault, record); !s) {
      (void)heal(fault, record);
      return Error{"fault " + std::to_string(fault.index) + " (" + to_string(fault.kind) + " " +
                   fault.target() + ") could not be injected: " + s.error().message};
    }
    progress("fault " + std::to_string(fault.index) + ": " + to_string(fault.kind) + " " +
             fault.target() + (record.note.empty() ? "" : " (" + record.note + ")") +
             (fault.hold.count() > 0 ? ", held " + seconds_text(fault.hold.count()) : ""));
    // The hold is the fault's length in the schedule, not a wait for an event.
    std::this_thread::sleep_for(fault.hold);
    if (fault.kind != FaultKind::kill_service) {
      if (auto s = heal(fault, record); !s) {
        return Error{"fault " + std::to_string(fault.index) +
                     " could not be healed: " + s.error().message};
      }
      record.healed_ms = wall_ms();
    }
    std::int64_t since = record.healed_ms != 0 ? record.healed_ms : record.injected_ms;
    if (fault.kind == FaultKind::disk_loss) {
      (void)wait_settled(since, false, why);
      recover_lost_disk(fault, record);
    }
    auto settled_at = wait_settled(since, true, why);
    record.settled_ms = settled_at.value_or(0);
    progress(settled_at ? "  settled " + seconds_text(*settled_at - since) + " after the heal"
                        : "  NOT settled within " +
                              std::to_string(options_.settle_timeout.count()) + " s: " + why);
    history.faults.push_back(record);
  }
  history.end_ms = wall_ms();
  stop_recording();
  {
    std::lock_guard lock(leaders_mutex_);
    history.leaders = leaders_;
  }
  write_leader_log(history.leaders, options_.record_dir + "/leaders.log");
  for (const auto& [server, holder] : holders_) {
    std::map<std::string, std::string> addresses;
    for (const auto& s : lab_.services) addresses[s.name] = s.address;
    auto samples = parse_holder_log(holder->read(), server, addresses);
    history.holders.insert(history.holders.end(), samples.begin(), samples.end());
  }
  for (const auto& [name, poller] : pollers_) {
    auto answers = parse_poller_log(poller->read(), name);
    history.answers.insert(history.answers.end(), answers.begin(), answers.end());
  }
  history.writes = parse_appender_log(appender_->read());
  read_back(history);
  history.notes = notes_;
  outcome.verdicts = check_chaos(history, options_.bounds);
  return outcome;
}

Result<ChaosLab> observe_lab(const Spec& spec) {
  ChaosLab lab;
  auto state = read_lab_state();
  if (!state) return state.error();
  lab.state = std::move(*state);
  for (const auto& node : lab.state.nodes) {
    if (node.role == "arbiter") {
      lab.arbiter = node.name;
    } else {
      lab.servers.push_back(node.name);
    }
  }
  if (lab.arbiter.empty() || lab.servers.size() < 2) {
    return Error{"chaos needs a lab of an arbiter and at least two servers"};
  }
  for (const auto& client : lab.state.clients) {
    if (lab.client.empty() || client.name == "home") lab.client = client.name;
  }
  if (lab.client.empty()) return Error{"chaos needs a client namespace (a network with DHCP)"};
  for (const auto& v : spec.volumes) lab.volumes.push_back(v.name);
  if (lab.volumes.empty()) return Error{"chaos needs a volume for its appender; the spec has none"};
  lab.appender_volume = lab.volumes.front();
  Json status;
  for (int tries = 0; tries < 30 && !status.is_object(); ++tries) {
    status = quorum_status(lab);
    if (!status.is_object()) std::this_thread::sleep_for(1s);
  }
  if (!status.is_object()) return Error{"no node of the lab answers with quorum (hearth status)"};
  for (const auto& s : spec.services) {
    ChaosLab::Service service{s.name, "", 0};
    for (const auto& port : s.ports) {
      if (port.protocol == Protocol::tcp && service.port == 0) service.port = port.number;
    }
    for (const auto& a : status["assignments"]) {
      if (a.value("service", "") == s.name && a["address"].is_string())
        service.address = a["address"];
    }
    for (const auto& mount : s.volumes) {
      lab.page_dirs.push_back(mount.volume + (mount.subdir.empty() ? "" : "/" + mount.subdir));
    }
    if (service.port == 0) continue;  // nothing to ask over HTTP
    if (service.address.empty()) {
      return Error{"service " + s.name + " has no address yet (hearth status): wait for it"};
    }
    lab.services.push_back(service);
  }
  return lab;
}

}  // namespace

Result<ChaosOutcome> lab_chaos(const Spec& spec, const ChaosOptions& options, std::ostream& out) {
  if (::geteuid() != 0) return Error{"hearth lab needs root (run it with sudo)"};
  auto lab = observe_lab(spec);
  if (!lab) return lab.error();
  ChaosTopology topology;
  for (const auto& node : lab->state.nodes) topology.nodes.push_back(node.name);
  for (const auto& s : lab->services) topology.services.push_back(s.name);
  topology.volumes = lab->volumes;
  auto schedule = make_schedule(topology, options.faults, options.seed);
  if (!schedule) return schedule.error();
  ChaosOptions resolved = options;
  if (resolved.record_dir.empty()) {
    resolved.record_dir =
        "/tmp/hearth-chaos-" + std::to_string(options.seed) + "-" + std::to_string(wall_ms());
  }
  if (auto s = make_dirs(resolved.record_dir, 0700); !s) return s.error();
  out << "chaos: " << options.faults << " faults, seed " << options.seed
      << " (replay: hearth lab chaos --faults " << options.faults << " --seed " << options.seed
      << "); recorders' output in " << resolved.record_dir << std::endl;
  ChaosRun run(std::move(*lab), resolved, out);
  return run.carry_out(std::move(*schedule));
}

}  // namespace hearth::lab
