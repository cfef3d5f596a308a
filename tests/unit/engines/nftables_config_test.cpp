#include "engines/nftables_config.h"

#include <gtest/gtest.h>

#include "plan/plan.h"
#include "spec/load.h"

namespace hearth {
namespace {

Plan example_plan() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  auto planned = plan(*loaded.spec, ObservedState{});
  EXPECT_TRUE(planned.ok());
  return std::move(*planned);
}

const NodeFirewall& node_firewall(const Plan& plan, const std::string& node) {
  for (const NodeFirewall& firewall : plan.firewall.nodes) {
    if (firewall.node == node) return firewall;
  }
  throw std::runtime_error("no firewall for " + node);
}

const ServiceFirewall& service_firewall(const Plan& plan, const std::string& service) {
  for (const ServiceFirewall& firewall : plan.firewall.services) {
    if (firewall.service == service) return firewall;
  }
  throw std::runtime_error("no firewall for " + service);
}

TEST(NodeRuleset, ServerOfTheExample) {
  Plan plan = example_plan();
  EXPECT_EQ(render_node_ruleset(node_firewall(plan, "r510")),
            R"(table inet hearth_node {}
delete table inet hearth_node
table inet hearth_node {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "lo" accept
    ct state established,related accept
    ip saddr { 10.1.2.0/24, 10.1.7.0/24 } tcp dport 7070 accept comment "hearth-api"
    tcp dport 7070 drop comment "hearth-api"
    ip saddr { 10.1.2.0/24, 10.1.7.0/24 } tcp dport 2379 accept comment "etcd-client"
    tcp dport 2379 drop comment "etcd-client"
    ip saddr { 10.1.2.0/24, 10.1.7.0/24 } tcp dport 2380 accept comment "etcd-peer"
    tcp dport 2380 drop comment "etcd-peer"
    ip saddr { 10.1.2.0/24, 10.1.7.0/24 } tcp dport 24007-24008 accept comment "glusterd"
    tcp dport 24007-24008 drop comment "glusterd"
    ip saddr { 10.1.2.0/24, 10.1.7.0/24 } tcp dport 49152-60999 accept comment "gluster-bricks"
    tcp dport 49152-60999 drop comment "gluster-bricks"
  }
}
)");
}

TEST(NodeRuleset, ArbiterAlsoServesDnsAndDhcpToItsNetworks) {
  Plan plan = example_plan();
  std::string text = render_node_ruleset(node_firewall(plan, "elitedesk"));
  EXPECT_NE(text.find("    ip saddr { 10.1.2.0/24, 10.1.3.0/24, 10.1.4.0/24, 10.1.5.0/24 } udp dport 53 "
                      "accept comment \"dns\"\n    udp dport 53 drop comment \"dns\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tcp dport 53 accept comment \"dns\""), std::string::npos) << text;
  EXPECT_NE(text.find("    ip saddr { 0.0.0.0/32, 10.1.2.0/24, 10.1.3.0/24, 10.1.4.0/24, 10.1.5.0/24 } "
                      "udp dport 67 accept comment \"dhcp\"\n"),
            std::string::npos)
      << text;
}

TEST(NodeRuleset, RuleWithoutSourcesOnlyDrops) {
  NodeFirewall firewall{"r510", {{"hearth-api", {{7070, 7070, Protocol::tcp}}, {}}}};
  std::string text = render_node_ruleset(firewall);
  EXPECT_EQ(text.find("saddr"), std::string::npos) << text;
  EXPECT_NE(text.find("    tcp dport 7070 drop comment \"hearth-api\"\n"), std::string::npos) << text;
}

TEST(ServiceRuleset, OnlyListedPortsFromAllowedSources) {
  Plan plan = example_plan();
  EXPECT_EQ(render_service_ruleset(service_firewall(plan, "homepage")),
            R"(table inet hearth_service {}
delete table inet hearth_service
table inet hearth_service {
  chain input {
    type filter hook input priority filter; policy drop;
    iifname "lo" accept
    ct state established,related accept
    ip saddr { 10.1.3.0/24, 10.1.2.0/24 } tcp dport { 80 } accept comment "homepage"
  }
}
)");
}

TEST(ServiceRuleset, TcpAndUdpPortsEachGetTheirRule) {
  ServiceFirewall firewall{"dns", *Ipv4::parse("10.1.2.140"),
                           {{53, Protocol::udp}, {53, Protocol::tcp}, {853, Protocol::tcp}},
                           {*Cidr::parse("10.1.3.0/24"), *Cidr::parse("192.168.9.0/24")}};
  std::string text = render_service_ruleset(firewall);
  EXPECT_NE(text.find("    ip saddr { 10.1.3.0/24, 192.168.9.0/24 } tcp dport { 53, 853 } accept "
                      "comment \"dns\"\n    ip saddr { 10.1.3.0/24, 192.168.9.0/24 } udp dport { 53 } "
                      "accept comment \"dns\"\n"),
            std::string::npos)
      << text;
}

TEST(ServiceRuleset, NoPortsMeansNothingGetsIn) {
  ServiceFirewall firewall{"batch", *Ipv4::parse("10.1.2.141"), {}, {*Cidr::parse("10.1.3.0/24")}};
  std::string text = render_service_ruleset(firewall);
  EXPECT_EQ(text.find("dport"), std::string::npos) << text;
  EXPECT_NE(text.find("policy drop;"), std::string::npos) << text;
}

TEST(ServiceRuleset, CommentCannotCarryInjectedText) {
  ServiceFirewall firewall{"x\" accept\ntable ip evil {", *Ipv4::parse("10.1.2.141"),
                           {{80, Protocol::tcp}}, {*Cidr::parse("10.1.3.0/24")}};
  std::string text = render_service_ruleset(firewall);
  EXPECT_EQ(text.find("evil {"), std::string::npos) << text;
  EXPECT_NE(text.find("comment \"xaccepttableipevil\""), std::string::npos) << text;
}

}  // namespace
}  // namespace hearth
