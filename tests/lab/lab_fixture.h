#pragma once
// The lab tests' fixture: brings a lab up with the real `hearth lab up` (the binaries built beside
// the tests), runs commands in its nodes and clients, and always tears it down again.
//
//   TEST(Quorum, ...) {
//     LabUp lab;                                   // hearth lab up -f examples/homelab.yaml
//     ASSERT_TRUE(lab.ok()) << lab.output();
//     auto done = lab.exec("r510", {"etcdctl", "endpoint", "health"});
//     lab.kill_power("r510"); ... lab.revive("r510");
//   }                                              // hearth lab down, whatever happened
//
// Lab tests need root (without it their main, lab_main.cpp, runs nothing and exits 77) and run
// one at a time (RUN_SERIAL). They own the
// machine's lab while they run: a lab left up (e.g. by a test killed at its timeout) is taken
// down before a new one is brought up.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/process.h"
#include "lab/lab_state.h"

namespace hearth::lab::testing {

std::string hearth_binary();   // <build>/hearth
std::string hearthd_binary();  // <build>/hearthd
std::string example_spec();    // <source>/examples/homelab.yaml

// Runs `hearth ARGS...` with output captured (stderr separately). A failure to start is reported
// as exit code 127 with the reason in `err`.
Completed hearth(const std::vector<std::string>& args,
                 std::chrono::milliseconds timeout = std::chrono::seconds(180));

// The parts of the root network namespace the lab must never touch.
struct HostNetwork {
  std::string addresses;   // ip -o addr
  std::string routes;      // ip route (IPv4), ip -6 route
  std::string links;       // ip -o link (names and flags; counters excluded)
  std::string forwarding;  // /proc/sys/net/ipv4/ip_forward
  static HostNetwork observe();
  bool operator==(const HostNetwork&) const = default;
};

// What a running lab is made of, recorded so a test can prove later that all of it is gone.
struct LabFootprint {
  std::vector<std::string> namespaces;      // netns names
  std::vector<std::uint64_t> netns_inodes;  // to find processes still inside them
  std::vector<pid_t> pids;                  // every process in the lab's namespaces
  std::vector<std::uint64_t> start_times;   // of each of `pids`, so a reused PID is not theirs
  static LabFootprint observe();            // from lab.json and the machine; empty with no lab
};

// Everything of the lab still on the machine, one line each; empty when clean: namespaces named
// hearth-*, mounts under kLabRoot or the footprint's dirs, kLabRoot itself, the footprint's dirs,
// processes of the footprint, processes still inside its namespaces.
std::vector<std::string> lab_leftovers(const LabFootprint& footprint);

// Takes down a lab left up by an earlier run, saying so on stdout; adds a test failure if that
// fails. Returns true when no lab is up afterwards.
bool take_down_leftover_lab();

// A lab for one test (or one test suite). Its destructor runs `hearth lab down`.
class LabUp {
 public:
  // What to do with a lab that is already up (left by an earlier run, or on purpose).
  enum class Existing {
    take_down,  // take_down_leftover_lab() first: a fresh lab
    keep,       // let `hearth lab up` deal with it (already up / half made)
  };
  explicit LabUp(std::string spec = example_spec(), std::vector<std::string> extra_args = {},
                 Existing existing = Existing::take_down);
  ~LabUp();
  LabUp(const LabUp&) = delete;
  LabUp& operator=(const LabUp&) = delete;

  bool ok() const { return ok_; }
  const std::string& output() const { return output_; }  // of `hearth lab up`, for messages
  std::chrono::milliseconds took() const { return took_; }
  const LabState& state() const { return state_; }

  // `hearth lab exec NAME -- ARGV...`, output captured.
  Completed exec(const std::string& name, const std::vector<std::string>& argv,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // `hearth lab kill NODE --power`, `... --process [--daemon D]`, `hearth lab revive NODE`;
  // each adds a test failure (with hearth's output) if it fails.
  void kill_power(const std::string& node) const;
  void kill_process(const std::string& node, const std::string& daemon = "") const;
  void revive(const std::string& node) const;

  // `hearth lab status --json`.
  nlohmann::json status() const;

  // Runs `hearth lab down` now (the destructor then does nothing); its output.
  Completed down();

  // --- The cluster, through hearthd's API (the real `hearth status` / `hearth apply`) ---

  // `hearth status --json --node NODE`: the cluster as NODE's hearthd sees it; null when it does
  // not answer (or answers no JSON).
  nlohmann::json cluster_status(const std::string& node) const;

  // True when every node's hearthd reports quorum, every node alive and the same leader.
  bool cluster_healthy() const;

  // Waits (polling) until cluster_healthy(); how long it took, or nullopt after `limit`.
  std::optional<std::chrono::milliseconds> wait_healthy(
      std::chrono::milliseconds limit = std::chrono::seconds(30)) const;

  // `hearth apply -f SPEC [--node NODE]`.
  Completed apply(const std::string& spec, const std::string& node = "") const;

  // Sends `signal` to one daemon of a node (by the PID in its pid file); false if not running.
  bool signal_daemon(const std::string& node, const std::string& daemon, int signal) const;

  // The PID of a running daemon of a node, or 0.
  pid_t daemon_pid(const std::string& node, const std::string& daemon) const;

 private:
  bool ok_ = false;
  bool down_ = false;
  std::string output_;
  std::chrono::milliseconds took_{0};
  LabState state_;
};

// In a `hearth status --json` answer: the state ("alive", "dead") of a node, "" if not listed;
// the leader's node name, "" if none.
std::string node_state(const nlohmann::json& status, const std::string& node);
std::string leader_of(const nlohmann::json& status);
bool has_quorum(const nlohmann::json& status);

// Writes a copy of the example spec that differs by one extra DNS record (lab-test-N, a fresh
// address per N), so each apply is a new spec revision. Returns its path (under /tmp).
std::string example_spec_variant(int n);

// Polls `condition` every `step` until it holds or `limit` passes; how long it took, or nullopt.
std::optional<std::chrono::milliseconds> wait_until(
    const std::function<bool()>& condition, std::chrono::milliseconds limit,
    std::chrono::milliseconds step = std::chrono::milliseconds(100));

// A test suite that shares one lab: brought up before its first test, taken down after its last;
// each test starts with it up. One lab per suite:
// `class Quorum : public SharedLabSuite<Quorum> { ... }`.
template <typename Suite>
class SharedLabSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { lab_ = std::make_unique<LabUp>(); }
  static void TearDownTestSuite() { lab_.reset(); }
  void SetUp() override { ASSERT_TRUE(lab_->ok()) << lab_->output(); }

  // Brings back whatever an earlier test cut or killed, then waits until the cluster is healthy.
  // Call through ASSERT_NO_FATAL_FAILURE.
  static void revive_all_and_wait_healthy(std::chrono::milliseconds limit) {
    for (const auto& node : lab_->state().nodes) lab_->revive(node.name);
    ASSERT_TRUE(lab_->wait_healthy(limit).has_value())
        << "the cluster is not healthy before the test";
  }

  inline static std::unique_ptr<LabUp> lab_;
};

}  // namespace hearth::lab::testing
