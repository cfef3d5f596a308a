// Scenario lab_failover: a service moves to the other server with its address and its data, and
// never has two owners. Lab up with the example spec; `homepage` serves a token written into its
// volume directory on both servers; a client in the `home` namespace asks for it every 50 ms.
//   - power cut of the node running it (links down: to its peers, a dead node; to itself, a
//     partition): it answers again from the other server at the same address with the same token
//     (the time from the cut is printed); sampling both servers' service namespaces every ~100 ms
//     shows the address never on both, and the cut node dropping it before the survivor takes it;
//     revived, the node that `prefer`s it gets it back through a handover, again never on both.
//   - hearthd, etcd and glusterd of the node running it killed (--process): the same.
//   - drain of the node running it with a patient client (connect timeout 6 s, as a browser):
//     no request fails; the longest answer time (the gap) is printed; undrain.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "lab_fixture.h"
#include "volume_helpers.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kService = "homepage";
constexpr const char* kAddress = "10.1.2.130";  // fixed in examples/homelab.yaml
constexpr const char* kVolumeDir = "/var/lib/hearth/volumes/appdata/homepage";
constexpr const char* kServiceNetns = "hearth-svc-homepage";  // the service's namespace on a node

long long wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const nlohmann::json* assignment_of(const nlohmann::json& status) {
  if (!status.is_object() || !status["assignments"].is_array()) return nullptr;
  for (const auto& a : status["assignments"]) {
    if (a.value("service", "") == kService) return &a;
  }
  return nullptr;
}

// A client in `home` asking the service every 50 ms; one line per answer:
// "<wall ms> <curl exit code> <duration ms> <body>".
class Client {
 public:
  Client(const std::string& curl_options, const std::string& pause) {
    static int counter = 0;
    log_ = "/tmp/hearth-lab-failover-client-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter++) + ".log";
    std::string loop = "while :; do s=$(date +%s%3N); out=$(curl -s " + curl_options + " http://" +
                       kAddress + "/index.html 2>/dev/null); rc=$?; e=$(date " +
                       "+%s%3N); echo \"$e $rc $((e - s)) $out\"; sleep " + pause + "; done";
    auto child =
        Child::start({.argv = {hearth_binary(), "lab", "exec", "home", "--", "sh", "-c", loop},
                      .out = Output::file,
                      .err = Output::discard,
                      .output_file = log_,
                      .own_process_group = true});
    EXPECT_TRUE(child.ok()) << (child.ok() ? "" : child.error().message);
    if (child.ok()) child_ = std::make_unique<Child>(std::move(*child));
  }
  ~Client() {
    if (child_) child_->stop(1s);
    std::remove(log_.c_str());
  }

  struct Answer {
    long long at = 0;
    int code = -1;
    long long took_ms = 0;
    std::string body;
  };
  std::vector<Answer> answers() const {
    std::vector<Answer> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      Answer a;
      if (!(fields >> a.at >> a.code >> a.took_ms)) continue;
      std::getline(fields, a.body);
      out.push_back(a);
    }
    return out;
  }
  // When the first request started after `after` was answered with `token` (an answer to a
  // request sent before proves nothing about after).
  std::optional<long long> first_good(const std::string& token, long long after) const {
    for (const auto& a : answers()) {
      if (a.at - a.took_ms > after && a.code == 0 && a.body.find(token) != std::string::npos) {
        return a.at;
      }
    }
    return std::nullopt;
  }

 private:
  std::string log_;
  std::unique_ptr<Child> child_;
};

// Samples, on both servers, whether the service's address is configured in its namespace.
class AddressSampler {
 public:
  struct Sample {
    long long at = 0;
    std::map<std::string, bool> holds;
  };
  AddressSampler(const LabUp& lab, std::vector<std::string> servers)
      : lab_(lab), servers_(std::move(servers)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        Sample sample;
        sample.at = wall_ms();
        for (const auto& server : servers_) {
          auto addr = lab_.exec(
              server, {"ip", "netns", "exec", kServiceNetns, "ip", "-4", "-o", "addr", "show"}, 5s);
          sample.holds[server] =
              addr.succeeded() && addr.out.find(std::string(kAddress) + "/") != std::string::npos;
        }
        std::lock_guard lock(mutex_);
        samples_.push_back(sample);
      }
    });
  }
  ~AddressSampler() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Sample> samples() {
    std::lock_guard lock(mutex_);
    return samples_;
  }
  // How many samples were taken at or after `since` (wall ms), with the address on `holder` if
  // one is given.
  std::size_t count_since(long long since, const std::string& holder = "") {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const auto& s : samples_) {
      if (s.at >= since && (holder.empty() || s.holds.at(holder))) ++count;
    }
    return count;
  }

 private:
  const LabUp& lab_;
  std::vector<std::string> servers_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Sample> samples_;
  std::thread thread_;
};

