#include "plan/addresses.h"

#include <gtest/gtest.h>

#include <set>

#include "spec_builder.h"

namespace hearth {
namespace {

using namespace hearth::testing;

std::vector<ArbiterAddress> arbiter_of(const Spec& spec) {
  auto result = plan_arbiter_addresses(spec);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : std::vector<ArbiterAddress>{};
}

// service -> address as text; fails the test if allocation fails.
std::map<std::string, std::string> addresses_of(const Spec& spec, const std::map<std::string, Ipv4>& previous = {}) {
  auto result = plan_service_addresses(spec, arbiter_of(spec), previous);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  std::map<std::string, std::string> addresses;
  if (result.ok()) {
    for (const ServiceAddress& entry : result.value()) addresses[entry.service] = entry.address.str();
  }
  return addresses;
}

std::map<std::string, Ipv4> as_previous(const std::map<std::string, std::string>& addresses) {
  std::map<std::string, Ipv4> previous;
  for (const auto& [service, address] : addresses) previous[service] = ip(address.c_str());
  return previous;
}

TEST(ServiceAddresses, FixedAddressesAreUsedAndSkippedByTheAllocator) {
  Spec spec = example_lab();
  add_service(spec, "a");
  add_service(spec, "b");
  add_service(spec, "homepage").address("10.1.2.130");
  add_service(spec, "c");
  add_service(spec, "outside").address("10.1.2.60");  // in the network, outside service_ips
  auto result = plan_service_addresses(spec, arbiter_of(spec), {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto& entries = result.value();
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].address.str(), "10.1.2.128");
  EXPECT_EQ(entries[1].address.str(), "10.1.2.129");
  EXPECT_EQ(entries[2].address.str(), "10.1.2.130");
  EXPECT_EQ(entries[2].source, AddressSource::fixed);
  EXPECT_EQ(entries[3].address.str(), "10.1.2.131");
  EXPECT_EQ(entries[3].source, AddressSource::allocated);
  EXPECT_EQ(entries[4].address.str(), "10.1.2.60");
  EXPECT_EQ(entries[4].network, "services");
}

TEST(ServiceAddresses, NeverHandsOutNodeGatewayReservationOrRecordAddresses) {
  Spec spec = example_lab();
  spec.networks[0].service_ips = range("10.1.2.1-10.1.2.30");  // gateway .1, r510 .17, r530 .22, elitedesk .26
  spec.dns.records.push_back({"printer", ip("10.1.2.2")});
  for (int i = 0; i < 24; ++i) add_service(spec, "s" + std::to_string(i));
  auto result = plan_service_addresses(spec, arbiter_of(spec), {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::set<std::string> handed_out;
  for (const ServiceAddress& entry : result.value()) handed_out.insert(entry.address.str());
  EXPECT_EQ(result.value()[0].address.str(), "10.1.2.3");
  for (const char* taken : {"10.1.2.1", "10.1.2.2", "10.1.2.17", "10.1.2.22", "10.1.2.26"}) {
    EXPECT_EQ(handed_out.count(taken), 0u) << taken;
  }
  EXPECT_EQ(handed_out.size(), 24u);
  EXPECT_EQ(result.value()[23].address.str(), "10.1.2.29");  // 30 addresses, 5 taken, 24 + 1 left
}

TEST(ServiceAddresses, KeepsHeldAddressesSoAddingOrRemovingNeverRenumbers) {
  Spec spec = example_lab();
  for (const char* name : {"a", "b", "c"}) add_service(spec, name);
  auto before = addresses_of(spec);
  ASSERT_EQ(before.at("a"), "10.1.2.128");
  ASSERT_EQ(before.at("b"), "10.1.2.129");
  ASSERT_EQ(before.at("c"), "10.1.2.130");

  // Remove "a", add "first" at the top of the file: b and c keep theirs, "first" reuses .128.
  Spec changed = example_lab();
  add_service(changed, "first");
  add_service(changed, "b");
  add_service(changed, "c");
  add_service(changed, "last");
  auto after = addresses_of(changed, as_previous(before));
  EXPECT_EQ(after.at("b"), "10.1.2.129");
  EXPECT_EQ(after.at("c"), "10.1.2.130");
  EXPECT_EQ(after.at("first"), "10.1.2.128");
  EXPECT_EQ(after.at("last"), "10.1.2.131");
  // Removing "first" again: without the previous state b would be renumbered to .128.
  Spec without_first = changed;
  without_first.services.erase(without_first.services.begin());
  EXPECT_EQ(addresses_of(without_first).at("b"), "10.1.2.128");
  EXPECT_EQ(addresses_of(without_first, as_previous(after)).at("b"), "10.1.2.129");
}

TEST(ServiceAddresses, KeptAddressesAreMarkedAndInvalidOnesAreReplaced) {
  Spec spec = example_lab();
  add_service(spec, "kept");
  add_service(spec, "outside_pool");
  add_service(spec, "now_fixed_elsewhere");
  add_service(spec, "grabber").address("10.1.2.150");
  add_service(spec, "duplicate");
  std::map<std::string, Ipv4> previous{{"kept", ip("10.1.2.140")},
                                       {"outside_pool", ip("10.1.2.50")},
                                       {"now_fixed_elsewhere", ip("10.1.2.150")},
                                       {"duplicate", ip("10.1.2.140")},
                                       {"gone", ip("10.1.2.128")}};
  auto result = plan_service_addresses(spec, arbiter_of(spec), previous);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto& entries = result.value();
  EXPECT_EQ(entries[0].address.str(), "10.1.2.140");
  EXPECT_EQ(entries[0].source, AddressSource::kept);
  EXPECT_EQ(entries[1].address.str(), "10.1.2.128");  // "gone" is not in the spec: its address is free
  EXPECT_EQ(entries[1].source, AddressSource::allocated);
  EXPECT_EQ(entries[2].address.str(), "10.1.2.129");  // its old address is now fixed for "grabber"
  EXPECT_EQ(entries[3].address.str(), "10.1.2.150");
  EXPECT_EQ(entries[4].address.str(), "10.1.2.130");  // .140 is kept by "kept", first in spec order
}

TEST(ServiceAddresses, ExhaustionIsAClearError) {
  Spec spec = example_lab();
  spec.networks[0].service_ips = range("10.1.2.128-10.1.2.131");
  add_service(spec, "fixed").address("10.1.2.129");
  for (const char* name : {"a", "b", "c", "d"}) add_service(spec, name);
  auto result = plan_service_addresses(spec, arbiter_of(spec), {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "service d: no free address left in service_ips 10.1.2.128-10.1.2.131 of network services "
            "(4 addresses: 4 held by services, 0 taken by nodes, gateways, reservations, dns.records or "
            "the network's own addresses); widen service_ips or give the service a fixed address");
}

TEST(ServiceAddresses, NetworkAndBroadcastAddressesAreNeverHandedOut) {
  Spec spec = example_lab();
  spec.networks[4].service_ips = range("10.1.5.252-10.1.5.255");  // toxic: .255 is broadcast
  for (const char* name : {"a", "b", "c", "d"}) add_service(spec, name).network("toxic");
  // The arbiter takes .251 (the highest address outside the DHCP range and service_ips).
  auto result = plan_service_addresses(spec, arbiter_of(spec), {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("service d: no free address left in service_ips 10.1.5.252-10.1.5.255"),
            std::string::npos)
      << result.error().message;
  spec.services.pop_back();
  auto three = addresses_of(spec);
  EXPECT_EQ(three.at("a"), "10.1.5.252");
  EXPECT_EQ(three.at("b"), "10.1.5.253");
  EXPECT_EQ(three.at("c"), "10.1.5.254");
}

TEST(ServiceAddresses, ANetworkWithoutServiceIpsNeedsAFixedAddress) {
  Spec spec = example_lab();
  add_service(spec, "lonely").network("home");
  auto result = plan_service_addresses(spec, arbiter_of(spec), {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "service lonely has no address: network home has no service_ips; add service_ips to the "
            "network or an address to the service");
  spec.services.back().address = ip("10.1.3.10");
  EXPECT_EQ(addresses_of(spec).at("lonely"), "10.1.3.10");
}

TEST(ServiceAddresses, ThousandsOfServicesGetDistinctAddressesInOrder) {
  Spec spec = example_lab();
  spec.networks[0].cidr = cidr("10.1.0.0/16");
  spec.networks[0].service_ips = range("10.1.16.0-10.1.31.255");
  spec.networks[0].dhcp.reset();
  for (int i = 0; i < 3000; ++i) add_service(spec, "s" + std::to_string(i));
  auto result = plan_service_addresses(spec, arbiter_of(spec), {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::set<std::uint32_t> seen;
  for (const ServiceAddress& entry : result.value()) seen.insert(entry.address.value);
  EXPECT_EQ(seen.size(), 3000u);
  EXPECT_EQ(result.value().front().address.str(), "10.1.16.0");
  EXPECT_EQ(result.value().back().address.str(), "10.1.27.183");  // 16.0 + 2999 = 16 + 11*256 + 183
}

TEST(ArbiterAddresses, OwnAddressOnManagementHighestUnusedElsewhere) {
  Spec spec = example_lab();
  auto addresses = arbiter_of(spec);
  ASSERT_EQ(addresses.size(), 4u);  // services, home, guests, toxic (storage has no DHCP)
  EXPECT_EQ(addresses[0].network, "services");
  EXPECT_EQ(addresses[0].address.str(), "10.1.2.26");
  EXPECT_TRUE(addresses[0].node_address);
  EXPECT_EQ(addresses[1].network, "home");
  EXPECT_EQ(addresses[1].address.str(), "10.1.3.24");  // range .25-.254 takes the top
  EXPECT_FALSE(addresses[1].node_address);
  EXPECT_EQ(addresses[2].address.str(), "10.1.4.24");
  EXPECT_EQ(addresses[3].network, "toxic");
  EXPECT_EQ(addresses[3].address.str(), "10.1.5.254");  // range .50-.200; .255 is broadcast
  EXPECT_EQ(addresses[3].cidr.str(), "10.1.5.0/24");
}

TEST(ArbiterAddresses, SkipsEverythingTheSpecUses) {
  Spec spec = example_lab();
  spec.dns.records.push_back({"camera", ip("10.1.5.254")});
  add_service(spec, "fixed").network("toxic").address("10.1.5.253");
  spec.networks[4].dhcp->reservations.push_back({"tv", "aa:bb:cc:dd:ee:ff", ip("10.1.5.252")});
  spec.networks[4].gateway = ip("10.1.5.251");
  spec.networks[4].service_ips = range("10.1.5.240-10.1.5.250");
  EXPECT_EQ(arbiter_of(spec)[3].address.str(), "10.1.5.239");
}

TEST(ArbiterAddresses, NoAddressLeftIsAnError) {
  Spec spec = example_lab();
  spec.networks[3].dhcp->range = range("10.1.4.2-10.1.4.254");  // guests: only the gateway .1 remains
  auto result = plan_arbiter_addresses(spec);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "network guests (10.1.4.0/24) has no address left for the arbiter elitedesk, which serves DNS "
            "and DHCP there: every usable address is in the DHCP range, service_ips or used by the spec; "
            "shrink the DHCP range by one address");
}

}  // namespace
}  // namespace hearth
