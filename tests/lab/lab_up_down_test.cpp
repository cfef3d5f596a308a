// Scenario lab_up_down: `hearth lab up` makes the whole cluster (healthy) without touching the
// root namespace; `hearth lab down` leaves nothing of it behind, also after
// an `up` that failed or was killed half-way; kill --power / --process and revive.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "common/file.h"
#include "lab_fixture.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

std::string temp_spec(const std::string& name, const std::string& text) {
  std::string path = "/tmp/hearth_lab_test_" + std::to_string(::getpid()) + "_" + name + ".yaml";
  std::ofstream(path) << text;
  return path;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "the example spec no longer contains: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

class LabUpDown : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(take_down_leftover_lab());
    before_ = HostNetwork::observe();
  }
  void TearDown() override {
    EXPECT_EQ(HostNetwork::observe(), before_) << "the lab changed the root network namespace";
  }
  HostNetwork before_;
};

TEST_F(LabUpDown, UpMakesAHealthyClusterAndDownRemovesEverything) {
  LabFootprint footprint;
  // The nodes' own directories that this machine lacks are made inside the nodes only.
  std::vector<std::string> missing_on_host;
  for (const char* dir : {"/etc/hearth", "/var/lib/hearth", "/var/log/hearth", "/srv/hearth"}) {
    if (!exists(dir)) missing_on_host.push_back(dir);
  }
  {
    LabUp lab;
    ASSERT_TRUE(lab.ok()) << lab.output();
    std::cout << "lab up took " << lab.took().count() << " ms\n";

    // Everything the lab made is there and alive.
    auto status = lab.status();
    EXPECT_EQ(status["complete"], true) << status.dump(2);
    ASSERT_EQ(status["nodes"].size(), 3u);
    for (const auto& node : status["nodes"]) {
      EXPECT_EQ(node["namespaces"], true) << node.dump();
      for (const auto& daemon : node["daemons"]) EXPECT_EQ(daemon["running"], true) << node.dump();
      for (const auto& link : node["links"]) EXPECT_EQ(link["up"], true) << node.dump();
    }
    ASSERT_EQ(status["clients"].size(), 3u);

    // Quorum 3/3 and exactly one etcd leader, as every member reports it.
    auto members = lab.exec("r510", {"etcdctl", "endpoint", "status", "--cluster", "-w", "json"});
    ASSERT_TRUE(members.succeeded()) << members.err;
    auto endpoints = nlohmann::json::parse(members.out);
    ASSERT_EQ(endpoints.size(), 3u) << members.out;
    std::set<std::uint64_t> leaders;
    int leading = 0;
    for (const auto& endpoint : endpoints) {
      auto leader = endpoint["Status"]["leader"].get<std::uint64_t>();
      leaders.insert(leader);
      if (endpoint["Status"]["header"]["member_id"].get<std::uint64_t>() == leader) ++leading;
    }
    EXPECT_EQ(leaders.size(), 1u) << "all members agree on the leader";
    EXPECT_EQ(leading, 1) << "exactly one leader";

    // Each node is its own host: host name, private mounts, the busybox image, the spec copy.
    EXPECT_EQ(lab.exec("r530", {"hostname"}).out, "r530\n");
    EXPECT_TRUE(lab.exec("r510", {"sh", "-c", "echo r510 > /var/lib/hearth/whoami"}).succeeded());
    EXPECT_EQ(lab.exec("r510", {"cat", "/var/lib/hearth/whoami"}).out, "r510\n");
    EXPECT_FALSE(lab.exec("r530", {"test", "-e", "/var/lib/hearth/whoami"}).succeeded())
        << "r530 must not see r510's data dir";
    EXPECT_FALSE(exists("/var/lib/hearth/whoami")) << "nor the host";
    EXPECT_TRUE(
        lab.exec("elitedesk", {"test", "-x", "/srv/hearth/images/busybox/bin/sh"}).succeeded());
    EXPECT_TRUE(lab.exec("r510", {"test", "-d", "/srv/hearth/bricks/hdd2"}).succeeded());
    EXPECT_TRUE(lab.exec("r510", {"test", "-f", "/etc/hearth/homelab.yaml"}).succeeded());
    // What the node sees at /run (findmnt would also list the machine's /run beneath it).
    EXPECT_EQ(lab.exec("r510", {"stat", "-f", "-c", "%T", "/run"}).out, "tmpfs\n");
    for (const auto& dir : missing_on_host) {
      EXPECT_TRUE(lab.exec("r510", {"test", "-d", dir}).succeeded()) << dir << " inside the node";
      EXPECT_FALSE(exists(dir)) << dir << " must not be made on the machine itself";
    }
    // /run is each node's own: what one node puts there, neither the machine nor a peer sees.
    EXPECT_TRUE(lab.exec("r510", {"sh", "-c", "echo r510 > /run/hearth-lab-test"}).succeeded());
    EXPECT_FALSE(exists("/run/hearth-lab-test"));
    EXPECT_FALSE(lab.exec("r530", {"test", "-e", "/run/hearth-lab-test"}).succeeded());

    // The network: clients reach nodes through the router; the arbiter sits on every DHCP network.
    EXPECT_TRUE(lab.exec("home", {"ping", "-c", "1", "-W", "2", "10.1.2.17"}).succeeded());
    EXPECT_TRUE(lab.exec("home", {"ping", "-c", "1", "-W", "2", "10.1.3.24"}).succeeded());
    EXPECT_TRUE(lab.exec("toxic", {"ping", "-c", "1", "-W", "2", "10.1.5.254"}).succeeded());
    EXPECT_TRUE(lab.exec("r530", {"ping", "-c", "1", "-W", "2", "10.1.7.17"}).succeeded())
        << "storage network";
    EXPECT_TRUE(lab.exec("home", {"ping", "-c", "1", "-W", "2", "10.1.4.2"}).succeeded())
        << "routed between clients";

    EXPECT_EQ(HostNetwork::observe(), before_) << "nothing added to the root namespace while up";
    footprint = LabFootprint::observe();
    EXPECT_EQ(footprint.namespaces.size(), 8u);
    EXPECT_GE(footprint.pids.size(), 3u);

    Completed down = lab.down();
    EXPECT_TRUE(down.succeeded()) << down.out << down.err;
    EXPECT_NE(down.out.find("every process of the lab has exited"), std::string::npos) << down.out;
  }
  EXPECT_EQ(lab_leftovers(footprint), std::vector<std::string>{});
}

