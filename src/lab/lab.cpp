#include "lab/lab.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/process.h"
#include "lab/node_namespace.h"
#include "lab/system.h"
#include "lab/upstream_dns.h"

namespace hearth::lab {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string seconds_since(Clock::time_point start) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(1)
       << std::chrono::duration<double>(Clock::now() - start).count() << " s";
  return text.str();
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// The last `count` lines of a file, indented, for error messages.
std::string tail(const std::string& path, std::size_t count) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  std::string text;
  for (const auto& line : lines) text += "\n    " + line;
  return text;
}

// Serializes the lab's mutating commands: flock on /var/lib (nothing is left behind).
class LabLock {
 public:
  static Result<LabLock> acquire() {
    int fd = ::open("/var/lib", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Error{std::string("cannot open /var/lib to lock the lab: ") + std::strerror(errno)};
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return Error{"another `hearth lab` command (up, down, kill or revive) is running; wait for it to finish"};
    }
    return LabLock(fd);
  }
  LabLock(LabLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  LabLock& operator=(LabLock&&) = delete;
  LabLock(const LabLock&) = delete;
  LabLock& operator=(const LabLock&) = delete;
  ~LabLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  explicit LabLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

Status check_prerequisites() {
  if (::geteuid() != 0) {
    return Error{"hearth lab needs root: it creates namespaces, mounts and links (run it with sudo)"};
  }
  for (const char* program : {"ip", "nsenter", "unshare", "mount", "umount", "hostname", "sysctl", "etcd",
                              "curl", "busybox"}) {
    if (!find_program(program)) {
      return Error{std::string("hearth lab needs `") + program +
                   "`, which is not installed: run scripts/install-deps"};
    }
  }
  return ok_status();
}

// The PIDs of every process in a network namespace.
std::vector<pid_t> netns_pids(const std::string& netns) {
  std::vector<pid_t> pids;
  auto text = run_step_output({"ip", "netns", "pids", netns}, "cannot list the processes of " + netns);
  if (!text) return pids;
  std::istringstream in(*text);
  for (long pid; in >> pid;) {
    if (pid > 0 && pid != ::getpid()) pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

// Stops the nodes' daemons as their units would be stopped: in reverse start order, one kind at a
// time (every hearthd first, so each can still tell etcd it leaves; then etcd), one node at a
// time (etcd members stopped all at once each wait seconds trying to hand over leadership).
void stop_daemons_in_order(const LabState& state) {
  std::size_t kinds = 0;
  for (const auto& node : state.nodes) kinds = std::max(kinds, node_daemons(state, node).size());
  for (std::size_t k = kinds; k-- > 0;) {
    for (auto node = state.nodes.rbegin(); node != state.nodes.rend(); ++node) {
      auto daemons = node_daemons(state, *node);
      if (k < daemons.size()) (void)stop_daemon(daemons[k], StopMode::graceful, 5s);
    }
  }
}

// SIGTERM to every process of the lab's namespaces, up to 10 s, then SIGKILL.
Status stop_all_processes(const LabState& state, std::ostream& out) {
  stop_daemons_in_order(state);
  struct Victim {
    pid_t pid;
    std::uint64_t start_time;
  };
  auto collect = [&] {
    std::map<pid_t, Victim> victims;
    for (const auto& netns : state.namespaces) {
      if (!netns_exists(netns)) continue;
      for (pid_t pid : netns_pids(netns)) {
        if (auto info = inspect_process(pid); info && info->state != 'Z') {
          victims[pid] = {pid, info->start_time};
        }
      }
    }
    for (const auto& node : state.nodes) {  // also daemons whose namespace is already gone
      for (const auto& daemon : node_daemons(state, node)) {
        if (auto process = read_pid_file(daemon.pid_file);
            process && process_running(process->pid, process->start_time)) {
          victims[process->pid] = {process->pid, process->start_time};
        }
      }
    }
    return victims;
  };
  auto victims = collect();
  if (victims.empty()) return ok_status();
  out << "  stopping " << victims.size() << " process" << (victims.size() == 1 ? "" : "es") << '\n';
  // Gone means reaped, not only dead: a zombie still holds its PID (the daemons' parent is the
  // machine's init, which may reap a second later), and `down` promises that nothing it started
  // is left when it returns.
  auto reaped = [](const Victim& victim) {
    auto info = inspect_process(victim.pid);
    return !info || info->start_time != victim.start_time;
  };
  auto wait_gone = [&](std::chrono::milliseconds limit) {
    auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      bool any = false;
      for (const auto& [pid, victim] : victims) any = any || !reaped(victim);
      if (!any) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  };
  for (const auto& [pid, victim] : victims) {
    if (process_running(pid, victim.start_time)) ::kill(pid, SIGTERM);
  }
  if (!wait_gone(10s)) {
    for (const auto& [pid, victim] : victims) {
      if (process_running(pid, victim.start_time)) ::kill(pid, SIGKILL);
    }
    if (!wait_gone(10s)) {
      std::string left;
      for (const auto& [pid, victim] : victims) {
        if (!reaped(victim)) left += " " + std::to_string(pid);
      }
      return Error{"some processes of the lab have not exited after SIGKILL (stuck in the kernel, or not "
                   "reaped by init):" + left};
    }
  }
  // Anything started meanwhile (e.g. a `lab exec` racing with us) goes too.
  for (const auto& [pid, victim] : collect()) ::kill(pid, SIGKILL);
  out << "  every process of the lab has exited\n";
  return ok_status();
}

// Removes everything of `state`; tolerates every missing piece.
Status down_locked(const LabState& state, std::ostream& out) {
  if (auto s = stop_all_processes(state, out); !s) return s;
  for (const auto& node : state.nodes) {
    if (auto s = release_node(node); !s) return s;
  }
  if (!state.ns_dir.empty()) {
    if (auto s = release_ns_dir(state); !s) return s;
  }
  if (auto s = delete_network(state); !s) return s;
  return remove_tree(kLabRoot);
}

std::vector<LinkStatus> links_of(const std::vector<LinkStatus>& all, const std::string& owner) {
  std::vector<LinkStatus> result;
  for (const auto& status : all) {
    if (status.link->owner == owner) result.push_back(status);
  }
  return result;
}

// A daemon that died while we wait is an error at once, with the end of its log.
Status check_daemons_alive(const LabState& state) {
  for (const auto& node : state.nodes) {
    auto daemons = node_daemons(state, node);
    auto statuses = daemon_status(state, node);
    for (std::size_t i = 0; i < daemons.size(); ++i) {
      if (!statuses[i].running) {
        return Error{daemons[i].name + " on node " + node.name + " exited; the end of " + daemons[i].log_file +
                     ":" + tail(daemons[i].log_file, 8)};
      }
    }
  }
  return ok_status();
}

bool etcd_healthy(const LabNode& node) {
  auto argv = netns_command_prefix(node.netns);
  argv.insert(argv.end(), {"curl", "-s", "-m", "1", "http://127.0.0.1:2379/health"});
  auto done = run({.argv = argv, .timeout = 3s});
  return done && done->succeeded() && done->out.find("\"health\":\"true\"") != std::string::npos;
}

// Waits until every node's etcd says it is healthy (it has a leader). Fails early when a daemon dies.
Status wait_for_etcd(const LabState& state, std::chrono::seconds timeout, std::ostream& out) {
  auto start = Clock::now();
  std::set<std::string> healthy;
  while (healthy.size() < state.nodes.size()) {
    if (auto s = check_daemons_alive(state); !s) return s;
    for (const auto& node : state.nodes) {
      if (healthy.count(node.name)) continue;
      if (etcd_healthy(node)) {
        healthy.insert(node.name);
        out << "  etcd healthy on " << node.name << " (" << seconds_since(start) << ")\n";
      }
    }
    if (healthy.size() == state.nodes.size()) break;
    if (Clock::now() - start > timeout) {
      std::string missing;
      for (const auto& node : state.nodes) {
        if (!healthy.count(node.name)) {
          missing += "\n  " + node.name + ", the end of " + node.log_dir + "/etcd.log:" +
                     tail(node.log_dir + "/etcd.log", 8);
        }
      }
      return Error{"etcd did not become healthy within " + std::to_string(timeout.count()) + " s on:" + missing};
    }
    std::this_thread::sleep_for(200ms);
  }
  return ok_status();
}

// What one node's hearthd says about the cluster (`hearth status --json --node NODE`, which
// reaches the node's API from inside its namespace); null when it does not answer.
nlohmann::json cluster_status_from(const LabState& state, const LabNode& node) {
  auto done = run({.argv = {state.hearth_binary, "status", "--json", "--node", node.name}, .timeout = 5s});
  if (!done) return nullptr;
  return nlohmann::json::parse(done->out, nullptr, false);
}

// Healthy: quorum, a leader, every node alive, and this node holding its lease.
bool cluster_healthy(const nlohmann::json& status, std::size_t nodes, std::string& summary) {
  if (!status.is_object() || !status.contains("quorum")) {
    summary = "no answer";
    return false;
  }
  std::size_t alive = 0;
  if (status["nodes"].is_array()) {
    for (const auto& node : status["nodes"]) alive += node.value("state", "") == "alive" ? 1 : 0;
  }
  bool quorum = status["quorum"].value("ok", false);
  bool leader = status["leader"].is_object();
  bool lease = status["this_node"].is_object() && status["this_node"].value("lease_held", false);
  summary = std::string(quorum ? "quorum" : "no quorum") + " " + std::to_string(status["quorum"].value("members_up", 0)) +
            "/" + std::to_string(status["quorum"].value("members", 0)) + ", leader " +
            (leader ? status["leader"].value("node", "?") : "none") + ", " + std::to_string(alive) + "/" +
            std::to_string(nodes) + " nodes alive";
  return quorum && leader && lease && alive == nodes;
}

// Waits until every node's hearthd reports a healthy cluster.
Status wait_for_cluster(const LabState& state, std::chrono::seconds timeout, std::ostream& out) {
  auto start = Clock::now();
  std::set<std::string> healthy;
  std::map<std::string, std::string> last;
  while (healthy.size() < state.nodes.size()) {
    if (auto s = check_daemons_alive(state); !s) return s;
    for (const auto& node : state.nodes) {
      if (healthy.count(node.name)) continue;
      if (cluster_healthy(cluster_status_from(state, node), state.nodes.size(), last[node.name])) {
        healthy.insert(node.name);
        out << "  hearthd on " << node.name << ": " << last[node.name] << " (" << seconds_since(start) << ")\n";
      }
    }
    if (healthy.size() == state.nodes.size()) break;
    if (Clock::now() - start > timeout) {
      std::string missing;
      for (const auto& node : state.nodes) {
        if (healthy.count(node.name)) continue;
        missing += "\n  " + node.name + " says: " + last[node.name] + "; the end of " + node.log_dir +
                   "/hearthd.log:" + tail(node.log_dir + "/hearthd.log", 8);
      }
      return Error{"the cluster did not become healthy within " + std::to_string(timeout.count()) + " s:" + missing};
    }
    std::this_thread::sleep_for(250ms);
  }
  return ok_status();
}

// `hearth apply -f SPEC` from here, as a user would (the CLI reaches the lab's nodes itself).
Status apply_spec(const LabState& state, std::ostream& out) {
  auto done = run({.argv = {state.hearth_binary, "apply", "-f", state.spec_path}, .err = Output::merge, .timeout = 60s});
  if (!done) return Error{"cannot apply the spec: " + done.error().message};
  std::istringstream lines(done->out);
  for (std::string line; std::getline(lines, line);) out << "  " << line << '\n';
  if (!done->succeeded()) return Error{"`hearth apply -f " + state.spec_path + "` " + done->describe()};
  return ok_status();
}

void print_summary(const LabState& state, std::ostream& out) {
  out << "\nnodes (run a command on one: hearth lab exec NODE -- CMD...)\n";
  std::size_t width = 6;
  for (const auto& node : state.nodes) width = std::max(width, node.name.size() + 2);
  for (const auto& client : state.clients) width = std::max(width, client.name.size() + 2);
  for (const auto& node : state.nodes) {
    out << "  " << std::left << std::setw(static_cast<int>(width)) << node.name << std::setw(9) << node.role;
    std::string addresses;
    for (const LabLink* link : state.links_of(node.name)) {
      addresses += (addresses.empty() ? "" : ", ") + link->address.str() + " (" + link->network + ")";
    }
    out << addresses << '\n';
  }
  if (!state.clients.empty()) {
    out << "clients (one per network with DHCP: hearth lab exec CLIENT -- CMD...)\n";
    for (const auto& client : state.clients) {
      out << "  " << std::left << std::setw(static_cast<int>(width)) << client.name;
      for (const LabLink* link : state.links_of(client.name)) out << link->address.str();
      out << '\n';
    }
  }
  const LabNode& first = state.nodes.front();
  out << "\ntry:\n"
      << "  hearth status                      (the cluster, as a node's hearthd sees it)\n"
      << "  hearth lab exec " << first.name << " -- ip addr\n"
      << "  hearth lab status\n"
      << "  hearth lab kill " << first.name << " --power   (then: hearth lab revive " << first.name << ")\n"
      << "  hearth lab down\n"
      << "logs: " << kLabRoot << "/nodes/NODE/log/\n";
}

}  // namespace

Status lab_up(const Spec& spec, const UpOptions& options, std::ostream& out) {
  if (auto s = check_prerequisites(); !s) return s;
  auto planned = plan_lab(spec, options.spec_path, options.programs);
  if (!planned) return planned.error();
  for (const auto& program : {options.programs.hearth, options.programs.hearthd}) {
    if (!program.empty() && !find_program(program)) {
      return Error{"cannot run " + program + ": it does not exist or is not executable (build it first)"};
    }
  }
  auto lock = LabLock::acquire();
  if (!lock) return lock.error();
  auto start = Clock::now();

  if (exists(kLabStateFile)) {
    LabReport report;
    if (auto s = lab_report(report); !s) return s;
    if (report.state.spec_path != options.spec_path) {
      return Error{"a lab of " + report.state.spec_path +
                   " is up; remove it first with `hearth lab down` to build one of " + options.spec_path};
    }
    if (lab_complete(report)) {
      out << "the lab of " << options.spec_path << " is already up\n";
      for (const auto& node : report.nodes) {
        bool cut = false;
        for (const auto& link : node.links) cut = cut || !link.switch_up;
        std::string stopped;
        for (const auto& daemon : node.daemons) {
          if (!daemon.running) stopped += (stopped.empty() ? "" : ", ") + daemon.name;
        }
        if (cut || !stopped.empty()) {
          out << "  node " << node.node->name << ":" << (cut ? " links cut;" : "")
              << (stopped.empty() ? "" : " not running: " + stopped + ";") << " bring it back with `hearth lab revive "
              << node.node->name << "`\n";
        }
      }
      return ok_status();
    }
    out << "found a half-made lab (an interrupted or failed `hearth lab up`): removing it first\n";
    if (auto s = down_locked(report.state, out); !s) return s;
  } else if (exists(kLabRoot)) {
    // A crash between creating kLabRoot and recording the lab: nothing else was made.
    if (auto s = remove_tree(kLabRoot); !s) return s;
  }
  for (const auto& netns : planned->namespaces) {
    if (netns_exists(netns)) {
      return Error{"network namespace " + netns + " exists but belongs to no recorded lab; remove it "
                   "(ip netns delete " + netns + ") if it is a leftover, or rename what clashes with it"};
    }
  }

  LabState state = std::move(*planned);
  out << "building the lab of " << state.spec_path << ": " << state.nodes.size() << " nodes, "
      << state.clients.size() << " clients, " << state.bridges.size() << " networks\n";
  if (auto s = make_dirs(kLabRoot, 0755); !s) return s;
  if (auto s = write_lab_state(state); !s) return s;
  auto fail = [&](const Error& error) {
    return Error{error.message + "\nThe lab is half made; its logs are in " + std::string(kLabRoot) +
                 "/nodes/*/log/. `hearth lab down` removes it; `hearth lab up` rebuilds it."};
  };

  auto step = Clock::now();
  if (auto s = build_images(state); !s) return fail(s.error());
  if (auto s = build_ns_dir(state); !s) return fail(s.error());
  for (const auto& node : state.nodes) {
    if (auto s = build_node(state, node); !s) return fail(s.error());
  }
  out << "  node namespaces and mounts (" << seconds_since(step) << ")\n";
  step = Clock::now();
  if (auto s = build_network(state); !s) return fail(s.error());
  out << "  network: " << state.namespaces.size() << " namespaces, " << state.links.size() << " links ("
      << seconds_since(step) << ")\n";
  // The spec's DNS upstreams are answered inside the lab, by the router (lab/upstream_dns.h).
  auto upstream = plan_lab_upstream_dns(spec, std::string(kLabRoot) + "/router");
  if (auto s = start_lab_upstream_dns(state, upstream, out); !s) return fail(s.error());

  step = Clock::now();
  for (const auto& node : state.nodes) {
    for (const auto& daemon : node_daemons(state, node)) {
      if (auto s = start_daemon_in_node(node, daemon); !s) return fail(s.error());
    }
  }
  out << "  daemons started; waiting for the cluster to become healthy\n";
  if (auto s = wait_for_etcd(state, options.timeout, out); !s) return fail(s.error());
  if (auto s = wait_for_cluster(state, options.timeout, out); !s) return fail(s.error());
  out << "applying the spec\n";
  if (auto s = apply_spec(state, out); !s) return fail(s.error());
  out << "the lab is up (" << seconds_since(start) << ")\n";
  print_summary(state, out);
  return ok_status();
}

Status lab_down(std::ostream& out) {
  if (::geteuid() != 0) return Error{"hearth lab needs root (run it with sudo)"};
  auto lock = LabLock::acquire();
  if (!lock) return lock.error();
  if (!exists(kLabStateFile)) {
    if (!exists(kLabRoot)) {
      out << "no lab\n";
      return ok_status();
    }
    out << "removing " << kLabRoot << " (no lab was recorded in it)\n";
    return remove_tree(kLabRoot);
  }
  auto state = read_lab_state();
  if (!state) return state.error();
  auto start = Clock::now();
  out << "removing the lab of " << state->spec_path << '\n';
  if (auto s = down_locked(*state, out); !s) return s;
  out << "the lab is down (" << seconds_since(start) << ")\n";
  return ok_status();
}

Status lab_report(LabReport& report) {
  auto state = read_lab_state();
  if (!state) return state.error();
  report.state = std::move(*state);
  const LabState& lab = report.state;
  auto mounts = host_mount_points();
  auto links = link_status(lab);
  report.switch_exists = netns_exists(lab.switch_netns);
  report.router_exists = netns_exists(lab.router_netns);
  for (const auto& node : lab.nodes) {
    NodeReport entry;
    entry.node = &node;
    entry.namespaces = netns_exists(node.netns) && node_namespaces_exist(node, mounts);
    entry.daemons = daemon_status(lab, node);
    entry.links = links_of(links, node.name);
    report.nodes.push_back(std::move(entry));
  }
  for (const auto& client : lab.clients) {
    ClientReport entry;
    entry.client = &client;
    entry.namespace_exists = netns_exists(client.netns);
    entry.links = links_of(links, client.name);
    report.clients.push_back(std::move(entry));
  }
  return ok_status();
}

bool lab_complete(const LabReport& report) {
  if (!report.switch_exists || !report.router_exists) return false;
  if (!netns_exists(report.state.router_netns)) return false;
  for (const auto& node : report.nodes) {
    if (!node.namespaces) return false;
  }
  for (const auto& client : report.clients) {
    if (!client.namespace_exists) return false;
  }
  for (const auto& status : link_status(report.state)) {
    if (!status.exists) return false;
  }
  return true;
}

nlohmann::ordered_json report_to_json(const LabReport& report) {
  using Json = nlohmann::ordered_json;
  auto links_json = [](const std::vector<LinkStatus>& links) {
    Json result = Json::array();
    for (const auto& status : links) {
      result.push_back(Json{{"network", status.link->network},
                            {"interface", status.link->interface},
                            {"address", status.link->address.str() + "/" + std::to_string(status.link->prefix_length)},
                            {"exists", status.exists},
                            {"up", status.exists && status.switch_up}});
    }
    return result;
  };
  Json nodes = Json::array();
  for (const auto& node : report.nodes) {
    Json daemons = Json::array();
    for (const auto& daemon : node.daemons) {
      daemons.push_back(Json{{"name", daemon.name}, {"pid", daemon.pid}, {"running", daemon.running}});
    }
    nodes.push_back(Json{{"name", node.node->name},
                         {"role", node.node->role},
                         {"address", node.node->address.str()},
                         {"netns", node.node->netns},
                         {"namespaces", node.namespaces},
                         {"daemons", daemons},
                         {"links", links_json(node.links)}});
  }
  Json clients = Json::array();
  for (const auto& client : report.clients) {
    clients.push_back(Json{{"name", client.client->name},
                           {"netns", client.client->netns},
                           {"namespace", client.namespace_exists},
                           {"links", links_json(client.links)}});
  }
  return Json{{"spec", report.state.spec_path},
              {"complete", lab_complete(report)},
              {"switch", report.switch_exists},
              {"router", report.router_exists},
              {"nodes", nodes},
              {"clients", clients}};
}

Status lab_kill(const std::string& name, KillMode mode, const std::string& daemon, std::ostream& out) {
  if (::geteuid() != 0) return Error{"hearth lab needs root (run it with sudo)"};
  auto lock = LabLock::acquire();
  if (!lock) return lock.error();
  auto state = read_lab_state();
  if (!state) return state.error();
  const LabNode* node = state->find_node(name);
  if (!node) {
    std::string names;
    for (const auto& n : state->nodes) names += (names.empty() ? "" : ", ") + n.name;
    return Error{"the lab has no node " + name + " (its nodes: " + names + ")"};
  }
  if (mode == KillMode::power) {
    if (auto s = set_links(*state, name, false); !s) return s;
    out << "cut every link of " << name << ": its peers hear nothing from it (its processes keep running)\n";
    return ok_status();
  }
  if (auto s = stop_daemons(*state, *node, StopMode::crash, daemon); !s) return s;
  out << "killed " << (daemon.empty() ? "the daemons" : daemon) << " of " << name << " (SIGKILL)\n";
  return ok_status();
}

Status lab_revive(const std::string& name, std::ostream& out) {
  if (::geteuid() != 0) return Error{"hearth lab needs root (run it with sudo)"};
  auto lock = LabLock::acquire();
  if (!lock) return lock.error();
  auto state = read_lab_state();
  if (!state) return state.error();
  const LabNode* node = state->find_node(name);
  if (!node) return Error{"the lab has no node " + name};
  if (auto s = set_links(*state, name, true); !s) return s;
  std::vector<std::string> started;
  if (auto s = start_missing_daemons(*state, *node, &started); !s) return s;
  out << "restored the links of " << name;
  if (!started.empty()) {
    out << "; started";
    for (const auto& daemon : started) out << ' ' << daemon;
  }
  out << '\n';
  return ok_status();
}

Result<std::vector<std::string>> lab_command_prefix(const LabState& state, const std::string& name) {
  if (const LabNode* node = state.find_node(name)) return node_command_prefix(*node);
  if (const LabClient* client = state.find_client(name)) return netns_command_prefix(client->netns);
  std::string names;
  for (const auto& node : state.nodes) names += (names.empty() ? "" : ", ") + node.name;
  for (const auto& client : state.clients) names += ", " + client.name;
  return Error{"the lab has no node or client " + name + " (it has: " + names + ")"};
}

Result<int> lab_exec(const std::string& name, const std::vector<std::string>& argv) {
  if (::geteuid() != 0) return Error{"hearth lab needs root (run it with sudo)"};
  if (argv.empty()) return Error{"nothing to run: give a command after --"};
  auto state = read_lab_state();
  if (!state) return state.error();
  auto prefix = lab_command_prefix(*state, name);
  if (!prefix) return prefix.error();
  std::vector<std::string> command = *prefix;
  command.insert(command.end(), argv.begin(), argv.end());
  // Like system(): the terminal's Ctrl-C goes to the command, which decides; we report its end.
  struct sigaction ignore {}, old_int {}, old_quit {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  auto done = run({.argv = command, .input = Input::inherit, .out = Output::inherit, .err = Output::inherit});
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (!done) return done.error();
  return done->exit_code;
}

}  // namespace hearth::lab
