#include "cluster/control_loop.h"

#include "cluster/node_history.h"
#include "common/log.h"
#include "spec/load.h"

namespace hearth::cluster {

NodeRecord ControlLoop::self_record(const Spec& spec, const ControlLoopOptions& options,
                                    Clock& clock) {
  NodeRecord self;
  self.name = options.node;
  if (const Node* node = spec.find_node(options.node)) {
    self.role = node->role == NodeRole::arbiter ? "arbiter" : "server";
    self.address = node->address.str();
  }
  self.version = options.version;
  self.started_at = clock.wall_ms();
  return self;
}

ControlLoop::ControlLoop(KeyValueStore& lease_store, KeyValueStore& store, Clock& clock,
                         Spec bootstrap, ControlLoopOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      bootstrap_file_(bootstrap.file),
      lease_(lease_store, clock, self_record(bootstrap, options, clock), options.timing),
      election_(store, clock, lease_),
      spec_(std::move(bootstrap)) {}

void ControlLoop::set_fence_callback(NodeLease::FenceCallback callback) {
  lease_.set_fence_callback(std::move(callback));
}

Status ControlLoop::tick() {
  Status first = ok_status();
  auto keep = [&first](Status s) {
    if (!s && first) first = s;
  };
  Spec current = spec();
  // The arbiter leads whenever it is alive: then a server's death never costs an election
  // (leader_election.h).
  const Node* arbiter = current.arbiter();
  election_.set_preferred_leader(arbiter != nullptr ? arbiter->name : "");
  keep(election_.tick());
  if (election_.is_leader()) {
    std::vector<std::string> names;
    for (const auto& node : current.nodes) names.push_back(node.name);
    auto recorded =
        record_node_history(store_, names, election_.guard(), options_.node, clock_.wall_ms());
    if (!recorded) keep(recorded.error());
  }
  keep(refresh_spec());
  return first;
}

Status ControlLoop::assign() {
  if (!election_.is_leader()) return ok_status();
  AssignmentStepOptions step;
  step.prefer_return_settle = options_.prefer_return_settle;
  step.initial_grace = options_.initial_grace;
  if (auto leader = election_.leader()) step.leading_since_ms = leader->since;
  auto [current, revision] = spec_and_revision();
  step.spec_revision = revision;
  auto assigned =
      run_assignment_step(store_, current, election_.guard(), options_.node, clock_.wall_ms(), step);
  if (!assigned) return assigned.error();
  return ok_status();
}

Status ControlLoop::refresh_spec() {
  // Serializable: the local copy is good enough to follow, and works without quorum.
  auto stored = read_stored_spec(store_, Consistency::serializable);
  if (!stored) return stored.error();
  if (!stored->has_value()) return ok_status();
  const StoredSpec& latest = **stored;
  {
    std::lock_guard lock(mutex_);
    if (latest.revision <= spec_revision_ || latest.revision == rejected_revision_) {
      return ok_status();
    }
  }
  LoadResult loaded =
      load_spec_text(latest.text, "spec revision " + std::to_string(latest.revision));
  if (!loaded.ok()) {
    std::string errors;
    for (const auto& e : loaded.errors) errors += "\n" + e.format();
    log::error("the applied spec revision " + std::to_string(latest.revision) +
               " does not load here; keeping revision " + std::to_string(spec_revision()) + ":" +
               errors);
    std::lock_guard lock(mutex_);
    rejected_revision_ = latest.revision;
    return ok_status();
  }
  if (loaded.spec->find_node(options_.node) == nullptr) {
    log::error("the applied spec revision " + std::to_string(latest.revision) + " has no node " +
               options_.node + "; keeping the current spec");
    std::lock_guard lock(mutex_);
    rejected_revision_ = latest.revision;
    return ok_status();
  }
  std::lock_guard lock(mutex_);
  log::info("now following spec revision " + std::to_string(latest.revision) + " (applied by " +
            latest.applied_by + ")");
  apply_image_pins(*loaded.spec, latest.images);
  spec_ = std::move(*loaded.spec);
  spec_revision_ = latest.revision;
  return ok_status();
}

Result<ClusterView> ControlLoop::status(std::vector<MemberView> members) {
  Spec current = spec();
  auto view = observe_cluster(store_, current, std::move(members), clock_.wall_ms());
  if (!view) return view.error();
  view->observed_by = options_.node;
  NodeLease::State lease = lease_.state();
  SelfView self;
  self.name = options_.node;
  self.lease = lease.lease;
  self.lease_held = lease.held;
  self.fenced = lease.fenced;
  self.fence_count = lease.fence_count;
  self.leader = election_.is_leader();
  if (lease.last_renewal != Clock::TimePoint{}) {
    self.last_renewal_ms_ago =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - lease.last_renewal)
            .count();
  }
  self.last_error = lease.last_error;
  self.spec_revision = spec_revision();
  self.spec_file = bootstrap_file_;
  view->self = self;
  return view;
}

Result<ImagePins> ControlLoop::pin_images(const Spec& spec, bool refresh,
                                          ImageResolver& resolver) {
  ImagePins previous;
  bool has_images = false;
  for (const auto& service : spec.services) has_images = has_images || !service.image.empty();
  if (!has_images) return previous;
  if (!refresh) {
    auto stored = read_stored_spec(store_, Consistency::linearizable);
    if (!stored) return stored.error();
    if (stored->has_value()) previous = (*stored)->images;
  }
  return cluster::pin_images(spec, previous, refresh, resolver);
}

Result<SpecApplied> ControlLoop::apply(const std::string& text, const std::string& applied_by,
                                       const ImagePins& images) {
  auto applied = store_spec(store_, text, applied_by, clock_.wall_ms(), images);
  if (!applied) return applied.error();
  log::info(applied->unchanged ? "apply by " + applied_by + ": unchanged, still revision " +
                                     std::to_string(applied->spec.revision)
                               : "apply by " + applied_by + ": stored spec revision " +
                                     std::to_string(applied->spec.revision));
  (void)refresh_spec();
  return applied;
}

Result<bool> ControlLoop::set_drained(const std::string& node, bool drained,
                                      const std::string& by) {
  return drained ? drain_node(store_, node, by, clock_.wall_ms()) : undrain_node(store_, node);
}

void ControlLoop::shutdown() {
  if (auto s = election_.resign(); !s) log::warn(s.error().message);
  if (auto s = lease_.release(); !s) log::warn(s.error().message);
}

Spec ControlLoop::spec() const {
  std::lock_guard lock(mutex_);
  return spec_;
}

std::int64_t ControlLoop::spec_revision() const {
  std::lock_guard lock(mutex_);
  return spec_revision_;
}

std::pair<Spec, std::int64_t> ControlLoop::spec_and_revision() const {
  std::lock_guard lock(mutex_);
  return {spec_, spec_revision_};
}

}  // namespace hearth::cluster
