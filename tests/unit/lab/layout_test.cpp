#include "lab/layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "spec/load.h"

namespace hearth::lab {
namespace {

Ipv4 ip(const char* text) { return *Ipv4::parse(text); }

const LabPrograms kPrograms{"/opt/hearth/hearth", "/opt/hearth/hearthd"};

Spec example() {
  auto loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].format());
  return *loaded.spec;
}

LabState example_lab() {
  auto state = plan_lab(example(), "/work/examples/homelab.yaml", kPrograms, "/var/lib/hearth-lab");
  EXPECT_TRUE(state.ok()) << state.error().message;
  return *state;
}

Dhcp dhcp(const char* range) {
  Dhcp result;
  result.range = *Ipv4Range::parse(range);
  return result;
}

// A minimal spec built in code for the edge cases.
Spec small_spec() {
  Spec spec;
  spec.cluster.name = "tiny";
  auto node = [](const char* name, NodeRole role, const char* address) {
    Node n;
    n.name = name;
    n.role = role;
    n.address = ip(address);
    return n;
  };
  spec.nodes = {node("a", NodeRole::server, "10.0.0.10"), node("b", NodeRole::server, "10.0.0.11"),
                node("c", NodeRole::arbiter, "10.0.0.12")};
  Network mgmt;
  mgmt.name = "mgmt";
  mgmt.cidr = *Cidr::parse("10.0.0.0/24");
  mgmt.management = true;
  spec.networks = {mgmt};
  return spec;
}

const LabLink* find_link(const LabState& state, const std::string& owner,
                         const std::string& network) {
  for (const auto& link : state.links) {
    if (link.owner == owner && link.network == network) return &link;
  }
  return nullptr;
}

TEST(PlanLab, NamesEveryNamespaceWithThePrefix) {
  auto state = example_lab();
  EXPECT_EQ(state.namespaces,
            (std::vector<std::string>{"hearth-switch", "hearth-router", "hearth-r510",
                                      "hearth-r530", "hearth-elitedesk", "hearth-home",
                                      "hearth-guests", "hearth-toxic"}));
  EXPECT_EQ(state.switch_netns, "hearth-switch");
  EXPECT_EQ(state.router_netns, "hearth-router");
}

TEST(PlanLab, OneClientPerDhcpNetworkExceptManagement) {
  auto state = example_lab();
  ASSERT_EQ(state.clients.size(), 3u);
  EXPECT_EQ(state.clients[0].name, "home");
  EXPECT_EQ(state.clients[0].netns, "hearth-home");
  EXPECT_EQ(state.clients[1].name, "guests");
  EXPECT_EQ(state.clients[2].name, "toxic");
  EXPECT_NE(state.find_client("home"), nullptr);
  EXPECT_EQ(state.find_client("services"), nullptr);
}

TEST(PlanLab, OneBridgePerNetworkNamedAfterIt) {
  auto state = example_lab();
  ASSERT_EQ(state.bridges.size(), 5u);
  EXPECT_EQ(state.bridges[0].name, "services");
  EXPECT_EQ(state.bridges[1].name, "storage");
  EXPECT_EQ(state.bridges[4].network, "toxic");
}

TEST(PlanLab, ServersJoinManagementAndStorageWithTheirSpecAddresses) {
  auto state = example_lab();
  auto links = state.links_of("r510");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0]->network, "services");
  EXPECT_EQ(links[0]->interface, "services");
  EXPECT_EQ(links[0]->address, ip("10.1.2.17"));
  EXPECT_EQ(links[0]->prefix_length, 24);
  EXPECT_EQ(links[0]->netns, "hearth-r510");
  EXPECT_EQ(links[0]->bridge, "services");
  EXPECT_EQ(links[1]->network, "storage");
  EXPECT_EQ(links[1]->address, ip("10.1.7.17"));
}

