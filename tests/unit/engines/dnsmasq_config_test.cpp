#include "engines/dnsmasq_config.h"

#include <gtest/gtest.h>

#include "plan/plan.h"
#include "spec/load.h"

namespace hearth {
namespace {

const DnsmasqFiles kFiles{"/var/lib/hearth/dnsmasq/dnsmasq.leases",
                          "/var/lib/hearth/dnsmasq/dnsmasq.pid"};

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return std::move(*loaded.spec);
}

Result<std::string> render(const Spec& spec) {
  auto planned = plan(spec, ObservedState{});
  EXPECT_TRUE(planned.ok()) << (planned ? "" : planned.error().message);
  return render_dnsmasq_config(planned->dns, planned->dhcp, kFiles);
}

const char* const kExampleConfig =
    R"(# dnsmasq configuration of the arbiter elitedesk, written by hearthd from the spec: do not edit, it is rewritten on every change.
# Run it by hand (as root, on the arbiter) with: dnsmasq --conf-file=THIS_FILE
keep-in-foreground
user=root
pid-file=/var/lib/hearth/dnsmasq/dnsmasq.pid
log-facility=-
no-resolv
no-hosts
no-poll
bind-interfaces
listen-address=10.1.2.26
listen-address=10.1.3.24
listen-address=10.1.4.24
listen-address=10.1.5.254

# DNS: the cluster domain is answered here only; everything else goes upstream.
domain-needed
bogus-priv
domain=home.arpa
local=/home.arpa/
server=1.1.1.1
server=1.0.0.1
host-record=r510.home.arpa,10.1.2.17
host-record=r530.home.arpa,10.1.2.22
host-record=elitedesk.home.arpa,10.1.2.26
host-record=homepage.home.arpa,10.1.2.130
host-record=notes.home.arpa,10.1.2.128
host-record=whoami.home.arpa,10.1.2.129
host-record=laserjet.home.arpa,10.1.3.5
host-record=nas.home.arpa,10.1.2.40

# DHCP: one scope per network with a range; leases survive restarts in the lease file.
dhcp-leasefile=/var/lib/hearth/dnsmasq/dnsmasq.leases
dhcp-authoritative

# network services (10.1.2.0/24)
dhcp-range=set:services,10.1.2.220,10.1.2.250,255.255.255.0,43200
dhcp-option=tag:services,option:router,10.1.2.1
dhcp-option=tag:services,option:dns-server,10.1.2.26
dhcp-option=tag:services,option:domain-name,home.arpa

# network home (10.1.3.0/24)
dhcp-range=set:home,10.1.3.25,10.1.3.254,255.255.255.0,43200
dhcp-option=tag:home,option:router,10.1.3.1
dhcp-option=tag:home,option:dns-server,10.1.3.24
dhcp-option=tag:home,option:domain-name,home.arpa
dhcp-host=3c:52:82:00:00:05,10.1.3.5,laserjet

# network guests (10.1.4.0/24)
dhcp-range=set:guests,10.1.4.25,10.1.4.254,255.255.255.0,43200
dhcp-option=tag:guests,option:router,10.1.4.1
dhcp-option=tag:guests,option:dns-server,10.1.4.24
dhcp-option=tag:guests,option:domain-name,home.arpa

# network toxic (10.1.5.0/24)
dhcp-range=set:toxic,10.1.5.50,10.1.5.200,255.255.255.0,43200
dhcp-option=tag:toxic,option:router,10.1.5.1
dhcp-option=tag:toxic,option:dns-server,10.1.5.254
dhcp-option=tag:toxic,option:domain-name,home.arpa
)";

TEST(DnsmasqConfig, RendersTheExampleSpecExactly) {
  auto text = render(example_spec());
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, kExampleConfig);
}

TEST(DnsmasqConfig, IsDeterministic) {
  Spec spec = example_spec();
  EXPECT_EQ(render(spec).value(), render(spec).value());
}

TEST(DnsmasqConfig, ANetworkWithoutGatewayGetsNoRouter) {
  Spec spec = example_spec();
  for (Network& network : spec.networks) {
    if (network.name == "guests") network.gateway.reset();
  }
  auto text = render(spec);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_NE(text->find("dhcp-option=tag:guests,option:router\n"), std::string::npos);
  EXPECT_NE(text->find("dhcp-option=tag:home,option:router,10.1.3.1\n"), std::string::npos);
}

TEST(DnsmasqConfig, LeaseTimeInSecondsRoundedUpAndAtLeastTwoMinutes) {
  Spec spec = example_spec();
  for (Network& network : spec.networks) {
    if (network.name == "home") network.dhcp->lease = 90'500;     // 90.5 s
    if (network.name == "guests") network.dhcp->lease = 600'001;  // just over 10 min
  }
  auto text = render(spec).value();
  EXPECT_NE(text.find("dhcp-range=set:home,10.1.3.25,10.1.3.254,255.255.255.0,120\n"),
            std::string::npos);
  EXPECT_NE(text.find("dhcp-range=set:guests,10.1.4.25,10.1.4.254,255.255.255.0,601\n"),
            std::string::npos);
}

