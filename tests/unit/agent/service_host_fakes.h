#pragma once
// Fakes of the engines under NodeServiceHost (agent/service_host.h), and the fixture of its tests:
// a host over a temporary directory and engines that record what they were asked.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agent/service_host.h"

namespace hearth::agent::testing {

namespace fs = std::filesystem;

// A grace that only catches a hang: the tests end a stop by an event (the container exits).
inline constexpr std::chrono::seconds kGraceOfAHang{60};

// Engines that must not be reached by what these tests do.
class NoRuntime final : public ContainerRuntime {
 public:
  Result<std::vector<ContainerInfo>> list() override {
    if (killed_ && exits_after_checks && checks_since_kill_++ == *exits_after_checks) {
      for (auto& container : containers) {
        container.status = ContainerInfo::Status::stopped;
        if (journal) journal->push_back("exited " + container.id);
      }
    }
    return containers;
  }
  Status run(const std::string&, const std::string&, const std::string&) override {
    return Error{"not here"};
  }
  Status kill(const std::string& id, int) override {
    killed_ = true;
    if (journal) journal->push_back("kill " + id);
    return ok_status();
  }
  Status remove(const std::string& id) override {
    removed.push_back(id);
    if (journal) journal->push_back("remove container " + id);
    return ok_status();
  }
  std::vector<ContainerInfo> containers;
  // When set: once killed, the containers exit (are listed stopped) at the list() call after
  // this many, i.e. at that exit check of NodeServiceHost::stop. Unset: they never exit.
  std::optional<int> exits_after_checks;
  std::vector<std::string> removed;
  std::vector<std::string>* journal = nullptr;  // every call in order, when set

 private:
  bool killed_ = false;
  int checks_since_kill_ = 0;
};

class NoNetworks final : public ServiceNetworks {
 public:
  std::string netns_path(const std::string& s) const override { return "/run/netns/x-" + s; }
  Result<std::vector<std::string>> list() override { return namespaces; }
  Result<std::string> interface_on(const Cidr&, const std::string&) override {
    return Error{"not here"};
  }
  Status create(const ServiceNetworkConfig&) override { return Error{"not here"}; }
  Status remove(const std::string& service) override {
    removed.push_back(service);
    if (journal) journal->push_back("remove address " + service);
    return ok_status();
  }
  Status expose(const ServiceNetworkConfig&) override { return Error{"not here"}; }
  Status refuse_new_connections(const std::string& service) override {
    if (journal) journal->push_back("refuse new connections " + service);
    refused_at = std::chrono::steady_clock::now();
    return ok_status();
  }
  std::vector<std::string> namespaces, removed;
  std::vector<std::string>* journal = nullptr;
  std::chrono::steady_clock::time_point refused_at;  // of the last refuse_new_connections()
};

class NoProber final : public HealthProber {
 public:
  ProbeResult probe(const std::string&, Ipv4, const HealthCheck&) override { return {}; }
};

class NodeServiceHostTest : public ::testing::Test {
 protected:
  NodeServiceHostTest()
      : dir_(fs::temp_directory_path() / ("hearth-service-host-" + std::to_string(::getpid()))),
        host_({dir_.string(), "r510"}, runtime_, networks_, prober_) {
    fs::create_directories(dir_);
  }
  ~NodeServiceHostTest() override { fs::remove_all(dir_); }

  fs::path dir_;
  NoRuntime runtime_;
  NoNetworks networks_;
  NoProber prober_;
  NodeServiceHost host_;
};

}  // namespace hearth::agent::testing
