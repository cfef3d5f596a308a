#include "cluster/leader_election.h"

#include "cluster/keys.h"
#include "common/log.h"

namespace hearth::cluster {

LeaderElection::LeaderElection(KeyValueStore& store, Clock& clock, NodeLease& lease)
    : store_(store), clock_(clock), lease_(lease) {}

Status LeaderElection::tick() {
  const std::string& self = lease_.node_name();
  NodeLease::State lease = lease_.state();

  if (!lease.held) {
    // No campaign without a lease we can vouch for; just observe.
    {
      std::lock_guard lock(mutex_);
      if (won_with_ != 0) {
        log::warn("node " + self + " is no longer leader: its lease is not held");
      }
      won_with_ = 0;
      won_at_ = 0;
    }
    auto current = store_.get(keys::kLeader, Consistency::serializable);
    if (!current) return Error{"cannot read the leader: " + current.error().message};
    std::lock_guard lock(mutex_);
    leader_.reset();
    if (current->has_value()) {
      if (auto record = LeaderRecord::parse((*current)->value)) leader_ = *record;
    }
    return ok_status();
  }

  std::string preferred;
  {
    std::lock_guard lock(mutex_);
    preferred = preferred_;
  }
  // Another node is preferred: campaign only while it is not alive, and learn whether it is.
  const bool defer = !preferred.empty() && preferred != self;

  LeaderRecord mine{self, lease.lease, clock_.wall_ms()};
  Txn campaign;
  campaign.compares = {Compare::absent(keys::kLeader)};
  campaign.success = {TxnOp::put(keys::kLeader, mine.to_json(), lease.lease)};
  campaign.failure = {TxnOp::get(keys::kLeader)};
  if (defer) {
    campaign.compares.push_back(Compare::absent(keys::node(preferred)));
    campaign.failure.push_back(TxnOp::get(keys::node(preferred)));
  }
  auto result = store_.txn(campaign);
  if (!result) return Error{"cannot campaign for leader: " + result.error().message};

  std::unique_lock lock(mutex_);
  bool was_leader = won_with_ != 0;
  if (result->succeeded) {
    won_with_ = lease.lease;
    won_at_ = result->revision;
    leader_ = mine;
    preferred_alive_since_.reset();
    log::info("node " + self + " is the leader now (lease " + lease_hex(lease.lease) + ")");
    return ok_status();
  }
  const std::optional<KeyValue>& current = result->gets.empty() ? std::nullopt : result->gets[0];
  bool preferred_alive = defer && result->gets.size() > 1 && result->gets[1].has_value();
  if (!preferred_alive) {
    preferred_alive_since_.reset();
  } else if (!preferred_alive_since_) {
    preferred_alive_since_ = clock_.now();
  }
  leader_.reset();
  if (current) {
    if (auto record = LeaderRecord::parse(current->value)) leader_ = *record;
  }
  if (current && current->lease == lease.lease) {
    won_with_ = lease.lease;  // still ours (e.g. confirmed after a failed tick)
    won_at_ = current->create_revision;
    if (preferred_alive && clock_.now() - *preferred_alive_since_ >= kHandBackSettle) {
      lock.unlock();
      log::info("node " + self + " hands the leadership back to " + preferred +
                " (the preferred leader, alive for " + std::to_string(kHandBackSettle.count()) +
                " s)");
      return resign();
    }
    return ok_status();
  }
  if (was_leader) {
    log::warn("node " + self + " lost the leadership to " +
              (leader_ ? leader_->node : std::string("nobody")));
  }
  won_with_ = 0;
  won_at_ = 0;
  return ok_status();
}

void LeaderElection::set_preferred_leader(std::string node) {
  std::lock_guard lock(mutex_);
  if (node != preferred_) preferred_alive_since_.reset();
  preferred_ = std::move(node);
}

bool LeaderElection::is_leader() const {
  NodeLease::State lease = lease_.state();
  std::lock_guard lock(mutex_);
  return won_with_ != 0 && lease.held && lease.lease == won_with_;
}

std::optional<LeaderRecord> LeaderElection::leader() const {
  std::lock_guard lock(mutex_);
  return leader_;
}

Compare LeaderElection::guard() const {
  std::lock_guard lock(mutex_);
  // Not leader: a revision no key is ever created at, so guarded writes fail.
  return Compare::created_at(keys::kLeader, won_at_ != 0 ? won_at_ : -1);
}

Status LeaderElection::resign() {
  Revision won_at = 0;
  {
    std::lock_guard lock(mutex_);
    won_at = won_at_;
    won_with_ = 0;
    won_at_ = 0;
  }
  if (won_at == 0) return ok_status();
  Txn resign;
  resign.compares = {Compare::created_at(keys::kLeader, won_at)};
  resign.success = {TxnOp::erase(keys::kLeader)};
  auto result = store_.txn(resign);
  if (!result) return Error{"cannot resign the leadership: " + result.error().message};
  if (result->succeeded) log::info("node " + lease_.node_name() + " resigned the leadership");
  return ok_status();
}

}  // namespace hearth::cluster
