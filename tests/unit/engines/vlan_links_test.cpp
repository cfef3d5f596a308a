#include "engines/vlan_links.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(VlanMismatch, AcceptsOnlyTheRightVlanOnTheRightTrunk) {
  const std::string vlan30 =
      R"([{"ifname":"home","link":"trunk0","linkinfo":{"info_kind":"vlan","info_data":{"protocol":"802.1Q","id":30}}}])";
  EXPECT_EQ(vlan_mismatch(vlan30, "trunk0", 30), "");
  EXPECT_EQ(vlan_mismatch(vlan30, "trunk0", 40), "it is VLAN 30, not 40");
  EXPECT_EQ(vlan_mismatch(vlan30, "eno1", 30), "it is on trunk0, not on eno1");
  EXPECT_EQ(vlan_mismatch(R"([{"ifname":"home","linkinfo":{"info_kind":"bridge"}}])", "trunk0", 30),
            "it is not a VLAN interface (bridge)");
  EXPECT_EQ(vlan_mismatch(R"([{"ifname":"home"}])", "trunk0", 30),
            "it is not a VLAN interface (a plain link)");
  EXPECT_EQ(vlan_mismatch("not json", "trunk0", 30), "ip gave no description of it");
}

}  // namespace
}  // namespace hearth