TEST_F(LabUpDown, SecondUpFindsTheLabUpAndChangesNothing) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  // The daemons' processes (hearthd also runs short-lived commands, e.g. the gluster CLI, so the
  // set of every process in the lab changes by itself).
  auto daemon_pids = [&] {
    std::vector<long long> pids;
    nlohmann::json status = lab.status();
    for (const auto& node : status["nodes"]) {
      for (const auto& daemon : node["daemons"]) pids.push_back(daemon.value("pid", 0LL));
    }
    return pids;
  };
  auto pids_before = daemon_pids();
  Completed again = hearth({"lab", "up", "-f", example_spec()});
  EXPECT_TRUE(again.succeeded()) << again.out << again.err;
  EXPECT_NE(again.out.find("already up"), std::string::npos) << again.out;
  EXPECT_EQ(daemon_pids(), pids_before);
  EXPECT_EQ(pids_before.size(), 9u) << "etcd, glusterd and hearthd on each of the 3 nodes";

  Completed other = hearth({"lab", "up", "-f", temp_spec("other", read_text_file(example_spec()))});
  EXPECT_EQ(other.exit_code, 1) << "a lab of another spec is up";
  EXPECT_NE(other.err.find("hearth lab down"), std::string::npos) << other.err;
}

TEST_F(LabUpDown, DownWithNoLabSaysSo) {
  Completed down = hearth({"lab", "down"});
  EXPECT_TRUE(down.succeeded());
  EXPECT_EQ(down.out, "no lab\n");
  Completed status = hearth({"lab", "status"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.err.find("no lab"), std::string::npos) << status.err;
}

TEST_F(LabUpDown, InvalidSpecMakesNothing) {
  std::string spec = temp_spec(
      "invalid", replace(read_text_file(example_spec()), "role: arbiter", "role: server"));
  Completed up = hearth({"lab", "up", "-f", spec});
  std::remove(spec.c_str());
  EXPECT_EQ(up.exit_code, 1);
  EXPECT_NE(up.err.find("arbiter"), std::string::npos) << up.err;
  EXPECT_EQ(lab_leftovers(LabFootprint{}), std::vector<std::string>{});
}

TEST_F(LabUpDown, DownRemovesAHalfMadeLabAfterAFailedUp) {
  // The arbiter's disk lies under a regular file: `up` fails building the third node, after the
  // state, the images and the first two nodes' namespaces and mounts were made.
  std::string blocker = "/tmp/hearth_lab_test_blocker_" + std::to_string(::getpid());
  std::ofstream(blocker) << "not a directory\n";
  std::string spec =
      temp_spec("blocked", replace(read_text_file(example_spec()), "path: /srv/hearth/arbiter",
                                   "path: " + blocker + "/arbiter"));
  Completed up = hearth({"lab", "up", "-f", spec});
  EXPECT_EQ(up.exit_code, 1);
  EXPECT_NE(up.err.find(blocker), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("hearth lab down"), std::string::npos)
      << "says how to clean up: " << up.err;
  EXPECT_TRUE(exists(kLabStateFile));
  LabFootprint footprint = LabFootprint::observe();

  Completed down = hearth({"lab", "down"});
  EXPECT_TRUE(down.succeeded()) << down.out << down.err;
  EXPECT_EQ(lab_leftovers(footprint), std::vector<std::string>{});
  EXPECT_EQ(read_text_file(blocker), "not a directory\n") << "down removes only what the lab made";
  std::remove(blocker.c_str());
  std::remove(spec.c_str());
}

TEST_F(LabUpDown, UpKilledHalfWayIsRebuiltByUpAndRemovedByDown) {
  auto up = Child::start({.argv = {hearth_binary(), "lab", "up", "-f", example_spec()},
                          .out = Output::discard,
                          .err = Output::discard,
                          .own_process_group = true});
  ASSERT_TRUE(up.ok()) << up.error().message;
  // Kill it while it builds the network: the switch exists, the rest of the network not yet.
  auto seen = wait_until([] { return exists("/run/netns/hearth-switch"); }, 60s, 1ms);
  ASSERT_TRUE(seen.has_value()) << "up never reached the network";
  up->signal(SIGKILL);
  up->wait();
  ASSERT_TRUE(exists(kLabStateFile)) << "the state is written before anything is made";

  auto status = hearth({"lab", "status", "--json"});
  EXPECT_EQ(nlohmann::json::parse(status.out)["complete"], false) << status.out;

  // A second `up` notices the half-made lab, removes it and builds a whole one.
  {
    LabUp lab(example_spec(), {}, LabUp::Existing::keep);
    ASSERT_TRUE(lab.ok()) << lab.output();
    EXPECT_NE(lab.output().find("half-made"), std::string::npos) << lab.output();
    EXPECT_EQ(lab.status()["complete"], true);
    LabFootprint footprint = LabFootprint::observe();
    EXPECT_TRUE(lab.down().succeeded());
    EXPECT_EQ(lab_leftovers(footprint), std::vector<std::string>{});
  }

  // Killed again, later (daemons running), and removed by `down` alone.
  auto again = Child::start({.argv = {hearth_binary(), "lab", "up", "-f", example_spec()},
                             .out = Output::discard,
                             .err = Output::discard,
                             .own_process_group = true});
  ASSERT_TRUE(again.ok());
  auto daemons = wait_until(
      [] { return exists(std::string(kLabRoot) + "/nodes/elitedesk/pids/etcd.pid"); }, 60s, 5ms);
  ASSERT_TRUE(daemons.has_value());
  again->signal(SIGKILL);
  again->wait();
  LabFootprint footprint = LabFootprint::observe();
  EXPECT_GE(footprint.pids.size(), 3u) << "etcd was running in the nodes";
  Completed down = hearth({"lab", "down"});
  EXPECT_TRUE(down.succeeded()) << down.out << down.err;
  EXPECT_EQ(lab_leftovers(footprint), std::vector<std::string>{});
}

TEST_F(LabUpDown, KillPowerSilencesANodeKillProcessResetsAndReviveRestores) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  // From r530: etcd's client port on r510. curl exit codes: 0 ok, 7 refused (a reset), 28 timeout.
  auto probe = [&](const std::string& from, const std::string& address) {
    return lab
        .exec(from,
              {"curl", "-s", "-o", "/dev/null", "-m", "1.5", "http://" + address + ":2379/health"})
        .exit_code;
  };
  ASSERT_EQ(probe("r530", "10.1.2.17"), 0);

  auto etcd_pid = [&](const std::string& node) {
    auto status = lab.status();  // range-for over a temporary's member would dangle
    for (const auto& entry : status["nodes"]) {
      if (entry["name"] == node) {
        for (const auto& daemon : entry["daemons"]) {
          if (daemon["name"] == "etcd" && daemon["running"] == true)
            return daemon["pid"].get<int>();
        }
      }
    }
    return 0;
  };
  int r510_etcd = etcd_pid("r510");
  ASSERT_NE(r510_etcd, 0);

  lab.kill_power("r510");
  EXPECT_EQ(probe("r530", "10.1.2.17"), 28) << "silence (a timeout), not a reset";
  EXPECT_EQ(probe("elitedesk", "10.1.7.17"), 28) << "the storage link is cut too";
  EXPECT_EQ(etcd_pid("r510"), r510_etcd) << "the node's processes keep running";
  auto status = lab.status();
  for (const auto& entry : status["nodes"]) {
    if (entry["name"] != "r510") continue;
    for (const auto& link : entry["links"]) EXPECT_EQ(link["up"], false) << entry.dump();
  }
  lab.revive("r510");
  EXPECT_TRUE(wait_until([&] { return probe("r530", "10.1.2.17") == 0; }, 10s).has_value());

  lab.kill_process("r530");
  EXPECT_EQ(etcd_pid("r530"), 0);
  EXPECT_EQ(probe("r510", "10.1.2.22"), 7) << "a dead process is refused at once (reset)";
  lab.revive("r530");
  EXPECT_NE(etcd_pid("r530"), 0);
  EXPECT_TRUE(wait_until([&] { return probe("r510", "10.1.2.22") == 0; }, 10s).has_value());

  Completed unknown = hearth({"lab", "kill", "nosuchnode", "--power"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("r510"), std::string::npos) << "lists the nodes: " << unknown.err;
}

TEST_F(LabUpDown, ExecPassesExitCodesAndStdio) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  EXPECT_EQ(lab.exec("r510", {"sh", "-c", "exit 42"}).exit_code, 42);
  EXPECT_EQ(lab.exec("home", {"sh", "-c", "ip -o -4 addr show dev home | awk '{print $4}'"}).out,
            "10.1.3.2/24\n");
  Completed unknown = hearth({"lab", "exec", "nosuch", "--", "true"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("home"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace hearth::lab::testing
