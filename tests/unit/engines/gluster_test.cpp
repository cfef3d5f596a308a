// The parsers of gluster's --xml answers, on answers captured from GlusterFS 10.3 in the lab
// (tests/data/gluster/): the example spec's volumes, and the same while r510 had lost power.

#include "engines/gluster.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engines/xml.h"

namespace hearth {
namespace {

std::string sample(const std::string& name) {
  std::ifstream in(std::string(HEARTH_SOURCE_DIR) + "/tests/data/gluster/" + name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << name;
  return text.str();
}

TEST(GlusterXml, PoolListHasEveryPeerAndMarksTheLocalOne) {
  auto peers = parse_pool_list(sample("pool_list.xml"));
  ASSERT_TRUE(peers.ok()) << peers.error().message;
  ASSERT_EQ(peers->size(), 3u);
  EXPECT_EQ((*peers)[0].hostname, "10.1.7.22");
  EXPECT_EQ((*peers)[0].uuid, "bd8dc548-f245-4ec7-b269-aa637e939350");
  EXPECT_TRUE((*peers)[0].connected);
  EXPECT_FALSE((*peers)[0].self);
  EXPECT_EQ((*peers)[2].hostname, "localhost");
  EXPECT_TRUE((*peers)[2].self);
}

TEST(GlusterXml, VolumeInfoHasBricksInOrderTheArbiterAndTheOptions) {
  auto volumes = parse_volume_info(sample("volume_info.xml"));
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  ASSERT_EQ(volumes->size(), 2u);
  const auto& appdata = (*volumes)[0];
  EXPECT_EQ(appdata.name, "appdata");
  EXPECT_EQ(appdata.id, "7c70940e-9b15-43b3-85b0-9ee501359a37");
  EXPECT_TRUE(appdata.started());
  EXPECT_EQ(appdata.replica, 3);
  EXPECT_EQ(appdata.arbiter, 1);
  ASSERT_EQ(appdata.bricks.size(), 3u);
  EXPECT_EQ(appdata.bricks[0].id(), "10.1.7.17:/srv/hearth/bricks/hdd1/appdata");
  EXPECT_FALSE(appdata.bricks[0].arbiter);
  EXPECT_EQ(appdata.bricks[2].host, "10.1.7.26");
  EXPECT_EQ(appdata.bricks[2].path, "/srv/hearth/arbiter/appdata");
  EXPECT_TRUE(appdata.bricks[2].arbiter);
  EXPECT_EQ(appdata.options.at("client.tcp-user-timeout"), "1");
  EXPECT_EQ(appdata.options.at("network.ping-timeout"), "5");
  EXPECT_EQ((*volumes)[1].name, "media");
}

TEST(GlusterXml, AFailedAnswerGivesGlustersOwnMessage) {
  auto volumes = parse_volume_info(sample("volume_info_missing.xml"));
  ASSERT_FALSE(volumes.ok());
  EXPECT_NE(volumes.error().message.find("Volume does not exist"), std::string::npos)
      << volumes.error().message;
  auto busy = parse_volume_status(sample("volume_status_busy.xml"));
  ASSERT_FALSE(busy.ok());
  EXPECT_NE(busy.error().message.find("Another transaction is in progress"), std::string::npos);
}

TEST(GlusterXml, VolumeStatusHasEveryBrickOnlineWithItsSpace) {
  auto state = parse_volume_status(sample("volume_status.xml"));
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->name, "appdata");
  ASSERT_EQ(state->bricks.size(), 3u);
  const GlusterBrickState* brick = state->brick("10.1.7.22:/srv/hearth/bricks/ssd1/appdata");
  ASSERT_NE(brick, nullptr);
  EXPECT_TRUE(brick->online);
  EXPECT_EQ(brick->port, 51256);
  EXPECT_EQ(brick->pid, 13067);
  EXPECT_EQ(brick->size_total, 270553174016u);
  EXPECT_EQ(brick->size_free, 250296930304u);
  EXPECT_EQ(state->brick("10.1.7.99:/nowhere"), nullptr);
}

TEST(GlusterXml, HealSummaryCountsPendingAndSplitBrain) {
  auto healthy = parse_heal_summary(sample("heal_summary.xml"));
  ASSERT_TRUE(healthy.ok()) << healthy.error().message;
  ASSERT_EQ(healthy->bricks.size(), 3u);
  for (const auto& b : healthy->bricks) {
    EXPECT_TRUE(b.connected) << b.brick;
    EXPECT_EQ(b.pending, 0);
    EXPECT_EQ(b.split_brain, 0);
  }
  EXPECT_EQ(healthy->pending(), 0);
}

TEST(GlusterXml, HealSummaryWithABrickCutOff) {
  auto cut = parse_heal_summary(sample("heal_summary_r510_cut.xml"));
  ASSERT_TRUE(cut.ok()) << cut.error().message;
  ASSERT_EQ(cut->bricks.size(), 3u);
  EXPECT_EQ(cut->bricks[0].brick, "10.1.7.17:/srv/hearth/bricks/hdd1/appdata");
  EXPECT_FALSE(cut->bricks[0].connected);
  EXPECT_EQ(cut->bricks[0].pending, -1);
  EXPECT_TRUE(cut->bricks[1].connected);
  EXPECT_EQ(cut->bricks[1].pending, 6);
  EXPECT_EQ(cut->pending(), 12);  // 6 entries, counted on each brick that holds them
  EXPECT_EQ(cut->split_brain(), 0);
}

TEST(GlusterXml, NotXmlOrNotGlustersIsAnError) {
  EXPECT_FALSE(
      parse_pool_list("Connection failed. Please check if gluster daemon is operational.").ok());
  EXPECT_FALSE(parse_pool_list("<other/>").ok());
  EXPECT_FALSE(parse_xml("<a><b></a>").ok());
}

TEST(Xml, TextAttributesAndPaths) {
  auto doc = parse_xml("<r><a k=\"v\"> x <b>y</b></a><a>z</a></r>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->children_named("a").size(), 2u);
  EXPECT_EQ(doc->child("a")->attributes.at("k"), "v");
  EXPECT_EQ(doc->child("a")->text, "x");
  EXPECT_EQ(doc->find("a/b")->text, "y");
  EXPECT_EQ(doc->find("a/c"), nullptr);
  EXPECT_EQ(doc->child_text("missing", "fallback"), "fallback");
}

TEST(Mounts, MountinfoFindsOnlyGlusterfsAtThatDirectory) {
  std::string mountinfo =
      "36 35 98:0 / /mnt1 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
      "612 600 0:55 / /var/lib/hearth/volumes/appdata rw,relatime shared:1 - fuse.glusterfs "
      "10.1.7.22:/appdata "
      "rw,user_id=0\n";
  EXPECT_TRUE(mountinfo_has_glusterfs(mountinfo, "/var/lib/hearth/volumes/appdata"));
  EXPECT_FALSE(mountinfo_has_glusterfs(mountinfo, "/var/lib/hearth/volumes/media"));
  EXPECT_FALSE(mountinfo_has_glusterfs(mountinfo, "/mnt1"));
}

TEST(Mounts, AContainerStillHoldingAMountGoneFromTheNodeIsStale) {
  std::string node_before =
      "612 600 0:55 / /var/lib/hearth/volumes/appdata rw,relatime shared:1 - fuse.glusterfs "
      "10.1.7.22:/appdata rw,user_id=0\n"
      "613 600 0:56 / /var/lib/hearth/volumes/media rw,relatime shared:2 - fuse.glusterfs "
      "10.1.7.22:/media rw,user_id=0\n";
  // The container: its root, and two bind mounts of subdirectories of the volumes.
  std::string container =
      "700 690 0:70 / / ro,relatime - overlay overlay rw,lowerdir=/srv/rootfs\n"
      "701 700 0:55 /homepage /www rw,nosuid,nodev,relatime - fuse.glusterfs 10.1.7.22:/appdata "
      "rw,user_id=0\n"
      "702 700 0:56 / /media rw,nosuid,nodev,relatime - fuse.glusterfs 10.1.7.22:/media "
      "rw,user_id=0\n";
  EXPECT_EQ(stale_glusterfs_mount(container, node_before), std::nullopt);
  // appdata's client died and the volume was mounted again: a new file system, a new device.
  std::string node_after =
      "613 600 0:56 / /var/lib/hearth/volumes/media rw,relatime shared:2 - fuse.glusterfs "
      "10.1.7.22:/media rw,user_id=0\n"
      "640 600 0:61 / /var/lib/hearth/volumes/appdata rw,relatime shared:3 - fuse.glusterfs "
      "10.1.7.22:/appdata rw,user_id=0\n";
  EXPECT_EQ(stale_glusterfs_mount(container, node_after), "/www");
  EXPECT_EQ(stale_glusterfs_mount(container, ""), "/www") << "nothing mounted: all stale";
  EXPECT_EQ(stale_glusterfs_mount("", node_after), std::nullopt)
      << "a container that is gone has nothing stale";
}

TEST(Mounts, TheFuseClientIsRecognisedByItsMountPoint) {
  std::vector<std::string> client{
      "/usr/sbin/glusterfs",        "--process-name",        "fuse",
      "--volfile-server=10.1.7.22", "--volfile-id=/appdata", "/var/lib/hearth/volumes/appdata"};
  EXPECT_TRUE(is_fuse_client_of(client, "/var/lib/hearth/volumes/appdata"));
  EXPECT_FALSE(is_fuse_client_of(client, "/var/lib/hearth/volumes/media"));
  std::vector<std::string> brick{"/usr/sbin/glusterfsd", "-s", "10.1.7.22",
                                 "/var/lib/hearth/volumes/appdata"};
  EXPECT_FALSE(is_fuse_client_of(brick, "/var/lib/hearth/volumes/appdata"));
}

}  // namespace
}  // namespace hearth
