#include "spec/disk_fit.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

constexpr Bytes kGiB = 1ULL << 30;

Node make_node(std::string name, NodeRole role, std::vector<std::pair<std::string, Bytes>> disks) {
  Node node;
  node.name = std::move(name);
  node.role = role;
  for (auto& [disk, size] : disks) node.disks.push_back(Disk{disk, "/srv/" + disk, size});
  return node;
}

Volume make_volume(std::string name, Bytes size, std::map<std::string, std::string> pins = {}) {
  return Volume{std::move(name), size, std::move(pins)};
}

// Two servers with two disks each and an arbiter with one.
Spec lab() {
  Spec spec;
  spec.nodes.push_back(
      make_node("r510", NodeRole::server, {{"hdd1", 100 * kGiB}, {"hdd2", 200 * kGiB}}));
  spec.nodes.push_back(
      make_node("r530", NodeRole::server, {{"ssd1", 50 * kGiB}, {"hdd1", 200 * kGiB}}));
  spec.nodes.push_back(make_node("elitedesk", NodeRole::arbiter, {{"ssd1", 20 * kGiB}}));
  return spec;
}

const DiskSpace& disk(const DiskFit& fit, const std::string& node, const std::string& name) {
  for (const DiskSpace& d : fit.disks) {
    if (d.disk.node == node && d.disk.disk == name) return d;
  }
  throw std::runtime_error("no disk " + node + ":" + name);
}

TEST(ArbiterBrickSize, IsAThirtySecondRoundedUp) {
  EXPECT_EQ(arbiter_brick_size(32 * kGiB), kGiB);
  EXPECT_EQ(arbiter_brick_size(100 * kGiB), 3 * kGiB + kGiB / 8);
  EXPECT_EQ(arbiter_brick_size(33), 2u);
  EXPECT_EQ(arbiter_brick_size(0), 0u);
}

TEST(FitVolumes, UnpinnedVolumeTakesTheRoomiestDiskOfEachServer) {
  Spec spec = lab();
  spec.volumes.push_back(make_volume("appdata", 100 * kGiB));
  DiskFit fit = fit_volumes(spec);
  ASSERT_EQ(fit.volumes.size(), 1u);
  const VolumeBricks& bricks = fit.volumes[0];
  ASSERT_TRUE(bricks.fits()) << bricks.message;
  EXPECT_EQ(bricks.data[0], (BrickLocation{"r510", "hdd2"}));
  EXPECT_EQ(bricks.data[1], (BrickLocation{"r530", "hdd1"}));
  EXPECT_EQ(bricks.arbiter, (BrickLocation{"elitedesk", "ssd1"}));
  EXPECT_EQ(bricks.data_size, 100 * kGiB);
  EXPECT_EQ(bricks.arbiter_size, arbiter_brick_size(100 * kGiB));
  EXPECT_EQ(disk(fit, "r510", "hdd2").free, 100 * kGiB);
  EXPECT_EQ(disk(fit, "r510", "hdd1").free, 100 * kGiB);
  EXPECT_EQ(disk(fit, "elitedesk", "ssd1").free, 20 * kGiB - arbiter_brick_size(100 * kGiB));
}

TEST(FitVolumes, TiesGoToTheDiskFirstInTheFile) {
  Spec spec = lab();
  spec.volumes.push_back(make_volume("a", 100 * kGiB));  // r510 hdd1 and hdd2 now both 100 GiB free
  spec.volumes.push_back(make_volume("b", 10 * kGiB));
  DiskFit fit = fit_volumes(spec);
  ASSERT_TRUE(fit.volumes[1].fits());
  EXPECT_EQ(fit.volumes[1].data[0], (BrickLocation{"r510", "hdd1"}));
}

TEST(FitVolumes, PinnedVolumesArePlacedFirstOnTheirDisks) {
  Spec spec = lab();
  spec.volumes.push_back(make_volume("big", 150 * kGiB));
  spec.volumes.push_back(make_volume("pinned", 150 * kGiB, {{"r510", "hdd2"}, {"r530", "hdd1"}}));
  DiskFit fit = fit_volumes(spec);
  // Had "big" gone first it would take r510:hdd2 and r530:hdd1 and leave no room for the pins.
  ASSERT_TRUE(fit.volumes[1].fits()) << fit.volumes[1].message;
  EXPECT_EQ(fit.volumes[1].data[0], (BrickLocation{"r510", "hdd2"}));
  EXPECT_EQ(fit.volumes[1].data[1], (BrickLocation{"r530", "hdd1"}));
  ASSERT_FALSE(fit.volumes[0].fits());
  EXPECT_EQ(fit.volumes[0].problem, FitProblem::no_data_room);
  EXPECT_NE(fit.volumes[0].message.find("need 150GiB free on a disk of each of two servers"),
            std::string::npos)
      << fit.volumes[0].message;
}

