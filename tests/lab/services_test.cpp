// Scenario lab_services: services run under crun on the servers, each at its own address.
// Lab up with the example spec; each server gets the services' volume directories with an
// index.html (until gluster mounts the volume there, each server has its own copy); then from the
// `home` client every service answers at its address (curl, through the lab's router);
// `hearth status` shows each service running on its node with a good probe; allow_from holds
// (reachable from the allowed clients, dropped from the others and on unlisted ports). Then only
// the homepage container is killed: it is restarted on the same node, at the same address, and the
// status counts the restart. A spec where two services of one node use port 80 is applied: both
// answer on it at their own addresses. `hearth logs` shows the service's output.
// Second scenario, fencing on the node side: r510 power-cut removes homepage's address and
// container before the leader sees r510's lease expire; homepage then answers from r530, and
// goes back to r510 once it is revived; r510's hearthd killed (SIGKILL), the guard stops homepage.
//
// The leader's assignments decide where services run: the cut also shows the failover to r530
// and, once r510 is back and settled, the handover back to it (homepage prefers r510).

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "lab_fixture.h"
#include "volume_helpers.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

struct Expected {
  std::string service, url, mountpoint_dir;
};

// The example spec's services, their addresses (plan: fixed 10.1.2.130; then the pool in order),
// and the volume subdir each serves.
const std::vector<Expected> kServices = {
    {"homepage", "http://10.1.2.130/", "homepage"},
    {"notes", "http://10.1.2.128/", "notes"},
    {"whoami", "http://10.1.2.129:8080/", "whoami"},
};

long elapsed_ms(SteadyClock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - since).count());
}

const nlohmann::json* service_in(const nlohmann::json& status, const std::string& name) {
  if (!status.is_object() || !status.contains("services")) return nullptr;
  for (const auto& s : status["services"]) {
    if (s.value("name", "") == name) return &s;
  }
  return nullptr;
}

// What of homepage is on r510 right now: its address (namespace) and its container.
struct OnNode {
  bool address = false;
  bool container = false;
};
OnNode homepage_on(const LabUp& lab, const std::string& node) {
  OnNode on;
  auto netns = lab.exec(node, {"ip", "netns", "list"});
  on.address = netns.out.find("hearth-svc-homepage") != std::string::npos;
  auto containers = lab.exec(node, {"crun", "--root", "/var/lib/hearth/crun", "list", "-q"});
  on.container = containers.out.find("hearth-homepage") != std::string::npos;
  return on;
}

void make_volumes(const LabUp& lab) {
  // appdata is a real gluster volume, mounted by each server's hearthd (~12 s after lab up):
  // the directories go into the mounted volume, not under it.
  ASSERT_TRUE(wait_until([&] { return volume_ready(lab, "r510", "appdata"); }, 180s, 500ms).has_value())
      << "appdata was never mounted on both servers";
  for (const char* node : {"r510", "r530"}) {
    for (const auto& s : kServices) {
      std::string dir = "/var/lib/hearth/volumes/appdata/" + s.mountpoint_dir;
      auto made = lab.exec(node, {"sh", "-c",
                                  "mkdir -p " + dir + " && echo hello from " + s.service + " > " +
                                      dir + "/index.html"});
      ASSERT_TRUE(made.succeeded()) << made.describe() << made.err;
    }
  }
}

// The wall-clock time (ms since the epoch) of the last line of NODE's hearthd log that contains
// `needle` and was written at or after `after_ms`; -1 when there is none. Lines start with
// "2026-11-27T20:25:12.503Z".
long long log_time(const LabUp& lab, const std::string& node, const std::string& needle,
                   long long after_ms) {
  const LabNode* lab_node = lab.state().find_node(node);
  if (lab_node == nullptr) return -1;
  std::ifstream in(lab_node->log_dir + "/hearthd.log");
  long long found = -1;
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 24 || line.find(needle) == std::string::npos) continue;
    std::tm parts{};
    int millis = 0;
    if (std::sscanf(line.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &parts.tm_year, &parts.tm_mon,
                    &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &millis) != 7) {
      continue;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    long long at = static_cast<long long>(::timegm(&parts)) * 1000 + millis;
    if (at >= after_ms) found = at;
  }
  return found;
}

