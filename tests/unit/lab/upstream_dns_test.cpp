#include "lab/upstream_dns.h"

#include <gtest/gtest.h>

#include "spec/load.h"

namespace hearth::lab {
namespace {

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return std::move(*loaded.spec);
}

std::string joined(const std::vector<Ipv4>& addresses) {
  std::string text;
  for (Ipv4 address : addresses) text += (text.empty() ? "" : " ") + address.str();
  return text;
}

TEST(LabUpstreamDns, AnswersAtThePublicUpstreamsAndTheManagementGateway) {
  LabUpstreamDns upstream = plan_lab_upstream_dns(example_spec(), "/var/lib/hearth-lab/router");
  EXPECT_EQ(joined(upstream.emulated), "1.1.1.1 1.0.0.1");
  EXPECT_EQ(joined(upstream.listen), "1.1.1.1 1.0.0.1 10.1.2.1");
  EXPECT_TRUE(upstream.unanswered.empty());
  EXPECT_EQ(upstream.config_file(), "/var/lib/hearth-lab/router/upstream-dns.conf");
  EXPECT_EQ(upstream.config,
            "# The lab's stand-in for the internet's DNS resolvers (hearth lab, "
            "src/lab/upstream_dns.h).\n"
            "keep-in-foreground\nuser=root\npid-file=/var/lib/hearth-lab/router/upstream-dns.pid\n"
            "log-facility=-\nlog-queries\nno-resolv\nno-hosts\nno-poll\nbind-interfaces\n"
            "listen-address=1.1.1.1\nlisten-address=1.0.0.1\nlisten-address=10.1.2.1\n"
            "host-record=outside.test,192.0.2.10\n");
  // It never forwards anything anywhere.
  EXPECT_EQ(upstream.config.find("server="), std::string::npos);
}

TEST(LabUpstreamDns, AGatewayUpstreamIsAnsweredThereAndAnAddressInsideANetworkIsNot) {
  Spec spec = example_spec();
  spec.dns.upstream = {*Ipv4::parse("10.1.3.1"), *Ipv4::parse("10.1.2.40"), *Ipv4::parse("9.9.9.9"),
                       *Ipv4::parse("9.9.9.9")};
  LabUpstreamDns upstream = plan_lab_upstream_dns(spec, "/x");
  EXPECT_EQ(joined(upstream.emulated), "9.9.9.9");
  EXPECT_EQ(joined(upstream.listen), "10.1.3.1 9.9.9.9 10.1.2.1");
  EXPECT_EQ(joined(upstream.unanswered), "10.1.2.40");
}

TEST(LabUpstreamDns, NoUpstreamStillAnswersOnTheManagementGateway) {
  Spec spec = example_spec();
  spec.dns.upstream.clear();
  LabUpstreamDns upstream = plan_lab_upstream_dns(spec, "/x");
  EXPECT_TRUE(upstream.emulated.empty());
  EXPECT_EQ(joined(upstream.listen), "10.1.2.1");
}

}  // namespace
}  // namespace hearth::lab
