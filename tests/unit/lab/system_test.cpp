#include "lab/system.h"

#include <gtest/gtest.h>

namespace hearth::lab {
namespace {

TEST(ParseMountPoints, TakesTheFifthFieldAndDecodesEscapes) {
  std::string mountinfo =
      "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
      "64 44 254:0 /var/lib/hearth-lab/ns /var/lib/hearth-lab/ns rw,relatime - ext4 /dev/vda rw\n"
      "70 64 0:4 mnt:[4026532177] /var/lib/hearth-lab/ns/r510.mnt rw - nsfs nsfs rw\n"
      "71 27 0:39 / /mnt/with\\040space rw - tmpfs tmpfs rw\n"
      "\n";
  EXPECT_EQ(parse_mount_points(mountinfo),
            (std::vector<std::string>{"/proc", "/var/lib/hearth-lab/ns",
                                      "/var/lib/hearth-lab/ns/r510.mnt", "/mnt/with space"}));
}

TEST(ParseMountPoints, ToleratesShortLines) { EXPECT_TRUE(parse_mount_points("1 2 3\n").empty()); }

TEST(MissingDirs, OutermostFirstAndNoneWhenPresent) {
  EXPECT_TRUE(missing_dirs("/").empty());
  EXPECT_TRUE(missing_dirs("/proc").empty());
  EXPECT_EQ(missing_dirs("/proc/hearth-no-such/a/b"),
            (std::vector<std::string>{"/proc/hearth-no-such", "/proc/hearth-no-such/a",
                                      "/proc/hearth-no-such/a/b"}));
}

TEST(Contains, FindsExactItemsOnly) {
  EXPECT_TRUE(contains({"/a", "/b"}, "/b"));
  EXPECT_FALSE(contains({"/a", "/b"}, "/a/b"));
}

}  // namespace
}  // namespace hearth::lab
