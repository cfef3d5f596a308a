#include "plan/failures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec_builder.h"

namespace hearth {
namespace {

using namespace hearth::testing;
using ::testing::StartsWith;

TEST(ParseFailures, NodesAndDisks) {
  Spec spec = example_lab();
  auto failures = parse_failures(spec, "r510, r530:hdd1 ,elitedesk:ssd1,r510");
  ASSERT_TRUE(failures.ok()) << failures.error().message;
  EXPECT_EQ(failures->nodes, (std::vector<std::string>{"r510"}));
  EXPECT_EQ(failures->disks, (std::vector<DiskRef>{{"r530", "hdd1"}, {"elitedesk", "ssd1"}}));
}

TEST(ParseFailures, EmptyItemsAreErrors) {
  Spec spec = example_lab();
  EXPECT_EQ(parse_failures(spec, "").error().message,
            "no node or disk given (expected NODE or NODE:DISK, separated by commas, e.g. "
            "r510,r530:hdd1)");
  EXPECT_THAT(parse_failures(spec, "r510,,r530").error().message, StartsWith("item 2 is empty ("));
  EXPECT_THAT(parse_failures(spec, "r510,").error().message, StartsWith("item 2 is empty ("));
  EXPECT_THAT(parse_failures(spec, ",r510").error().message, StartsWith("item 1 is empty ("));
  EXPECT_THAT(parse_failures(spec, ":hdd1").error().message, StartsWith("':hdd1' has no node na"));
  EXPECT_EQ(parse_failures(spec, "r510:").error().message,
            "'r510:' has no disk name; the disks of r510 are hdd1, hdd2");
  EXPECT_THAT(parse_failures(spec, "r510:hdd1:x").error().message, StartsWith("'r510:hdd1:x' has more than one ':' (expected"));
}

TEST(ParseFailures, UnknownNamesAreErrorsThatListTheValidOnes) {
  Spec spec = example_lab();
  EXPECT_EQ(parse_failures(spec, "r510,r5100").error().message,
            "unknown node 'r5100'; the nodes are r510, r530, elitedesk");
  EXPECT_EQ(parse_failures(spec, "r530:hdd2").error().message,
            "node r530 has no disk 'hdd2'; its disks are ssd1, hdd1");
}

TEST(CheckFailures, UnknownNamesInFailuresBuiltInCode) {
  Spec spec = example_lab();
  EXPECT_TRUE(check_failures(spec, Failures{{"r510"}, {{"r530", "ssd1"}}}).ok());
  EXPECT_EQ(check_failures(spec, Failures{{"ghost"}, {}}).error().message,
            "unknown node 'ghost'; the nodes are r510, r530, elitedesk");
  EXPECT_EQ(check_failures(spec, Failures{{}, {{"ghost", "ssd1"}}}).error().message,
            "unknown node 'ghost'; the nodes are r510, r530, elitedesk");
  EXPECT_EQ(check_failures(spec, Failures{{}, {{"r510", "ssd9"}}}).error().message,
            "node r510 has no disk 'ssd9'; its disks are hdd1, hdd2");
}

}  // namespace
}  // namespace hearth
