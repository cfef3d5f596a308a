#include "agent/service_assignments.h"

#include <algorithm>

#include "common/log.h"

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

Status AssignedServices::step(const Spec& spec, cluster::LeaseId lease) {
  Status first = ok_status();
  auto read = cluster::read_assignments(store_);
  if (read) {
    last_read_ = std::move(*read);
  } else {
    first =
        Error{"cannot read the assignments (running the last ones read): " + read.error().message};
  }
  Status reconciled = reconciler_.reconcile(spec, assigned_to(last_read_, node_), lease != 0);
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