TEST(FitVolumes, AVolumeThatDoesNotFitTakesNoSpace) {
  Spec spec = lab();
  spec.volumes.push_back(make_volume("huge", 500 * kGiB));
  spec.volumes.push_back(make_volume("small", 200 * kGiB));
  DiskFit fit = fit_volumes(spec);
  EXPECT_FALSE(fit.volumes[0].fits());
  EXPECT_TRUE(fit.volumes[1].fits());
}

TEST(FitVolumes, PinnedDiskWithoutRoomNamesTheNode) {
  Spec spec = lab();
  spec.volumes.push_back(make_volume("v", 60 * kGiB, {{"r510", "hdd1"}, {"r530", "ssd1"}}));
  DiskFit fit = fit_volumes(spec);
  EXPECT_EQ(fit.volumes[0].problem, FitProblem::pinned_disk_full);
  EXPECT_EQ(fit.volumes[0].problem_node, "r530");
  EXPECT_NE(fit.volumes[0].message.find("pinned disk r530:ssd1 has 50GiB free"), std::string::npos);
}

TEST(FitVolumes, BadPinsAreFlaggedNotPlaced) {
  Spec spec = lab();
  spec.volumes.push_back(make_volume("one", kGiB, {{"r510", "hdd1"}}));
  spec.volumes.push_back(make_volume("arb", kGiB, {{"r510", "hdd1"}, {"elitedesk", "ssd1"}}));
  spec.volumes.push_back(make_volume("nodisk", kGiB, {{"r510", "hdd9"}, {"r530", "ssd1"}}));
  DiskFit fit = fit_volumes(spec);
  for (const VolumeBricks& bricks : fit.volumes) EXPECT_EQ(bricks.problem, FitProblem::bad_pins);
  EXPECT_EQ(disk(fit, "r510", "hdd1").free, 100 * kGiB);
}

TEST(FitVolumes, ArbiterBrickNeedsRoomToo) {
  Spec spec = lab();
  spec.nodes[2].disks[0].size = 5 * kGiB;
  spec.volumes.push_back(make_volume("a", 100 * kGiB));  // arbiter brick 3.125 GiB: 1.875 left
  spec.volumes.push_back(make_volume("b", 100 * kGiB));  // data fits, arbiter brick does not
  DiskFit fit = fit_volumes(spec);
  EXPECT_TRUE(fit.volumes[0].fits());
  EXPECT_EQ(fit.volumes[1].problem, FitProblem::no_arbiter_room);
  EXPECT_NE(
      fit.volumes[1].message.find("the roomiest disk elitedesk:ssd1 has 1.88GiB free (of 5GiB"),
      std::string::npos)
      << fit.volumes[1].message;
  Spec tight = lab();
  tight.nodes[2].disks[0].size = kGiB;
  tight.volumes.push_back(make_volume("a", 64 * kGiB));  // arbiter brick 2 GiB
  DiskFit tight_fit = fit_volumes(tight);
  EXPECT_EQ(tight_fit.volumes[0].problem, FitProblem::no_arbiter_room);
  EXPECT_NE(tight_fit.volumes[0].message.find("arbiter brick (1/32 of 64GiB = 2GiB)"),
            std::string::npos);
  EXPECT_EQ(disk(tight_fit, "r510", "hdd2").free, 200 * kGiB);  // nothing taken
}

TEST(FitVolumes, NoArbiterOrNoDisks) {
  Spec spec = lab();
  spec.nodes.pop_back();
  spec.volumes.push_back(make_volume("a", kGiB));
  EXPECT_EQ(fit_volumes(spec).volumes[0].problem, FitProblem::no_arbiter_room);
  Spec bare = lab();
  bare.nodes[1].disks.clear();
  bare.volumes.push_back(make_volume("a", kGiB));
  DiskFit fit = fit_volumes(bare);
  EXPECT_EQ(fit.volumes[0].problem, FitProblem::no_data_room);
  EXPECT_NE(fit.volumes[0].message.find("server r530 has no disks"), std::string::npos);
}

TEST(FitVolumes, ChoosesTheTwoRoomiestOfThreeServers) {
  Spec spec = lab();
  spec.nodes.push_back(make_node("nuc", NodeRole::server, {{"ssd", 500 * kGiB}}));
  spec.volumes.push_back(make_volume("v", 10 * kGiB));
  DiskFit fit = fit_volumes(spec);
  ASSERT_TRUE(fit.volumes[0].fits());
  EXPECT_EQ(fit.volumes[0].data[0], (BrickLocation{"r510", "hdd2"}));  // first in file of the two
  EXPECT_EQ(fit.volumes[0].data[1], (BrickLocation{"nuc", "ssd"}));
}

}  // namespace
}  // namespace hearth