TEST(PlanLab, ArbiterAlsoJoinsEveryDhcpNetworkWithThePlannersAddress) {
  auto state = example_lab();
  auto links = state.links_of("elitedesk");
  std::vector<std::string> networks;
  for (auto* link : links) networks.push_back(link->network);
  EXPECT_EQ(networks, (std::vector<std::string>{"services", "storage", "home", "guests", "toxic"}));
  EXPECT_EQ(find_link(state, "elitedesk", "services")->address, ip("10.1.2.26"));
  // Highest free address below the DHCP range / at the top of the network (plan/addresses.h).
  EXPECT_EQ(find_link(state, "elitedesk", "home")->address, ip("10.1.3.24"));
  EXPECT_EQ(find_link(state, "elitedesk", "guests")->address, ip("10.1.4.24"));
  EXPECT_EQ(find_link(state, "elitedesk", "toxic")->address, ip("10.1.5.254"));
}

TEST(PlanLab, RouterOwnsEveryGateway) {
  auto state = example_lab();
  auto links = state.links_of("router");
  ASSERT_EQ(links.size(), 4u);  // storage has no gateway
  EXPECT_EQ(links[0]->address, ip("10.1.2.1"));
  EXPECT_EQ(links[0]->netns, "hearth-router");
  EXPECT_EQ(find_link(state, "router", "home")->address, ip("10.1.3.1"));
  EXPECT_EQ(find_link(state, "router", "storage"), nullptr);
}

TEST(PlanLab, ClientsGetTheLowestFreeAddressAndAGateway) {
  auto state = example_lab();
  EXPECT_EQ(find_link(state, "home", "home")->address, ip("10.1.3.2"));
  EXPECT_EQ(find_link(state, "guests", "guests")->address, ip("10.1.4.2"));
  EXPECT_EQ(find_link(state, "toxic", "toxic")->address, ip("10.1.5.2"));
  bool routed = std::any_of(state.routes.begin(), state.routes.end(), [](const LabRoute& r) {
    return r.netns == "hearth-home" && r.via == *Ipv4::parse("10.1.3.1");
  });
  EXPECT_TRUE(routed);
}

TEST(PlanLab, NodesRouteThroughTheManagementGateway) {
  auto state = example_lab();
  for (const auto& node : state.nodes) {
    bool routed = std::any_of(state.routes.begin(), state.routes.end(), [&](const LabRoute& r) {
      return r.netns == node.netns && r.via == *Ipv4::parse("10.1.2.1");
    });
    EXPECT_TRUE(routed) << node.name;
  }
  // The router needs no default route: every network is connected to it.
  for (const auto& route : state.routes) EXPECT_NE(route.netns, "hearth-router");
}

TEST(PlanLab, SwitchPortsAndInterfacesAreUniqueAndValid) {
  auto state = example_lab();
  std::set<std::string> ports;
  for (const auto& link : state.links) {
    EXPECT_TRUE(ports.insert(link.switch_port).second) << link.switch_port;
    EXPECT_LE(link.switch_port.size(), 15u);
    EXPECT_LE(link.interface.size(), 15u);
  }
  std::set<std::pair<std::string, std::string>> interfaces;
  for (const auto& link : state.links) {
    EXPECT_TRUE(interfaces.insert({link.netns, link.interface}).second);
  }
  for (const auto& bridge : state.bridges) EXPECT_EQ(ports.count(bridge.name), 0u);
}

TEST(PlanLab, EveryLinkAddressIsUniqueAndInsideItsNetwork) {
  auto spec = example();
  auto state = example_lab();
  std::set<Ipv4> addresses;
  for (const auto& link : state.links) {
    const Network* network = spec.find_network(link.network);
    ASSERT_NE(network, nullptr);
    EXPECT_TRUE(network->cidr.contains(link.address)) << link.owner << " " << link.network;
    if (network->dhcp) {
      EXPECT_FALSE(network->dhcp->range.contains(link.address));
    }
    if (network->service_ips) {
      EXPECT_FALSE(network->service_ips->contains(link.address));
    }
    // The arbiter's management and storage addresses are distinct values in distinct networks.
    EXPECT_TRUE(addresses.insert(link.address).second) << link.address.str();
  }
}

