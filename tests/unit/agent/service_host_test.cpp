#include "agent/service_host.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file.h"
#include "service_host_fakes.h"
#include "spec/load.h"

namespace hearth::agent {
namespace {

namespace fs = std::filesystem;
using testing::NodeServiceHostTest;

TEST_F(NodeServiceHostTest, ALogOverItsCapIsRotatedIntoTheOlderHalf) {
  ServiceLayout layout{dir_.string(), "r510"};
  fs::create_directories(layout.service_dir("homepage"));
  std::string big(kLogCap + 10, 'x');
  std::ofstream(layout.log_file("homepage")) << big;
  std::ofstream(layout.old_log_file("homepage")) << "much older\n";
  fs::create_directories(layout.service_dir("notes"));
  std::ofstream(layout.log_file("notes")) << "small\n";
  host_.rotate_logs();
  EXPECT_EQ(read_text_file(layout.old_log_file("homepage")), big) << "the older half replaced";
  EXPECT_EQ(fs::file_size(layout.log_file("homepage")), 0u) << "truncated, not removed";
  EXPECT_EQ(read_text_file(layout.log_file("notes")), "small\n") << "under the cap: untouched";
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

TEST_F(NodeServiceHostTest, AStoppingServiceThatNoLongerAcceptsRefusesNewConnectionsAtOnce) {
  // A client connecting while the container shuts down must be lost (and retry to the next
  // owner), not refused by a service that no longer listens. The address goes after the kill, so
  // open connections are reset by the dying service instead of hanging.
  // (Its PID is no process: it accepts nothing.) "At once": before it exits (after two exit
  // checks that find it running), not when it has exited or the grace is over.
  std::vector<std::string> journal;
  runtime_.containers = {{"hearth-homepage", ContainerInfo::Status::running, 0x3fffffff}};
  runtime_.exits_after_checks = 2;
  runtime_.journal = &journal;
  networks_.journal = &journal;
  ASSERT_TRUE(host_.stop("homepage", testing::kGraceOfAHang));
  EXPECT_EQ(journal, (std::vector<std::string>{
                         "kill hearth-homepage", "refuse new connections homepage",
                         "exited hearth-homepage", "remove container hearth-homepage",
                         "remove address homepage"}));
}

TEST_F(NodeServiceHostTest, AStopWithoutGraceKillsAtOnce) {
  std::vector<std::string> journal;
  runtime_.containers = {{"hearth-homepage", ContainerInfo::Status::running, ::getpid()}};
  runtime_.journal = &journal;
  networks_.journal = &journal;
  ASSERT_TRUE(host_.stop("homepage", std::chrono::milliseconds(0)));
  EXPECT_EQ(journal, (std::vector<std::string>{"remove container hearth-homepage",
                                               "remove address homepage"}));
}

TEST(ReadinessPort, TheHealthCheckPortElseTheFirstTcpPortElseNone) {
  Service service;
  EXPECT_EQ(readiness_port(service), std::nullopt);
  service.ports = {{53, Protocol::udp}, {8080, Protocol::tcp}, {443, Protocol::tcp}};
  EXPECT_EQ(readiness_port(service), 8080);
  service.health = HealthCheck{.kind = HealthKind::http, .http_path = "/", .port = 9000};
  EXPECT_EQ(readiness_port(service), 9000);
  service.ports = {{53, Protocol::udp}};
  service.health.reset();
  EXPECT_EQ(readiness_port(service), std::nullopt) << "UDP cannot tell";
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
  reason = host_.not_ready(request);
  ASSERT_TRUE(reason) << "a bare directory is not the volume";
  EXPECT_NE(reason->find("no glusterfs mount at " + (dir_ / "volumes" / "appdata").string()),
            std::string::npos)
      << *reason;
}

TEST(VolumesNotMounted, EveryVolumeOfTheServiceNeedsItsGlusterfsMount) {
  Service service;
  service.volumes = {{"appdata", "homepage", "/www", true}, {"media", "", "/media", false}};
  std::string appdata =
      "36 25 0:45 / /var/lib/hearth/volumes/appdata rw,relatime shared:20 - fuse.glusterfs "
      "10.1.1.17:appdata rw,user_id=0,group_id=0,default_permissions,allow_other\n";
  std::string media_as_ext4 =
      "37 25 8:1 /media /var/lib/hearth/volumes/media rw,relatime shared:21 - ext4 /dev/sda1 rw\n";
  std::string media =
      "38 25 0:46 / /var/lib/hearth/volumes/media rw,relatime - fuse.glusterfs 10.1.1.17:media "
      "rw\n";
  const std::string dir = "/var/lib/hearth/volumes";
  EXPECT_EQ(volumes_not_mounted(service, dir, ""),
            "volume appdata is not mounted on this node yet (no glusterfs mount at "
            "/var/lib/hearth/volumes/appdata)");
  EXPECT_NE(volumes_not_mounted(service, dir, appdata + media_as_ext4), std::nullopt)
      << "another file system at the place is not the volume";
  EXPECT_EQ(volumes_not_mounted(service, dir, appdata + media), std::nullopt);
  EXPECT_EQ(volumes_not_mounted(Service{}, dir, ""), std::nullopt) << "no volumes: ready";
}

TEST_F(NodeServiceHostTest, AnImageServiceNeedsAPinnedDigestAndAStore) {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  ASSERT_TRUE(loaded.ok());
  Service service = *loaded.spec->find_service("homepage");
  service.rootfs.clear();
  service.image = "docker.io/traefik/whoami:v1.10";
  service.volumes.clear();
  fs::create_directories(dir_ / "volumes");
  StartRequest request{&service, loaded.spec->find_network("services"), *Ipv4::parse("10.1.2.130"),
                       "", ""};
  FenceGate gate;
  Status started = host_.start(request, gate);
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("has no pinned digest"), std::string::npos)
      << started.error().message;
  service.image_digest = "sha256:" + std::string(64, 'a');
  started = host_.start(request, gate);
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("no image store"), std::string::npos)
      << started.error().message;
}

}  // namespace
}  // namespace hearth::agent
