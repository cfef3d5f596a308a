#pragma once
// The node side of the leader's assignments (cluster/assignments.h): what this node must run, and
// the handovers it must answer. One step of hearthd's services thread:
//   1. read the assignments (linearizable; on failure the last ones read are used, so probes and
//      restarts go on; without quorum the lease fences the node anyway);
//   2. reconcile: run the services active on this node, stop everything else (a service being
//      handed over is not active here any more, so it is stopped and its address removed);
//   3. for each handover away from this node whose service is gone from the node (no container,
//      no namespace), acknowledge the release (on this node's lease).
// Not thread-safe: one thread.

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

  // One step (see above). `lease`: this node's lease when held, else 0 (then nothing runs).
  Status step(const Spec& spec, cluster::LeaseId lease);

  // Whether the stored assignments differ from those the last step read (any key written,
  // added or removed since). hearthd asks every 100 ms between its 500 ms steps and steps at
  // once on a change: a service failed over to this node, or handed over away from it, is acted
  // on within ~100 ms instead of up to 500 ms. Fails when the store cannot be read.
  Result<bool> assignments_changed();

 private:
  ServiceReconciler& reconciler_;
  cluster::KeyValueStore& store_;
  Clock& clock_;
  std::string node_;
  std::vector<cluster::Assignment> last_read_;
};

}  // namespace hearth::agent
