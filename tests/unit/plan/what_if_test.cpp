#include "plan/what_if.h"

#include <gtest/gtest.h>

#include "lab_yaml.h"
#include "spec_builder.h"

namespace hearth {
namespace {

using namespace hearth::testing;

class WhatIf : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = load_valid(kLabYaml);
    ASSERT_EQ(spec_.services.size(), 5u);
  }

  WhatIfReport run(const std::string& fail) {
    auto failures = parse_failures(spec_, fail);
    EXPECT_TRUE(failures.ok()) << failures.error().message;
    if (!failures.ok()) return {};
    auto report = what_if(spec_, failures.value());
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? std::move(report).value() : WhatIfReport{};
  }

  static const ServiceReport& service(const WhatIfReport& report, const std::string& name) {
    for (const ServiceReport& entry : report.services) {
      if (entry.service == name) return entry;
    }
    throw std::runtime_error("no service " + name);
  }
  static const VolumeReport& volume(const WhatIfReport& report, const std::string& name) {
    for (const VolumeReport& entry : report.volumes) {
      if (entry.volume == name) return entry;
    }
    throw std::runtime_error("no volume " + name);
  }
  // "stays r510", "moves r510 -> r530", "stops"
  static std::string outcome(const WhatIfReport& report, const std::string& name) {
    const ServiceReport& entry = service(report, name);
    switch (entry.outcome) {
      case ServiceOutcome::stays: return "stays " + *entry.to;
      case ServiceOutcome::moves: return "moves " + *entry.from + " -> " + *entry.to;
      case ServiceOutcome::stops: return "stops";
      case ServiceOutcome::not_running: return "not running";
    }
    return "?";
  }

  Spec spec_;
};

TEST_F(WhatIf, R510Fails) {
  WhatIfReport report = run("r510");
  EXPECT_TRUE(report.quorum.kept);
  EXPECT_EQ(report.quorum.voters, 3);
  EXPECT_EQ(report.quorum.alive, 2);
  EXPECT_EQ(report.quorum.needed, 2);

  EXPECT_EQ(volume(report, "appdata").state, VolumeState::degraded);
  EXPECT_EQ(volume(report, "appdata").reason,
            "writable with one data copy on r530:ssd1; r510:hdd1 is down (node r510 is down)");
  EXPECT_EQ(volume(report, "media").state, VolumeState::degraded);
  EXPECT_FALSE(volume(report, "media").bricks[0].up);
  EXPECT_TRUE(volume(report, "media").bricks[1].up);
  EXPECT_TRUE(volume(report, "media").bricks[2].up);

  EXPECT_EQ(outcome(report, "homepage"), "moves r510 -> r530");
  EXPECT_EQ(service(report, "homepage").reason,
            "r510 is down; least loaded server where it fits; preferred r510 is not available");
  EXPECT_EQ(outcome(report, "notes"), "stays r530");
  EXPECT_EQ(outcome(report, "whoami"), "stays r530");
  EXPECT_EQ(outcome(report, "jellyfin"), "stays r530");
  EXPECT_EQ(outcome(report, "transcoder"), "stops");
  EXPECT_EQ(service(report, "transcoder").reason,
            "no capacity: needs 5 cpus, 4GiB; r530 has 3.15 cpus, 23.78GiB free; r510 is down");
  ASSERT_EQ(report.servers.size(), 1u);
  EXPECT_EQ(report.servers[0].node, "r530");
  EXPECT_EQ(report.servers[0].cpus_used, 4850);
  EXPECT_TRUE(report.dns_dhcp.served);
}

TEST_F(WhatIf, R530Fails) {
  WhatIfReport report = run("r530");
  EXPECT_TRUE(report.quorum.kept);
  EXPECT_EQ(volume(report, "appdata").reason,
            "writable with one data copy on r510:hdd1; r530:ssd1 is down (node r530 is down)");
  EXPECT_EQ(outcome(report, "homepage"), "stays r510");
  EXPECT_EQ(outcome(report, "transcoder"), "stays r510");
  EXPECT_EQ(outcome(report, "notes"), "moves r530 -> r510");
  EXPECT_EQ(outcome(report, "whoami"), "moves r530 -> r510");
  EXPECT_EQ(outcome(report, "jellyfin"), "stops");
  EXPECT_EQ(service(report, "jellyfin").reason,
            "no capacity: needs 4 cpus, 8GiB; r510 has 2.15 cpus, 43.78GiB free; r530 is down");
}

TEST_F(WhatIf, TheArbiterFails) {
  WhatIfReport report = run("elitedesk");
  EXPECT_TRUE(report.quorum.kept);
  EXPECT_EQ(volume(report, "appdata").state, VolumeState::degraded);
  EXPECT_EQ(volume(report, "appdata").reason,
            "writable with both data copies; the arbiter brick elitedesk:ssd1 is down (node elitedesk is down)");
  for (const char* name : {"homepage", "transcoder"}) EXPECT_EQ(outcome(report, name), "stays r510") << name;
  for (const char* name : {"notes", "whoami", "jellyfin"}) EXPECT_EQ(outcome(report, name), "stays r530") << name;
  EXPECT_FALSE(report.dns_dhcp.served);
  EXPECT_EQ(report.dns_dhcp.reason,
            "the arbiter elitedesk is down: no DNS and no DHCP; clients keep their leases until they expire");
}

