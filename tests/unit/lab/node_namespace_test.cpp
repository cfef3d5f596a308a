#include "lab/node_namespace.h"

#include <gtest/gtest.h>

namespace hearth::lab {
namespace {

const std::vector<LabMount> kMounts = {
    {"", "/run", false},
    {"/lab/nodes/a/hearth", "/var/lib/hearth", false},
    {"/lab/nodes/a/disks/top", "/srv/hearth", false},
    {"/lab/images/busybox", "/srv/hearth/images/busybox", true},
};

TEST(LocateNodeDir, OutsideEveryMountIsTheHostsOwnDirectory) {
  auto location = locate_node_dir(kMounts, "/srv/other/disk");
  EXPECT_EQ(location.kind, NodeDirLocation::Kind::host);
  EXPECT_EQ(location.host_path, "/srv/other/disk");
  // A path that only shares a prefix with a mount is not inside it.
  EXPECT_EQ(locate_node_dir(kMounts, "/srv/hearthx").kind, NodeDirLocation::Kind::host);
}

TEST(LocateNodeDir, InsideABindMountLivesUnderItsSource) {
  auto location = locate_node_dir(kMounts, "/srv/hearth/bricks/hdd1");
  EXPECT_EQ(location.kind, NodeDirLocation::Kind::lab);
  EXPECT_EQ(location.host_path, "/lab/nodes/a/disks/top/bricks/hdd1");
}

TEST(LocateNodeDir, TheDeepestMountWins) {
  auto location = locate_node_dir(kMounts, "/srv/hearth/images/busybox/bin");
  EXPECT_EQ(location.kind, NodeDirLocation::Kind::lab);
  EXPECT_EQ(location.host_path, "/lab/images/busybox/bin");
}

TEST(LocateNodeDir, OnTheTmpfsOnlyTheNodeCanReachIt) {
  auto location = locate_node_dir(kMounts, "/run/hearth/x");
  EXPECT_EQ(location.kind, NodeDirLocation::Kind::node_only);
}

TEST(LocateNodeDir, OnlyMountsMadeBeforeCount) {
  std::vector<LabMount> before(kMounts.begin(), kMounts.begin() + 1);
  EXPECT_EQ(locate_node_dir(before, "/srv/hearth/bricks").kind, NodeDirLocation::Kind::host);
}

}  // namespace
}  // namespace hearth::lab
