// Scenario lab_restart: hearthd restarted on a node mid-flight (crash + start, and a clean
// SIGTERM + start), the leader's included: never two leaders at once, and the cluster's state
// (spec revision, node tokens) intact afterwards.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/file.h"
#include "lab_fixture.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

long long spec_revision(const nlohmann::json& status) {
  return status.is_object() && status["spec"].is_object() ? status["spec"].value("revision", 0LL)
                                                          : 0;
}

// Samples, all nodes at once, which nodes believe they lead (this_node.leader). A real split
// brain persists; a hand-over can be caught mid-way by one sample, so "two leaders" means two
// nodes claiming it in two consecutive samples.
class LeaderWatch {
 public:
  explicit LeaderWatch(const LabUp& lab) : lab_(lab), thread_([this] { run(); }) {}
  ~LeaderWatch() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int samples() const { return samples_; }
  std::vector<std::string> duplicates() {
    std::lock_guard<std::mutex> lock(mutex_);
    return duplicates_;
  }

 private:
  void run() {
    std::vector<std::string> previous;
    while (!stopping_) {
      std::vector<std::future<nlohmann::json>> asks;
      for (const auto& node : lab_.state().nodes) {
        asks.push_back(std::async(std::launch::async,
                                  [&, name = node.name] { return lab_.cluster_status(name); }));
      }
      std::vector<std::string> leaders;
      for (auto& ask : asks) {
        auto status = ask.get();
        if (status.is_object() && status["this_node"].is_object() &&
            status["this_node"].value("leader", false)) {
          leaders.push_back(status["this_node"].value("name", "?"));
        }
      }
      ++samples_;
      if (leaders.size() > 1 && previous.size() > 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        std::string text;
        for (const auto& name : leaders) text += name + " ";
        duplicates_.push_back(text);
      }
      previous = leaders;
      std::this_thread::sleep_for(50ms);
    }
  }

  const LabUp& lab_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> samples_{0};
  std::mutex mutex_;
  std::vector<std::string> duplicates_;
  std::thread thread_;
};

TEST(Restart, HearthdRestartedMidFlightNeverMakesTwoLeadersAndKeepsState) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  ASSERT_TRUE(lab.wait_healthy(30s).has_value());
  Completed applied = lab.apply(example_spec_variant(1));
  ASSERT_TRUE(applied.succeeded()) << applied.err;
  const long long revision = spec_revision(lab.cluster_status("r510"));
  ASSERT_GT(revision, 1);
  std::map<std::string, std::string> tokens;
  for (const auto& node : lab.state().nodes)
    tokens[node.name] = read_text_file(node.host_data_dir + "/api-token");

  LeaderWatch watch(lab);
  for (int round = 0; round < 2; ++round) {
    // The leader's hearthd crashes and comes back at once (round 0), or stops cleanly (round 1);
    // meanwhile the other nodes go on.
    // A leader may be between two terms for up to a tick (e.g. a server handing the leadership
    // back to the arbiter, docs/architecture.md): wait for one.
    std::string leader;
    ASSERT_TRUE(wait_until(
        [&] {
          leader = leader_of(lab.cluster_status("r510"));
          return !leader.empty();
        },
        30s));
    pid_t before = lab.daemon_pid(leader, "hearthd");
    if (round == 0) {
      lab.kill_process(leader, "hearthd");
    } else {
      ASSERT_TRUE(lab.signal_daemon(leader, "hearthd", SIGTERM));
      ASSERT_TRUE(wait_until([&] { return lab.daemon_pid(leader, "hearthd") == 0; }, 10s));
    }
    lab.revive(leader);
    EXPECT_NE(lab.daemon_pid(leader, "hearthd"), 0);
    EXPECT_NE(lab.daemon_pid(leader, "hearthd"), before) << "a new process";
    auto healthy = lab.wait_healthy(30s);
    ASSERT_TRUE(healthy.has_value()) << "round " << round << ": the cluster did not settle after "
                                     << leader << "'s hearthd restarted";
    std::cout << (round == 0 ? "crash" : "SIGTERM") << " + restart of the leader " << leader
              << "'s hearthd: healthy again after " << healthy->count() << " ms, leader now "
              << leader_of(lab.cluster_status("r510")) << '\n';

    // A follower restarts too, while the cluster is busy applying.
    std::string follower =
        lab.state().nodes[0].name == leader ? lab.state().nodes[1].name : lab.state().nodes[0].name;
    lab.kill_process(follower, "hearthd");
    lab.revive(follower);
    ASSERT_TRUE(lab.wait_healthy(30s).has_value());
  }

  // State intact: the spec revision everywhere, and each node's API token (its data dir).
  for (const auto& node : lab.state().nodes) {
    auto status = lab.cluster_status(node.name);
    EXPECT_EQ(spec_revision(status), revision) << node.name;
    if (status["this_node"].is_object()) {
      EXPECT_EQ(status["this_node"].value("spec_revision", 0LL), revision)
          << node.name << " follows it";
    }
    EXPECT_EQ(read_text_file(node.host_data_dir + "/api-token"), tokens[node.name]) << node.name;
  }
  // Settled: exactly one node leads, and it is the one every node's record names.
  auto settled = wait_until(
      [&] {
        std::string claimed;
        int leading = 0;
        for (const auto& node : lab.state().nodes) {
          auto status = lab.cluster_status(node.name);
          if (status["this_node"].is_object() && status["this_node"].value("leader", false)) {
            ++leading;
            claimed = node.name;
          }
        }
        return leading == 1 && leader_of(lab.cluster_status("r530")) == claimed;
      },
      10s);
  EXPECT_TRUE(settled.has_value()) << "no single leader 10 s after the last restart";
  // Keep watching past the old leases' expiry (2 s TTL), when a stale leader would show.
  std::this_thread::sleep_for(3s);
  watch.stop();
  EXPECT_GT(watch.samples(), 10);
  EXPECT_EQ(watch.duplicates(), std::vector<std::string>{}) << "two nodes led at the same time";
}

}  // namespace
}  // namespace hearth::lab::testing
