#include "plan/bricks.h"

#include <gtest/gtest.h>

#include "spec_builder.h"

namespace hearth {
namespace {

using namespace hearth::testing;

std::string where(const Brick& brick) { return brick.node + ":" + brick.disk; }

TEST(Bricks, PinnedVolumesFirstThenTheRoomiestDisksWithPathsHostsAndSizes) {
  Spec spec = example_lab();
  add_volume(spec, "appdata", 100 * kGiB);
  add_volume(spec, "media", kTiB, {{"r510", "hdd2"}, {"r530", "hdd1"}});
  auto result = plan_bricks(spec);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->size(), 2u);
  const VolumePlan& appdata = (*result)[0];
  const VolumePlan& media = (*result)[1];
  EXPECT_EQ(media.volume, "media");
  EXPECT_EQ(where(media.data[0]), "r510:hdd2");
  EXPECT_EQ(where(media.data[1]), "r530:hdd1");
  // media took 1TiB of r510:hdd2 and r530:hdd1 first: r510:hdd1 (2TiB free) is now the roomiest
  // disk of r510; r530's disks tie at 1TiB and ssd1 comes first in the file.
  EXPECT_EQ(appdata.volume, "appdata");
  EXPECT_EQ(appdata.size, 100 * kGiB);
  EXPECT_EQ(where(appdata.data[0]), "r510:hdd1");
  EXPECT_EQ(where(appdata.data[1]), "r530:ssd1");
  EXPECT_EQ(where(appdata.arbiter), "elitedesk:ssd1");
  EXPECT_EQ(appdata.data[0].path, "/srv/hearth/bricks/hdd1/appdata");
  EXPECT_EQ(appdata.data[1].path, "/srv/hearth/bricks/ssd1/appdata");
  EXPECT_EQ(appdata.arbiter.path, "/srv/hearth/arbiter/appdata");
  EXPECT_EQ(appdata.data[0].host.str(), "10.1.7.17");  // storage addresses
  EXPECT_EQ(appdata.data[1].host.str(), "10.1.7.22");
  EXPECT_EQ(appdata.arbiter.host.str(), "10.1.7.26");
  EXPECT_EQ(appdata.data[0].size, 100 * kGiB);
  EXPECT_EQ(appdata.arbiter.size, 100 * kGiB / 32);
  EXPECT_EQ(media.arbiter.size, kTiB / 32);
  auto order = appdata.gluster_order();
  EXPECT_EQ(order[0], &appdata.data[0]);
  EXPECT_EQ(order[2], &appdata.arbiter);
}

TEST(Bricks, FreeSpaceIsCountedAcrossVolumes) {
  Spec spec = example_lab();
  add_volume(spec, "a", kTiB + kTiB / 2);
  add_volume(spec, "b", kTiB - 100 * kGiB);
  auto result = plan_bricks(spec);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(where((*result)[0].data[0]), "r510:hdd1");
  EXPECT_EQ(where((*result)[0].data[1]), "r530:hdd1");
  // r510:hdd1 and r530:hdd1 have 0.5TiB left: b goes to r510:hdd2 and r530:ssd1.
  EXPECT_EQ(where((*result)[1].data[0]), "r510:hdd2");
  EXPECT_EQ(where((*result)[1].data[1]), "r530:ssd1");
}

TEST(Bricks, DataBricksAreOnTwoDistinctServersEvenWhenOneHasRoomForBoth) {
  Spec spec = example_lab();
  spec.nodes[0].disks = {{"big1", "/big1", 10 * kTiB}, {"big2", "/big2", 10 * kTiB}};
  add_volume(spec, "a", kTiB + kTiB / 2);
  add_volume(spec, "b", kTiB + kTiB / 2);  // r530 has no disk with 1.5TiB left
  auto result = plan_bricks(spec);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message.rfind("volume b: does not fit", 0), 0u) << result.error().message;
  spec.volumes.pop_back();
  auto one = plan_bricks(spec);
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ((*one)[0].data[0].node, "r510");
  EXPECT_EQ((*one)[0].data[1].node, "r530");
}

TEST(Bricks, WithoutStorageAddressesGlusterUsesTheManagementAddress) {
  Spec spec = example_lab();
  for (Node& node : spec.nodes) node.storage_address.reset();
  spec.nodes[1].disks[0].path = "/srv/with/slash/";
  add_volume(spec, "appdata", 100 * kGiB, {{"r510", "hdd1"}, {"r530", "ssd1"}});
  auto result = plan_bricks(spec);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ((*result)[0].data[0].host.str(), "10.1.2.17");
  EXPECT_EQ((*result)[0].data[1].path, "/srv/with/slash/appdata");
  EXPECT_EQ((*result)[0].arbiter.host.str(), "10.1.2.26");
}

TEST(Bricks, TheArbiterBrickNeedsRoomToo) {
  Spec spec = example_lab();
  spec.nodes[2].disks[0].size = 10 * kGiB;
  add_volume(spec, "media", kTiB);  // arbiter brick: 32GiB
  auto result = plan_bricks(spec);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("arbiter brick"), std::string::npos) << result.error().message;
}

}  // namespace
}  // namespace hearth
