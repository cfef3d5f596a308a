#pragma once
// The records of the leader's assignments (keys.h): what is stored, as JSON. The protocol that
// writes them is in assignments.h; the decision in assignment_decision.h.

#include <cstdint>
#include <string>

#include "cluster/kv_store.h"
#include "common/ipv4.h"
#include "common/result.h"

namespace hearth::cluster {

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

const char* to_string(AssignmentState state);

}  // namespace hearth::cluster
