// Failover in the lab: brings the lab up with `hearth lab up`, then, run after run, cuts the power
// of a node (`hearth lab kill NODE --power`: its links go down, its peers hear nothing) and
// measures, through the survivors' `hearth status --json`:
//   dead        from the cut until every survivor shows the node dead
//   new leader  from the cut until every survivor names a live leader (runs that cut the leader)
//   rejoin      from `hearth lab revive` until every node shows it alive again
// and each node's idle RSS of hearthd (and etcd, for scale). Prints aligned tables; always takes
// the lab down again. Run it with bench/lab-failover (needs root).
//
//   lab_failover_bench --hearth BUILD/hearth --spec examples/homelab.yaml [--runs N]

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/process.h"
#include "lab_driver.h"

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using namespace std::chrono_literals;

using hearth::bench::hearth_path;
using hearth::bench::hearth_run;

Json status_of(const std::string& node) {
  auto done = hearth_run({"status", "--json", "--node", node}, 10s);
  auto status = Json::parse(done.out, nullptr, false);
  return status.is_object() && status.contains("quorum") ? status : Json();
}

std::string state_of(const Json& status, const std::string& node) {
  if (!status.is_object()) return "";
  for (const auto& entry : status["nodes"]) {
    if (entry.value("name", "") == node) return entry.value("state", "");
  }
  return "";
}

std::string leader_of(const Json& status) {
  return status.is_object() && status["leader"].is_object() ? status["leader"].value("node", "")
                                                            : "";
}

// Every node's status, asked at the same time.
std::map<std::string, Json> statuses(const std::vector<std::string>& nodes) {
  std::vector<std::future<Json>> asks;
  for (const auto& node : nodes)
    asks.push_back(std::async(std::launch::async, [node] { return status_of(node); }));
  std::map<std::string, Json> result;
  for (std::size_t i = 0; i < nodes.size(); ++i) result[nodes[i]] = asks[i].get();
  return result;
}

bool healthy(const std::vector<std::string>& nodes) {
  std::string leader;
  for (const auto& [name, status] : statuses(nodes)) {
    if (!status.is_object() || !status["quorum"].value("ok", false)) return false;
    for (const auto& node : nodes) {
      if (state_of(status, node) != "alive") return false;
    }
    std::string seen = leader_of(status);
    if (seen.empty() || (!leader.empty() && seen != leader)) return false;
    leader = seen;
  }
  return true;
}

