#pragma once
// One hearthd's part in the control plane, as steps that hearthd's threads drive (and tests drive
// with a ManualClock and the in-memory store):
//   renew_lease()  every 500 ms, on a thread of its own: renew the lease (or get one), so slow
//                  reads elsewhere never delay a renewal
//   tick()         every 500 ms: campaign / observe the leader, as leader record node history,
//                  switch to a newer applied spec
//   assign()       every 100 ms: as leader, one assignment step (assignments.h), so a dead
//                  node's services move within 100 ms of its key's expiry
//   check_fence()  every 50 ms: fence when the lease deadline has passed (node_lease.h)
//   status()       GET /v1/status;  apply()  POST /v1/spec;  shutdown()  SIGTERM
// The spec in force is the newest revision stored in etcd once there is one; before that, the
// bootstrap file given with --spec.

#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "cluster/assignments.h"
#include "cluster/image_pins.h"
#include "cluster/cluster_status.h"
#include "cluster/kv_store.h"
#include "cluster/leader_election.h"
#include "cluster/node_lease.h"
#include "cluster/spec_store.h"
#include "common/clock.h"
#include "spec/spec.h"

namespace hearth::cluster {

struct ControlLoopOptions {
  std::string node;     // this node's name; REQUIRES: in the bootstrap spec
  std::string version;  // hearthd's version, published in the node record
  NodeLeaseTiming timing;
  // How long a node must be alive before a service moves back to it for `prefer`, and how long
  // a new leader waits for every server before the first placement (assignments.h).
  std::chrono::milliseconds prefer_return_settle = kPreferReturnSettle;
  std::chrono::milliseconds initial_grace = kInitialPlacementGrace;
};

class ControlLoop {
 public:
  // `lease_store`: for lease renewals (a short deadline, below the renew interval);
  // `store`: for everything else. Both reach the local etcd member.
  ControlLoop(KeyValueStore& lease_store, KeyValueStore& store, Clock& clock, Spec bootstrap,
              ControlLoopOptions options);
  ControlLoop(const ControlLoop&) = delete;
  ControlLoop& operator=(const ControlLoop&) = delete;

  void set_fence_callback(NodeLease::FenceCallback callback);

  Status renew_lease() { return lease_.tick(); }
  // One control step (see above). Returns the first failure; later steps still run when they can.
  Status tick();
  bool check_fence() { return lease_.check_fence(); }
  // The leader's assignment step (a no-op on other nodes). Fails when etcd does not answer or
  // the spec's addresses cannot be planned; nothing is written then.
  Status assign();

  // The cluster as this node sees it, with its own state; `members` from probe_members().
  Result<ClusterView> status(std::vector<MemberView> members);

  // Stores a spec text (REQUIRES: validated by the caller) as the next revision. Fails without
  // quorum.
  // `images`: the pins of its images (pin_images()).
  Result<SpecApplied> apply(const std::string& text, const std::string& applied_by,
                            const ImagePins& images = {});

  // The pins of `spec`'s images for an apply: those of the newest stored revision are kept
  // unless `refresh`; the rest are resolved through `resolver` (cluster/image_pins.h).
  Result<ImagePins> pin_images(const Spec& spec, bool refresh, ImageResolver& resolver);

  // Marks `node` drained or not (REQUIRES: a server of the spec in force). Returns whether
  // anything changed. Fails without quorum.
  Result<bool> set_drained(const std::string& node, bool drained, const std::string& by);

  // Clean stop: resign the leadership and revoke the lease, so peers see this node leave at once.
  void shutdown();

  // The spec in force (copy) and its stored revision (0: the bootstrap file).
  Spec spec() const;
  std::int64_t spec_revision() const;
  // Both at once (the spec may switch between two separate calls).
  std::pair<Spec, std::int64_t> spec_and_revision() const;
  bool is_leader() const { return election_.is_leader(); }
  const NodeLease& lease() const { return lease_; }

 private:
  Status refresh_spec();
  static NodeRecord self_record(const Spec& spec, const ControlLoopOptions& options, Clock& clock);

  KeyValueStore& store_;
  Clock& clock_;
  ControlLoopOptions options_;
  std::string bootstrap_file_;
  NodeLease lease_;
  LeaderElection election_;

  mutable std::mutex mutex_;
  Spec spec_;
  std::int64_t spec_revision_ = 0;
  std::int64_t rejected_revision_ = 0;  // a stored revision that did not load (logged once)
};

}  // namespace hearth::cluster
