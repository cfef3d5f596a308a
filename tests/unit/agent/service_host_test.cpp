#include "agent/service_host.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "spec/load.h"

namespace hearth::agent {
namespace {

namespace fs = std::filesystem;

// Engines that must not be reached by what these tests do.
class NoRuntime final : public ContainerRuntime {
 public:
  Result<std::vector<ContainerInfo>> list() override { return containers; }
  Status run(const std::string&, const std::string&, const std::string&) override {
    return Error{"not here"};
  }
  Status kill(const std::string&, int) override { return Error{"not here"}; }
  Status remove(const std::string& id) override {
    removed.push_back(id);
    return ok_status();
  }
  std::vector<ContainerInfo> containers;
  std::vector<std::string> removed;
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
    return ok_status();
  }
  void announce(const std::string&, Ipv4) override {}
  std::vector<std::string> namespaces, removed;
};

class NoProber final : public HealthProber {
 public:
  ProbeResult probe(const std::string&, Ipv4, const HealthCheck&) override { return {}; }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

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

TEST_F(NodeServiceHostTest, ALogOverItsCapIsRotatedIntoTheOlderHalf) {
  ServiceLayout layout{dir_.string(), "r510"};
  fs::create_directories(layout.service_dir("homepage"));
  std::string big(kLogCap + 10, 'x');
  std::ofstream(layout.log_file("homepage")) << big;
  std::ofstream(layout.old_log_file("homepage")) << "much older\n";
  fs::create_directories(layout.service_dir("notes"));
  std::ofstream(layout.log_file("notes")) << "small\n";
  host_.rotate_logs();
  EXPECT_EQ(read_all(layout.old_log_file("homepage")), big) << "the older half replaced";
  EXPECT_EQ(fs::file_size(layout.log_file("homepage")), 0u) << "truncated, not removed";
  EXPECT_EQ(read_all(layout.log_file("notes")), "small\n") << "under the cap: untouched";
  EXPECT_FALSE(fs::exists(layout.old_log_file("notes")));
}

TEST_F(NodeServiceHostTest, ObserveJoinsContainersAndNamespacesOfHearthOnly) {
  runtime_.containers = {{"hearth-homepage", ContainerInfo::Status::running, 42},
                         {"hearth-notes", ContainerInfo::Status::stopped, 0},
                         {"someone-else", ContainerInfo::Status::running, 7}};
  networks_.namespaces = {"homepage", "whoami"};
  ServiceLayout layout{dir_.string(), "r510"};
  fs::create_directories(layout.service_dir("homepage"));
  std::ofstream(layout.started_from_file("homepage")) << "fingerprint\nwith lines";
  auto observed = host_.observe();
  ASSERT_TRUE(observed) << observed.error().message;
  ASSERT_EQ(observed->size(), 3u);
  EXPECT_EQ((*observed)[0].service, "homepage");
  EXPECT_TRUE((*observed)[0].container && (*observed)[0].running && (*observed)[0].network);
  EXPECT_EQ((*observed)[0].started_from, "fingerprint\nwith lines");
  EXPECT_EQ((*observed)[1].service, "notes");
  EXPECT_TRUE((*observed)[1].container);
  EXPECT_FALSE((*observed)[1].running);
  EXPECT_FALSE((*observed)[1].network);
  EXPECT_EQ((*observed)[2].service, "whoami");
  EXPECT_FALSE((*observed)[2].container);
  EXPECT_TRUE((*observed)[2].network);
}

TEST_F(NodeServiceHostTest, StopEverythingRemovesAddressesThenContainersOfHearthOnly) {
  runtime_.containers = {{"hearth-homepage", ContainerInfo::Status::running, 42},
                         {"someone-else", ContainerInfo::Status::running, 7}};
  networks_.namespaces = {"homepage", "notes"};
  ASSERT_TRUE(host_.stop_everything());
  EXPECT_EQ(networks_.removed, (std::vector<std::string>{"homepage", "notes"}));
  EXPECT_EQ(runtime_.removed, (std::vector<std::string>{"hearth-homepage"}));
}

TEST_F(NodeServiceHostTest, AServiceWaitsForItsVolumes) {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  ASSERT_TRUE(loaded.ok());
  const Service& homepage = *loaded.spec->find_service("homepage");
  StartRequest request{&homepage, loaded.spec->find_network("services"), homepage.address.value(),
                       "", ""};
  auto reason = host_.not_ready(request);
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("volume appdata is not mounted"), std::string::npos) << *reason;
  fs::create_directories(dir_ / "volumes" / "appdata");
  EXPECT_FALSE(host_.not_ready(request));
}

TEST_F(NodeServiceHostTest, ImageServicesAreRefusedWithTheReason) {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  ASSERT_TRUE(loaded.ok());
  Service service = *loaded.spec->find_service("homepage");
  service.rootfs.clear();
  service.image = "traefik/whoami";
  service.volumes.clear();
  fs::create_directories(dir_ / "volumes");
  StartRequest request{&service, loaded.spec->find_network("services"), *Ipv4::parse("10.1.2.130"),
                       "", ""};
  FenceGate gate;
  Status started = host_.start(request, gate);
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("rootfs directory only"), std::string::npos)
      << started.error().message;
}

}  // namespace
}  // namespace hearth::agent
