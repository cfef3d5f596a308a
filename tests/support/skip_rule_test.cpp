#include "skip_rule.h"

#include <gtest/gtest.h>

namespace hearth::testing {
namespace {

TEST(SkipViolation, WithoutRootEverySkipIsAllowed) {
  EXPECT_EQ(skip_violation(false, "needs root (a network namespace of its own)"), "");
  EXPECT_EQ(skip_violation(false, "dnsmasq or dig is not installed"), "");
  EXPECT_EQ(skip_violation(false, ""), "");
}

TEST(SkipViolation, AsRootOnlyAMissingKernelFeatureIsAllowed) {
  EXPECT_EQ(skip_violation(true, missing_kernel_feature("8021q", "ip: Operation not supported")),
            "");
  EXPECT_EQ(skip_violation(true, missing_kernel_feature("8021q")), "");
  EXPECT_EQ(skip_violation(true, "the VLAN test cannot run: " + missing_kernel_feature("8021q")),
            "")
      << "the feature may follow an explanation";
}

TEST(SkipViolation, AsRootAnythingElseIsAViolationThatQuotesTheSkip) {
  std::string why = skip_violation(true, "dnsmasq or dig is not installed");
  EXPECT_NE(why.find("allowed only for a missing kernel feature"), std::string::npos) << why;
  EXPECT_NE(why.find("The skip said: dnsmasq or dig is not installed"), std::string::npos) << why;
  EXPECT_NE(skip_violation(true, "needs root"), "");
  EXPECT_NE(skip_violation(true, "the etcd binary is not installed"), "");
  EXPECT_NE(skip_violation(true, "lab tests need root"), "");
  EXPECT_NE(skip_violation(true, "this kernel cannot make VLAN interfaces (no 8021q)"), "")
      << "a kernel feature is named through missing_kernel_feature(), not in prose";
  EXPECT_NE(skip_violation(true, ""), "") << "a skip that says nothing";
  EXPECT_NE(skip_violation(true, "missing kernel feature: "), "") << "names no feature";
  EXPECT_NE(skip_violation(true, "missing kernel feature:  (detail)"), "") << "names no feature";
}

TEST(MissingKernelFeature, NamesTheFeatureThenTheDetail) {
  EXPECT_EQ(missing_kernel_feature("8021q", "ip says: Operation not supported"),
            "missing kernel feature: 8021q (ip says: Operation not supported)");
  EXPECT_EQ(missing_kernel_feature("nf_tables"), "missing kernel feature: nf_tables");
}

}  // namespace
}  // namespace hearth::testing
