#pragma once
// The leader's decision, stored: what the whole cluster should be for one spec revision.
//
//   /hearth/plan              StoredPlan (JSON), no lease        written by the leader
//   /hearth/assignments/<s>   Assignment (assignments.h)         written with it, same transaction
//
// The leader computes ONE plan (plan/plan.h) from the spec in force and the observed cluster
// (live, dead and drained nodes, the addresses services hold, where they run) and stores it: the
// assignments (service -> node and address) under their own keys, because handovers compare on
// each one's revision, and everything else a node needs here. Every node acts on what is stored,
// never on a plan of its own: the arbiter's DNS names exactly the addresses the assignments hold.
// Both are written in one transaction guarded by the leadership and by the mod revision of every
// key it replaces (assignments.h, run_assignment_step()).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/kv_store.h"
#include "common/result.h"
#include "plan/dns_dhcp.h"
#include "plan/plan.h"

namespace hearth::cluster {

struct StoredPlan {
  std::int64_t spec_revision = 0;  // the spec revision it was made for (0: the bootstrap file)
  std::string by;                  // the leader that wrote it
  std::int64_t at = 0;             // wall ms
  DnsPlan dns;                     // the arbiter's DNS: every service at the address it holds
  std::vector<DhcpScope> dhcp;     // the arbiter's DHCP scopes
  Revision revision = 0;           // the key's mod revision as read (not stored)

  // The decision for `spec_revision` from a plan computed by the leader.
  static StoredPlan from(const Plan& plan, std::int64_t spec_revision, std::string by,
                         std::int64_t at);

  // Everything decided, without who and when: equal content, nothing to write.
  std::string content_json() const;
  std::string to_json() const;
  static Result<StoredPlan> parse(const std::string& json);
};

// The stored decision, or nullopt when no leader has decided yet. Serializable reads answer from
// the local etcd member without quorum (the arbiter's DNS uses that).
Result<std::optional<StoredPlan>> read_stored_plan(KeyValueStore& store, Consistency consistency);

}  // namespace hearth::cluster
