#include "plan/plan.h"

#include <gtest/gtest.h>

#include "lab_yaml.h"

namespace hearth {
namespace {

using namespace hearth::testing;

const ServicePlan& find(const Plan& plan, const std::string& name) {
  for (const ServicePlan& service : plan.services) {
    if (service.name == name) return service;
  }
  throw std::runtime_error("no service " + name);
}

ObservedState observed_from(const Plan& plan) {
  ObservedState observed;
  for (const ServicePlan& service : plan.services) {
    observed.addresses[service.name] = service.address;
    if (service.node) observed.placements[service.name] = *service.node;
  }
  return observed;
}

TEST(Plan, TheExampleLabOffline) {
  Spec spec = load_valid(kLabYaml);
  auto result = plan(spec, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const Plan& p = result.value();

  ASSERT_EQ(p.volumes.size(), 2u);
  EXPECT_EQ(p.volumes[0].volume, "appdata");
  EXPECT_EQ(p.volumes[0].data[0].path, "/srv/hearth/bricks/hdd1/appdata");
  EXPECT_EQ(p.volumes[1].data[0].disk, "hdd2");

  EXPECT_EQ(find(p, "homepage").address.str(), "10.1.2.130");
  EXPECT_EQ(find(p, "homepage").address_source, AddressSource::fixed);
  EXPECT_EQ(find(p, "homepage").node, "r510");
  EXPECT_EQ(find(p, "homepage").placement, PlacementDecision::preferred);
  EXPECT_EQ(find(p, "notes").address.str(), "10.1.2.128");
  EXPECT_EQ(find(p, "notes").node, "r530");
  EXPECT_EQ(find(p, "notes").placement, PlacementDecision::least_loaded);
  EXPECT_EQ(find(p, "whoami").address.str(), "10.1.2.129");
  EXPECT_EQ(find(p, "jellyfin").address.str(), "10.1.2.131");
  EXPECT_EQ(find(p, "jellyfin").node, "r530");
  EXPECT_EQ(find(p, "transcoder").node, "r510");
  for (const ServicePlan& service : p.services) EXPECT_NE(service.node, "elitedesk");

  ASSERT_EQ(p.servers.size(), 2u);
  EXPECT_EQ(p.servers[0].node, "r510");
  EXPECT_EQ(p.servers[0].cpus_used, 5500);
  EXPECT_EQ(p.servers[1].cpus_used, 4350);

  EXPECT_EQ(p.arbiter_addresses.size(), 4u);
  EXPECT_EQ(p.dns.records.size(), 3u + 5u + 1u + 1u);
  EXPECT_EQ(p.dhcp.size(), 4u);
  EXPECT_EQ(p.dhcp[1].dns_server.str(), "10.1.3.24");
  ASSERT_EQ(p.firewall.services.size(), 5u);
  EXPECT_EQ(p.firewall.services[2].allowed_sources.size(), 3u);  // whoami: home, guests, 10.1.9.0/24
  EXPECT_EQ(p.firewall.nodes.size(), 3u);
}

TEST(Plan, ReplanningFromItsOwnStateChangesNothing) {
  Spec spec = load_valid(kLabYaml);
  Plan first = plan(spec, {}).value();
  Plan second = plan(spec, observed_from(first)).value();
  for (std::size_t i = 0; i < first.services.size(); ++i) {
    EXPECT_EQ(second.services[i].address, first.services[i].address);
    EXPECT_EQ(second.services[i].node, first.services[i].node);
  }
  EXPECT_EQ(second.services[1].address_source, AddressSource::kept);
  EXPECT_EQ(second.services[1].placement, PlacementDecision::kept);
  EXPECT_EQ(second.services[0].address_source, AddressSource::fixed);
}

TEST(Plan, AddingAServiceInFrontRenumbersAndMovesNothing) {
  Spec spec = load_valid(kLabYaml);
  Plan before = plan(spec, {}).value();
  Spec grown = spec;
  Service extra = grown.services[1];  // like notes
  extra.name = "aaa";
  extra.resources = {2, 1 << 30};
  extra.prefer = "r530";
  grown.services.insert(grown.services.begin(), extra);
  Plan after = plan(grown, observed_from(before)).value();
  for (const ServicePlan& old : before.services) {
    EXPECT_EQ(find(after, old.name).address, old.address) << old.name;
    EXPECT_EQ(find(after, old.name).node, old.node) << old.name;
  }
  EXPECT_EQ(find(after, "aaa").address.str(), "10.1.2.133");  // .128-.132 are held
  EXPECT_EQ(find(after, "aaa").node, "r530");
}

TEST(Plan, DownNodesAreNotUsed) {
  Spec spec = load_valid(kLabYaml);
  ObservedState observed;
  observed.down_nodes = {"r530"};
  Plan p = plan(spec, observed).value();
  EXPECT_EQ(find(p, "notes").node, "r510");
  EXPECT_EQ(find(p, "jellyfin").node, "r510");
  EXPECT_FALSE(find(p, "transcoder").node.has_value());  // 5 cpus; r510 has 3.15 left
  ASSERT_EQ(p.servers.size(), 1u);
  EXPECT_EQ(p.volumes[0].data[1].node, "r530");  // bricks stay where the data is
}

TEST(Plan, DrainedNodesGetNothingAndUnsettledOnesTakeNothingBackForPrefer) {
  Spec spec = load_valid(kLabYaml);
  ObservedState drained;
  drained.drained_nodes = {"r510"};
  Plan p = plan(spec, drained).value();
  EXPECT_EQ(find(p, "homepage").node, "r530") << "prefers r510, which is drained";
  ASSERT_EQ(p.servers.size(), 1u);

  // homepage runs on r530 (r510 was away); r510 is back but not settled: homepage stays.
  ObservedState back;
  back.placements = {{"homepage", "r530"}};
  back.unsettled_nodes = {"r510"};
  p = plan(spec, back).value();
  EXPECT_EQ(find(p, "homepage").node, "r530");
  EXPECT_EQ(find(p, "homepage").placement, PlacementDecision::kept);
  // ...while a service that runs nowhere still goes to its unsettled preferred server.
  EXPECT_EQ(find(p, "transcoder").node, "r510");
  // Settled: it moves back.
  back.unsettled_nodes.clear();
  p = plan(spec, back).value();
  EXPECT_EQ(find(p, "homepage").node, "r510");
  EXPECT_EQ(find(p, "homepage").placement, PlacementDecision::returned);
}

TEST(Plan, FailsOnASpecItCannotSatisfy) {
  Spec spec = load_valid(kLabYaml);
  spec.networks[0].service_ips = *Ipv4Range::parse("10.1.2.128-10.1.2.130");  // .130 is homepage's
  auto result = plan(spec, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message.rfind("service jellyfin: no free address left", 0), 0u) << result.error().message;
}

}  // namespace
}  // namespace hearth
