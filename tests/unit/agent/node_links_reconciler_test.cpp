#include "agent/node_links_reconciler.h"

#include <gtest/gtest.h>

#include "spec/load.h"

namespace hearth::agent {
namespace {

class FakeNodeLinks final : public NodeLinks {
 public:
  Status ensure(const NodeLink& link) override {
    ensured.push_back(link.interface);
    if (link.interface == refuse) return Error{"refused " + link.interface};
    return ok_status();
  }
  std::vector<std::string> ensured;
  std::string refuse;
};

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return std::move(*loaded.spec);
}

TEST(NodeLinksReconciler, MakesEveryLinkThenOnlyRechecksNowAndThen) {
  FakeNodeLinks links;
  NodeLinksReconciler reconciler(links, "elitedesk", 3);
  Spec spec = example_spec();
  ASSERT_TRUE(reconciler.reconcile(spec));
  EXPECT_EQ(links.ensured,
            (std::vector<std::string>{"services", "storage", "home", "guests", "toxic"}));
  links.ensured.clear();
  ASSERT_TRUE(reconciler.reconcile(spec));
  ASSERT_TRUE(reconciler.reconcile(spec));
  EXPECT_TRUE(links.ensured.empty());
  ASSERT_TRUE(reconciler.reconcile(spec));  // the third step: a recheck
  EXPECT_EQ(links.ensured.size(), 5u);
}

TEST(NodeLinksReconciler, AFailureStillMakesTheOthersAndIsRetriedNextStep) {
  FakeNodeLinks links;
  links.refuse = "home";
  NodeLinksReconciler reconciler(links, "elitedesk", 100);
  Spec spec = example_spec();
  auto status = reconciler.reconcile(spec);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "refused home");
  EXPECT_EQ(links.ensured.size(), 5u);
  links.refuse.clear();
  links.ensured.clear();
  ASSERT_TRUE(reconciler.reconcile(spec));
  EXPECT_EQ(links.ensured.size(), 5u);
}

TEST(NodeLinksReconciler, ASpecChangeIsMadeAtOnce) {
  FakeNodeLinks links;
  NodeLinksReconciler reconciler(links, "r510", 100);
  Spec spec = example_spec();
  ASSERT_TRUE(reconciler.reconcile(spec));
  links.ensured.clear();
  spec.services[0].network = "guests";
  ASSERT_TRUE(reconciler.reconcile(spec));
  EXPECT_EQ(links.ensured, (std::vector<std::string>{"services", "storage", "guests"}));
}

}  // namespace
}  // namespace hearth::agent