TEST(DnsmasqConfig, NoDhcpMeansNoLeaseFileAndNoScopes) {
  DnsPlan dns;
  dns.server = "elitedesk";
  dns.domain = "home.arpa";
  dns.listen = {*Ipv4::parse("10.1.2.26")};
  auto text = render_dnsmasq_config(dns, {}, kFiles);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(text->find("dhcp"), std::string::npos);
  EXPECT_NE(text->find("listen-address=10.1.2.26\n"), std::string::npos);
}

TEST(DnsmasqConfig, RefusesToListenNowhere) {
  DnsPlan dns;
  dns.domain = "home.arpa";
  auto text = render_dnsmasq_config(dns, {}, kFiles);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("no address to listen on"), std::string::npos);
}

// --- Hostile values, built directly in a Spec (the loader would refuse them) ---

struct Hostile {
  const char* what;
  std::function<void(Spec&)> poison;
  const char* expected_in_message;
};

Network& network_named(Spec& spec, const char* name) {
  for (Network& network : spec.networks) {
    if (network.name == name) return network;
  }
  ADD_FAILURE() << "no network " << name;
  return spec.networks.front();
}

class HostileSpec : public ::testing::TestWithParam<Hostile> {};

TEST_P(HostileSpec, IsRefusedWholeWithAClearMessage) {
  Spec spec = example_spec();
  GetParam().poison(spec);
  auto planned = plan(spec, ObservedState{});
  ASSERT_TRUE(planned.ok()) << planned.error().message;
  auto text = render_dnsmasq_config(planned->dns, planned->dhcp, kFiles);
  ASSERT_FALSE(text.ok()) << GetParam().what << " rendered as:\n" << *text;
  const std::string& message = text.error().message;
  EXPECT_NE(message.find(GetParam().expected_in_message), std::string::npos) << message;
  EXPECT_NE(message.find("nothing was changed"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "a newline was echoed raw: " << message;
}

const Hostile kHostile[] = {
    {"newline in a node name", [](Spec& s) { s.nodes[2].name = "elitedesk\nserver=6.6.6.6"; },
     "DNS name of a node"},
    {"comma in a service name", [](Spec& s) { s.services[0].name = "homepage,6.6.6.6"; },
     "DNS name of a service"},
    {"'#' in a record name", [](Spec& s) { s.dns.records[0].name = "nas#x"; }, "dns.records entry"},
    {"space in a record name", [](Spec& s) { s.dns.records[0].name = "nas x"; },
     "dns.records entry"},
    {"NUL in a record name", [](Spec& s) { s.dns.records[0].name = std::string("nas\0x", 5); },
     "dns.records entry"},
    {"dot in a record name escapes the domain",
     [](Spec& s) { s.dns.records[0].name = "evil.com."; }, "dns.records entry"},
    {"newline in the domain", [](Spec& s) { s.cluster.domain = "home.arpa\nserver=/#/6.6.6.6"; },
     "cluster domain"},
    {"slash in the domain", [](Spec& s) { s.cluster.domain = "home.arpa/6.6.6.6"; },
     "cluster domain"},
    {"empty domain", [](Spec& s) { s.cluster.domain = ""; }, "cluster domain"},
    {"newline in a network name",
     [](Spec& s) { network_named(s, "guests").name = "guests\ndhcp-range=1.2.3.4,1.2.3.9"; },
     "network name"},
    {"comma in a network name", [](Spec& s) { network_named(s, "toxic").name = "toxic,set:x"; },
     "network name"},
    {"newline in a reservation name",
     [](Spec& s) { network_named(s, "home").dhcp->reservations[0].name = "laserjet\nport=0"; },
     "DHCP reservation"},
    {"comma in a MAC",
     [](Spec& s) {
       network_named(s, "home").dhcp->reservations[0].mac = "3c:52:82:00:00:05,ignore";
     },
     "MAC of DHCP reservation"},
    {"upper-case MAC (not the normal form)",
     [](Spec& s) { network_named(s, "home").dhcp->reservations[0].mac = "3C:52:82:00:00:05"; },
     "MAC of DHCP reservation"},
    {"wildcard MAC",
     [](Spec& s) { network_named(s, "home").dhcp->reservations[0].mac = "*:*:*:*:*:*"; },
     "MAC of DHCP reservation"},
};

INSTANTIATE_TEST_SUITE_P(Renderer, HostileSpec, ::testing::ValuesIn(kHostile));

TEST(DnsmasqConfig, RefusesHostileFilePaths) {
  auto planned = plan(example_spec(), ObservedState{}).value();
  for (const char* path : {"relative/leases", "/var/lib/x\nserver=6.6.6.6", "/var/lib/a,b",
                           "/var/lib/#x", "/var/lib/a b", "/var/lib/\"x\"", ""}) {
    auto text =
        render_dnsmasq_config(planned.dns, planned.dhcp, DnsmasqFiles{path, kFiles.pid_file});
    EXPECT_FALSE(text.ok()) << "lease file " << path;
    text = render_dnsmasq_config(planned.dns, planned.dhcp, DnsmasqFiles{kFiles.lease_file, path});
    EXPECT_FALSE(text.ok()) << "pid file " << path;
  }
}

}  // namespace
}  // namespace hearth
