#pragma once
// A real, single-member etcd for tests: on 127.0.0.1 with two free ports and a temporary data
// directory; killed, reaped and removed when the object goes away (common/process.h's Child).
// Tests that need it skip (GTEST_SKIP) when the etcd binary is not installed: a failure as root,
// where scripts/install-deps has installed it (tests/support/skip_rule.h).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../free_port.h"
#include "cluster/etcd_member.h"
#include "cluster/etcd_store.h"
#include "common/process.h"

namespace hearth::cluster::testing {

using hearth::testing::free_loopback_port;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hearth-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class EtcdProcess {
 public:
  // Why etcd is not available, or empty when it is installed.
  static std::string unavailable_reason() {
    if (!find_program("etcd")) {
      return "the etcd binary is not installed (package etcd-server; run scripts/install-deps): "
             "skipping the tests against a real etcd";
    }
    return "";
  }

  // Starts etcd and waits until it answers (up to 60 s: only a hang takes that long). Error if it
  // cannot.
  static Result<std::unique_ptr<EtcdProcess>> start() {
    auto etcd = std::unique_ptr<EtcdProcess>(new EtcdProcess());
    if (etcd->dir_.path().empty()) return Error{"cannot create a temporary directory for etcd"};
    int client_port = free_loopback_port();
    int peer_port = free_loopback_port();
    while (peer_port == client_port) peer_port = free_loopback_port();
    etcd->endpoint_ = "http://127.0.0.1:" + std::to_string(client_port);
    std::string peer = "http://127.0.0.1:" + std::to_string(peer_port);
    Command command;
    command.argv = {"etcd",
                    "--name=test",
                    "--data-dir=" + etcd->dir_.path() + "/data",
                    "--listen-client-urls=" + etcd->endpoint_,
                    "--advertise-client-urls=" + etcd->endpoint_,
                    "--listen-peer-urls=" + peer,
                    "--initial-advertise-peer-urls=" + peer,
                    "--initial-cluster=test=" + peer,
                    "--heartbeat-interval=" + std::to_string(kEtcdHeartbeatIntervalMs),
                    "--election-timeout=" + std::to_string(kEtcdElectionTimeoutMs),
                    "--logger=zap",
                    "--log-outputs=stderr"};
    command.out = Output::file;
    command.err = Output::merge;
    command.output_file = etcd->dir_.path() + "/etcd.log";
    command.own_process_group = true;
    auto child = Child::start(command);
    if (!child) return child.error();
    etcd->child_.emplace(std::move(*child));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (etcd_member_status(etcd->endpoint_, std::chrono::milliseconds(300)).reachable) {
        return etcd;
      }
      if (auto done = etcd->child_->wait_for(std::chrono::milliseconds(100))) {
        return Error{"etcd exited at start (" + done->describe() + "); see its log " +
                     command.output_file};
      }
    }
    return Error{"etcd did not answer on " + etcd->endpoint_ + " within 60 s"};
  }

  ~EtcdProcess() {
    if (child_) child_->stop(std::chrono::seconds(2));
  }
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  const std::string& endpoint() const { return endpoint_; }
  pid_t pid() const { return child_ ? child_->pid() : -1; }

 private:
  EtcdProcess() = default;
  TempDir dir_;  // destroyed after child_ (declared first): etcd is gone before its files
  std::optional<Child> child_;
  std::string endpoint_;
};

// A real three-member etcd cluster, every member on 127.0.0.1 with its own free ports and data
// directory; members are named like the nodes of test_spec.h. Killed and removed with the object.
class EtcdCluster {
 public:
  static Result<std::unique_ptr<EtcdCluster>> start(const std::vector<std::string>& names) {
    auto cluster = std::unique_ptr<EtcdCluster>(new EtcdCluster());
    if (cluster->dir_.path().empty()) return Error{"cannot create a temporary directory"};
    std::vector<int> ports;
    while (ports.size() < 2 * names.size()) {
      int port = free_loopback_port();
      if (port != 0 && std::find(ports.begin(), ports.end(), port) == ports.end()) {
        ports.push_back(port);
      }
    }
    std::string initial;
    for (std::size_t i = 0; i < names.size(); ++i) {
      initial +=
          (i ? "," : "") + names[i] + "=http://127.0.0.1:" + std::to_string(ports[2 * i + 1]);
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::string client = "http://127.0.0.1:" + std::to_string(ports[2 * i]);
      std::string peer = "http://127.0.0.1:" + std::to_string(ports[2 * i + 1]);
      Command command;
      command.argv = {"etcd",
                      "--name=" + names[i],
                      "--data-dir=" + cluster->dir_.path() + "/" + names[i],
                      "--listen-client-urls=" + client,
                      "--advertise-client-urls=" + client,
                      "--listen-peer-urls=" + peer,
                      "--initial-advertise-peer-urls=" + peer,
                      "--initial-cluster=" + initial,
                      "--initial-cluster-token=hearth-test",
                      "--heartbeat-interval=" + std::to_string(kEtcdHeartbeatIntervalMs),
                      "--election-timeout=" + std::to_string(kEtcdElectionTimeoutMs),
                      "--logger=zap",
                      "--log-outputs=stderr"};
      command.out = Output::file;
      command.err = Output::merge;
      command.output_file = cluster->dir_.path() + "/" + names[i] + ".log";
      command.own_process_group = true;
      auto child = Child::start(command);
      if (!child) return child.error();
      cluster->members_.push_back(std::make_unique<Child>(std::move(*child)));
      cluster->endpoints_.push_back(client);
    }
    // Ready when a linearizable write through the first member succeeds (60 s: a hang).
    EtcdKeyValueStore store(cluster->endpoints_[0], std::chrono::milliseconds(1000));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (store.put("/test/ready", "yes", 0).ok()) return cluster;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Error{"the 3-member etcd cluster did not become writable within 60 s; logs in " +
                 cluster->dir_.path()};
  }

  ~EtcdCluster() {
    for (auto& member : members_) {
      if (member) member->stop(std::chrono::seconds(2));
    }
  }
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  const std::string& endpoint(std::size_t i) const { return endpoints_[i]; }
  // SIGKILL, like a power cut of that machine's etcd.
  void kill(std::size_t i) {
    if (members_[i]) {
      members_[i]->signal(SIGKILL);
      members_[i]->wait();
      members_[i].reset();
    }
  }

 private:
  EtcdCluster() = default;
  TempDir dir_;
  std::vector<std::unique_ptr<Child>> members_;
  std::vector<std::string> endpoints_;
};

}  // namespace hearth::cluster::testing
