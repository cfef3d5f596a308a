#include "engines/vlan_links.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/process.h"
#include "skip_rule.h"

namespace hearth {
namespace {

// The real `ip`, in a network namespace of the test's own with a veth as the trunk. Skipped
// without root, and on a kernel without VLAN support (8021q); as root any other skip is a failure
// (tests/support/skip_rule.h).
class VlanLinksInNamespace : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (a network namespace of its own)";
    netns_ = "hearth-vlantest-" + std::to_string(::getpid());
    auto added = run({.argv = {"ip", "netns", "add", netns_}});
    ASSERT_TRUE(added && added->succeeded());
    created_ = true;
    ASSERT_TRUE(
        in_netns({"ip", "link", "add", "trunk0", "type", "veth", "peer", "name", "trunk0-peer"})
            .succeeded());
    ASSERT_TRUE(in_netns({"ip", "link", "set", "trunk0", "up"}).succeeded());
    Completed probe = in_netns({"ip", "link", "add", "link", "trunk0", "name", "probe", "type", "vlan",
                                "id", "4094"});
    if (!probe.succeeded()) {
      GTEST_SKIP() << "this kernel cannot make VLAN interfaces: "
                   << hearth::testing::missing_kernel_feature("8021q", probe.err);
    }
    ASSERT_TRUE(in_netns({"ip", "link", "delete", "probe"}).succeeded());
  }
  void TearDown() override {
    if (created_) [[maybe_unused]] auto deleted = run({.argv = {"ip", "netns", "delete", netns_}});
  }
  Completed in_netns(std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"ip", "netns", "exec", netns_});
    auto done = run({.argv = argv});
    return done ? *done : Completed{};
  }
  IpVlanLinks links() { return IpVlanLinks("trunk0", {"ip", "netns", "exec", netns_}); }

  std::string netns_;
  bool created_ = false;
};

TEST_F(VlanLinksInNamespace, MakesTheVlanInterfaceUpWithItsAddressAndIsIdempotent) {
  IpVlanLinks made = links();
  NodeLink home{"home", "home", 30, Ipv4::parse("10.1.3.24"), 24};
  ASSERT_TRUE(made.ensure(home)) << made.ensure(home).error().message;
  ASSERT_TRUE(made.ensure(home));
  Completed shown = in_netns({"ip", "-d", "addr", "show", "dev", "home"});
  EXPECT_NE(shown.out.find("vlan protocol 802.1Q id 30"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("inet 10.1.3.24/24"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("home@trunk0"), std::string::npos) << shown.out;
}

TEST_F(VlanLinksInNamespace, LeavesAnInterfaceThatIsNotHearthsAlone) {
  ASSERT_TRUE(
      in_netns({"ip", "link", "add", "guests", "type", "veth", "peer", "name", "guests-peer"})
          .succeeded());
  IpVlanLinks made = links();
  auto refused = made.ensure({"guests", "guests", 40, Ipv4::parse("10.1.4.24"), 24});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("exists but is not hearth's VLAN 40 on trunk0"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(in_netns({"ip", "addr", "show", "dev", "guests"}).out.find("10.1.4.24"), std::string::npos);
}

TEST_F(VlanLinksInNamespace, AMissingTrunkIsAClearError) {
  IpVlanLinks made("eno9", {"ip", "netns", "exec", netns_});
  auto refused = made.ensure({"home", "home", 30, Ipv4::parse("10.1.3.24"), 24});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("cannot make the VLAN interface for network home"),
            std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace hearth