bool wait_for(const std::function<bool()>& condition, std::chrono::seconds limit) {
  auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double maximum(const std::vector<double>& values) {
  return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
}

std::string seconds_text(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", ms / 1000);
  return text;
}

long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

using hearth::bench::print_table;

using hearth::bench::LabGuard;

struct Run {
  std::string victim;
  bool was_leader = false;
  double dead_ms = 0;
  std::optional<double> leader_ms;
  double rejoin_ms = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string spec;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--hearth")
      hearth_path = argv[i + 1];
    else if (flag == "--spec")
      spec = argv[i + 1];
    else if (flag == "--runs")
      runs = std::max(1, std::atoi(argv[i + 1]));
  }
  if (hearth_path.empty() || spec.empty()) {
    std::cerr << "usage: lab_failover_bench --hearth PATH --spec SPEC [--runs N]\n";
    return 2;
  }
  if (::geteuid() != 0) {
    std::cerr << "lab_failover_bench: the lab needs root\n";
    return 2;
  }
  if (hearth_run({"lab", "status"}).succeeded()) {
    std::cerr << "lab_failover_bench: a lab is already up; take it down first (hearth lab down)\n";
    return 1;
  }

  std::cout << "bringing the lab up (" << spec << ")\n";
  auto up_start = Clock::now();
  auto up = hearth_run({"lab", "up", "-f", spec});
  LabGuard guard;
  if (!up.succeeded()) {
    std::cerr << "hearth lab up failed:\n" << up.out << up.err;
    return 1;
  }
  double up_ms = ms_since(up_start);
  auto lab = Json::parse(hearth_run({"lab", "status", "--json"}).out, nullptr, false);
  std::vector<std::string> nodes;
  std::map<std::string, std::string> roles;
  for (const auto& node : lab["nodes"]) {
    nodes.push_back(node["name"]);
    roles[node["name"]] = node["role"];
  }

  // Idle memory: after the cluster has settled for a while.
  if (!wait_for([&] { return healthy(nodes); }, 60s)) {
    std::cerr << "the cluster did not become healthy\n";
    return 1;
  }
  std::this_thread::sleep_for(5s);
  lab = Json::parse(hearth_run({"lab", "status", "--json"}).out, nullptr, false);
  std::vector<std::vector<std::string>> memory = {{"node", "role", "hearthd RSS", "etcd RSS"}};
  for (const auto& node : lab["nodes"]) {
    std::map<std::string, long> rss;
    for (const auto& daemon : node["daemons"])
      rss[daemon["name"]] = rss_kib(daemon["pid"].get<int>());
    char hearthd[32], etcd[32];
    std::snprintf(hearthd, sizeof hearthd, "%.1f MiB", rss["hearthd"] / 1024.0);
    std::snprintf(etcd, sizeof etcd, "%.1f MiB", rss["etcd"] / 1024.0);
    memory.push_back({node["name"], node["role"], hearthd, etcd});
  }

  // Alternately cut the current leader and a follower.
  std::vector<Run> results;
  for (int i = 0; i < 2 * runs; ++i) {
    std::string leader = leader_of(status_of(nodes[0]));
    Run run;
    if (i % 2 == 0) {
      run.victim = leader;
    } else {
      for (std::size_t k = 0; k < nodes.size(); ++k) {
        const std::string& candidate = nodes[(i / 2 + k) % nodes.size()];
        if (candidate != leader) {
          run.victim = candidate;
          break;
        }
      }
    }
    run.was_leader = run.victim == leader;
    std::vector<std::string> survivors;
    for (const auto& node : nodes) {
      if (node != run.victim) survivors.push_back(node);
    }
    std::cout << "run " << i + 1 << "/" << 2 * runs << ": cutting " << run.victim
              << (run.was_leader ? " (the leader)" : "") << std::flush;
    auto cut = Clock::now();
    if (!hearth_run({"lab", "kill", run.victim, "--power"}).succeeded()) {
      std::cerr << "\nhearth lab kill failed\n";
      return 1;
    }
    bool dead_seen = false, leader_seen = !run.was_leader;
    while (ms_since(cut) < 30000 && !(dead_seen && leader_seen)) {
      auto seen = statuses(survivors);
      double now = ms_since(cut);
      bool all_dead = true, all_led = true;
      for (const auto& [name, status] : seen) {
        all_dead = all_dead && state_of(status, run.victim) == "dead";
        std::string l = leader_of(status);
        all_led = all_led && status.is_object() && status["quorum"].value("ok", false) &&
                  !l.empty() && l != run.victim;
      }
      if (!dead_seen && all_dead) {
        dead_seen = true;
        run.dead_ms = now;
      }
      if (!leader_seen && all_led) {
        leader_seen = true;
        run.leader_ms = now;
      }
      std::this_thread::sleep_for(20ms);
    }
    if (!dead_seen || !leader_seen) {
      std::cerr << "\nthe survivors did not see " << run.victim
                << (dead_seen ? " replaced" : " dead") << " within 30 s\n";
      return 1;
    }
    auto revived = Clock::now();
    hearth_run({"lab", "revive", run.victim});
    if (!wait_for([&] { return healthy(nodes); }, 60s)) {
      std::cerr << "\n" << run.victim << " did not rejoin within 60 s\n";
      return 1;
    }
    run.rejoin_ms = ms_since(revived);
    std::cout << ": dead after " << seconds_text(run.dead_ms)
              << (run.leader_ms ? ", new leader after " + seconds_text(*run.leader_ms)
                                : std::string())
              << ", rejoined in " << seconds_text(run.rejoin_ms) << '\n';
    results.push_back(run);
    std::this_thread::sleep_for(2s);  // let leases and history settle before the next cut
  }

  std::cout << "\nlab up in " << seconds_text(up_ms)
            << "; power cuts (links down), observed by the survivors'"
            << " `hearth status --json` every ~50 ms\n";
  std::vector<std::vector<std::string>> table = {{"cut", "runs", "dead median", "dead max",
                                                  "new leader median", "new leader max",
                                                  "rejoin median"}};
  for (bool leaders : {true, false}) {
    std::vector<double> dead, elected, rejoin;
    for (const auto& run : results) {
      if (run.was_leader != leaders) continue;
      dead.push_back(run.dead_ms);
      rejoin.push_back(run.rejoin_ms);
      if (run.leader_ms) elected.push_back(*run.leader_ms);
    }
    table.push_back({leaders ? "the leader" : "a follower", std::to_string(dead.size()),
                     seconds_text(median(dead)), seconds_text(maximum(dead)),
                     leaders ? seconds_text(median(elected)) : "-",
                     leaders ? seconds_text(maximum(elected)) : "-", seconds_text(median(rejoin))});
  }
  print_table(table);
  std::cout << "\nidle memory (5 s after the cluster became healthy)\n";
  print_table(memory);
  return 0;
}
