#include "plan/node_links.h"

#include <gtest/gtest.h>

#include "spec/load.h"

namespace hearth {
namespace {

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return std::move(*loaded.spec);
}

std::vector<std::string> describe(const std::vector<NodeLink>& links) {
  std::vector<std::string> lines;
  for (const NodeLink& link : links) {
    lines.push_back(link.interface + " vlan " + std::to_string(link.vlan) + " " +
                    (link.address ? link.address->str() + "/" + std::to_string(link.prefix_length)
                                  : "-"));
  }
  return lines;
}

TEST(NodeLinks, TheArbiterIsOnManagementStorageAndEveryDhcpNetwork) {
  auto links = plan_node_links(example_spec(), "elitedesk");
  ASSERT_TRUE(links.ok()) << links.error().message;
  EXPECT_EQ(describe(*links),
            (std::vector<std::string>{"services vlan 20 10.1.2.26/24", "storage vlan 70 10.1.7.26/24",
                                      "home vlan 30 10.1.3.24/24", "guests vlan 40 10.1.4.24/24",
                                      "toxic vlan 50 10.1.5.254/24"}));
}

TEST(NodeLinks, AServerIsOnManagementStorageAndEveryServiceNetwork) {
  Spec spec = example_spec();
  auto links = plan_node_links(spec, "r510");
  ASSERT_TRUE(links.ok());
  EXPECT_EQ(describe(*links), (std::vector<std::string>{"services vlan 20 10.1.2.17/24",
                                                        "storage vlan 70 10.1.7.17/24"}));
  // A service on the home network: both servers get a home interface, without an address.
  spec.services[0].network = "home";
  links = plan_node_links(spec, "r530");
  ASSERT_TRUE(links.ok());
  EXPECT_EQ(describe(*links),
            (std::vector<std::string>{"services vlan 20 10.1.2.22/24", "storage vlan 70 10.1.7.22/24",
                                      "home vlan 30 -"}));
}

TEST(NodeLinks, NetworksWithoutVlanAreNotMadeAndLongNamesGetTheVlanNumber) {
  Spec spec = example_spec();
  for (Network& network : spec.networks) {
    if (network.name == "storage") network.vlan.reset();
    if (network.name == "home") network.name = "a-very-long-network-name";
  }
  auto links = plan_node_links(spec, "elitedesk");
  ASSERT_TRUE(links.ok());
  EXPECT_EQ(describe(*links),
            (std::vector<std::string>{"services vlan 20 10.1.2.26/24", "vlan30 vlan 30 10.1.3.24/24",
                                      "guests vlan 40 10.1.4.24/24", "toxic vlan 50 10.1.5.254/24"}));
}

TEST(NodeLinks, AnUnknownNodeIsAnError) {
  auto links = plan_node_links(example_spec(), "nosuch");
  ASSERT_FALSE(links.ok());
  EXPECT_NE(links.error().message.find("'nosuch' is not in the spec"), std::string::npos);
}

}  // namespace
}  // namespace hearth
