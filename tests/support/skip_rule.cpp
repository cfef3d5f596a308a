#include "skip_rule.h"

#include <unistd.h>

namespace hearth::testing {
namespace {

constexpr std::string_view kMarker = "missing kernel feature: ";

// The feature a message made by missing_kernel_feature() names, or "" when it names none.
std::string_view named_kernel_feature(std::string_view message) {
  auto at = message.find(kMarker);
  if (at == std::string_view::npos) return {};
  std::string_view rest = message.substr(at + kMarker.size());
  return rest.substr(0, rest.find_first_of(" \t\n("));
}

}  // namespace

std::string missing_kernel_feature(std::string_view feature, std::string_view detail) {
  std::string message = std::string(kMarker) + std::string(feature);
  if (!detail.empty()) message += " (" + std::string(detail) + ")";
  return message;
}

std::string skip_violation(bool as_root, std::string_view message) {
  if (!as_root) return "";
  if (!named_kernel_feature(message).empty()) return "";
  return "skipped as root, which is allowed only for a missing kernel feature (a skip message "
         "made by missing_kernel_feature()); every engine is installed by scripts/install-deps, "
         "so this skip would hide a broken setup. The skip said: " +
         (message.empty() ? std::string("(nothing)") : std::string(message));
}

void SkipRule::check(const ::testing::TestResult& result, bool gtest_skips_after_failure) {
  if (!result.Skipped()) return;  // passed, or failed already
  for (int i = 0; i < result.total_part_count(); ++i) {
    const ::testing::TestPartResult& part = result.GetTestPartResult(i);
    if (!part.skipped()) continue;
    std::string_view message = part.message() ? part.message() : "";
    if (message.empty() && gtest_skips_after_failure) continue;
    if (std::string why = skip_violation(as_root_, message); !why.empty()) {
      ++violations_;
      ADD_FAILURE_AT(part.file_name() ? part.file_name() : "(unknown file)", part.line_number())
          << why;
    }
  }
}

void SkipRule::OnTestEnd(const ::testing::TestInfo& test) {
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  const ::testing::TestSuite* suite = unit.current_test_suite();
  bool after_failure =
      unit.failed_test_count() > 0 || (suite != nullptr && suite->ad_hoc_test_result().Failed());
  check(*test.result(), after_failure);
}

void SkipRule::OnTestSuiteEnd(const ::testing::TestSuite& suite) {
  check(suite.ad_hoc_test_result(), false);
}

void SkipRule::OnEnvironmentsSetUpEnd(const ::testing::UnitTest& unit_test) {
  check(unit_test.ad_hoc_test_result(), false);
}

int run_tests_with_skip_rule(bool as_root) {
  auto* rule = new SkipRule(as_root);
  ::testing::UnitTest::GetInstance()->listeners().Append(rule);  // gtest owns it
  int failed = RUN_ALL_TESTS();
  return failed != 0 || rule->violations() > 0 ? 1 : 0;
}

bool running_as_root() { return ::geteuid() == 0; }

}  // namespace hearth::testing