TEST(PlanLab, NodeRecordsPathsAndPorts) {
  auto state = example_lab();
  const LabNode* node = state.find_node("r530");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->role, "server");
  EXPECT_EQ(state.find_node("elitedesk")->role, "arbiter");
  EXPECT_EQ(node->netns, "hearth-r530");
  EXPECT_EQ(node->mount_ns_path, "/var/lib/hearth-lab/ns/r530.mnt");
  EXPECT_EQ(node->uts_ns_path, "/var/lib/hearth-lab/ns/r530.uts");
  EXPECT_EQ(node->host_dir, "/var/lib/hearth-lab/nodes/r530");
  EXPECT_EQ(node->data_dir, "/var/lib/hearth");
  EXPECT_EQ(node->host_data_dir, "/var/lib/hearth-lab/nodes/r530/hearth");
  EXPECT_EQ(node->spec_path, "/etc/hearth/homelab.yaml");
  EXPECT_EQ(node->address, ip("10.1.2.22"));
  EXPECT_EQ(node->api_port, 7070);
  EXPECT_EQ(state.spec_path, "/work/examples/homelab.yaml");
  EXPECT_EQ(state.ns_dir, "/var/lib/hearth-lab/ns");
}

TEST(PlanLab, NodeNamedLikeAClientNetworkIsRefused) {
  Spec spec = small_spec();
  spec.nodes[0].name = "home";
  Network home;
  home.name = "home";
  home.cidr = *Cidr::parse("10.0.3.0/24");
  home.dhcp = dhcp("10.0.3.100-10.0.3.200");
  spec.networks.push_back(home);
  auto state = plan_lab(spec, "/x.yaml", kPrograms);
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.error().message.find("hearth-home"), std::string::npos);
  EXPECT_NE(state.error().message.find("node home"), std::string::npos);
}

TEST(PlanLab, NodeNamedRouterIsRefused) {
  Spec spec = small_spec();
  spec.nodes[1].name = "router";
  EXPECT_FALSE(plan_lab(spec, "/x.yaml", kPrograms).ok());
}

TEST(PlanLab, NoGatewayMeansNoDefaultRoute) {
  auto state = plan_lab(small_spec(), "/x.yaml", kPrograms);
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->routes.empty());
  EXPECT_TRUE(state->links_of("router").empty());
  EXPECT_TRUE(state->clients.empty());
  EXPECT_EQ(state->links.size(), 3u);
}

TEST(LabHostsFile, EveryAddressOfEveryNodeAndNothingElse) {
  std::string hosts = lab_hosts_file(example_lab());
  for (const char* line :
       {"\n127.0.0.1\tlocalhost\n", "\n10.1.2.17\tr510\n", "\n10.1.7.17\tr510-storage\n",
        "\n10.1.2.22\tr530\n", "\n10.1.7.22\tr530-storage\n", "\n10.1.2.26\telitedesk\n",
        "\n10.1.7.26\telitedesk-storage\n"}) {
    EXPECT_NE(hosts.find(line), std::string::npos) << line << " missing from:\n" << hosts;
  }
  EXPECT_NE(hosts.find("\telitedesk-home\n"), std::string::npos) << "the arbiter's DHCP links too";
  EXPECT_EQ(hosts.find("router"), std::string::npos) << "only nodes";
  EXPECT_EQ(hosts.find("\thome\n"), std::string::npos) << "only nodes";
  EXPECT_NE(lab_resolv_conf().find("nameserver 127.0.0.1\n"), std::string::npos);
}

