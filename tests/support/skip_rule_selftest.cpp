// The skip rule (skip_rule.h) at work in a real gtest run, as if as root whoever runs it: a binary
// for the CTest checks in tests/CMakeLists.txt, each of which runs one of these tests and reads the
// outcome gtest prints. Its tests are not run on their own (they are meant to fail or skip).

#include <gtest/gtest.h>

#include "skip_rule.h"

namespace hearth::testing {
namespace {

TEST(SkipRuleAsRoot, AMissingKernelFeatureStaysASkip) {
  GTEST_SKIP() << missing_kernel_feature("8021q", "the self-test of the skip rule");
}

TEST(SkipRuleAsRoot, AMissingProgramIsAFailure) { GTEST_SKIP() << "dnsmasq is not installed"; }

class SkipRuleAsRootInSetUpTestSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { GTEST_SKIP() << "needs root"; }
};

TEST_F(SkipRuleAsRootInSetUpTestSuite, IsAFailureToo) {}

}  // namespace
}  // namespace hearth::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return hearth::testing::run_tests_with_skip_rule(/*as_root=*/true);
}
