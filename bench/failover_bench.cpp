// Service failover in the lab: power-cut drills. Brings the lab up with `hearth lab up`, writes a
// token into the service's volume directory on both servers, and starts a client in the `home`
// namespace that asks the service for it every 50 ms (curl, 400 ms timeout; a request does not
// wait for the one before) and logs each answer
// with its wall-clock time. Then, drill after drill: cut the power of the node the service is
// assigned to (`hearth lab kill NODE --power`: its links go down, its peers hear nothing), and
// measure from the moment before the cut until the first good answer (the token) at the same
// address; revive the node and wait until the cluster is healthy and the service is settled again
// (a service that prefers the revived node moves back to it through a handover after 10 s).
// Prints each drill (victim, whether it was etcd's raft leader / hearth's leader, the time, and
// the longest silence seen by the client), then where each drill's time went: the step times from
// the cut as the nodes' hearthd logs record them (the leader's "failed over" assignment, the new
// server's "ready at ... (step +ms, ...)" line: seen, rootfs, network, firewall, container,
// listening, address up + gratuitous ARP), and the median and max. Always takes the lab down.
// Run it with bench/failover (needs root; takes the lab lock).
//
//   failover_bench --hearth BUILD/hearth --spec examples/homelab.yaml [--drills N]
//                  [--service homepage] [--port 80]
//                  [--volume-dir /var/lib/hearth/volumes/appdata/homepage]   (on the servers;
//                  a directory right inside the volume's mount)

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/process.h"
#include "lab/lab_state.h"
#include "lab_driver.h"

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

using hearth::bench::hearth_path;
using hearth::bench::hearth_run;

long long wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Json status_of(const std::string& node) {
  auto done = hearth_run({"status", "--json", "--node", node}, 10s);
  auto status = Json::parse(done.out, nullptr, false);
  return status.is_object() && status.contains("quorum") ? status : Json();
}

// The first node (other than `except`) whose hearthd answers with quorum.
Json cluster_status(const std::vector<std::string>& nodes, const std::string& except = "") {
  for (const auto& node : nodes) {
    if (node == except) continue;
    Json status = status_of(node);
    if (status.is_object() && status["quorum"].value("ok", false)) return status;
  }
  return Json();
}

const Json* assignment_of(const Json& status, const std::string& service) {
  if (!status.is_object() || !status["assignments"].is_array()) return nullptr;
  for (const auto& a : status["assignments"]) {
    if (a.value("service", "") == service) return &a;
  }
  return nullptr;
}

bool all_alive(const Json& status) {
  if (!status.is_object() || !status["nodes"].is_array()) return false;
  for (const auto& n : status["nodes"]) {
    if (n.value("state", "") != "alive") return false;
  }
  return status["leader"].is_object();
}

std::string etcd_leader(const Json& status) {
  if (!status.is_object() || !status["members"].is_array()) return "";
  for (const auto& m : status["members"]) {
    if (m.value("etcd_leader", false)) return m.value("name", "");
  }
  return "";
}

std::string hearth_leader(const Json& status) {
  return status.is_object() && status["leader"].is_object() ? status["leader"].value("node", "")
                                                            : "";
}

// One line per request of the client: "<wall ms at its start> <at its end> <curl exit code>
// <body>". A good answer is the token, for a request started after the moment asked about (an
// answer to a request sent before the cut proves nothing).
struct Probe {
  long long started = 0;
  long long at = 0;
  bool good = false;
};

std::vector<Probe> read_probes(const std::string& file, const std::string& token) {
  std::vector<Probe> probes;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    Probe p;
    int code = -1;
    std::string body;
    if (!(fields >> p.started >> p.at >> code)) continue;
    std::getline(fields, body);
    p.good = code == 0 && body.find(token) != std::string::npos;
    probes.push_back(p);
  }
  return probes;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string seconds_text(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", ms / 1000);
  return text;
}

using hearth::bench::print_table;

using hearth::bench::LabGuard;

