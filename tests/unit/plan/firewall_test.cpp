#include "plan/firewall.h"

#include <gtest/gtest.h>

#include "spec_builder.h"

namespace hearth {
namespace {

using namespace hearth::testing;

FirewallPlan firewall_of(const Spec& spec) {
  auto arbiter = plan_arbiter_addresses(spec).value();
  auto services = plan_service_addresses(spec, arbiter, {}).value();
  return plan_firewall(spec, services, arbiter);
}

std::vector<std::string> strings(const std::vector<Cidr>& cidrs) {
  std::vector<std::string> result;
  for (const Cidr& cidr : cidrs) result.push_back(cidr.str());
  return result;
}

TEST(ServiceFirewall, AllowFromNetworksAndCidrsResolvedInOrderWithoutDuplicates) {
  Spec spec = example_lab();
  add_service(spec, "homepage")
      .address("10.1.2.130")
      .allow_network("home")
      .allow_network("services")
      .allow_cidr("192.168.50.0/24")
      .allow_cidr("10.1.3.0/24")
      .ports({{80, Protocol::tcp}, {53, Protocol::udp}});
  FirewallPlan firewall = firewall_of(spec);
  ASSERT_EQ(firewall.services.size(), 1u);
  const ServiceFirewall& rule = firewall.services[0];
  EXPECT_EQ(rule.service, "homepage");
  EXPECT_EQ(rule.address.str(), "10.1.2.130");
  EXPECT_EQ(strings(rule.allowed_sources),
            (std::vector<std::string>{"10.1.3.0/24", "10.1.2.0/24", "192.168.50.0/24"}));
  ASSERT_EQ(rule.ports.size(), 2u);
  EXPECT_EQ(rule.ports[1], (Port{53, Protocol::udp}));
}

TEST(ServiceFirewall, EmptyAllowFromMeansTheServicesOwnNetwork) {
  Spec spec = example_lab();
  spec.networks[4].service_ips = range("10.1.5.210-10.1.5.220");
  add_service(spec, "iot").network("toxic");
  FirewallPlan firewall = firewall_of(spec);
  EXPECT_EQ(firewall.services[0].address.str(), "10.1.5.210");
  EXPECT_EQ(strings(firewall.services[0].allowed_sources), (std::vector<std::string>{"10.1.5.0/24"}));
}

TEST(NodeFirewall, ClusterPortsOnlyFromManagementAndStorageNetworks) {
  Spec spec = example_lab();
  FirewallPlan firewall = firewall_of(spec);
  ASSERT_EQ(firewall.nodes.size(), 3u);
  for (const NodeFirewall& node : firewall.nodes) {
    std::vector<std::string> names;
    for (const NodeFirewallRule& rule : node.rules) names.push_back(rule.name);
    std::vector<std::string> expected{"hearth-api", "etcd-client", "etcd-peer", "glusterd", "gluster-bricks"};
    if (node.node == "elitedesk") {
      expected.push_back("dns");
      expected.push_back("dhcp");
    }
    EXPECT_EQ(names, expected) << node.node;
    for (std::size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(strings(node.rules[i].allowed_sources), (std::vector<std::string>{"10.1.2.0/24", "10.1.7.0/24"}));
    }
  }
  const NodeFirewall& r510 = firewall.nodes[0];
  EXPECT_EQ(r510.rules[1].ports, (std::vector<PortRange>{{2379, 2379, Protocol::tcp}}));
  EXPECT_EQ(r510.rules[2].ports, (std::vector<PortRange>{{2380, 2380, Protocol::tcp}}));
  EXPECT_EQ(r510.rules[3].ports, (std::vector<PortRange>{{24007, 24008, Protocol::tcp}}));
  EXPECT_EQ(r510.rules[4].ports, (std::vector<PortRange>{{49152, 60999, Protocol::tcp}}));
}

TEST(NodeFirewall, TheArbiterAnswersDnsAndDhcpOnItsNetworks) {
  Spec spec = example_lab();
  spec.networks.erase(spec.networks.begin() + 1);  // no storage network
  for (Node& node : spec.nodes) node.storage_address.reset();
  FirewallPlan firewall = firewall_of(spec);
  const NodeFirewall& arbiter = firewall.nodes[2];
  ASSERT_EQ(arbiter.node, "elitedesk");
  EXPECT_EQ(strings(arbiter.rules[0].allowed_sources), (std::vector<std::string>{"10.1.2.0/24"}));
  const NodeFirewallRule& dns = arbiter.rules[5];
  EXPECT_EQ(dns.ports, (std::vector<PortRange>{{53, 53, Protocol::udp}, {53, 53, Protocol::tcp}}));
  EXPECT_EQ(strings(dns.allowed_sources),
            (std::vector<std::string>{"10.1.2.0/24", "10.1.3.0/24", "10.1.4.0/24", "10.1.5.0/24"}));
  const NodeFirewallRule& dhcp = arbiter.rules[6];
  EXPECT_EQ(dhcp.ports, (std::vector<PortRange>{{67, 67, Protocol::udp}}));
  EXPECT_EQ(strings(dhcp.allowed_sources),
            (std::vector<std::string>{"0.0.0.0/32", "10.1.2.0/24", "10.1.3.0/24", "10.1.4.0/24", "10.1.5.0/24"}));
}

}  // namespace
}  // namespace hearth
