#pragma once
// The leader's decision (pure, no I/O): from the spec, the observed cluster and the stored
// assignments, the plan (plan/plan.h, the one planner) and the assignment changes that carry it
// out, step by step, so that no service address ever has two owners (assignments.h says how).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/assignment_records.h"
#include "common/result.h"
#include "plan/plan.h"
#include "spec/spec.h"

namespace hearth::cluster {

// How long a node must have been alive before a service moves back to it because of `prefer`:
// a node that just came back may flap, and its volume bricks are still healing.
inline constexpr std::chrono::milliseconds kPreferReturnSettle{10'000};

// How long a new leader waits for every server of the spec to register before it places services
// that were never assigned: at cluster start the first leader would otherwise put everything on
// the first server up, and nothing moves back after (no bounce). Failovers never wait.
inline constexpr std::chrono::milliseconds kInitialPlacementGrace{5'000};

struct AssignmentInput {
  const Spec* spec = nullptr;                    // the spec in force (REQUIRES: validated)
  std::map<std::string, std::int64_t> live;      // node -> alive since (wall ms): key exists
  std::set<std::string> drained;                 // drained nodes
  std::map<std::string, Assignment> current;     // service -> as stored now
  std::map<std::string, ReleaseRecord> released;  // service -> as stored now
  std::int64_t now_ms = 0;
  std::string leader;  // who decides (written into `by`)
  std::chrono::milliseconds prefer_return_settle = kPreferReturnSettle;
  bool place_new = true;  // false: services without any assignment yet wait (initial grace)
};

enum class AssignmentChange {
  placed,      // a service without a node gets one (new, or unplaced before)
  failed_over,  // its node is dead: straight to a new node (or unplaced)
  releasing,   // handover step 1: its live node must release it
  handed_over,  // handover step 2: released, now active on its new node (or unplaced)
  unplaced,    // nowhere to run (new reason or newly unplaced)
  updated,     // same node, other fields (address changed in the spec)
  removed,     // no longer in the spec
};

struct AssignmentUpdate {
  std::string service;
  AssignmentChange change = AssignmentChange::placed;
  std::optional<Assignment> assignment;  // nullopt: delete the key (removed)
  // Nodes whose key must still be absent when this is written (the dead node of a failover).
  std::vector<std::string> requires_dead;
  bool consumes_release = false;  // delete /hearth/released/<service> with it
};

struct AssignmentDecision {
  std::vector<AssignmentUpdate> updates;         // spec order, then removed services by name
  std::vector<std::string> stale_releases;       // release records that match no handover
  Plan plan;  // the whole plan these assignments carry out: DNS, DHCP, firewall, bricks
};

// The plan and the new assignments from the spec, the live and drained nodes, and the current
// assignments. The plan is plan() of plan/plan.h with the observed state made from the input
// (held addresses, where services run or are going, dead, drained and unsettled nodes); the
// assignments follow it:
//  - a service on a live node stays there (placement rule 3, plan/placement.h), unless that node
//    is drained, no longer a server of the spec, or the move back to `prefer` is safe (below):
//    then it is handed over (releasing, then active on the new node once released);
//  - a service whose node is dead (its key is gone) goes straight to a live server with room
//    (rules 4-5), else it is unplaced with the reason;
//  - a service on a drained node that fits nowhere else stays there (reason says so);
//  - a handover in progress completes (a release is not undone);
//  - the arbiter and drained nodes never get a service; addresses never change (plan/addresses.h
//    keeps the address an assignment holds).
// A move back to `prefer` is SAFE when the preferred server is live, not drained, has been alive
// for at least prefer_return_settle, has room, and the service runs active on a live node (so it
// goes through the handover, never two owners).
// Fails only when plan() fails (what the spec itself cannot satisfy, see plan/plan.h).
Result<AssignmentDecision> decide_assignments(const AssignmentInput& input);

const char* to_string(AssignmentChange change);

}  // namespace hearth::cluster
