#include "lab/node_namespace.h"

#include <gtest/gtest.h>

#include <set>

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

// A machine with the usual top directories and nothing of hearth's.
bool on_bare_machine(const std::string& path) {
  static const std::set<std::string> dirs = {"/",    "/etc",     "/run",     "/srv",
                                             "/var", "/var/lib", "/var/log", "/var/lib/etcd"};
  return dirs.count(path) > 0;
}

const std::vector<LabMount> kNodeMounts = {
    {"", "/run", false},
    {"/lab/a/etc", "/etc/hearth", false},
    {"/lab/a/hearth", "/var/lib/hearth", false},
    {"/lab/a/etcd", "/var/lib/etcd", false},
    {"/lab/a/log", "/var/log/hearth", false},
    {"/lab/images/busybox", "/srv/hearth/images/busybox", true},
    {"/lab/a/disks/hdd1", "/srv/hearth/bricks/hdd1", false},
};

TEST(NodeOverlayDirs, TheNearestExistingParentOfEachMissingMountPoint) {
  auto dirs = node_overlay_dirs(kNodeMounts, on_bare_machine);
  ASSERT_TRUE(dirs) << dirs.error().message;
  EXPECT_EQ(*dirs, (std::vector<std::string>{"/etc", "/srv", "/var/lib", "/var/log"}));
}

TEST(NodeOverlayDirs, AMissingFileCountsLikeADirectory) {
  // A bare root made by debootstrap (minbase) has no /etc/hosts, which the lab binds over.
  std::vector<LabMount> mounts = {{"/lab/a/etc/hosts", "/etc/hosts", false}};
  auto dirs = node_overlay_dirs(mounts, on_bare_machine);
  ASSERT_TRUE(dirs);
  EXPECT_EQ(*dirs, (std::vector<std::string>{"/etc"}));
}

TEST(NodeOverlayDirs, NoneWhenTheMachineHasEveryMountPoint) {
  auto dirs = node_overlay_dirs(kNodeMounts, [](const std::string&) { return true; });
  ASSERT_TRUE(dirs);
  EXPECT_TRUE(dirs->empty());
}

TEST(NodeOverlayDirs, MountPointsUnderAnEarlierMountNeedNone) {
  // /srv/hearth is a disk of the node: what lies below it is made in the disk's directory.
  std::vector<LabMount> mounts = {{"/lab/a/disks/top", "/srv/hearth", false},
                                  {"/lab/a/disks/hdd1", "/srv/hearth/bricks/hdd1", false}};
  auto dirs = node_overlay_dirs(mounts, on_bare_machine);
  ASSERT_TRUE(dirs);
  EXPECT_EQ(*dirs, (std::vector<std::string>{"/srv"}));  // for /srv/hearth itself only
}

TEST(NodeOverlayDirs, OnlyTheOutermostOfNestedParents) {
  auto has = [](const std::string& path) {
    return path == "/" || path == "/srv" || path == "/srv/a";
  };
  std::vector<LabMount> mounts = {{"/x", "/srv/b", false}, {"/y", "/srv/a/c", false}};
  auto dirs = node_overlay_dirs(mounts, has);
  ASSERT_TRUE(dirs);
  EXPECT_EQ(*dirs, (std::vector<std::string>{"/srv"}));
}

TEST(NodeOverlayDirs, RefusesAnOverlayOnTheRoot) {
  std::vector<LabMount> mounts = {{"/x", "/data/disk1", false}};
  auto dirs = node_overlay_dirs(mounts, on_bare_machine);
  ASSERT_FALSE(dirs);
  EXPECT_NE(dirs.error().message.find("/data/disk1"), std::string::npos) << dirs.error().message;
}

}  // namespace
}  // namespace hearth::lab
