#include "plan/plan_json.h"

#include <gtest/gtest.h>

#include "lab_yaml.h"
#include "spec/values.h"

namespace hearth {
namespace {

using namespace hearth::testing;
using Json = nlohmann::ordered_json;

std::vector<std::string> keys(const Json& object) {
  std::vector<std::string> result;
  for (const auto& [key, value] : object.items()) result.push_back(key);
  return result;
}

using Keys = std::vector<std::string>;

TEST(PlanJson, DnsAndDhcpReadBackExactly) {
  Plan p = plan(load_valid(kLabYaml), {}).value();
  auto dns = dns_plan_from_json(nlohmann::json::parse(to_json(p.dns).dump()));
  ASSERT_TRUE(dns.ok()) << dns.error().message;
  EXPECT_EQ(to_json(*dns).dump(), to_json(p.dns).dump());
  ASSERT_FALSE(dns->records.empty());
  auto dhcp = dhcp_scopes_from_json(nlohmann::json::parse(to_json(p.dhcp).dump()));
  ASSERT_TRUE(dhcp.ok()) << dhcp.error().message;
  EXPECT_EQ(to_json(*dhcp).dump(), to_json(p.dhcp).dump());
  ASSERT_FALSE(dhcp->empty());

  nlohmann::json damaged = to_json(p.dns);
  damaged["records"][0]["address"] = "10.1.2.300";
  auto refused = dns_plan_from_json(damaged);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("address '10.1.2.300'"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(dhcp_scopes_from_json(nlohmann::json::object()).ok());
}

TEST(PlanJson, EveryFieldInAFixedOrder) {
  Spec spec = load_valid(kLabYaml);
  Json json = to_json(plan(spec, {}).value());
  EXPECT_EQ(keys(json), (Keys{"volumes", "services", "servers", "arbiter_addresses", "dns", "dhcp", "firewall"}));

  const Json& appdata = json["volumes"][0];
  EXPECT_EQ(keys(appdata), (Keys{"name", "size", "bricks"}));
  EXPECT_EQ(appdata["size"], 107374182400ULL);
  ASSERT_EQ(appdata["bricks"].size(), 3u);
  EXPECT_EQ(keys(appdata["bricks"][0]), (Keys{"role", "node", "disk", "path", "host", "size"}));
  EXPECT_EQ(appdata["bricks"][0]["role"], "data");
  EXPECT_EQ(appdata["bricks"][2]["role"], "arbiter");
  EXPECT_EQ(appdata["bricks"][2]["path"], "/srv/hearth/arbiter/appdata");
  EXPECT_EQ(appdata["bricks"][2]["host"], "10.1.7.26");
  EXPECT_EQ(appdata["bricks"][2]["size"], 107374182400ULL / 32);

  const Json& homepage = json["services"][0];
  EXPECT_EQ(keys(homepage), (Keys{"name", "network", "address", "address_source", "node", "placement", "reason"}));
  EXPECT_EQ(homepage["address"], "10.1.2.130");
  EXPECT_EQ(homepage["address_source"], "fixed");
  EXPECT_EQ(homepage["node"], "r510");
  EXPECT_EQ(homepage["placement"], "preferred");

  const Json& r510 = json["servers"][0];
  EXPECT_EQ(keys(r510), (Keys{"node", "cpus_capacity", "memory_capacity", "cpus_used", "memory_used", "services"}));
  EXPECT_DOUBLE_EQ(r510["cpus_used"].get<double>(), 5.5);
  EXPECT_EQ(r510["services"], 2);

  EXPECT_EQ(keys(json["arbiter_addresses"][1]), (Keys{"network", "cidr", "address", "node_address"}));
  EXPECT_EQ(json["arbiter_addresses"][1]["address"], "10.1.3.24");

  const Json& dns = json["dns"];
  EXPECT_EQ(keys(dns), (Keys{"server", "domain", "upstream", "listen", "records"}));
  EXPECT_EQ(dns["upstream"], Json({"1.1.1.1", "1.0.0.1"}));
  EXPECT_EQ(dns["records"][0], Json({{"name", "r510.home.arpa"}, {"address", "10.1.2.17"}, {"source", "node"}}));

  const Json& home = json["dhcp"][1];
  EXPECT_EQ(keys(home), (Keys{"network", "vlan", "cidr", "range", "lease_ms", "router", "dns_server", "domain",
                              "reservations"}));
  EXPECT_EQ(home["range"], "10.1.3.25-10.1.3.254");
  EXPECT_EQ(home["lease_ms"], 43200000);
  EXPECT_EQ(home["reservations"][0],
            Json({{"name", "laserjet"}, {"mac", "3c:52:82:00:00:05"}, {"address", "10.1.3.5"}}));

  const Json& firewall = json["firewall"];
  EXPECT_EQ(firewall["services"][2], Json({{"service", "whoami"},
                                           {"address", "10.1.2.129"},
                                           {"ports", {"8080/tcp"}},
                                           {"allowed_sources", {"10.1.3.0/24", "10.1.4.0/24", "10.1.9.0/24"}}}));
  EXPECT_EQ(firewall["nodes"][0]["rules"][4],
            Json({{"name", "gluster-bricks"}, {"ports", {"49152-60999/tcp"}}, {"allowed_sources", {"10.1.2.0/24", "10.1.7.0/24"}}}));
  EXPECT_EQ(firewall["nodes"][2]["rules"][5]["ports"], Json({"53/udp", "53/tcp"}));
}

TEST(PlanJson, UnplacedServiceHasANullNode) {
  Spec spec = load_valid(kLabYaml);
  ObservedState observed;
  observed.down_nodes = {"r530"};
  Json json = to_json(plan(spec, observed).value());
  EXPECT_TRUE(json["services"][4]["node"].is_null());
  EXPECT_EQ(json["services"][4]["placement"], "unplaced");
}

TEST(WhatIfJson, EveryFieldInAFixedOrder) {
  Spec spec = load_valid(kLabYaml);
  Json json = to_json(what_if(spec, parse_failures(spec, "r510,r530:ssd1").value()).value());
  EXPECT_EQ(keys(json), (Keys{"failures", "quorum", "volumes", "services", "servers", "dns_dhcp"}));
  EXPECT_EQ(json["failures"], Json({{"nodes", {"r510"}}, {"disks", {"r530:ssd1"}}}));
  EXPECT_EQ(json["quorum"], Json({{"voters", 3}, {"alive", 2}, {"needed", 2}, {"kept", true}}));
  const Json& appdata = json["volumes"][0];
  EXPECT_EQ(keys(appdata), (Keys{"name", "state", "reason", "bricks"}));
  EXPECT_EQ(appdata["state"], "unavailable");
  EXPECT_EQ(keys(appdata["bricks"][0]), (Keys{"role", "node", "disk", "path", "host", "size", "up", "reason"}));
  EXPECT_EQ(appdata["bricks"][0]["up"], false);
  EXPECT_EQ(appdata["bricks"][0]["reason"], "node r510 is down");
  EXPECT_EQ(appdata["bricks"][1]["reason"], "disk r530:ssd1 failed");
  EXPECT_EQ(appdata["bricks"][2]["up"], true);
  EXPECT_EQ(json["volumes"][1]["state"], "degraded");
  const Json& homepage = json["services"][0];
  EXPECT_EQ(keys(homepage), (Keys{"name", "outcome", "from", "to", "reason"}));
  EXPECT_EQ(homepage["outcome"], "stops");
  EXPECT_EQ(homepage["from"], "r510");
  EXPECT_TRUE(homepage["to"].is_null());
  EXPECT_EQ(json["services"][3]["outcome"], "stays");  // jellyfin: media is degraded, still writable
  EXPECT_EQ(json["services"][3]["to"], "r530");
  EXPECT_EQ(json["servers"][0]["node"], "r530");
  EXPECT_EQ(json["dns_dhcp"], Json({{"server", "elitedesk"},
                                    {"served", true},
                                    {"reason", "the arbiter elitedesk serves DNS and DHCP from its last configuration; "
                                               "it needs no quorum"}}));
}

TEST(Names, PortsAndEnums) {
  EXPECT_EQ(format_port(Port{80, Protocol::tcp}), "80/tcp");
  EXPECT_EQ(format_port_range(PortRange{53, 53, Protocol::udp}), "53/udp");
  EXPECT_EQ(format_port_range(PortRange{24007, 24008, Protocol::tcp}), "24007-24008/tcp");
  EXPECT_EQ(name_of(PlacementDecision::least_loaded), "least_loaded");
  EXPECT_EQ(name_of(VolumeState::read_only), "read_only");
  EXPECT_EQ(name_of(ServiceOutcome::not_running), "not_running");
  EXPECT_EQ(name_of(AddressSource::kept), "kept");
  EXPECT_EQ(name_of(DnsSource::reservation), "reservation");
}

}  // namespace
}  // namespace hearth
