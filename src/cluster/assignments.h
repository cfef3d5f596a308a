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
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/kv_store.h"
#include "common/ipv4.h"
#include "common/result.h"
#include "spec/spec.h"

namespace hearth::cluster {

namespace keys {
inline constexpr const char* kAssignmentsPrefix = "/hearth/assignments/";
inline constexpr const char* kDrainedPrefix = "/hearth/drained/";
inline constexpr const char* kReleasedPrefix = "/hearth/released/";
inline std::string assignment(const std::string& service) { return kAssignmentsPrefix + service; }
inline std::string drained(const std::string& node) { return kDrainedPrefix + node; }
inline std::string released(const std::string& service) { return kReleasedPrefix + service; }
}  // namespace keys

enum class AssignmentState {
  active,     // `node` runs the service and holds its address
  releasing,  // `node` must stop it and remove the address, then write its ReleaseRecord
};

// /hearth/assignments/<service>.
struct Assignment {
  std::string service;
  std::string node;  // empty: unplaced (no node runs it; `reason` says why)
  Ipv4 address;      // the same across moves
  std::int64_t since = 0;  // wall ms: assigned to `node` (or unplaced) since
  std::string by;          // the leader that wrote it
  AssignmentState state = AssignmentState::active;
  std::string to;      // releasing: where it goes next ("" when nowhere: it will be unplaced)
  std::string reason;  // for people: why this node, why it moves, or why it is unplaced
  Revision revision = 0;  // the key's mod revision as read (not stored): names this version

  bool unplaced() const { return node.empty(); }
  std::string to_json() const;
  static Result<Assignment> parse(const std::string& json);
};

// /hearth/drained/<node>: no service is placed there; services running there are handed over.
struct DrainRecord {
  std::string node;
  std::int64_t since = 0;  // wall ms
  std::string by;          // "alice@laptop via r510"

  std::string to_json() const;
  static Result<DrainRecord> parse(const std::string& json);
};

// /hearth/released/<service>: `node` stopped the service and removed `address` (on its lease).
// `revision` is the mod revision of the releasing assignment it answers: a release counts only for
// that very assignment, never for a later handover of the same service.
struct ReleaseRecord {
  std::string service;
  std::string node;
  Ipv4 address;
  Revision revision = 0;
  std::int64_t at = 0;  // wall ms

  std::string to_json() const;
  static Result<ReleaseRecord> parse(const std::string& json);
};

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

// ---- the leader's decision (pure) ----------------------------------------------------------

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
  std::map<std::string, Assignment> desired;     // every service of the spec -> its assignment
};

// The new assignments from the spec, the live and drained nodes, and the current assignments:
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
// Fails only when the spec's addresses cannot be planned (plan_service_addresses fails).
Result<AssignmentDecision> decide_assignments(const AssignmentInput& input);

// ---- the leader's step (I/O) ---------------------------------------------------------------

struct AssignmentStepOptions {
  std::chrono::milliseconds prefer_return_settle = kPreferReturnSettle;
  std::chrono::milliseconds initial_grace = kInitialPlacementGrace;
  std::int64_t leading_since_ms = 0;  // wall ms: when this leader won (for initial_grace)
};

struct AssignmentStepResult {
  int written = 0;  // keys put or deleted
  bool lost_race = false;  // a compare failed: leadership lost or the state moved; next tick
};

// Reads the live nodes, drained nodes, assignments and releases (linearizable), decides, and
// writes the difference in ONE transaction guarded by `leader_guard`, the mod revision of every
// key it changes, and the absence of every dead node whose services it moves.
// Services never assigned are placed once every server of the spec is live, or initial_grace
// after the leader won, whichever comes first.
Result<AssignmentStepResult> run_assignment_step(KeyValueStore& store, const Spec& spec,
                                                 const Compare& leader_guard,
                                                 const std::string& leader, std::int64_t now_ms,
                                                 const AssignmentStepOptions& options = {});

const char* to_string(AssignmentState state);
const char* to_string(AssignmentChange change);

}  // namespace hearth::cluster
