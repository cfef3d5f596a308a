#include "agent/node_firewall_reconciler.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engines/nftables_config.h"
#include "spec/load.h"

namespace hearth::agent {
namespace {

// Keeps RulesetTarget's contract in memory: the inet tables that exist and their last text.
class FakeRulesetTarget final : public RulesetTarget {
 public:
  Status apply(const std::string& ruleset) override {
    ++applies;
    if (refuse) return Error{"nft refused"};
    text = ruleset;
    table_present = true;
    return ok_status();
  }
  Result<bool> has_table(const std::string& table) override {
    ++checks;
    EXPECT_EQ(table, kNodeFirewallTable);
    return table_present;
  }

  std::string text;
  bool table_present = false;
  bool refuse = false;
  int applies = 0;
  int checks = 0;
};

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return std::move(*loaded.spec);
}

TEST(NodeFirewallReconciler, AppliesOnceThenOnlyRechecksNowAndThen) {
  FakeRulesetTarget target;
  NodeFirewallReconciler reconciler(target, "r510", 3);
  Spec spec = example_spec();
  ASSERT_TRUE(reconciler.reconcile(spec));
  EXPECT_EQ(target.applies, 1);
  EXPECT_EQ(target.text, desired_node_ruleset(spec, "r510").value());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(reconciler.reconcile(spec));
  EXPECT_EQ(target.applies, 1);
  EXPECT_EQ(target.checks, 2);
}

TEST(NodeFirewallReconciler, PutsBackATableSomeoneRemoved) {
  FakeRulesetTarget target;
  NodeFirewallReconciler reconciler(target, "r510", 1);
  Spec spec = example_spec();
  ASSERT_TRUE(reconciler.reconcile(spec));
  target.table_present = false;  // nft flush ruleset
  ASSERT_TRUE(reconciler.reconcile(spec));
  EXPECT_EQ(target.applies, 2);
  EXPECT_TRUE(target.table_present);
}

TEST(NodeFirewallReconciler, ASpecChangeIsAppliedAtOnce) {
  FakeRulesetTarget target;
  NodeFirewallReconciler reconciler(target, "r510", 100);
  Spec spec = example_spec();
  ASSERT_TRUE(reconciler.reconcile(spec));
  std::string before = target.text;

  // Without the storage network, hearth's ports are open to the management network alone.
  Spec changed = spec;
  changed.networks.erase(std::remove_if(changed.networks.begin(), changed.networks.end(),
                                        [](const Network& n) { return n.storage; }),
                         changed.networks.end());
  for (Node& node : changed.nodes) node.storage_address.reset();
  ASSERT_TRUE(reconciler.reconcile(changed));
  EXPECT_EQ(target.applies, 2);
  EXPECT_NE(target.text, before);
  EXPECT_EQ(target.text.find("10.1.7.0/24"), std::string::npos) << target.text;
}

TEST(NodeFirewallReconciler, RefusedRulesetIsRetriedNextStep) {
  FakeRulesetTarget target;
  target.refuse = true;
  NodeFirewallReconciler reconciler(target, "r510", 100);
  Spec spec = example_spec();
  EXPECT_FALSE(reconciler.reconcile(spec));
  target.refuse = false;
  ASSERT_TRUE(reconciler.reconcile(spec));
  EXPECT_EQ(target.applies, 2);
}

TEST(NodeFirewallReconciler, UnknownNodeIsAnError) {
  FakeRulesetTarget target;
  NodeFirewallReconciler reconciler(target, "nosuch", 100);
  auto status = reconciler.reconcile(example_spec());
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("'nosuch' is not in the spec"), std::string::npos);
  EXPECT_EQ(target.applies, 0);
}

}  // namespace
}  // namespace hearth::agent
