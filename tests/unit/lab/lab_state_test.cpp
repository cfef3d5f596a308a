#include "lab/lab_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace hearth::lab {
namespace {

std::string temp_file(const char* name) {
  return ::testing::TempDir() + "/hearth_lab_state_test_" + std::to_string(::getpid()) + "_" + name;
}

LabState sample() {
  LabState state;
  state.spec_path = "/work/examples/homelab.yaml";
  LabNode node;
  node.name = "r510";
  node.role = "server";
  node.netns = "hearth-r510";
  node.mount_ns_path = "/var/lib/hearth-lab/ns/r510.mnt";
  node.uts_ns_path = "/var/lib/hearth-lab/ns/r510.uts";
  node.host_dir = "/var/lib/hearth-lab/nodes/r510";
  node.data_dir = "/var/lib/hearth";
  node.host_data_dir = "/var/lib/hearth-lab/nodes/r510/hearth";
  node.address = *Ipv4::parse("10.1.2.17");
  node.api_port = 7070;
  node.spec_path = "/etc/hearth/homelab.yaml";
  node.log_dir = "/var/lib/hearth-lab/nodes/r510/log";
  node.mounts = {{"", "/run", false}, {"/lab/images/busybox", "/srv/hearth/images/busybox", true}};
  state.nodes.push_back(node);
  state.clients.push_back({"home", "hearth-home"});
  state.namespaces = {"hearth-switch", "hearth-router", "hearth-r510", "hearth-home"};
  state.switch_netns = "hearth-switch";
  state.router_netns = "hearth-router";
  state.bridges = {{"services", "services"}};
  state.links.push_back({"r510", "hearth-r510", "services", "services", "v0_0", "services",
                         *Ipv4::parse("10.1.2.17"), 24});
  state.routes.push_back({"hearth-r510", *Ipv4::parse("10.1.2.1")});
  state.ns_dir = "/var/lib/hearth-lab/ns";
  state.images_dir = "/var/lib/hearth-lab/images";
  state.hearth_binary = "/work/build/hearth";
  state.hearthd_binary = "/work/build/hearthd";
  return state;
}

TEST(LabState, RoundTripsThroughTheFile) {
  auto path = temp_file("roundtrip.json");
  LabState state = sample();
  ASSERT_TRUE(write_lab_state(state, path).ok());
  auto read = read_lab_state(path);
  std::remove(path.c_str());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->spec_path, state.spec_path);
  ASSERT_EQ(read->nodes.size(), 1u);
  const LabNode& node = read->nodes[0];
  EXPECT_EQ(node.name, "r510");
  EXPECT_EQ(node.address, *Ipv4::parse("10.1.2.17"));
  EXPECT_EQ(node.api_port, 7070);
  EXPECT_EQ(node.host_data_dir, "/var/lib/hearth-lab/nodes/r510/hearth");
  EXPECT_EQ(node.spec_path, "/etc/hearth/homelab.yaml");
  ASSERT_EQ(node.mounts.size(), 2u);
  EXPECT_TRUE(node.mounts[1].read_only);
  EXPECT_EQ(node.mounts[1].target, "/srv/hearth/images/busybox");
  EXPECT_EQ(read->namespaces, state.namespaces);
  ASSERT_EQ(read->links.size(), 1u);
  EXPECT_EQ(read->links[0].switch_port, "v0_0");
  EXPECT_EQ(read->links[0].prefix_length, 24);
  ASSERT_EQ(read->routes.size(), 1u);
  EXPECT_EQ(read->routes[0].via, *Ipv4::parse("10.1.2.1"));
  EXPECT_EQ(read->bridges[0].name, "services");
  EXPECT_EQ(read->hearthd_binary, "/work/build/hearthd");
  ASSERT_NE(read->find_node("r510"), nullptr);
  EXPECT_EQ(read->find_node("r530"), nullptr);
  ASSERT_NE(read->find_client("home"), nullptr);
  EXPECT_EQ(read->links_of("r510").size(), 1u);
}

TEST(LabState, MissingFileSaysNoLab) {
  auto read = read_lab_state(temp_file("missing.json"));
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("no lab"), std::string::npos);
}

TEST(LabState, DamagedFileIsAnErrorNamingIt) {
  auto path = temp_file("damaged.json");
  std::ofstream(path) << "{\"spec_path\": 3";
  auto read = read_lab_state(path);
  std::remove(path.c_str());
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find(path), std::string::npos);
}

TEST(LabState, WriteIntoMissingDirectoryFails) {
  EXPECT_FALSE(write_lab_state(sample(), "/hearth/no/such/dir/lab.json").ok());
}

}  // namespace
}  // namespace hearth::lab
