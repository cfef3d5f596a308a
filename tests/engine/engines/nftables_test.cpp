// The real nft, in a network namespace of the test's own (root only: skipped without; as root a
// missing nft or ip is a failure, tests/support/skip_rule.h): the machine's ruleset is never
// touched.
#include "engines/nftables.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/process.h"
#include "engines/nftables_config.h"

namespace hearth {
namespace {

class NftInNamespace : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (a network namespace of its own)";
    if (!find_program("nft") || !find_program("ip")) GTEST_SKIP() << "nft or ip is not installed";
    netns_ = "hearth-nfttest-" + std::to_string(::getpid());
    auto added = run({.argv = {"ip", "netns", "add", netns_}});
    ASSERT_TRUE(added && added->succeeded()) << (added ? added->err : added.error().message);
    created_ = true;
  }
  void TearDown() override {
    if (created_) [[maybe_unused]] auto deleted = run({.argv = {"ip", "netns", "delete", netns_}});
  }
  NftTarget target() { return NftTarget({"ip", "netns", "exec", netns_}); }
  std::string list() {
    auto listed = run({.argv = {"ip", "netns", "exec", netns_, "nft", "list", "ruleset"}});
    return listed && listed->succeeded() ? listed->out : "";
  }

  std::string netns_;
  bool created_ = false;
};

NodeFirewall api_only(const char* source) {
  return {"r510", {{"hearth-api", {{7070, 7070, Protocol::tcp}}, {*Cidr::parse(source)}}}};
}

TEST_F(NftInNamespace, AppliesReplacesAndFindsTheTable) {
  NftTarget nft = target();
  EXPECT_FALSE(nft.has_table(kNodeFirewallTable).value());
  ASSERT_TRUE(nft.apply(render_node_ruleset(api_only("10.1.2.0/24"))));
  EXPECT_TRUE(nft.has_table(kNodeFirewallTable).value());
  EXPECT_NE(list().find("10.1.2.0/24"), std::string::npos) << list();

  // Applying again replaces the table as a whole: the old source is gone, not added to.
  ASSERT_TRUE(nft.apply(render_node_ruleset(api_only("10.1.7.0/24"))));
  std::string now = list();
  EXPECT_NE(now.find("10.1.7.0/24"), std::string::npos) << now;
  EXPECT_EQ(now.find("10.1.2.0/24"), std::string::npos) << now;
}

TEST_F(NftInNamespace, RefusedRulesetLeavesTheOldOneWhole) {
  NftTarget nft = target();
  ASSERT_TRUE(nft.apply(render_node_ruleset(api_only("10.1.2.0/24"))));
  std::string bad = render_node_ruleset(api_only("10.1.2.0/24"));
  bad.replace(bad.find("policy accept"), 13, "policy sideways");
  auto refused = nft.apply(bad);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("nft refused the ruleset"), std::string::npos);
  EXPECT_NE(list().find("10.1.2.0/24"), std::string::npos) << list();
}

TEST_F(NftInNamespace, ServiceTableAndNodeTableLiveSideBySide) {
  NftTarget nft = target();
  ASSERT_TRUE(nft.apply(render_node_ruleset(api_only("10.1.2.0/24"))));
  ServiceFirewall service{"homepage", *Ipv4::parse("10.1.2.130"), {{80, Protocol::tcp}},
                          {*Cidr::parse("10.1.3.0/24")}};
  ASSERT_TRUE(nft.apply(render_service_ruleset(service)));
  EXPECT_TRUE(nft.has_table(kNodeFirewallTable).value());
  EXPECT_TRUE(nft.has_table(kServiceFirewallTable).value());
}

}  // namespace
}  // namespace hearth
