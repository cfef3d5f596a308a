#pragma once
// The node side of the leader's assignments (cluster/assignments.h): what this node must run, and
// the handovers it must answer. One step of hearthd's services thread:
//   1. read the stored decision: the assignments and the spec revision they were made for
//      (cluster/stored_plan.h), as one consistent view (linearizable; on failure the last ones
//      read are used, so probes and restarts go on; without quorum the lease fences the node
//      anyway);
//   2. reconcile: run the services active on this node, stop everything else (a service being
//      handed over is not active here any more, so it is stopped and its address removed). The
//      services run as the decision's spec revision defines them: a node that follows another
//      revision (it has not switched yet, or the leader has not decided on a newer one yet) reads
//      that revision from etcd. An assigned service this node cannot find in it is reported,
//      never skipped silently;
//   3. for each handover away from this node whose service is gone from the node (no container,
//      no namespace), acknowledge the release (on this node's lease).
// Not thread-safe: one thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/service_reconciler.h"
#include "cluster/assignments.h"
#include "cluster/kv_store.h"
#include "common/clock.h"

namespace hearth::agent {

// The services `assignments` make active on `node`, in the reconciler's terms.
std::vector<AssignedService> assigned_to(const std::vector<cluster::Assignment>& assignments,
                                         const std::string& node);

class AssignedServices {
 public:
  AssignedServices(ServiceReconciler& reconciler, cluster::KeyValueStore& store, Clock& clock,
                   std::string node);

  // One step (see above). `spec`: the spec this node follows, at `spec_revision` (0: the
  // bootstrap file). `lease`: this node's lease when held, else 0 (then nothing runs).
  Status step(const Spec& spec, std::int64_t spec_revision, cluster::LeaseId lease);

  // Whether the stored assignments differ from those the last step read (any key written,
  // added or removed since). hearthd asks every 100 ms between its 500 ms steps and steps at
  // once on a change: a service failed over to this node, or handed over away from it, is acted
  // on within ~100 ms instead of up to 500 ms. Fails when the store cannot be read.
  Result<bool> assignments_changed();

 private:
  ServiceReconciler& reconciler_;
  cluster::KeyValueStore& store_;
  Clock& clock_;
  // The assignments and the spec revision of the decision they belong to (nullopt: no decision
  // stored yet, e.g. a cluster of an older hearth: the spec in force is used).
  Status read_decision();
  // The spec the decision's services run from: `spec` when it is that revision, else the
  // revision read from etcd (kept until the decision moves on).
  Result<const Spec*> spec_of_decision(const Spec& spec, std::int64_t spec_revision);

  std::string node_;
  std::vector<cluster::Assignment> last_read_;
  // The lease this node held when last_read_ was read. Assignments read under an earlier lease are
  // no ground to start anything: the node fenced since, and the leader may have moved them.
  cluster::LeaseId read_lease_ = 0;
  std::optional<std::int64_t> decision_revision_;     // spec revision of the decision read
  cluster::Revision plan_mod_revision_ = -1;           // of /hearth/plan as last parsed
  std::shared_ptr<const Spec> decided_spec_;           // read from etcd for decided_revision_
  std::int64_t decided_revision_ = -1;
  std::set<std::string> reported_missing_;  // "service@revision" already logged as missing
};

}  // namespace hearth::agent
