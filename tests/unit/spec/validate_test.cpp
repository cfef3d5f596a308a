// The rules that relate values to each other: for each, a change to a valid spec that breaks it
// (exactly one error, at an exact key path and position) and, where the boundary matters, a
// change that keeps it valid.

#include "spec/validate.h"

#include <gtest/gtest.h>

#include <utility>

#include "spec/load.h"
#include "spec_test_util.h"

namespace hearth {
namespace {

using testing::fails_with;
using testing::kValidSpec;
using testing::loads;
using testing::locate;
using testing::with;

using Changes = std::vector<std::pair<std::string, std::string>>;

std::string changed(const Changes& changes) {
  std::string text = kValidSpec;
  for (const auto& [from, to] : changes) text = with(text, from, to);
  return text;
}

struct Case {
  const char* name;
  Changes changes;      // applied to kValidSpec in order
  const char* path;     // expected key path of the one error
  const char* at;       // the error is at the first occurrence of this text after the first change
  const char* message;  // part of the expected message
  bool at_before = false;  // search `at` from the start of the file instead
};

class ValidateRule : public ::testing::TestWithParam<Case> {};

TEST_P(ValidateRule, ReportsExactlyOneErrorAtThePathAndPosition) {
  const Case& c = GetParam();
  std::string text = changed(c.changes);
  std::size_t change = kValidSpec.find(c.changes.front().first);
  std::size_t at = text.find(c.at, c.at_before ? 0 : change);
  ASSERT_NE(at, std::string::npos) << c.at;
  Position position = locate(text.substr(0, at) + "\x01", "\x01");
  EXPECT_TRUE(fails_with(text, c.path, position, c.message));
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

const std::string kExtraService = "backups:\n";

// clang-format off
const Case kCases[] = {
  // Roles.
  {"NoArbiter", {{"    role: arbiter\n", "    role: server\n    capacity: { cpus: 1, memory: 1GiB }\n"}},
   "nodes", "nodes:", "no arbiter: exactly one node needs role: arbiter", true},
  {"SecondArbiter", {{"networks:\n", "  arb2: { role: arbiter, address: 10.0.0.14, storage_address: 10.0.1.14 }\nnetworks:\n"}},
   "nodes.arb2.role", "arbiter,", "a second arbiter: exactly one node has role arbiter, and arb already has it"},
  {"OneServer", {{"  s2:\n    role: server\n    address: 10.0.0.12\n    storage_address: 10.0.1.12\n"
                  "    capacity: { cpus: 2, memory: 4GiB }\n    disks:\n      d1: { path: /srv/s2/d1, size: 100GiB }\n", ""}},
   "nodes", "nodes:", "needs at least two nodes with role: server, found 1", true},

  // Management and storage networks, VLANs, overlaps.
  {"NoManagementNetwork", {{"management: true", "management: false"}}, "networks", "networks:",
   "no management network: exactly one network needs management: true", true},
  {"TwoManagementNetworks", {{"gateway: 10.0.2.1 }", "gateway: 10.0.2.1, management: true }"}},
   "networks.home.management", "true }", "only one network can be the management network, and lan already is"},
  {"TwoStorageNetworks", {{"gateway: 10.0.2.1 }", "gateway: 10.0.2.1, storage: true }"}},
   "networks.home.storage", "true }", "only one network can be the storage network, and san already is"},
  {"VlanTwice", {{"vlan: 12", "vlan: 10"}}, "networks.home.vlan", "10,",
   "VLAN 10 is already used by network lan"},
  {"NetworksOverlap", {{"cidr: 10.0.2.0/24", "cidr: 10.0.0.0/16"}}, "networks.home.cidr", "10.0.0.0/16",
   "10.0.0.0/16 overlaps network lan (10.0.0.0/24)"},

  // Node addresses.
  {"NodeAddressOutsideManagementNetwork", {{"address: 10.0.0.12", "address: 10.0.2.12"}},
   "nodes.s2.address", "10.0.2.12", "10.0.2.12 is outside the management network lan (10.0.0.0/24)"},
  {"NodeAddressIsNetworkAddress", {{"address: 10.0.0.12", "address: 10.0.0.0"}},
   "nodes.s2.address", "10.0.0.0", "10.0.0.0 is the network address of the management network lan"},
  {"NodeAddressIsBroadcastAddress", {{"address: 10.0.0.12", "address: 10.0.0.255"}},
   "nodes.s2.address", "10.0.0.255", "10.0.0.255 is the broadcast address of the management network lan"},
  {"NodeAddressTwice", {{"address: 10.0.0.12", "address: 10.0.0.11"}}, "nodes.s2.address",
   "10.0.0.11", "10.0.0.11 is already used by node s1's address 10.0.0.11"},
  {"StorageAddressOutsideStorageNetwork", {{"storage_address: 10.0.1.12", "storage_address: 10.0.2.12"}},
   "nodes.s2.storage_address", "10.0.2.12", "10.0.2.12 is outside the storage network san (10.0.1.0/24)"},
  {"StorageAddressOnSomeNodesOnly", {{"    storage_address: 10.0.1.13\n", ""}}, "nodes.arb", "arb:",
   "has no storage_address, but s1 has one: give every node a storage_address, or none", true},
  {"StorageAddressWithoutStorageNetwork",
   {{"    storage_address: 10.0.1.12\n", ""}, {"    storage_address: 10.0.1.13\n", ""},
    {", storage: true }", " }"}},
   "nodes.s1.storage_address", "10.0.1.11", "storage_address needs a network with storage: true", true},

  // Gateways, DHCP ranges, reservations, service_ips.
  {"GatewayOutsideNetwork", {{"gateway: 10.0.2.1", "gateway: 10.0.3.1"}}, "networks.home.gateway",
   "10.0.3.1", "10.0.3.1 is outside network home (10.0.2.0/24)"},
  {"GatewayIsBroadcastAddress", {{"gateway: 10.0.2.1", "gateway: 10.0.2.255"}}, "networks.home.gateway",
   "10.0.2.255", "10.0.2.255 is the broadcast address of network home"},
  {"GatewayIsANodeAddress", {{"gateway: 10.0.0.1", "gateway: 10.0.0.11"}}, "networks.lan.gateway",
   "10.0.0.11", "10.0.0.11 is already used by node s1's address 10.0.0.11"},
  {"DhcpRangeOutsideNetwork", {{"range: 10.0.0.200-10.0.0.250", "range: 10.0.0.200-10.0.1.10"}},
   "networks.lan.dhcp.range", "10.0.0.200", "range 10.0.0.200-10.0.1.10 is not inside network lan (10.0.0.0/24)"},
  {"DhcpRangeIncludesBroadcast", {{"range: 10.0.0.200-10.0.0.250", "range: 10.0.0.200-10.0.0.255"}},
   "networks.lan.dhcp.range", "10.0.0.200", "range 10.0.0.200-10.0.0.255 includes 10.0.0.255, the broadcast address of network lan"},
  {"DhcpRangeIncludesGateway", {{"range: 10.0.0.200-10.0.0.250", "range: 10.0.0.1-10.0.0.4"}},
   "networks.lan.dhcp.range", "10.0.0.1-", "range 10.0.0.1-10.0.0.4 includes the gateway of network lan (10.0.0.1)"},
  {"DhcpRangeOverlapsServiceIps", {{"range: 10.0.0.200-10.0.0.250", "range: 10.0.0.140-10.0.0.250"}},
   "networks.lan.dhcp.range", "10.0.0.140", "range 10.0.0.140-10.0.0.250 overlaps the service_ips of network lan (10.0.0.100-10.0.0.149)"},
  {"ServiceIpsOutsideNetwork", {{"gateway: 10.0.2.1 }", "gateway: 10.0.2.1, service_ips: 10.0.3.10-10.0.3.20 }"}},
   "networks.home.service_ips", "10.0.3.10", "range 10.0.3.10-10.0.3.20 is not inside network home (10.0.2.0/24)"},
  {"ServiceIpsIncludeNodeAddresses", {{"service_ips: 10.0.0.100-10.0.0.149", "service_ips: 10.0.0.10-10.0.0.149"}},
   "networks.lan.service_ips", "10.0.0.10-", "range 10.0.0.10-10.0.0.149 includes node s1's address 10.0.0.11"},
  {"ReservationOutsideNetwork", {{"address: 10.0.0.5 }", "address: 10.0.2.5 }"}},
   "networks.lan.dhcp.reservations.printer.address", "10.0.2.5", "10.0.2.5 is outside network lan"},
  {"ReservationInsideDhcpRange", {{"address: 10.0.0.5 }", "address: 10.0.0.210 }"}},
   "networks.lan.dhcp.reservations.printer.address", "10.0.0.210",
   "10.0.0.210 is inside the DHCP range of network lan (10.0.0.200-10.0.0.250)"},
  {"ReservationMacTwice", {{"address: 10.0.0.5 }\n", "address: 10.0.0.5 }\n        scanner: { mac: \"AA-BB-CC-DD-EE-FF\", address: 10.0.0.6 }\n"}},
   "networks.lan.dhcp.reservations.scanner.mac", "\"AA-BB", "MAC aa:bb:cc:dd:ee:ff already has reservation printer"},

  // Service addresses and pools.
  {"ServiceAddressOutsideItsNetwork", {{"address: 10.0.0.100", "address: 10.0.2.100"}},
   "services.web.address", "10.0.2.100", "10.0.2.100 is outside the service's network lan (10.0.0.0/24)"},
  {"ServiceAddressIsANodeAddress", {{"address: 10.0.0.100", "address: 10.0.0.12"}},
   "services.web.address", "10.0.0.12", "10.0.0.12 is already used by node s2's address 10.0.0.12"},
  {"ServiceAddressInDhcpRange", {{"address: 10.0.0.100", "address: 10.0.0.210"}},
   "services.web.address", "10.0.0.210", "10.0.0.210 is inside the DHCP range of network lan"},
  {"ServiceAddressIsTheGateway", {{"address: 10.0.0.100", "address: 10.0.0.1"}},
   "services.web.address", "10.0.0.1", "10.0.0.1 is already used by the gateway of network lan"},
  {"ServiceAddressIsAReservation", {{"address: 10.0.0.100", "address: 10.0.0.5"}},
   "services.web.address", "10.0.0.5", "10.0.0.5 is already used by DHCP reservation printer"},
  {"TwoServicesOneAddress", {{"backups:\n", "  api: { image: r.example/x, network: lan, address: 10.0.0.100 }\nbackups:\n"}},
   "services.api.address", "10.0.0.100", "10.0.0.100 is already used by service web's address 10.0.0.100"},
  {"ServiceNeedsAPoolTheNetworkLacks", {{"backups:\n", "  api: { image: r.example/x, network: home }\nbackups:\n"}},
   "services.api.network", "home", "network home has no service_ips to take an address from"},
  {"ServicePoolExhausted", {{"service_ips: 10.0.0.100-10.0.0.149", "service_ips: 10.0.0.100-10.0.0.101"},
                            {"backups:\n", "  api1: { image: r.example/x, network: lan }\n  api2: { image: r.example/x, network: lan }\nbackups:\n"}},
   "services.api2.network", "lan }\nbackups", "no free address left in the service_ips of network lan "
   "(10.0.0.100-10.0.0.101: 2 addresses, 1 fixed); 2 services need one, this one and 0 after it find none"},

  // References.
  {"ServiceNetworkUnknown", {{"network: lan", "network: lna"}}, "services.web.network", "lna",
   "no network named 'lna'; did you mean 'lan'?"},
  {"AllowFromUnknownNetwork", {{"allow_from: [home]", "allow_from: [home, hmoe]"}},
   "services.web.allow_from[1]", "hmoe", "no network named 'hmoe'; did you mean 'home'? (allow_from takes network names or CIDRs)"},
  {"MountOfUnknownVolume", {{"\"data/web:/srv\"", "\"dta/web:/srv\""}}, "services.web.volumes[0]",
   "\"dta", "no volume named 'dta'; did you mean 'data'?"},
  {"PreferUnknownNode", {{"prefer: s1", "prefer: s3"}}, "services.web.prefer", "s3",
   "no node named 's3'; did you mean 's1'?"},
  {"PreferTheArbiter", {{"prefer: s1", "prefer: arb"}}, "services.web.prefer", "arb",
   "arb is the arbiter, which runs no services; prefer a server"},
  {"BackupOfUnknownVolume", {{"volumes: [data]", "volumes: [dat]"}}, "backups.nightly.volumes[0]",
   "dat]", "no volume named 'dat'; did you mean 'data'?"},

  // Resources.
  {"ServiceFitsNoServer", {{"resources: { cpus: 1, memory: 1GiB }", "resources: { cpus: 4, memory: 9GiB }"}},
   "services.web.resources", "{ cpus: 4", "needs 4 cpus and 9GiB of memory, more than any one server has (largest: s1 with 4 cpus and 8GiB)"},
  {"ServiceFitsNoServerInBothCpusAndMemory",
   {{"capacity: { cpus: 2, memory: 4GiB }", "capacity: { cpus: 8, memory: 2GiB }"},
    {"resources: { cpus: 1, memory: 1GiB }", "resources: { cpus: 6, memory: 6GiB }"}},
   "services.web.resources", "{ cpus: 6", "needs 6 cpus and 6GiB of memory", true},

  // Volumes: pins and fit.
  {"PinUnknownNode", {{"data: { size: 10GiB }", "data: { size: 10GiB, disks: { s1: d1, s3: d1 } }"}},
   "volumes.data.disks.s3", "s3:", "no node named 's3'; did you mean 's1'?"},
  {"PinTheArbiter", {{"data: { size: 10GiB }", "data: { size: 10GiB, disks: { s1: d1, arb: ssd } }"}},
   "volumes.data.disks.arb", "arb:", "arb is the arbiter: pins name the two servers that hold the data bricks"},
  {"PinUnknownDisk", {{"data: { size: 10GiB }", "data: { size: 10GiB, disks: { s1: d1, s2: d2 } }"}},
   "volumes.data.disks.s2", "d2 }", "node s2 has no disk 'd2'; did you mean 'd1'?"},
  {"PinOneServer", {{"data: { size: 10GiB }", "data: { size: 10GiB, disks: { s1: d1 } }"}},
   "volumes.data.disks", "{ s1", "pin exactly two servers, one disk on each; found 1"},
  {"PinnedDiskFull", {{"data: { size: 10GiB }", "data: { size: 200GiB, disks: { s1: d1, s2: d1 } }"}},
   "volumes.data.disks.s1", "d1,", "the data brick (200GiB) does not fit: pinned disk s1:d1 has 100GiB free"},
  {"VolumeTooLargeForTheDisks", {{"data: { size: 10GiB }", "data: { size: 200GiB }"}},
   "volumes.data.size", "200GiB", "does not fit: its two data bricks need 200GiB free on a disk of each of two "
   "servers, but the roomiest disk s1:d1 has 100GiB free; the roomiest disk s2:d1 has 100GiB free"},
  {"FreeSpaceIsCountedAcrossVolumes", {{"data: { size: 10GiB }", "data: { size: 60GiB }\n  more: { size: 60GiB }"}},
   "volumes.more.size", "60GiB }\nservices", "need 60GiB free on a disk of each of two servers, but the roomiest disk "
   "s1:d1 has 40GiB free (of 100GiB; volumes placed before take the rest)"},
  {"ArbiterBrickDoesNotFit", {{"path: /srv/arb, size: 10GiB", "path: /srv/arb, size: 100MiB"}},
   "volumes.data.size", "10GiB }\nservices", "its arbiter brick (1/32 of 10GiB = 320MiB) needs room on the arbiter, "
   "but the roomiest disk arb:ssd has 100MiB free"},

  // DNS.
  {"UpstreamNotUnicast", {{"upstream: [1.1.1.1]", "upstream: [1.1.1.1, 224.0.0.1]"}}, "dns.upstream[1]",
   "224.0.0.1", "224.0.0.1 cannot be a DNS server (not a unicast address)"},
  {"UpstreamTwice", {{"upstream: [1.1.1.1]", "upstream: [1.1.1.1, 1.1.1.1]"}}, "dns.upstream[1]",
   "1.1.1.1]", "1.1.1.1 is listed twice"},
  {"ServiceNameTakenByADnsRecord", {{"{ nas: 10.0.0.40 }", "{ web: 10.0.0.40 }"}}, "services.web",
   "web:\n    image", "the DNS name web.home.arpa is already taken by DNS record web"},
  {"ReservationNameTakenByANode", {{"printer:", "s1:"}}, "networks.lan.dhcp.reservations.s1", "s1:",
   "the DNS name s1.home.arpa is already taken by node s1"},
  {"ServiceNameTakenByANode", {{"  web:\n", "  arb:\n"}}, "services.arb", "arb:",
   "the DNS name arb.home.arpa is already taken by node arb"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Spec, ValidateRule, ::testing::ValuesIn(kCases), case_name);

TEST(Validate, ValidSideOfTheRules) {
  // Fixed service address outside service_ips but inside the network, and free.
  EXPECT_TRUE(loads(changed({{"address: 10.0.0.100", "address: 10.0.0.60"}})));
  // A pool exactly full.
  EXPECT_TRUE(
      loads(changed({{"service_ips: 10.0.0.100-10.0.0.149", "service_ips: 10.0.0.100-10.0.0.101"},
                     {"backups:\n", "  api: { image: r.example/x, network: lan }\nbackups:\n"}})));
  // A service with a fixed address on a network without service_ips.
  EXPECT_TRUE(loads(changed(
      {{"backups:\n", "  api: { image: r.example/x, network: home, address: 10.0.2.9 }\nbackups:\n"}})));
  // DNS records may point anywhere, even at a node or outside every network.
  EXPECT_TRUE(loads(changed({{"{ nas: 10.0.0.40 }", "{ nas: 10.0.0.11, cloud: 203.0.113.7 }"}})));
  // allow_from with a CIDR outside the spec's networks.
  EXPECT_TRUE(loads(changed({{"allow_from: [home]", "allow_from: [home, 192.168.0.0/16]"}})));
  // Resources exactly a server's capacity.
  EXPECT_TRUE(loads(
      changed({{"resources: { cpus: 1, memory: 1GiB }", "resources: { cpus: 4, memory: 8GiB }"}})));
  // Pins on two servers; volumes that exactly fill the disks; arbiter brick exactly fits.
  EXPECT_TRUE(loads(
      changed({{"data: { size: 10GiB }", "data: { size: 10GiB, disks: { s2: d1, s1: d1 } }"}})));
  EXPECT_TRUE(loads(
      changed({{"data: { size: 10GiB }", "data: { size: 60GiB }\n  more: { size: 40GiB }"}})));
  EXPECT_TRUE(loads(changed({{"path: /srv/arb, size: 10GiB", "path: /srv/arb, size: 320MiB"}})));
  // No storage network at all when no node has a storage_address.
  EXPECT_TRUE(loads(changed({{"    storage_address: 10.0.1.11\n", ""},
                             {"    storage_address: 10.0.1.12\n", ""},
                             {"    storage_address: 10.0.1.13\n", ""},
                             {", storage: true }", " }"}})));
  // Networks without VLAN, gateway or DHCP; a reservation just outside the DHCP range.
  EXPECT_TRUE(loads(
      changed({{"{ cidr: 10.0.2.0/24, vlan: 12, gateway: 10.0.2.1 }", "{ cidr: 10.0.2.0/24 }"},
               {"address: 10.0.0.5 }", "address: 10.0.0.199 }"}})));
}

TEST(Validate, ErrorsAboutReferencesPointAtTheReferencingKey) {
  std::string text = changed({{"volumes: [data]", "volumes: [data, photos]"}});
  LoadResult result = load_spec_text(text, "homelab.yaml");
  ASSERT_EQ(result.errors.size(), 1u);
  Position at = locate(text, "photos");
  EXPECT_EQ(result.errors[0].format(),
            "homelab.yaml:" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                ": backups.nightly.volumes[1]: no volume named 'photos'");
}

TEST(Validate, AParseErrorIsNotReportedAgainByTheRules) {
  // The address is wrong, so the rules that need it (inside the network, unique) are skipped.
  LoadResult result =
      load_spec_text(changed({{"address: 10.0.0.11", "address: 10.0.0"}}), "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << testing::format_all(result);
  // An unknown role does not make "no arbiter"; a bad volume size does not make a fit error.
  result = load_spec_text(
      changed({{"role: arbiter", "role: witness"}, {"data: { size: 10GiB }", "data: { size: 1 }"}}),
      "t.yaml");
  ASSERT_EQ(result.errors.size(), 2u) << testing::format_all(result);
  // The volumes section broken does not make every mount "no volume named".
  result = load_spec_text(changed({{"  data: { size: 10GiB }", "  - data"}}), "t.yaml");
  ASSERT_EQ(result.errors.size(), 1u) << testing::format_all(result);
}

TEST(Validate, WorksOnASpecBuiltInMemory) {
  LoadResult loaded = load_spec_text(kValidSpec, "t.yaml");
  ASSERT_TRUE(loaded.ok());
  Spec spec = *loaded.spec;
  spec.source = SourceMap{};
  EXPECT_TRUE(validate_spec(spec).empty());
  spec.services[0].address = spec.nodes[0].address;
  std::vector<Diagnostic> errors = validate_spec(spec);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key_path, "services.web.address");
  EXPECT_EQ(errors[0].position, (Position{0, 0}));
}

// A generated spec with 10,000 services (4,000 with fixed addresses) is valid (its speed: bench/plan).
TEST(Validate, TenThousandServicesValidateQuickly) {
  LoadResult loaded = load_spec_text(kValidSpec, "t.yaml");
  ASSERT_TRUE(loaded.ok());
  Spec spec = *loaded.spec;
  Network& lan = spec.networks[0];
  lan.cidr = *Cidr::parse("10.0.0.0/16");
  lan.service_ips = *Ipv4Range::parse("10.0.100.0-10.0.199.255");
  spec.networks.resize(1);  // san and home would overlap the /16
  spec.services[0].allow_from.clear();
  for (Node& node : spec.nodes) node.storage_address.reset();
  for (int i = 0; i < 10'000; ++i) {
    Service service = spec.services[0];
    service.name = "svc" + std::to_string(i);
    service.address.reset();
    if (i % 5 < 2)
      service.address = Ipv4{lan.service_ips->first.value + static_cast<std::uint32_t>(i)};
    spec.services.push_back(std::move(service));
  }
  spec.services.erase(spec.services.begin());
  // Its speed is measured by bench/plan, not asserted here (machines are noisy).
  std::vector<Diagnostic> errors = validate_spec(spec);
  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front().format();
}

}  // namespace
}  // namespace hearth
