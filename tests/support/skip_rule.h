#pragma once
// When a test may skip (issue 10): a skip hides a test, so it must be true.
//   - Without root every skip is allowed: the test says why (it needs root, a program is missing).
//   - As root (CI, `scripts/test` after scripts/install-deps) only a skip that names a kernel
//     feature this machine lacks is allowed: every engine is installed then, so any other skip
//     would hide a broken setup. Such a skip's message is made by missing_kernel_feature().
// Every test binary runs under SkipRule (test_main.cpp; the lab scenarios' tests/lab/lab_main.cpp):
// a skip that breaks the rule is turned into a failure of that test, at the line of its GTEST_SKIP.
// So a test may well GTEST_SKIP() << "dnsmasq is not installed": without root that is a skip, as
// root a failure saying why.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace hearth::testing {

// The exit code of a test binary that cannot run at all here (a lab scenario without root),
// after printing why; CTest reports it as skipped (SKIP_RETURN_CODE).
inline constexpr int kSkipExitCode = 77;

// A skip message naming the kernel feature the machine lacks, e.g. ("8021q", "ip says: ...") ->
// "missing kernel feature: 8021q (ip says: ...)". The only skip message allowed as root.
std::string missing_kernel_feature(std::string_view feature, std::string_view detail = "");

// Why a skip with `message` breaks the rule, or "" when it is allowed. Pure.
std::string skip_violation(bool as_root, std::string_view message);

// The gtest listener that turns a skip breaking the rule into a failure. Checks every skipped
// test when it ends (and skips in SetUpTestSuite and global environments). A skip without a
// message that gtest itself records after an earlier failure (a failed SetUpTestSuite,
// --gtest_fail_fast) is left alone: the run has failed already.
class SkipRule : public ::testing::EmptyTestEventListener {
 public:
  explicit SkipRule(bool as_root) : as_root_(as_root) {}
  void OnTestEnd(const ::testing::TestInfo& test) override;
  void OnTestSuiteEnd(const ::testing::TestSuite& suite) override;
  void OnEnvironmentsSetUpEnd(const ::testing::UnitTest& unit_test) override;

  int violations() const { return violations_; }

 private:
  void check(const ::testing::TestResult& result, bool gtest_skips_after_failure);

  bool as_root_;
  int violations_ = 0;
};

// RUN_ALL_TESTS() with a SkipRule installed, for a main after InitGoogleTest: 0 when every test
// passed or skipped as the rule allows, else 1.
int run_tests_with_skip_rule(bool as_root);

bool running_as_root();

}  // namespace hearth::testing
