// Scenario lab_chaos: a short schedule of `hearth lab chaos` (10 faults: every kind at least once,
// a disk loss among them) against a lab of the example spec; the checker's verdict must be PASS
// for every property (no lost acknowledged write, never two holders of a service address, every
// service back within the failover bound, never two leaders, every volume healed).
//
// The seed is fixed so CI replays one schedule (the timing still differs from run to run);
// HEARTH_CHAOS_SEED=S runs another, e.g. to replay a failure seen elsewhere. Long schedules are
// bench/chaos.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "lab_fixture.h"

namespace hearth::lab::testing {
namespace {

TEST(Chaos, TenFaultsAndTheCheckerFindsNoViolation) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  const char* seed = std::getenv("HEARTH_CHAOS_SEED");
  std::vector<std::string> args = {"lab", "chaos", "--faults", "10", "--seed",
                                   seed != nullptr ? seed : "20261202"};
  Completed done = hearth(args, std::chrono::minutes(30));  // a hang-catching deadline
  std::cout << done.out << done.err;
  EXPECT_TRUE(done.succeeded()) << "hearth lab chaos " << done.describe()
                                << " (the table above says what failed)";
  EXPECT_NE(done.out.find("PASS: 10 faults"), std::string::npos);
}

}  // namespace
}  // namespace hearth::lab::testing
