// The main of every unit, engine and CLI test binary: gtest under the skip rule (skip_rule.h).

#include <gtest/gtest.h>

#include "skip_rule.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return hearth::testing::run_tests_with_skip_rule(hearth::testing::running_as_root());
}
