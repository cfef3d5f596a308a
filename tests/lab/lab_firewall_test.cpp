// Scenario lab_firewall: every node keeps hearth's own ports (API, etcd, gluster; DNS and DHCP on
// the arbiter) open to the management and storage networks only, with the real nftables in each
// node's namespace. From a node: the API and etcd of the others answer. From the home and guests
// clients: those ports are silently dropped (the connection times out, it is not even refused),
// while the arbiter's DNS answers them and ports that are not hearth's are left alone. A table
// flushed by hand comes back by itself.

#include <gtest/gtest.h>

#include <iostream>

#include "lab_fixture.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

enum class Reach { connected, refused, dropped };

const char* name_of(Reach reach) {
  switch (reach) {
    case Reach::connected: return "connected";
    case Reach::refused: return "refused";
    case Reach::dropped: return "dropped";
  }
  return "?";
}

// A TCP connection from `from` (a node or a client) to address:port, given 3 s.
Reach connect(const LabUp& lab, const std::string& from, const std::string& address, int port) {
  Completed done = lab.exec(
      from, {"timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + std::to_string(port)},
      10s);
  if (done.exit_code == 0) return Reach::connected;
  if (done.exit_code == 124) return Reach::dropped;
  return Reach::refused;
}

bool has_node_table(const LabUp& lab, const std::string& node) {
  return lab.exec(node, {"nft", "list", "table", "inet", "hearth_node"}).succeeded();
}

TEST(Firewall, HearthPortsOnlyFromTheManagementAndStorageNetworks) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  ASSERT_TRUE(lab.wait_healthy(60s)) << lab.status().dump(2);
  for (const char* node : {"r510", "r530", "elitedesk"}) {
    auto applied = wait_until([&] { return has_node_table(lab, node); }, 20s, 200ms);
    ASSERT_TRUE(applied) << node << " never got its firewall table";
  }

  // Between nodes (management and storage networks): everything hearth needs.
  EXPECT_EQ(connect(lab, "r510", "10.1.2.26", 7070), Reach::connected);
  EXPECT_EQ(connect(lab, "r510", "10.1.2.22", 2379), Reach::connected);
  EXPECT_EQ(connect(lab, "r530", "10.1.2.17", 2380), Reach::connected);

  // From the home and guests networks: hearth's ports are dropped, on every address of a node.
  for (const auto& [address, port] : std::vector<std::pair<std::string, int>>{
           {"10.1.2.26", 7070}, {"10.1.3.24", 7070}, {"10.1.3.24", 2379}, {"10.1.2.17", 7070},
           {"10.1.2.17", 2380}, {"10.1.2.22", 24007}}) {
    Reach reach = connect(lab, "home", address, port);
    EXPECT_EQ(reach, Reach::dropped) << "home -> " << address << ":" << port << " " << name_of(reach);
  }
  EXPECT_EQ(connect(lab, "guests", "10.1.4.24", 7070), Reach::dropped);
  EXPECT_EQ(connect(lab, "toxic", "10.1.2.22", 7070), Reach::dropped);

  // DNS over TCP on the arbiter is for the home network; a port that is not hearth's is left to
  // the machine (nothing listens on 9: refused, not dropped).
  EXPECT_EQ(connect(lab, "home", "10.1.3.24", 53), Reach::connected);
  EXPECT_EQ(connect(lab, "home", "10.1.2.17", 9), Reach::refused);

  // Someone flushes the table by hand: hearthd puts it back.
  ASSERT_TRUE(lab.exec("r530", {"nft", "delete", "table", "inet", "hearth_node"}).succeeded());
  EXPECT_EQ(connect(lab, "home", "10.1.2.22", 7070), Reach::connected) << "the table was deleted";
  auto restored = wait_until([&] { return has_node_table(lab, "r530"); }, 20s, 200ms);
  ASSERT_TRUE(restored) << "hearthd did not restore the firewall table";
  std::cout << "table restored " << restored->count() << " ms after it was deleted\n";
  EXPECT_EQ(connect(lab, "home", "10.1.2.22", 7070), Reach::dropped);
}

}  // namespace
}  // namespace hearth::lab::testing