// The wall time of a hearthd log line ("2026-12-02T04:58:32.296Z INFO  hearthd: ..."), in ms.
std::optional<long long> log_time_ms(const std::string& line) {
  std::tm parts{};
  int millis = 0;
  if (std::sscanf(line.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &millis) != 7) {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return static_cast<long long>(::timegm(&parts)) * 1000 + millis;
}

// The first line of a node's hearthd log at or after `after` (wall ms) that contains `text`.
struct LogEvent {
  long long at = 0;
  std::string line;
};
std::optional<LogEvent> first_log_event(const std::string& node, long long after,
                                        const std::string& text) {
  std::ifstream in(std::string(hearth::lab::kLabRoot) + "/nodes/" + node + "/log/hearthd.log");
  for (std::string line; std::getline(in, line);) {
    auto at = log_time_ms(line);
    if (at && *at >= after && line.find(text) != std::string::npos) return LogEvent{*at, line};
  }
  return std::nullopt;
}

// Where a failover's time goes, each step in ms from the cut (negative: not seen).
struct Phases {
  double assigned = -1;    // the leader saw the lease gone and wrote the new assignment
  double dead_shown = -1;  // the leader's node table says the victim is dead
  std::vector<std::pair<std::string, double>> start;  // the new server's start steps
};

// Reads the steps of the move of `service` off `victim` from the nodes' hearthd logs: the
// leader's "failed over" line and the new server's "ready at ... (step +ms, ...)" line.
Phases read_phases(const std::vector<std::string>& nodes, const std::string& victim,
                   const std::string& service, const std::string& new_node, long long cut) {
  Phases phases;
  for (const auto& node : nodes) {
    if (node == victim) continue;
    if (auto e = first_log_event(node, cut, "service " + service + " failed over -> ")) {
      phases.assigned = static_cast<double>(e->at - cut);
    }
    if (auto e = first_log_event(node, cut, "node " + victim + " is dead")) {
      phases.dead_shown = static_cast<double>(e->at - cut);
    }
  }
  auto ready = first_log_event(new_node, cut, "service " + service + ": ready at ");
  if (!ready) return phases;
  // "... ready at 10.1.2.130 after 153 ms (stopped +0, rootfs +20, ..., address up +153)"
  const std::string& line = ready->line;
  auto after = line.find(" after ");
  auto open = line.find('(', after);
  auto close = line.rfind(')');
  if (after == std::string::npos || open == std::string::npos || close == std::string::npos) {
    return phases;
  }
  long long total = std::atoll(line.c_str() + after + 7);
  long long begun = ready->at - total;
  phases.start.emplace_back("seen", static_cast<double>(begun - cut));
  std::istringstream steps(line.substr(open + 1, close - open - 1));
  for (std::string step; std::getline(steps, step, ',');) {
    auto plus = step.rfind(" +");
    if (plus == std::string::npos) continue;
    std::string name = step.substr(step.find_first_not_of(' '), plus - step.find_first_not_of(' '));
    phases.start.emplace_back(
        name, static_cast<double>(begun + std::atoll(step.c_str() + plus + 2) - cut));
  }
  return phases;
}

struct Drill {
  std::string victim;
  bool etcd_leader = false;
  bool hearth_leader = false;
  std::string new_node;
  double answer_ms = 0;   // cut -> first good answer
  double silence_ms = 0;  // the longest time between two good answers around the cut
  Phases phases;
};

}  // namespace

int run_bench(int argc, char** argv);

