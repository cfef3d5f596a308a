#pragma once
// What-if: what the cluster does when some nodes and/or disks fail, computed from the spec alone.
//
//  - Quorum: every node is an etcd voter (the arbiter included). Kept iff alive > voters / 2.
//    Without quorum every node fences itself: all services stop.
//  - Volumes follow Gluster's replica 3 arbiter 1 client quorum (cluster.quorum-type auto): a
//    brick is down when its node is down or its disk failed; writes need 2 of the 3 bricks up;
//    one data brick alone is read-only; the arbiter brick alone, or nothing, is unavailable.
//    healthy: all 3 up. degraded: writable, but a data brick or the arbiter brick is down.
//  - Services: a service whose volume is unavailable, or read-only while it mounts it
//    read-write, stops. The others are placed again by place_services() with the failed nodes
//    removed and the healthy plan as the previous state: stays on X, moves from X to Y, or stops
//    for lack of capacity (with the numbers).
//  - DNS and DHCP are served by the arbiter without quorum, unless the arbiter itself failed.

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "plan/bricks.h"
#include "plan/failures.h"
#include "plan/placement.h"
#include "plan/plan.h"
#include "spec/spec.h"

namespace hearth {

struct QuorumReport {
  int voters = 0;  // every node of the spec
  int alive = 0;
  int needed = 0;  // voters / 2 + 1
  bool kept = false;
};

enum class VolumeState { healthy, degraded, read_only, unavailable };

struct BrickReport {
  Brick brick;
  bool arbiter = false;  // the arbiter brick (else a data brick)
  bool up = true;
  std::string reason;  // when down: "node r510 is down" or "disk r510:hdd1 failed"
};

struct VolumeReport {
  std::string volume;
  VolumeState state = VolumeState::healthy;
  std::vector<BrickReport> bricks;  // gluster order: data, data, arbiter
  std::string reason;  // for people, e.g. "writable with one data copy: r510:hdd1 is down"
};

enum class ServiceOutcome {
  stays,        // keeps running on `from` (== `to`)
  moves,        // stops on `from`, starts on `to`
  stops,        // runs nowhere (see reason)
  not_running,  // could not be placed even with every node up (see reason)
};

struct ServiceReport {
  std::string service;
  ServiceOutcome outcome = ServiceOutcome::stays;
  std::optional<std::string> from;  // its node in the healthy plan
  std::optional<std::string> to;    // its node after the failures
  std::string reason;
};

struct DnsDhcpReport {
  std::string server;  // the arbiter's name
  bool served = true;  // DNS and DHCP keep being served
  std::string reason;
};

struct WhatIfReport {
  Failures failures;
  QuorumReport quorum;
  std::vector<VolumeReport> volumes;    // spec order
  std::vector<ServiceReport> services;  // spec order
  std::vector<NodeLoad> servers;        // live servers after the failures (empty without quorum)
  DnsDhcpReport dns_dhcp;
};

// REQUIRES: `spec` passed validation. `observed` is the state the healthy plan starts from
// (offline: empty). Fails with a clear message on unknown node or disk names in `failures`, or
// when the healthy plan itself fails (see plan()).
Result<WhatIfReport> what_if(const Spec& spec, const Failures& failures,
                             const ObservedState& observed = {});

}  // namespace hearth
