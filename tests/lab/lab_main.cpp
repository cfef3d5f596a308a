// The main of every lab scenario. A scenario either runs or says why it cannot:
//   - without root it runs nothing; it prints why and exits 77, which CTest reports as skipped
//     (SKIP_RETURN_CODE in CMakeLists.txt);
//   - as root every test runs under the skip rule (tests/support/skip_rule.h): it passes or fails
//     with the reason, and may skip only for a kernel feature the machine lacks.

#include <gtest/gtest.h>

#include <iostream>

#include "skip_rule.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  bool as_root = hearth::testing::running_as_root();
  if (!as_root && !GTEST_FLAG_GET(list_tests)) {
    std::cout << argv[0]
              << ": not run: lab scenarios need root (network namespaces, mounts, the lab's "
                 "daemons)\n";
    return hearth::testing::kSkipExitCode;
  }
  return hearth::testing::run_tests_with_skip_rule(as_root);
}