TEST_F(WhatIf, BothServersFail) {
  WhatIfReport report = run("r510,r530");
  EXPECT_FALSE(report.quorum.kept);
  EXPECT_EQ(report.quorum.alive, 1);
  EXPECT_EQ(volume(report, "appdata").state, VolumeState::unavailable);
  EXPECT_EQ(volume(report, "appdata").reason, "unavailable: only the arbiter brick is up, and it holds no data");
  for (const ServiceReport& entry : report.services) {
    EXPECT_EQ(entry.outcome, ServiceOutcome::stops) << entry.service;
    EXPECT_EQ(entry.reason,
              "no quorum: 1 of 3 nodes alive, 2 needed; every node fences itself and stops its services");
    EXPECT_FALSE(entry.to.has_value());
  }
  EXPECT_TRUE(report.servers.empty());
  EXPECT_TRUE(report.dns_dhcp.served);
  EXPECT_EQ(report.dns_dhcp.reason,
            "the arbiter elitedesk serves DNS and DHCP from its last configuration; it needs no quorum");
}

TEST_F(WhatIf, AServerAndTheArbiterFailLosesQuorum) {
  WhatIfReport report = run("r530,elitedesk");
  EXPECT_FALSE(report.quorum.kept);
  EXPECT_EQ(volume(report, "appdata").state, VolumeState::read_only);
  EXPECT_EQ(outcome(report, "homepage"), "stops");
  EXPECT_FALSE(report.dns_dhcp.served);
}

TEST_F(WhatIf, ADiskFailureOnlyAffectsVolumesWithBricksOnIt) {
  WhatIfReport report = run("r510:hdd2");
  EXPECT_TRUE(report.quorum.kept);
  EXPECT_EQ(report.quorum.alive, 3);
  EXPECT_EQ(volume(report, "appdata").state, VolumeState::healthy);
  EXPECT_EQ(volume(report, "appdata").reason, "all 3 bricks are up");
  EXPECT_EQ(volume(report, "media").state, VolumeState::degraded);
  EXPECT_EQ(volume(report, "media").bricks[0].reason, "disk r510:hdd2 failed");
  EXPECT_EQ(outcome(report, "jellyfin"), "stays r530");
  EXPECT_EQ(outcome(report, "transcoder"), "stays r510");
}

TEST_F(WhatIf, BothDataDisksOfAVolumeFail) {
  WhatIfReport report = run("r510:hdd2,r530:hdd1");
  EXPECT_EQ(volume(report, "media").state, VolumeState::unavailable);
  EXPECT_EQ(outcome(report, "jellyfin"), "stops");
  EXPECT_EQ(service(report, "jellyfin").reason,
            "volume media is unavailable: only the arbiter brick is up, and it holds no data");
  EXPECT_EQ(outcome(report, "transcoder"), "stops");
  EXPECT_EQ(outcome(report, "homepage"), "stays r510");
}

TEST_F(WhatIf, AReadOnlyVolumeStopsReadWriteMountsOnly) {
  WhatIfReport report = run("r530:hdd1,elitedesk");
  EXPECT_TRUE(report.quorum.kept);
  EXPECT_EQ(volume(report, "media").state, VolumeState::read_only);
  EXPECT_EQ(outcome(report, "jellyfin"), "stops");
  EXPECT_EQ(service(report, "jellyfin").reason,
            "volume media is read-only: only the data brick r510:hdd2 is up, and writes need 2 of the 3 "
            "bricks; the service mounts it read-write at /media");
  EXPECT_EQ(outcome(report, "transcoder"), "stays r510");  // mounts media read-only
  EXPECT_EQ(volume(report, "appdata").state, VolumeState::degraded);
}

TEST_F(WhatIf, UnknownNamesAreErrorsNotCrashes) {
  auto ghost = what_if(spec_, Failures{{"ghost"}, {}});
  ASSERT_FALSE(ghost.ok());
  EXPECT_EQ(ghost.error().message, "unknown node 'ghost'; the nodes are r510, r530, elitedesk");
  auto disk = what_if(spec_, Failures{{}, {{"r530", "hdd2"}}});
  ASSERT_FALSE(disk.ok());
  EXPECT_EQ(disk.error().message, "node r530 has no disk 'hdd2'; its disks are ssd1, hdd1");
  EXPECT_FALSE(parse_failures(spec_, "r510,nope").ok());
}

TEST(WhatIfNotRunning, AServiceThatDidNotFitBeforeIsReportedAsNotRunning) {
  Spec spec = example_lab();
  add_service(spec, "a").cpus(7);
  add_service(spec, "b").cpus(7);
  add_service(spec, "c").cpus(7);
  auto report = what_if(spec, Failures{{"elitedesk"}, {}});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->services[2].outcome, ServiceOutcome::not_running);
  EXPECT_EQ(report->services[2].reason,
            "cannot be placed even with every node up: needs 7 cpus, 0 bytes; r510 has 1 cpu, 48GiB free; "
            "r530 has 1 cpu, 32GiB free");
  EXPECT_EQ(report->services[0].outcome, ServiceOutcome::stays);
}

}  // namespace
}  // namespace hearth