long long wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Services : public ::testing::Test {
 protected:
  // `curl URL` from the home client, 2 s limit. (busybox wget crashes in the client namespaces
  // of this machine: SIGSEGV.)
  static Completed fetch(const LabUp& lab, const std::string& url,
                         const std::string& client = "home") {
    return lab.exec(client, {"curl", "-sS", "-m", "2", url}, 5s);
  }
};

TEST_F(Services, EveryServiceAnswersAtItsAddressAndAKilledContainerIsRestartedInPlace) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();

  // The volume directories with a page each, on both servers.
  ASSERT_NO_FATAL_FAILURE(make_volumes(lab));

  auto started = SteadyClock::now();
  for (const auto& s : kServices) {
    std::string answer;
    auto took = wait_until(
        [&] {
          auto got = fetch(lab, s.url);
          answer = got.out;
          return got.succeeded() && got.out == "hello from " + s.service + "\n";
        },
        60s, 250ms);
    ASSERT_TRUE(took) << s.service << " never answered at " << s.url << "; last answer: '" << answer
                      << "'\n"
                      << lab.cluster_status("r510").dump(2);
    std::cout << s.service << " answers at " << s.url << " (" << elapsed_ms(started)
              << " ms after the volumes were made)\n";
  }

  // The status: every service running, on the node the plan gives it, with a good probe.
  std::map<std::string, std::string> nodes;
  nlohmann::json status;
  auto reported = wait_until(
      [&] {
        status = lab.cluster_status("r510");
        for (const auto& s : kServices) {
          const auto* entry = service_in(status, s.service);
          if (!entry || entry->value("state", "") != "running" ||
              !(*entry)["last_probe"].is_object() || !(*entry)["last_probe"].value("ok", false)) {
            return false;
          }
          nodes[s.service] = entry->value("node", "");
        }
        return true;
      },
      20s, 250ms);
  ASSERT_TRUE(reported) << status.dump(2);
  EXPECT_EQ(nodes["homepage"], "r510") << "prefer: r510";
  EXPECT_EQ(nodes["whoami"], "r530") << "prefer: r530";
  EXPECT_EQ(service_in(status, "homepage")->value("address", ""), "10.1.2.130");

  // Each service address lives in exactly one place: inside its service's namespace on its node,
  // never on the node's own interfaces.
  auto node_addresses = lab.exec("r510", {"ip", "-4", "-o", "addr"});
  EXPECT_EQ(node_addresses.out.find("10.1.2.130"), std::string::npos) << node_addresses.out;
  auto in_service = lab.exec("r510", {"ip", "-n", "hearth-svc-homepage", "-4", "-o", "addr"});
  EXPECT_NE(in_service.out.find("10.1.2.130/24"), std::string::npos) << in_service.out;

  // Isolation (each service's nftables table in its namespace): allow_from decides who gets in;
  // everyone else, and every port not listed, is DROPPED (curl times out: exit 28), not refused.
  struct Reach {
    std::string client, url;
    bool allowed;
  };
  for (const Reach& r : std::vector<Reach>{
           {"home", "http://10.1.2.128/", true},         // notes: allow_from [home]
           {"guests", "http://10.1.2.128/", false},      //
           {"toxic", "http://10.1.2.128/", false},       //
           {"guests", "http://10.1.2.129:8080/", true},  // whoami: [home, guests, 10.1.9.0/24]
           {"toxic", "http://10.1.2.129:8080/", false},  //
           {"toxic", "http://10.1.2.130/", false},       // homepage: [home, services]
           {"home", "http://10.1.2.130:8080/", false},   // a port homepage does not list
           {"home", "http://10.1.2.129/", false},        // nor whoami
       }) {
    auto got = fetch(lab, r.url, r.client);
    if (r.allowed) {
      EXPECT_TRUE(got.succeeded()) << r.client << " -> " << r.url << ": " << got.err;
    } else {
      EXPECT_EQ(got.exit_code, 28)
          << r.client << " -> " << r.url << " must time out (dropped): " << got.describe() << " "
          << got.err;
    }
  }
  auto ruleset = lab.exec("r530", {"nsenter", "--net=/run/netns/hearth-svc-notes", "--", "nft",
                                   "list", "table", "inet", "hearth_service"});
  EXPECT_TRUE(ruleset.succeeded()) << ruleset.err;
  EXPECT_NE(ruleset.out.find("10.1.3.0/24"), std::string::npos) << ruleset.out;

  // Kill only the container (its process, as a crash would): restarted on the same node.
  const std::string crun_root = "/var/lib/hearth/crun";
  auto before = lab.exec("r510", {"crun", "--root", crun_root, "state", "hearth-homepage"});
  ASSERT_TRUE(before.succeeded()) << before.err;
  auto killed = lab.exec("r510", {"crun", "--root", crun_root, "kill", "hearth-homepage", "KILL"});
  ASSERT_TRUE(killed.succeeded()) << killed.err;
  auto cut = SteadyClock::now();
  // Down first (the kill took effect), then back.
  auto down = wait_until([&] { return !fetch(lab, kServices[0].url).succeeded(); }, 5s, 50ms);
  auto back = wait_until(
      [&] {
        auto got = fetch(lab, kServices[0].url);
        return got.succeeded() && got.out == "hello from homepage\n";
      },
      30s, 100ms);
  ASSERT_TRUE(back) << "homepage did not come back\n" << lab.cluster_status("r510").dump(2);
  std::cout << "homepage answered again " << elapsed_ms(cut) << " ms after its container was killed"
            << (down ? "" : " (the outage was shorter than one poll)") << '\n';
  auto after = lab.exec("r510", {"crun", "--root", crun_root, "state", "hearth-homepage"});
  ASSERT_TRUE(after.succeeded()) << "running again on r510: " << after.err;
  EXPECT_NE(nlohmann::json::parse(after.out).value("pid", 0),
            nlohmann::json::parse(before.out).value("pid", 0));
  auto r530 = lab.exec("r530", {"crun", "--root", crun_root, "state", "hearth-homepage"});
  EXPECT_FALSE(r530.succeeded()) << "never on the other server";
  auto restarted = wait_until(
      [&] {
        status = lab.cluster_status("r530");
        const auto* entry = service_in(status, "homepage");
        return entry && entry->value("restarts", 0) >= 1 && entry->value("node", "") == "r510";
      },
      15s, 250ms);
  EXPECT_TRUE(restarted) << status.dump(2);

  // Two services on one port of one node: apply a spec where whoami (on r530 with notes) listens
  // on 80 too. The spec change restarts whoami there; both answer on port 80 at their addresses.
  std::string text;
  {
    std::ifstream in(example_spec());
    std::stringstream read;
    read << in.rdbuf();
    text = read.str();
  }
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {R"(command: [httpd, -f, -p, "8080", -h, /www])",
            R"(command: [httpd, -f, -p, "80", -h, /www])"},
           {"ports: [8080/tcp]", "ports: [80/tcp]"},
           {"health: { tcp: 8080,", "health: { tcp: 80,"}}) {
    auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << "the example spec no longer has `" << from << "`";
    text.replace(at, from.size(), to);
  }
  std::string same_port = "/tmp/hearth_lab_services_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(same_port) << text;
  auto applied = lab.apply(same_port);
  ::unlink(same_port.c_str());
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  auto moved = wait_until(
      [&] {
        auto got = fetch(lab, "http://10.1.2.129/");
        return got.succeeded() && got.out == "hello from whoami\n";
      },
      30s, 250ms);
  ASSERT_TRUE(moved) << "whoami never answered on port 80\n" << lab.cluster_status("r530").dump(2);
  auto notes = fetch(lab, "http://10.1.2.128/");
  EXPECT_TRUE(notes.succeeded() && notes.out == "hello from notes\n") << notes.err;
  status = lab.cluster_status("r530");
  ASSERT_NE(service_in(status, "whoami"), nullptr);
  EXPECT_EQ(service_in(status, "whoami")->value("node", ""), "r530");
  EXPECT_EQ(service_in(status, "notes")->value("node", ""), "r530");
  auto old_port = fetch(lab, "http://10.1.2.129:8080/");
  EXPECT_EQ(old_port.exit_code, 28) << "8080 is no longer whoami's: dropped";

  // The service's output is kept and shown by `hearth logs`.
  auto logs = hearth({"logs", "homepage", "--node", "r510"});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  auto missing = hearth({"logs", "nosuch"});
  EXPECT_NE(missing.exit_code, 0);
}

