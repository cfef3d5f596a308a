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
// Lab tests need root (they skip without it) and run one at a time (RUN_SERIAL).

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/process.h"
#include "lab/lab_state.h"

namespace hearth::lab::testing {

std::string hearth_binary();   // <build>/hearth
std::string hearthd_binary();  // <build>/hearthd
std::string example_spec();    // <source>/examples/homelab.yaml
bool running_as_root();

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
  std::vector<std::string> created_dirs;    // outside kLabRoot
  static LabFootprint observe();            // from lab.json and the machine; empty with no lab
};

// Everything of the lab still on the machine, one line each; empty when clean: namespaces named
// hearth-*, mounts under kLabRoot or the footprint's dirs, kLabRoot itself, the footprint's dirs,
// processes of the footprint, processes still inside its namespaces.
std::vector<std::string> lab_leftovers(const LabFootprint& footprint);

// A lab for one test (or one test suite). Its destructor runs `hearth lab down`.
class LabUp {
 public:
  explicit LabUp(std::string spec = example_spec(), std::vector<std::string> extra_args = {});
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

 private:
  bool ok_ = false;
  bool down_ = false;
  std::string output_;
  std::chrono::milliseconds took_{0};
  LabState state_;
};

// Polls `condition` every `step` until it holds or `limit` passes; how long it took, or nullopt.
std::optional<std::chrono::milliseconds> wait_until(const std::function<bool()>& condition,
                                                    std::chrono::milliseconds limit,
                                                    std::chrono::milliseconds step = std::chrono::milliseconds(100));

}  // namespace hearth::lab::testing