TEST(InterfaceName, UsesTheNetworkNameWhenItFits) {
  EXPECT_EQ(interface_name("services", 0), "services");
  EXPECT_EQ(interface_name("a-very-long-network-name", 3), "net_3");
  EXPECT_EQ(interface_name("lo", 1), "net_1");
  EXPECT_EQ(interface_name("exactly15chars0", 2), "exactly15chars0");
  EXPECT_EQ(interface_name("sixteen16chars00", 2), "net_2");
}

TEST(ArbiterAddress, HighestFreeAddressAvoidingEverythingTaken) {
  Spec spec = small_spec();
  Network lan;
  lan.name = "lan";
  lan.cidr = *Cidr::parse("10.0.5.0/24");
  lan.gateway = ip("10.0.5.254");
  lan.dhcp = dhcp("10.0.5.100-10.0.5.200");
  lan.dhcp->reservations.push_back({"printer", "aa:bb:cc:dd:ee:ff", ip("10.0.5.253")});
  spec.networks.push_back(lan);
  spec.dns.records.push_back({"nas", ip("10.0.5.252")});
  auto address = arbiter_address_on(spec, spec.networks[1]);
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(*address, ip("10.0.5.251"));
}

TEST(ArbiterAddress, FullNetworkIsAnError) {
  Spec spec = small_spec();
  Network lan;
  lan.name = "lan";
  lan.cidr = *Cidr::parse("10.0.5.0/29");
  lan.dhcp = dhcp("10.0.5.1-10.0.5.6");
  spec.networks.push_back(lan);
  auto address = arbiter_address_on(spec, spec.networks[1]);
  ASSERT_FALSE(address.ok());
  EXPECT_NE(address.error().message.find("lan"), std::string::npos);
  EXPECT_FALSE(client_address_on(spec, spec.networks[1]).ok());
}

TEST(ClientAddress, SkipsGatewayReservationsAndArbiter) {
  Spec spec = small_spec();
  Network lan;
  lan.name = "lan";
  lan.cidr = *Cidr::parse("10.0.5.0/29");  // .1 - .6 usable
  lan.gateway = ip("10.0.5.1");
  lan.dhcp = dhcp("10.0.5.4-10.0.5.5");
  lan.dhcp->reservations.push_back({"printer", "aa:bb:cc:dd:ee:ff", ip("10.0.5.2")});
  spec.networks.push_back(lan);
  // Arbiter takes .6 (highest free); the client the lowest free: .3.
  EXPECT_EQ(*arbiter_address_on(spec, spec.networks[1]), ip("10.0.5.6"));
  EXPECT_EQ(*client_address_on(spec, spec.networks[1]), ip("10.0.5.3"));
}

TEST(NodeMounts, StandardMountsThenDisksParentsFirst) {
  Node node;
  node.name = "r510";
  node.disks = {{"hdd1", "/srv/hearth/bricks/hdd1", 1}, {"top", "/srv/hearth", 1}};
  auto mounts = node_mounts(node, "/lab/nodes/r510", "/lab/images");
  ASSERT_TRUE(mounts.ok()) << mounts.error().message;
  std::vector<std::string> targets;
  for (const auto& mount : *mounts) targets.push_back(mount.target);
  EXPECT_EQ(targets.front(), "/run");
  EXPECT_EQ(mounts->front().source, "") << "a tmpfs";
  auto position = [&](const std::string& target) {
    return std::find(targets.begin(), targets.end(), target) - targets.begin();
  };
  for (const char* expected :
       {"/etc/hearth", "/var/lib/hearth", "/var/lib/etcd", "/var/lib/glusterd",
        "/var/log/glusterfs", "/var/log/hearth", "/srv/hearth/images/busybox"}) {
    EXPECT_LT(position(expected), static_cast<long>(targets.size())) << expected;
  }
  EXPECT_LT(position("/srv/hearth"), position("/srv/hearth/bricks/hdd1"));
  EXPECT_LT(position("/srv/hearth"), position("/srv/hearth/images/busybox"));
  auto busybox = (*mounts)[position("/srv/hearth/images/busybox")];
  EXPECT_TRUE(busybox.read_only);
  EXPECT_EQ(busybox.source, "/lab/images/busybox");
  EXPECT_EQ((*mounts)[position("/srv/hearth/bricks/hdd1")].source, "/lab/nodes/r510/disks/hdd1");
  EXPECT_EQ((*mounts)[position("/var/lib/hearth")].source, "/lab/nodes/r510/hearth");
}

