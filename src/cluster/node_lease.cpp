#include "cluster/node_lease.h"

#include "cluster/keys.h"
#include "common/log.h"

namespace hearth::cluster {

NodeLease::NodeLease(KeyValueStore& store, Clock& clock, NodeRecord self, NodeLeaseTiming timing)
    : store_(store), clock_(clock), self_(std::move(self)), timing_(timing) {}

void NodeLease::set_fence_callback(FenceCallback callback) {
  std::lock_guard lock(mutex_);
  on_fence_ = std::move(callback);
}

NodeLease::FenceCallback NodeLease::fence_locked(const std::string& reason, bool& fenced_now) {
  fenced_now = false;
  if (lease_ == 0) return {};
  log::warn("fencing: " + reason + "; lease " + lease_hex(lease_) +
            " is given up, this node stops its services");
  abandoned_ = lease_;
  lease_ = 0;
  registered_ = false;
  fenced_ = true;
  ++fence_count_;
  fenced_now = true;
  return on_fence_;
}

bool NodeLease::check_fence() {
  FenceCallback callback;
  bool fenced_now = false;
  std::string reason;
  {
    std::lock_guard lock(mutex_);
    if (lease_ == 0 || clock_.now() < deadline_) return false;
    auto silent =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - last_renewal_);
    reason = "the lease was not renewed for " + std::to_string(silent.count()) + " ms (TTL " +
             std::to_string(timing_.ttl.count()) + " s, margin " +
             std::to_string(timing_.fence_margin.count()) + " ms)" +
             (last_error_.empty() ? "" : "; last error: " + last_error_);
    callback = fence_locked(reason, fenced_now);
  }
  if (callback) callback(reason);
  return fenced_now;
}

Status NodeLease::register_key(LeaseId lease) {
  NodeRecord record = self_;
  record.lease = lease;
  record.registered_at = clock_.wall_ms();
  auto put = store_.put(keys::node(self_.name), record.to_json(), lease);
  if (!put) return Error{"cannot register node " + self_.name + ": " + put.error().message};
  std::lock_guard lock(mutex_);
  if (lease_ != lease) return ok_status();  // fenced meanwhile: the key dies with the old lease
  registered_ = true;
  fenced_ = false;
  log::info("node " + self_.name + " registered with lease " + lease_hex(lease) + " (TTL " +
            std::to_string(timing_.ttl.count()) + " s)");
  return ok_status();
}

Status NodeLease::tick() {
  auto started = clock_.now();
  LeaseId lease = 0;
  LeaseId abandoned = 0;
  bool registered = false;
  {
    std::lock_guard lock(mutex_);
    lease = lease_;
    abandoned = abandoned_;
    registered = registered_;
  }

  auto fail = [this](Error error) -> Status {
    std::lock_guard lock(mutex_);
    last_error_ = error.message;
    return error;
  };

  if (lease == 0) {
    if (abandoned != 0) {
      // Best effort: the old incarnation's key disappears now rather than at expiry.
      if (store_.revoke_lease(abandoned).ok()) {
        std::lock_guard lock(mutex_);
        if (abandoned_ == abandoned) abandoned_ = 0;
      }
    }
    auto granted = store_.grant_lease(timing_.ttl);
    if (!granted)
      return fail(
          Error{"cannot get a lease for node " + self_.name + ": " + granted.error().message});
    {
      std::lock_guard lock(mutex_);
      lease_ = granted->id;
      last_renewal_ = started;
      deadline_ = started + granted->ttl - timing_.fence_margin;
      registered_ = false;
    }
    if (auto s = register_key(granted->id); !s) return fail(s.error());
    std::lock_guard lock(mutex_);
    last_error_.clear();
    return ok_status();
  }

  auto renewed = store_.keep_alive(lease);
  if (!renewed) {
    return fail(Error{"cannot renew lease " + lease_hex(lease) + ": " + renewed.error().message});
  }
  if (renewed->count() <= 0) {
    FenceCallback callback;
    bool fenced_now = false;
    std::string reason = "etcd says lease " + lease_hex(lease) + " has expired";
    {
      std::lock_guard lock(mutex_);
      if (lease_ == lease) callback = fence_locked(reason, fenced_now);
      last_error_ = reason;
    }
    if (callback) callback(reason);
    return Error{reason + " (node " + self_.name + " was silent too long); a new one follows"};
  }
  {
    std::lock_guard lock(mutex_);
    if (lease_ != lease) return ok_status();  // fenced while renewing: stays abandoned
    last_renewal_ = started;
    deadline_ = started + *renewed - timing_.fence_margin;
  }
  if (!registered) {
    if (auto s = register_key(lease); !s) return fail(s.error());
  }
  std::lock_guard lock(mutex_);
  last_error_.clear();
  return ok_status();
}

Status NodeLease::release() {
  LeaseId lease = 0;
  {
    std::lock_guard lock(mutex_);
    lease = lease_ != 0 ? lease_ : abandoned_;
    lease_ = 0;
    abandoned_ = 0;
    registered_ = false;
  }
  if (lease == 0) return ok_status();
  if (auto s = store_.revoke_lease(lease); !s) {
    return Error{"cannot revoke lease " + lease_hex(lease) + " of node " + self_.name + ": " +
                 s.error().message + " (its key expires within " +
                 std::to_string(timing_.ttl.count()) + " s anyway)"};
  }
  log::info("node " + self_.name + " left the cluster: lease " + lease_hex(lease) + " revoked");
  return ok_status();
}

NodeLease::State NodeLease::state() const {
  std::lock_guard lock(mutex_);
  State s;
  s.lease = lease_;
  s.registered = registered_;
  s.held = lease_ != 0 && registered_ && clock_.now() < deadline_;
  s.fenced = fenced_;
  s.fence_count = fence_count_;
  s.deadline = deadline_;
  s.last_renewal = last_renewal_;
  s.last_error = last_error_;
  return s;
}

bool NodeLease::held() const { return state().held; }

LeaseId NodeLease::lease_id() const {
  std::lock_guard lock(mutex_);
  return lease_;
}

}  // namespace hearth::cluster