int main(int argc, char** argv) {
  // Unwind on any exception, so the lab guard takes the lab down.
  try {
    return run_bench(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "\nfailover_bench: " << e.what() << '\n';
    return 1;
  }
}

int run_bench(int argc, char** argv) {
  std::string spec, service = "homepage", port = "80", volume_dir;
  int drills = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--hearth") {
      hearth_path = argv[i + 1];
    } else if (flag == "--spec") {
      spec = argv[i + 1];
    } else if (flag == "--drills") {
      drills = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--service") {
      service = argv[i + 1];
    } else if (flag == "--port") {
      port = argv[i + 1];
    } else if (flag == "--volume-dir") {
      volume_dir = argv[i + 1];
    }
  }
  if (hearth_path.empty() || spec.empty()) {
    std::cerr << "usage: failover_bench --hearth PATH --spec SPEC [--drills N] [--service S] "
                 "[--port P] [--volume-dir DIR]\n";
    return 2;
  }
  if (::geteuid() != 0) {
    std::cerr << "failover_bench: the lab needs root\n";
    return 2;
  }
  if (hearth_run({"lab", "status"}).succeeded()) {
    std::cerr << "failover_bench: a lab is already up; take it down first (hearth lab down)\n";
    return 1;
  }

  std::cout << "bringing the lab up (" << spec << ")\n";
  auto up = hearth_run({"lab", "up", "-f", spec});
  LabGuard guard;
  if (!up.succeeded()) {
    std::cerr << "hearth lab up failed:\n" << up.out << up.err;
    return 1;
  }
  auto lab = Json::parse(hearth_run({"lab", "status", "--json"}).out, nullptr, false);
  std::vector<std::string> nodes, servers;
  for (const auto& node : lab["nodes"]) {
    nodes.push_back(node["name"]);
    if (node["role"] == "server") servers.push_back(node["name"]);
  }

  // Where the service is and what it serves: its address and its volume directory (the spec's
  // `volumes: ["appdata/homepage:/data"]` serves <data-dir>/volumes/appdata/homepage).
  auto wait_settled = [&](std::chrono::seconds limit) -> Json {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      Json status = cluster_status(nodes);
      const Json* a = assignment_of(status, service);
      if (all_alive(status) && a != nullptr && a->value("state", "") == "active") return status;
      std::this_thread::sleep_for(200ms);
    }
    return Json();
  };
  Json status = wait_settled(60s);
  const Json* assigned = assignment_of(status, service);
  if (assigned == nullptr) {
    std::cerr << "the service " << service << " was never assigned (is it in the spec?)\n";
    return 1;
  }
  std::string address = (*assigned)["address"];
  if (volume_dir.empty()) volume_dir = "/var/lib/hearth/volumes/appdata/" + service;
  std::mt19937_64 random(static_cast<unsigned long long>(wall_ms()));
  std::string token = "failover-bench-" + std::to_string(random() % 1000000000);
  // The token goes into the volume itself: wait until its mount (the directory above) is there on
  // every server (hearthd mounts it ~12 s after lab up; the service starts only on the mount).
  std::string mount = volume_dir.substr(0, volume_dir.rfind('/'));
  for (const auto& server : servers) {
    auto until = std::chrono::steady_clock::now() + 180s;
    while (!hearth_run({"lab", "exec", server, "--", "mountpoint", "-q", mount}).succeeded()) {
      if (std::chrono::steady_clock::now() > until) {
        std::cerr << mount << " was never mounted on " << server << '\n';
        return 1;
      }
      std::this_thread::sleep_for(500ms);
    }
  }
  for (const auto& server : servers) {
    auto made = hearth_run(
        {"lab", "exec", server, "--", "sh", "-c",
         "mkdir -p " + volume_dir + " && echo " + token + " > " + volume_dir + "/index.html"});
    if (!made.succeeded()) {
      std::cerr << "cannot write the token on " << server << ": " << made.err << '\n';
      return 1;
    }
  }
  std::string url = "http://" + address + ":" + port + "/index.html";
  std::string log = "/tmp/hearth-failover-bench-" + std::to_string(::getpid()) + ".log";
  // A request starts every 50 ms without waiting for the one before: one sent while the address
  // is nowhere waits out its 400 ms timeout, and must not hide the answer of the next one.
  std::string loop = "while :; do ( s=$(date +%s%3N); out=$(curl -s -m 0.4 " + url +
                     " 2>/dev/null); rc=$?; echo \"$s $(date +%s%3N) $rc $out\" ) & sleep 0.05; done";
  auto client =
      hearth::Child::start({.argv = {hearth_path, "lab", "exec", "home", "--", "sh", "-c", loop},
                            .out = hearth::Output::file,
                            .err = hearth::Output::discard,
                            .output_file = log,
                            .own_process_group = true});
  if (!client) {
    std::cerr << "cannot start the client: " << client.error().message << '\n';
    return 1;
  }
  auto answering = [&](long long after) {
    for (const auto& p : read_probes(log, token)) {
      if (p.started > after && p.good) return true;
    }
    return false;
  };
  auto since_start = wall_ms();
  while (!answering(since_start)) {
    if (wall_ms() - since_start > 60000) {
      std::cerr << "the service never answered " << url << " from home with the token\n";
      return 1;
    }
    std::this_thread::sleep_for(200ms);
  }
  std::cout << service << " answers at " << url << " from home; " << drills
            << " power-cut drills\n";

  std::vector<Drill> results;
  for (int attempt = 0; static_cast<int>(results.size()) < drills; ++attempt) {
    if (attempt >= 3 * drills) {
      std::cerr << "the service did not settle between drills\n";
      return 1;
    }
    int i = static_cast<int>(results.size());
    status = wait_settled(90s);
    const Json* a = assignment_of(status, service);
    if (a == nullptr || !(*a)["node"].is_string()) {
      std::cerr << "the cluster did not settle before drill " << i + 1 << '\n';
      return 1;
    }
    // A settled service: answering for a second, no handover pending.
    long long ready = wall_ms();
    std::this_thread::sleep_for(1s);
    if (!answering(ready)) {
      std::this_thread::sleep_for(3s);
      continue;  // re-check settling
    }
    Drill drill;
    drill.victim = (*a)["node"];
    drill.etcd_leader = etcd_leader(status) == drill.victim;
    drill.hearth_leader = hearth_leader(status) == drill.victim;
    std::cout << "drill " << i + 1 << "/" << drills << ": cutting " << drill.victim
              << (drill.etcd_leader ? " (etcd leader)" : "")
              << (drill.hearth_leader ? " (hearth leader)" : "") << std::flush;
    // The time counts from just before `hearth lab kill` (conservative); the answers that count
    // are those to requests sent once it returned (the links are down by then: a request sent
    // while it runs may still reach the victim).
    long long cut = wall_ms();
    if (!hearth_run({"lab", "kill", drill.victim, "--power"}).succeeded()) {
      std::cerr << "\nhearth lab kill failed\n";
      return 1;
    }
    long long links_down = wall_ms();
    while (!answering(links_down) && wall_ms() - cut < 60000) std::this_thread::sleep_for(50ms);
    auto probes = read_probes(log, token);
    std::optional<long long> first_good, last_good_before;
    // Requests overlap (one starts every 50 ms), so their lines are not in order.
    for (const auto& p : probes) {
      if (p.good && p.started <= cut && (!last_good_before || p.at > *last_good_before)) {
        last_good_before = p.at;
      }
      if (p.good && p.started > links_down && (!first_good || p.at < *first_good)) {
        first_good = p.at;
      }
    }
    if (!first_good) {
      std::cerr << "\nno good answer within 60 s of the cut\n";
      return 1;
    }
    drill.answer_ms = static_cast<double>(*first_good - cut);
    drill.silence_ms =
        static_cast<double>(*first_good - (last_good_before ? *last_good_before : cut));
    // Where the cluster says it runs now (it answered, so it has moved: wait for the status).
    drill.new_node = "?";
    for (long long until = wall_ms() + 10000; wall_ms() < until;) {
      Json now = cluster_status(nodes, drill.victim);
      const Json* moved = assignment_of(now, service);
      if (moved && (*moved)["node"].is_string() && (*moved)["node"] != drill.victim) {
        drill.new_node = (*moved)["node"];
        break;
      }
      std::this_thread::sleep_for(200ms);
    }
    std::cout << ": answered from " << drill.new_node << " after " << seconds_text(drill.answer_ms)
              << '\n';
    drill.phases = read_phases(nodes, drill.victim, service, drill.new_node, cut);
    results.push_back(drill);
    hearth_run({"lab", "revive", drill.victim});
    // Let the revived node rejoin and (for a preferred node) get its service back.
    std::this_thread::sleep_for(15s);
  }
  client->stop(1s);

  std::cout << "\npower cuts of the node running " << service << " (links down); time from the "
            << "cut to the first good answer at " << address << " from the home client\n";
  std::vector<std::vector<std::string>> table = {{"drill", "cut", "etcd leader", "hearth leader",
                                                  "then on", "first good answer",
                                                  "client silence"}};
  std::vector<double> times;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const Drill& d = results[i];
    times.push_back(d.answer_ms);
    table.push_back({std::to_string(i + 1), d.victim, d.etcd_leader ? "yes" : "no",
                     d.hearth_leader ? "yes" : "no", d.new_node, seconds_text(d.answer_ms),
                     seconds_text(d.silence_ms)});
  }
  print_table(table);

  // Where the seconds go: each step's time from the cut, as the nodes' hearthd logs record it.
  std::cout << "\nsteps of each drill, time from the cut (hearthd logs: the leader's assignment, "
               "the new server's start)\n";
  std::vector<std::string> step_names;
  for (const auto& d : results) {
    for (const auto& [name, at] : d.phases.start) {
      if (std::find(step_names.begin(), step_names.end(), name) == step_names.end()) {
        step_names.push_back(name);
      }
    }
  }
  std::vector<std::string> header = {"drill", "lease gone, assigned", "dead in status"};
  for (const auto& name : step_names) header.push_back(name);
  header.push_back("first good answer");
  std::vector<std::vector<std::string>> steps = {header};
  auto cell = [](double ms) { return ms < 0 ? std::string("-") : seconds_text(ms); };
  for (std::size_t i = 0; i < results.size(); ++i) {
    const Drill& d = results[i];
    std::vector<std::string> row = {std::to_string(i + 1), cell(d.phases.assigned),
                                    cell(d.phases.dead_shown)};
    for (const auto& name : step_names) {
      double at = -1;
      for (const auto& [step, ms] : d.phases.start) {
        if (step == name) at = ms;
      }
      row.push_back(cell(at));
    }
    row.push_back(cell(d.answer_ms));
    steps.push_back(row);
  }
  print_table(steps);
  double max = times.empty() ? 0 : *std::max_element(times.begin(), times.end());
  std::cout << "\nmedian " << seconds_text(median(times)) << ", max " << seconds_text(max)
            << " (goal on a quiet 2-core machine: median <= 2.5 s, max <= 3.5 s)\n";
  std::remove(log.c_str());
  return 0;
}