TEST(NodeMounts, RefusesDisksThatWouldHideTheLabsOwnMounts) {
  for (const char* path :
       {"/var/lib/hearth", "/var", "/etc", "/run", "/proc/x", "relative", "/a/../b", "/srv/x/"}) {
    Node node;
    node.name = "r510";
    node.disks = {{"d", path, 1}};
    auto mounts = node_mounts(node, "/lab/nodes/r510", "/lab/images");
    EXPECT_FALSE(mounts.ok()) << path;
    if (!mounts.ok()) {
      EXPECT_NE(mounts.error().message.find("nodes.r510.disks.d.path"), std::string::npos);
    }
  }
}

TEST(NodeMounts, RefusesTwoDisksAtOnePath) {
  Node node;
  node.name = "r510";
  node.disks = {{"a", "/srv/d", 1}, {"b", "/srv/d", 1}};
  EXPECT_FALSE(node_mounts(node, "/lab/nodes/r510", "/lab/images").ok());
}

TEST(NodeDaemons, EtcdGlusterdThenHearthdAsTheSystemdUnitsRunThem) {
  auto state = example_lab();
  const LabNode& node = *state.find_node("r510");
  auto daemons = node_daemons(state, node);
  ASSERT_EQ(daemons.size(), 3u);
  EXPECT_EQ(daemons[0].name, "etcd");
  EXPECT_EQ(daemons[0].argv, (std::vector<std::string>{"/opt/hearth/hearth", "etcd-exec", "-f",
                                                       "/etc/hearth/homelab.yaml", "--node", "r510",
                                                       "--data-dir", "/var/lib/hearth/etcd"}));
  EXPECT_EQ(daemons[0].log_file, "/var/lib/hearth-lab/nodes/r510/log/etcd.log");
  EXPECT_EQ(daemons[0].pid_file, "/var/lib/hearth-lab/nodes/r510/pids/etcd.pid");
  EXPECT_EQ(daemons[1].name, "glusterd");
  EXPECT_EQ(daemons[1].argv, (std::vector<std::string>{
                                 "glusterd", "-N", "--log-file=/var/log/glusterfs/glusterd.log"}));
  EXPECT_EQ(daemons[1].pid_file, "/var/lib/hearth-lab/nodes/r510/pids/glusterd.pid");
  EXPECT_EQ(daemons[2].name, "hearthd");
  EXPECT_EQ(daemons[2].argv, (std::vector<std::string>{"/opt/hearth/hearthd", "--node", "r510",
                                                       "--spec", "/etc/hearth/homelab.yaml",
                                                       "--data-dir", "/var/lib/hearth"}));
}

TEST(CommandPrefix, NodesEnterNetMountAndUtsClientsOnlyNet) {
  auto state = example_lab();
  EXPECT_EQ(node_command_prefix(*state.find_node("r510")),
            (std::vector<std::string>{"nsenter", "--net=/run/netns/hearth-r510",
                                      "--mount=/var/lib/hearth-lab/ns/r510.mnt",
                                      "--uts=/var/lib/hearth-lab/ns/r510.uts", "--"}));
  EXPECT_EQ(netns_command_prefix("hearth-home"),
            (std::vector<std::string>{"nsenter", "--net=/run/netns/hearth-home", "--"}));
}

}  // namespace
}  // namespace hearth::lab