// No sample with the address on two servers; returns how many samples were taken.
std::size_t expect_never_two_owners(const std::vector<AddressSampler::Sample>& samples) {
  for (const auto& s : samples) {
    int owners = 0;
    std::string who;
    for (const auto& [server, holds] : s.holds) {
      if (holds) {
        ++owners;
        who += " " + server;
      }
    }
    EXPECT_LE(owners, 1) << "the address on" << who << " at " << s.at;
  }
  return samples.size();
}

class Failover : public SharedLabSuite<Failover> {
 protected:
  static void SetUpTestSuite() {
    SharedLabSuite::SetUpTestSuite();
    std::mt19937 random(static_cast<unsigned>(wall_ms()));
    token_ = "lab-failover-" + std::to_string(random());
  }

  void SetUp() override {
    SharedLabSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(revive_all_and_wait_healthy(60s));
    // The token goes into the volume itself (hearthd mounts it ~12 s after lab up, and a
    // service starts only on the mount), through each server's mount.
    ASSERT_TRUE(wait_until([&] { return volume_ready(*lab_, "r530", "appdata"); }, 180s, 500ms))
        << "appdata is not mounted on both servers";
    for (const char* server : {"r510", "r530"}) {
      auto made = lab_->exec(server, {"sh", "-c",
                                      std::string("mkdir -p ") + kVolumeDir + " && echo " + token_ +
                                          " > " + kVolumeDir + "/index.html"});
      ASSERT_TRUE(made.succeeded()) << made.describe() << made.err;
    }
  }

  // The node `homepage` is assigned to, once it is active there and nothing else moves.
  std::string settled_owner(std::chrono::milliseconds limit = 60s) {
    std::string owner;
    wait_until(
        [&] {
          for (const char* node : {"r530", "r510", "elitedesk"}) {
            auto status = lab_->cluster_status(node);
            const auto* a = assignment_of(status);
            if (a == nullptr || !has_quorum(status)) continue;
            if (a->value("state", "") == "active" && (*a)["node"].is_string()) {
              owner = (*a)["node"];
              return true;
            }
            return false;
          }
          return false;
        },
        limit, 200ms);
    return owner;
  }

  std::string assigned_now(const std::string& except) {
    for (const char* node : {"r530", "r510", "elitedesk"}) {
      if (node == except) continue;
      auto status = lab_->cluster_status(node);
      const auto* a = assignment_of(status);
      if (a != nullptr && has_quorum(status)) {
        return (*a)["node"].is_string() ? (*a)["node"].get<std::string>() : "";
      }
    }
    return "";
  }

  // Cuts the owner with `kill`, then checks the move, its time, and the owners over time.
  void fail_over(const std::function<void(const std::string&)>& kill, const char* how) {
    Client client("-m 0.4", "0.05");
    std::string owner = settled_owner();
    ASSERT_FALSE(owner.empty()) << "homepage never settled";
    ASSERT_TRUE(wait_until([&] { return client.first_good(token_, 0).has_value(); }, 30s))
        << "homepage does not answer with its token from home";
    std::string survivor = owner == "r510" ? "r530" : "r510";

    AddressSampler sampler(*lab_, {"r510", "r530"});
    // A few samples with the address on the owner before the cut.
    ASSERT_TRUE(wait_until([&] { return sampler.count_since(0, owner) >= 3; }, 60s))
        << owner << " is not seen holding " << kAddress << "\n"
        << diagnosis();
    long long cut = wall_ms();
    kill(owner);
    long long done = wall_ms();  // requests sent before this may still have reached `owner`
    ASSERT_TRUE(wait_until([&] { return client.first_good(token_, done).has_value(); }, 30s))
        << "no good answer within 30 s of the " << how;
    long long answered = *client.first_good(token_, done);
    std::cout << "[ measured ] " << how << " of " << owner << ": homepage answered from home "
              << answered - cut << " ms after it\n";
    EXPECT_EQ(assigned_now(owner), survivor);
    // Sampling goes on after the answer: a few samples with the address on the survivor, to see
    // that the cut node does not take it back (a hang-catching deadline).
    EXPECT_TRUE(wait_until([&] { return sampler.count_since(answered, survivor) >= 5; }, 60s))
        << survivor << " is not seen holding " << kAddress << " after it answered";
    sampler.stop();
    auto samples = sampler.samples();
    EXPECT_GT(expect_never_two_owners(samples), 5u);
    long long last_old = 0, first_new = 0;
    for (const auto& s : samples) {
      if (s.holds.at(owner)) last_old = s.at;
      if (s.holds.at(survivor) && first_new == 0) first_new = s.at;
    }
    EXPECT_GT(first_new, 0) << survivor << " never held the address";
    EXPECT_LT(last_old, first_new)
        << owner << " still held the address after " << survivor << " took it";
    std::cout << "[ measured ] " << owner << " last seen holding the address " << last_old - cut
              << " ms after the " << how << ", " << survivor << " first seen " << first_new - cut
              << " ms after it (" << samples.size() << " samples)\n";

    // Back: the node that prefers it gets it back through a handover, never two owners.
    AddressSampler back(*lab_, {"r510", "r530"});
    lab_->revive(owner);
    ASSERT_TRUE(lab_->wait_healthy(60s).has_value());
    if (owner == "r510") {  // homepage prefers r510
      EXPECT_TRUE(wait_until([&] { return assigned_now("") == "r510"; }, 40s, 250ms))
          << "homepage did not move back to its preferred r510";
      long long returned = wall_ms();
      EXPECT_TRUE(wait_until([&] { return client.first_good(token_, returned).has_value(); }, 30s));
    }
    back.stop();
    expect_never_two_owners(back.samples());
  }

