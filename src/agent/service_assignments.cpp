#include "agent/service_assignments.h"

#include <algorithm>

#include "cluster/keys.h"
#include "cluster/spec_store.h"
#include "cluster/stored_plan.h"
#include "common/log.h"
#include "spec/load.h"

namespace hearth::agent {

std::vector<AssignedService> assigned_to(const std::vector<cluster::Assignment>& assignments,
                                         const std::string& node) {
  std::vector<AssignedService> assigned;
  for (const auto& [service, address] : cluster::services_for_node(assignments, node)) {
    assigned.push_back({service, address});
  }
  return assigned;
}

AssignedServices::AssignedServices(ServiceReconciler& reconciler, cluster::KeyValueStore& store,
                                   Clock& clock, std::string node)
    : reconciler_(reconciler), store_(store), clock_(clock), node_(std::move(node)) {}

Status AssignedServices::read_decision() {
  // The plan key is read before and after the assignments: the leader writes a decision for a
  // new spec revision to both in one transaction, so an unchanged plan key means the
  // assignments read belong to the revision it names.
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto before = store_.get(cluster::keys::kPlan, cluster::Consistency::linearizable);
    if (!before) return before.error();
    auto read = cluster::read_assignments(store_);
    if (!read) return read.error();
    auto after = store_.get(cluster::keys::kPlan, cluster::Consistency::linearizable);
    if (!after) return after.error();
    cluster::Revision revision = after->has_value() ? (*after)->mod_revision : 0;
    cluster::Revision was = before->has_value() ? (*before)->mod_revision : 0;
    if (revision != was && attempt + 1 < kAttempts) continue;
    last_read_ = std::move(*read);
    if (revision != plan_mod_revision_) {
      plan_mod_revision_ = revision;
      decision_revision_.reset();
      if (after->has_value()) {
        auto plan = cluster::StoredPlan::parse((*after)->value);
        if (!plan) return Error{"the stored decision cannot be read: " + plan.error().message};
        decision_revision_ = plan->spec_revision;
      }
    }
    return ok_status();
  }
  return ok_status();  // not reached
}

Result<const Spec*> AssignedServices::spec_of_decision(const Spec& spec,
                                                       std::int64_t spec_revision) {
  if (!decision_revision_ || *decision_revision_ == spec_revision) return &spec;
  const std::int64_t wanted = *decision_revision_;
  if (decided_spec_ && decided_revision_ == wanted) return decided_spec_.get();
  auto stored = cluster::read_spec_revision(store_, wanted, cluster::Consistency::linearizable);
  if (!stored) return stored.error();
  if (!stored->has_value()) {
    return Error{"the decision is for spec revision " + std::to_string(wanted) +
                 ", which etcd does not hold"};
  }
  LoadResult loaded = load_spec_text((*stored)->text, "spec revision " + std::to_string(wanted));
  if (!loaded.ok()) {
    return Error{"the decision is for spec revision " + std::to_string(wanted) +
                 ", which does not load here: " +
                 (loaded.errors.empty() ? std::string("?") : loaded.errors.front().format())};
  }
  decided_spec_ = std::make_shared<const Spec>(std::move(*loaded.spec));
  decided_revision_ = wanted;
  log::info("services: running the decision for spec revision " + std::to_string(wanted) +
            " (this node follows revision " + std::to_string(spec_revision) + ")");
  return decided_spec_.get();
}

Status AssignedServices::step(const Spec& spec, std::int64_t spec_revision,
                              cluster::LeaseId lease) {
  Status first = ok_status();
  Status read = read_decision();
  if (!read) {
    first = Error{"cannot read the assignments (running the last ones read): " +
                  read.error().message};
  }
  const Spec* decided = &spec;
  if (auto found = spec_of_decision(spec, spec_revision)) {
    decided = *found;
  } else if (first) {
    first = Error{found.error().message + "; running the spec this node follows (revision " +
                  std::to_string(spec_revision) + ")"};
  }
  std::vector<AssignedService> assigned = assigned_to(last_read_, node_);
  for (const auto& a : assigned) {
    if (decided->find_service(a.service) != nullptr) continue;
    std::string key = a.service + "@" + std::to_string(decision_revision_.value_or(spec_revision));
    if (reported_missing_.insert(key).second) {
      log::error("service " + a.service + " is assigned to this node by the decision for spec revision " +
                 std::to_string(decision_revision_.value_or(spec_revision)) +
                 ", but the spec this node has for it does not define it: it cannot run here");
    }
  }
  // The last assignments read keep running while etcd cannot be read (probes, restarts), but only
  // under the lease they were read with: a node that fenced and holds a new lease (a partition
  // that healed) starts nothing until it has read them again, or it would start services the
  // leader moved meanwhile, and two servers would hold one address (lab chaos, seed 1002).
  if (read) read_lease_ = lease;
  const bool read_under_this_lease = lease != 0 && read_lease_ == lease;
  if (lease != 0 && !read_under_this_lease && !read) {
    first = Error{"cannot read the assignments under this node's new lease: running nothing until "
                  "they are read (" + read.error().message + ")"};
  }
  Status reconciled = reconciler_.reconcile(*decided, assigned, read_under_this_lease);
  if (first && !reconciled) first = reconciled;
  if (lease == 0 || !read) return first;

  auto releases = cluster::releases_for_node(last_read_, node_);
  if (releases.empty()) return first;
  std::vector<std::string> names;
  for (const auto& release : releases) names.push_back(release.service);
  auto gone = reconciler_.gone_from_node(names);
  if (!gone) return first ? Status(gone.error()) : first;
  for (const auto& release : releases) {
    if (std::find(gone->begin(), gone->end(), release.service) == gone->end()) continue;
    auto acknowledged =
        cluster::acknowledge_release(store_, release, node_, lease, clock_.wall_ms());
    if (!acknowledged) {
      if (first) first = acknowledged.error();
    } else if (*acknowledged) {
      log::info("service " + release.service + " released (stopped here, address " +
                release.address.str() + " removed) for " +
                (release.to.empty() ? std::string("no node") : release.to));
    }
  }
  return first;
}

Result<bool> AssignedServices::assignments_changed() {
  // This member's own copy is enough to notice a change; the step then reads linearizably.
  auto read = cluster::read_assignments(store_, cluster::Consistency::serializable);
  if (!read) return read.error();
  auto same = [](const cluster::Assignment& a, const cluster::Assignment& b) {
    return a.service == b.service && a.revision == b.revision;
  };
  return !std::equal(read->begin(), read->end(), last_read_.begin(), last_read_.end(), same);
}

}  // namespace hearth::agent
