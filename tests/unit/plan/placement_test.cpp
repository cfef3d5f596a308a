#include "plan/placement.h"

#include <gtest/gtest.h>

#include "spec_builder.h"

namespace hearth {
namespace {

using namespace hearth::testing;

struct Placed {
  std::map<std::string, std::string> nodes;  // service -> node (placed only)
  PlacementResult result;

  const ServicePlacement& of(const std::string& service) const {
    for (const ServicePlacement& placement : result.services) {
      if (placement.service == service) return placement;
    }
    throw std::runtime_error("no placement for " + service);
  }
};

Placed place(const Spec& spec, const std::map<std::string, std::string>& previous = {},
             const std::vector<std::string>& down = {}) {
  std::vector<const Node*> live;
  for (const Node* server : spec.servers()) {
    if (std::find(down.begin(), down.end(), server->name) == down.end()) live.push_back(server);
  }
  Placed placed{{}, place_services(all_services(spec), live, previous)};
  for (const ServicePlacement& placement : placed.result.services) {
    if (placement.node) placed.nodes[placement.service] = *placement.node;
  }
  return placed;
}

TEST(Placement, PreferIsHonouredWhenItFits) {
  Spec spec = example_lab();
  add_service(spec, "a").cpus(1).prefer("r530");
  add_service(spec, "b").cpus(1).prefer("r530");
  Placed placed = place(spec);
  EXPECT_EQ(placed.nodes.at("a"), "r530");
  EXPECT_EQ(placed.nodes.at("b"), "r530");
  EXPECT_EQ(placed.of("a").decision, PlacementDecision::preferred);
}

TEST(Placement, PreferThatDoesNotFitFallsBackToLeastLoadedAndSaysWhy) {
  Spec spec = example_lab();
  add_service(spec, "big").cpus(6).prefer("r530");
  add_service(spec, "second").cpus(4).memory(kGiB).prefer("r530");
  Placed placed = place(spec);
  EXPECT_EQ(placed.nodes.at("big"), "r530");
  EXPECT_EQ(placed.nodes.at("second"), "r510");
  EXPECT_EQ(placed.of("second").decision, PlacementDecision::least_loaded);
  EXPECT_EQ(placed.of("second").reason,
            "least loaded server where it fits; preferred r530 has no room (needs 4 cpus, 1GiB; "
            "r530 has 2 cpus, 32GiB free)");
}

TEST(Placement, SpreadsServicesWithoutResourcesTiesByName) {
  Spec spec = example_lab();
  for (const char* name : {"a", "b", "c", "d", "e"}) add_service(spec, name);
  Placed placed = place(spec);
  EXPECT_EQ(placed.nodes.at("a"), "r510");  // tie: r510 sorts first
  EXPECT_EQ(placed.nodes.at("b"), "r530");
  EXPECT_EQ(placed.nodes.at("c"), "r510");
  EXPECT_EQ(placed.nodes.at("d"), "r530");
  EXPECT_EQ(placed.nodes.at("e"), "r510");
  EXPECT_EQ(placed.result.nodes[0].services, 3u);
  EXPECT_EQ(placed.result.nodes[1].services, 2u);
}

TEST(Placement, LoadIsTheDominantShareSoTheBiggerServerTakesMoreMemory) {
  Spec spec = example_lab();  // r510 48GiB, r530 32GiB, 8 cpus each
  add_service(spec, "m1").memory(16 * kGiB);  // r510: 1/3, r530: 1/2 -> r510
  add_service(spec, "m2").memory(8 * kGiB);   // r510: 24/48 = 1/2, r530: 8/32 = 1/4 -> r530
  add_service(spec, "m3").memory(8 * kGiB);   // r510: 1/2, r530: 16/32 = 1/2 -> tie -> r510
  Placed placed = place(spec);
  EXPECT_EQ(placed.nodes.at("m1"), "r510");
  EXPECT_EQ(placed.nodes.at("m2"), "r530");
  EXPECT_EQ(placed.nodes.at("m3"), "r510");
  EXPECT_EQ(placed.result.nodes[0].memory_used, 24 * kGiB);
  EXPECT_EQ(placed.result.nodes[1].memory_used, 8 * kGiB);
}

TEST(Placement, NeverExceedsCapacityAndReportsTheExactNumbers) {
  Spec spec = example_lab();
  add_service(spec, "a").cpus(6.5).memory(2 * kGiB);
  add_service(spec, "b").cpus(7.5).memory(30 * kGiB);
  add_service(spec, "c").cpus(4).memory(2 * kGiB);
  Placed placed = place(spec);
  EXPECT_EQ(placed.nodes.at("a"), "r510");
  EXPECT_EQ(placed.nodes.at("b"), "r530");
  EXPECT_FALSE(placed.of("c").node.has_value());
  EXPECT_EQ(placed.of("c").decision, PlacementDecision::unplaced);
  EXPECT_EQ(placed.of("c").reason,
            "needs 4 cpus, 2GiB; r510 has 1.5 cpus, 46GiB free; r530 has 0.5 cpus, 2GiB free");
  for (const NodeLoad& load : placed.result.nodes) {
    EXPECT_LE(load.cpus_used, load.cpus_capacity);
    EXPECT_LE(load.memory_used, load.memory_capacity);
  }
}

TEST(Placement, MemoryAloneCanRuleAServerOut) {
  Spec spec = example_lab();
  add_service(spec, "fat").cpus(0.5).memory(40 * kGiB).prefer("r530");  // only r510 has 40GiB
  Placed placed = place(spec);
  EXPECT_EQ(placed.nodes.at("fat"), "r510");
}

TEST(Placement, TheArbiterIsNeverUsedEvenWhenPreferred) {
  Spec spec = example_lab();
  add_service(spec, "a").prefer("elitedesk");
  add_service(spec, "huge").cpus(9);  // fits nowhere; the arbiter is no fallback either
  Placed placed = place(spec);
  EXPECT_EQ(placed.nodes.at("a"), "r510");
  EXPECT_EQ(placed.of("a").reason, "least loaded server where it fits; preferred elitedesk is not available");
  EXPECT_EQ(placed.nodes.count("huge"), 0u);
  EXPECT_EQ(placed.of("huge").reason, "needs 9 cpus, 0 bytes; r510 has 8 cpus, 48GiB free; r530 has 8 cpus, 32GiB free");
}

TEST(Placement, KeepsThePreviousNodeEvenWhenAnotherIsLessLoaded) {
  Spec spec = example_lab();
  add_service(spec, "a");
  add_service(spec, "b");
  add_service(spec, "c");
  Placed placed = place(spec, {{"a", "r530"}, {"b", "r530"}, {"c", "r530"}});
  EXPECT_EQ(placed.nodes.at("a"), "r530");
  EXPECT_EQ(placed.nodes.at("b"), "r530");
  EXPECT_EQ(placed.nodes.at("c"), "r530");
  EXPECT_EQ(placed.of("a").decision, PlacementDecision::kept);
  EXPECT_EQ(placed.of("a").reason, "already runs on r530");
}

TEST(Placement, AddingAServiceNeverMovesARunningOne) {
  Spec spec = example_lab();
  add_service(spec, "old1").cpus(6);
  add_service(spec, "old2").cpus(6);
  Placed before = place(spec);
  ASSERT_EQ(before.nodes.at("old1"), "r510");
  ASSERT_EQ(before.nodes.at("old2"), "r530");

  // A new service, first in file order and preferring r510, which it would fit on if old1 moved.
  Spec grown = example_lab();
  add_service(grown, "new").cpus(4).prefer("r510");
  add_service(grown, "old1").cpus(6);
  add_service(grown, "old2").cpus(6);
  Placed after = place(grown, before.nodes);
  EXPECT_EQ(after.nodes.at("old1"), "r510");
  EXPECT_EQ(after.nodes.at("old2"), "r530");
  EXPECT_EQ(after.nodes.count("new"), 0u);
}

TEST(Placement, RemovingAServiceNeverMovesAnother) {
  Spec spec = example_lab();
  for (const char* name : {"a", "b", "c", "d"}) add_service(spec, name).cpus(1);
  Placed before = place(spec);
  ASSERT_EQ(before.nodes.at("a"), "r510");
  ASSERT_EQ(before.nodes.at("b"), "r530");
  ASSERT_EQ(before.nodes.at("c"), "r510");
  ASSERT_EQ(before.nodes.at("d"), "r530");

  Spec shrunk = example_lab();
  for (const char* name : {"b", "c", "d"}) add_service(shrunk, name).cpus(1);
  Placed after = place(shrunk, before.nodes);  // "a" is still in previous: ignored
  EXPECT_EQ(after.nodes.at("b"), "r530");
  EXPECT_EQ(after.nodes.at("c"), "r510");
  EXPECT_EQ(after.nodes.at("d"), "r530");
  // Without the previous state the same spec would be renumbered: the test would notice.
  EXPECT_EQ(place(shrunk).nodes.at("b"), "r510");
}

TEST(Placement, MovesBackToThePreferredServerWhenItFits) {
  Spec spec = example_lab();
  add_service(spec, "web").cpus(1).prefer("r510");
  Placed placed = place(spec, {{"web", "r530"}});
  EXPECT_EQ(placed.nodes.at("web"), "r510");
  EXPECT_EQ(placed.of("web").decision, PlacementDecision::returned);
  EXPECT_EQ(placed.of("web").reason, "moves back from r530 to its preferred server r510");
}

TEST(Placement, StaysWhenThePreferredServerHasNoRoom) {
  Spec spec = example_lab();
  add_service(spec, "hog").cpus(7.5);
  add_service(spec, "web").cpus(1).prefer("r510");
  Placed placed = place(spec, {{"hog", "r510"}, {"web", "r530"}});
  EXPECT_EQ(placed.nodes.at("hog"), "r510");
  EXPECT_EQ(placed.nodes.at("web"), "r530");
  EXPECT_EQ(placed.of("web").decision, PlacementDecision::kept);
  EXPECT_EQ(placed.of("web").reason,
            "already runs on r530; preferred r510 has no room (needs 1 cpu, 0 bytes; r510 has 0.5 cpus, 48GiB free)");
}

TEST(Placement, AServiceOnADeadNodeIsPlacedOnALiveOne) {
  Spec spec = example_lab();
  add_service(spec, "a").cpus(2);
  add_service(spec, "b").cpus(2);
  Placed placed = place(spec, {{"a", "r510"}, {"b", "r530"}}, {"r510"});
  EXPECT_EQ(placed.nodes.at("a"), "r530");
  EXPECT_EQ(placed.nodes.at("b"), "r530");
  EXPECT_EQ(placed.of("b").decision, PlacementDecision::kept);
  EXPECT_EQ(placed.of("a").decision, PlacementDecision::least_loaded);
  ASSERT_EQ(placed.result.nodes.size(), 1u);
  EXPECT_EQ(placed.result.nodes[0].cpus_used, 4000);
}

TEST(Placement, AKeptServiceThatNoLongerFitsIsPlacedAgain) {
  Spec spec = example_lab();
  spec.nodes[1].capacity.cpus = 2;  // r530 shrank
  add_service(spec, "a").cpus(1.5);
  add_service(spec, "b").cpus(1.5);
  Placed placed = place(spec, {{"a", "r530"}, {"b", "r530"}});
  EXPECT_EQ(placed.nodes.at("a"), "r530");  // first in spec order keeps its room
  EXPECT_EQ(placed.nodes.at("b"), "r510");
}

TEST(Placement, NoLiveServerAtAll) {
  Spec spec = example_lab();
  add_service(spec, "a");
  Placed placed = place(spec, {}, {"r510", "r530"});
  EXPECT_EQ(placed.of("a").reason, "no live server");
  EXPECT_TRUE(placed.result.nodes.empty());
}

TEST(Placement, IsDeterministic) {
  Spec spec = example_lab();
  for (int i = 0; i < 50; ++i) {
    add_service(spec, "s" + std::to_string(i)).cpus(0.1 * (i % 7)).memory(kMiB * 64 * (i % 5));
  }
  Placed first = place(spec);
  Placed second = place(spec);
  EXPECT_EQ(first.nodes, second.nodes);
  EXPECT_EQ(first.nodes.size(), 50u);
}

}  // namespace
}  // namespace hearth