  // What the service looks like from everywhere, for a failure message: its assignment and
  // status, the address in both servers' service namespaces, the home client's view of it.
  std::string diagnosis() {
    std::ostringstream out;
    auto status = lab_->cluster_status("elitedesk");
    if (const auto* a = assignment_of(status)) out << "assignment: " << a->dump() << "\n";
    if (status.is_object() && status["services"].is_array()) {
      for (const auto& s : status["services"]) {
        if (s.value("name", "") == kService) out << "service: " << s.dump() << "\n";
      }
    }
    for (const char* server : {"r510", "r530"}) {
      auto addr = lab_->exec(server, {"ip", "netns", "exec", kServiceNetns, "ip", "-o", "addr"});
      out << server << " " << kServiceNetns << ": " << addr.out << addr.err << "\n";
      auto crun = lab_->exec(server, {"sh", "-c", "crun --root /var/lib/hearth/crun list 2>&1"});
      out << server << " crun: " << crun.out << crun.err << "\n";
    }
    auto neigh = lab_->exec("home", {"ip", "neigh"});
    out << "home neighbours: " << neigh.out << "\n";
    auto curl = lab_->exec(
        "home", {"curl", "-sv", "-m", "3", std::string("http://") + kAddress + "/index.html"});
    out << "home curl: " << curl.out << curl.err << "\n";
    return out.str();
  }

  static std::string token_;
};

std::string Failover::token_;

TEST_F(Failover, PowerCutMovesTheServiceWithItsAddressAndDataNeverTwoOwners) {
  fail_over([](const std::string& node) { lab_->kill_power(node); }, "power cut");
}

TEST_F(Failover, KilledDaemonsMoveTheServiceToo) {
  fail_over([](const std::string& node) { lab_->kill_process(node); }, "daemon kill");
}

TEST_F(Failover, DrainHandsTheServiceOverWithoutAFailedRequest) {
  std::string owner = settled_owner();
  ASSERT_FALSE(owner.empty());
  std::string other = owner == "r510" ? "r530" : "r510";
  Client patient("--connect-timeout 6 -m 8", "0.1");
  ASSERT_TRUE(wait_until([&] { return patient.first_good(token_, 0).has_value(); }, 30s));
  long long start = wall_ms();
  Completed drained = hearth({"drain", owner, "--timeout", "60"});
  EXPECT_TRUE(drained.succeeded()) << drained.out << drained.err;
  EXPECT_EQ(assigned_now(""), other);
  long long handed_over = wall_ms();
  ASSERT_TRUE(wait_until([&] { return patient.first_good(token_, handed_over).has_value(); }, 30s))
      << "no good answer within 30 s of the drain\n"
      << diagnosis();
  Completed undrained = hearth({"undrain", owner});
  EXPECT_TRUE(undrained.succeeded()) << undrained.out << undrained.err;
  if (owner == "r510") {  // preferred: it goes back, through a handover again
    EXPECT_TRUE(wait_until([&] { return assigned_now("") == "r510"; }, 40s, 250ms));
  }
  long long back = wall_ms();
  ASSERT_TRUE(wait_until([&] { return patient.first_good(token_, back).has_value(); }, 30s))
      << "no good answer within 30 s of the undrain\n"
      << diagnosis();
  long long failed = 0, slowest = 0, answered = 0;
  std::string failures;
  for (const auto& a : patient.answers()) {
    if (a.at < start) continue;
    ++answered;
    if (a.code != 0 || a.body.find(token_) == std::string::npos) {
      ++failed;
      failures += "  at +" + std::to_string(a.at - start) + " ms: curl exit " +
                  std::to_string(a.code) + " after " + std::to_string(a.took_ms) + " ms, body '" +
                  a.body + "'\n";
    }
    slowest = std::max(slowest, a.took_ms);
  }
  EXPECT_EQ(failed, 0) << "requests failed during drain/undrain (drained at +"
                       << handed_over - start << " ms, undrained at +" << back - start << " ms):\n"
                       << failures;
  EXPECT_GT(answered, 10);
  std::cout << "[ measured ] drain of " << owner << " and back: " << answered << " requests, "
            << failed << " failed, the slowest took " << slowest << " ms (the handover gap)\n";
}

}  // namespace
}  // namespace hearth::lab::testing