// Fencing, node side: a node cut from the others removes its service addresses and containers
// BEFORE its peers can see its lease expire; back on the network, it runs them again. A hearthd
// killed outright (SIGKILL) does not leave its services running: its guard stops them.
TEST_F(Services, ACutOffNodeStopsItsServicesBeforeItsLeaseExpiresAndACrashedHearthdLeavesNone) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  ASSERT_NO_FATAL_FAILURE(make_volumes(lab));
  ASSERT_TRUE(wait_until([&] { return fetch(lab, kServices[0].url).succeeded(); }, 60s, 250ms))
      << lab.cluster_status("r510").dump(2);
  ASSERT_TRUE(homepage_on(lab, "r510").address);

  auto cut = SteadyClock::now();
  long long cut_wall = wall_ms();
  lab.kill_power("r510");
  long gone_ms = -1;
  wait_until(
      [&] {
        OnNode on = homepage_on(lab, "r510");
        if (!on.address && !on.container) gone_ms = elapsed_ms(cut);
        return gone_ms >= 0;
      },
      20s, 50ms);
  ASSERT_GE(gone_ms, 0) << "r510 never stopped homepage";
  // The order that matters, from the daemons' own logs (one clock: this machine's): r510 had
  // removed every service address before the leader saw its lease expire.
  long long fenced = -1, stopped = -1, dead = -1;
  wait_until(
      [&] {
        fenced = log_time(lab, "r510", "FENCED", cut_wall);
        stopped = log_time(lab, "r510", "every service stopped and every service address removed",
                           cut_wall);
        for (const char* observer : {"r530", "elitedesk"}) {
          dead = std::max(dead, log_time(lab, observer, "node r510 is dead", cut_wall));
        }
        return fenced >= 0 && stopped >= 0 && dead >= 0;
      },
      20s, 100ms);
  ASSERT_GE(fenced, 0) << "r510 never fenced";
  ASSERT_GE(stopped, 0) << "r510 never logged its services stopped";
  ASSERT_GE(dead, 0) << "no leader recorded r510 dead";
  std::cout << "r510 cut off at 0 ms: fenced at " << fenced - cut_wall
            << " ms, services stopped at " << stopped - cut_wall << " ms (" << stopped - fenced
            << " ms to stop); the leader saw it "
            << "dead at " << dead - cut_wall << " ms\n";
  EXPECT_LT(stopped, dead) << "the addresses must be gone before the lease can expire";

  // The leader moves homepage to r530 once r510's lease has expired (failover).
  auto failed_over =
      wait_until([&] { return fetch(lab, kServices[0].url).succeeded(); }, 30s, 100ms);
  ASSERT_TRUE(failed_over) << "homepage never answered from r530\n"
                           << lab.cluster_status("r530").dump(2);
  std::cout << "homepage answered again " << elapsed_ms(cut) << " ms after the cut\n";
  EXPECT_TRUE(homepage_on(lab, "r530").container) << "failed over to r530";

  // r510 back: homepage prefers it, so it is handed back once r510 has settled (the leader marks
  // it releasing, r530 stops it and acknowledges, then r510 starts it).
  lab.revive("r510");
  auto back = wait_until(
      [&] {
        return homepage_on(lab, "r510").container && fetch(lab, kServices[0].url).succeeded();
      },
      60s, 250ms);
  ASSERT_TRUE(back) << "homepage never moved back to r510\n" << lab.cluster_status("r510").dump(2);
  EXPECT_FALSE(homepage_on(lab, "r530").container) << "released by r530";

  auto killed_at = SteadyClock::now();
  lab.kill_process("r510", "hearthd");
  long stopped_ms = -1;
  wait_until(
      [&] {
        OnNode on = homepage_on(lab, "r510");
        if (!on.address && !on.container) stopped_ms = elapsed_ms(killed_at);
        return stopped_ms >= 0;
      },
      10s, 50ms);
  ASSERT_GE(stopped_ms, 0) << "homepage outlived its hearthd";
  std::cout << "hearthd of r510 killed: its guard stopped homepage after " << stopped_ms << " ms\n";
  lab.revive("r510");
  EXPECT_TRUE(wait_until([&] { return fetch(lab, kServices[0].url).succeeded(); }, 30s, 250ms))
      << "homepage runs again (on r530 after a failover, or on r510)";
}

}  // namespace
}  // namespace hearth::lab::testing
