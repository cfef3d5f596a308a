#pragma once
// Assignments: which node runs each service, with which address. Only the leader writes them;
// every hearthd runs exactly the services assigned to it (docs/architecture.md, "Assignments").
//
//   /hearth/assignments/<service>  Assignment (JSON), no lease        written by the leader
//   /hearth/drained/<node>         DrainRecord (JSON), no lease        written by drain/undrain
//   /hearth/released/<service>     ReleaseRecord (JSON), node's lease  written by the releasing node
//
// Two ways a service changes node, and why each never gives an address two owners:
// - FAILOVER (its node is dead): the leader reassigns only once the node's key is gone, i.e. its
//   lease expired, i.e. at least 0.5 s after the node fenced itself (node_lease.h). The write is a
//   transaction that also requires the dead node's key to be still absent, so a node that came
//   back between the leader's read and its write keeps its services (nothing is moved).
// - HANDOVER (its node is alive: drain, or a safe move back to `prefer`): the leader marks the
//   assignment `releasing` (still on the old node, `to` the new one); the old node stops the
//   service, removes its address, and only then writes /hearth/released/<service> on its lease;
//   the leader then assigns the service to the new node (state active) and deletes the release
//   record in the same transaction. If the old node dies meanwhile, its key goes and it is a
//   failover. The gap between the two owners is measured in bench/ (docs/operations.md).
// Every write carries the leadership guard (LeaderElection::guard()) and a compare on each key it
// changes (mod revision as read), so a deposed leader, or a leader that read before another
// write landed, changes nothing.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cluster/assignment_decision.h"
#include "cluster/assignment_records.h"
#include "cluster/keys.h"
#include "cluster/kv_store.h"
#include "common/result.h"
#include "spec/spec.h"

namespace hearth::cluster {

// ---- for every node ------------------------------------------------------------------------

// Every assignment, sorted by service. Damaged records are skipped (logged). Linearizable by
// default: a node must not start a service from a stale copy.
Result<std::vector<Assignment>> read_assignments(KeyValueStore& store,
                                                 Consistency consistency = Consistency::linearizable);

// What `node` must run: service -> address, the active assignments to it.
std::map<std::string, Ipv4> services_for_node(const std::vector<Assignment>& assignments,
                                              const std::string& node);

// The assignments `node` must release: stop the service, remove the address, then call
// acknowledge_release() for each.
std::vector<Assignment> releases_for_node(const std::vector<Assignment>& assignments,
                                          const std::string& node);

// Says that `node` has stopped the service and removed its address (REQUIRES: it has), for the
// releasing assignment as read (its `revision`). Put on the node's lease, so it disappears with
// the node, and only while that assignment is unchanged: a late call writes nothing (false).
Result<bool> acknowledge_release(KeyValueStore& store, const Assignment& releasing,
                                 const std::string& node, LeaseId node_lease, std::int64_t now_ms);

// ---- drain ---------------------------------------------------------------------------------

// The drained nodes, by name.
Result<std::map<std::string, DrainRecord>> read_drained(KeyValueStore& store,
                                                        Consistency consistency);

// Marks / unmarks a node drained (REQUIRES: `node` is a server of the spec; the caller checks).
// Returns false when it already was (drain) / was not (undrain): nothing written then.
Result<bool> drain_node(KeyValueStore& store, const std::string& node, const std::string& by,
                        std::int64_t now_ms);
Result<bool> undrain_node(KeyValueStore& store, const std::string& node);
// ---- the leader's step (I/O) ---------------------------------------------------------------

struct AssignmentStepOptions {
  std::chrono::milliseconds prefer_return_settle = kPreferReturnSettle;
  std::chrono::milliseconds initial_grace = kInitialPlacementGrace;
  std::int64_t leading_since_ms = 0;  // wall ms: when this leader won (for initial_grace)
  std::int64_t spec_revision = 0;     // the stored revision of `spec` (0: the bootstrap file)
};

struct AssignmentStepResult {
  int written = 0;  // keys put or deleted
  bool lost_race = false;  // a compare failed: leadership lost or the state moved; next tick
};

// Reads the stored plan, the live nodes, drained nodes, assignments and releases (linearizable),
// decides (decide_assignments()), and writes the difference, the plan (stored_plan.h) included,
// in ONE transaction guarded by `leader_guard`, the mod revision of every key it changes (the
// plan's always), and the absence of every dead node whose services it moves. Writes nothing
// and fails while the stored plan was made for a newer spec revision than options.spec_revision.
// Services never assigned are placed once every server of the spec is live, or initial_grace
// after the leader won, whichever comes first.
Result<AssignmentStepResult> run_assignment_step(KeyValueStore& store, const Spec& spec,
                                                 const Compare& leader_guard,
                                                 const std::string& leader, std::int64_t now_ms,
                                                 const AssignmentStepOptions& options = {});

}  // namespace hearth::cluster
