#include "plan/dns_dhcp.h"

#include <gtest/gtest.h>

#include "spec_builder.h"

namespace hearth {
namespace {

using namespace hearth::testing;

struct Planned {
  std::vector<ArbiterAddress> arbiter;
  std::vector<ServiceAddress> services;
};

Planned addresses(const Spec& spec) {
  Planned planned;
  planned.arbiter = plan_arbiter_addresses(spec).value();
  planned.services = plan_service_addresses(spec, planned.arbiter, {}).value();
  return planned;
}

std::vector<std::string> lines(const DnsPlan& dns) {
  std::vector<std::string> result;
  for (const DnsEntry& entry : dns.records) result.push_back(entry.name + " " + entry.address.str());
  return result;
}

TEST(Dns, ServesNodesServicesReservationsAndRecordsInTheClusterDomain) {
  Spec spec = example_lab();
  add_service(spec, "homepage").address("10.1.2.130");
  add_service(spec, "jellyfin");
  Planned planned = addresses(spec);
  DnsPlan dns = plan_dns(spec, planned.arbiter, planned.services);
  EXPECT_EQ(dns.server, "elitedesk");
  EXPECT_EQ(dns.domain, "home.arpa");
  ASSERT_EQ(dns.upstream.size(), 2u);
  EXPECT_EQ(dns.upstream[0].str(), "1.1.1.1");
  EXPECT_EQ(dns.upstream[1].str(), "1.0.0.1");
  EXPECT_EQ(lines(dns), (std::vector<std::string>{
                            "r510.home.arpa 10.1.2.17",
                            "r530.home.arpa 10.1.2.22",
                            "elitedesk.home.arpa 10.1.2.26",
                            "homepage.home.arpa 10.1.2.130",
                            "jellyfin.home.arpa 10.1.2.128",
                            "laserjet.home.arpa 10.1.3.5",
                            "nas.home.arpa 10.1.2.40",
                        }));
  EXPECT_EQ(dns.records[3].source, DnsSource::service);
  EXPECT_EQ(dns.records[5].source, DnsSource::reservation);
  EXPECT_EQ(dns.records[6].source, DnsSource::record);
  std::vector<std::string> listen;
  for (const Ipv4& address : dns.listen) listen.push_back(address.str());
  EXPECT_EQ(listen, (std::vector<std::string>{"10.1.2.26", "10.1.3.24", "10.1.4.24", "10.1.5.254"}));
}

TEST(Dhcp, OneScopePerDhcpNetworkWithRouterAndTheArbiterAsDnsServer) {
  Spec spec = example_lab();
  Planned planned = addresses(spec);
  std::vector<DhcpScope> scopes = plan_dhcp(spec, planned.arbiter);
  ASSERT_EQ(scopes.size(), 4u);
  EXPECT_EQ(scopes[0].network, "services");
  EXPECT_EQ(scopes[0].dns_server.str(), "10.1.2.26");
  EXPECT_EQ(scopes[0].router->str(), "10.1.2.1");
  const DhcpScope& home = scopes[1];
  EXPECT_EQ(home.network, "home");
  EXPECT_EQ(home.vlan, 30);
  EXPECT_EQ(home.cidr.str(), "10.1.3.0/24");
  EXPECT_EQ(home.range.str(), "10.1.3.25-10.1.3.254");
  EXPECT_EQ(home.lease, 12LL * 3600 * 1000);
  EXPECT_EQ(home.router->str(), "10.1.3.1");
  EXPECT_EQ(home.dns_server.str(), "10.1.3.24");
  EXPECT_EQ(home.domain, "home.arpa");
  ASSERT_EQ(home.reservations.size(), 1u);
  EXPECT_EQ(home.reservations[0].name, "laserjet");
  EXPECT_EQ(home.reservations[0].mac, "3c:52:82:00:00:05");
  EXPECT_EQ(home.reservations[0].address.str(), "10.1.3.5");
  EXPECT_EQ(scopes[3].network, "toxic");
  EXPECT_EQ(scopes[3].dns_server.str(), "10.1.5.254");
}

TEST(Dhcp, ANetworkWithoutGatewayHasNoRouter) {
  Spec spec = example_lab();
  spec.networks[3].gateway.reset();
  Planned planned = addresses(spec);
  std::vector<DhcpScope> scopes = plan_dhcp(spec, planned.arbiter);
  EXPECT_FALSE(scopes[2].router.has_value());
  EXPECT_EQ(scopes[2].dns_server.str(), "10.1.4.24");
}

}  // namespace
}  // namespace hearth
