#include "cluster/memory_kv_store.h"

#include <algorithm>

namespace hearth::cluster {

MemoryKeyValueStore::MemoryKeyValueStore(Clock& clock) : shared_(std::make_shared<Shared>(clock)) {}

MemoryKeyValueStore::MemoryKeyValueStore(std::shared_ptr<Shared> shared)
    : shared_(std::move(shared)) {}

std::unique_ptr<MemoryKeyValueStore> MemoryKeyValueStore::connect() const {
  return std::unique_ptr<MemoryKeyValueStore>(new MemoryKeyValueStore(shared_));
}

void MemoryKeyValueStore::set_reachable(bool reachable) {
  std::lock_guard lock(shared_->mutex);
  reachable_ = reachable;
}

void MemoryKeyValueStore::set_quorum(bool quorum) {
  std::lock_guard lock(shared_->mutex);
  if (quorum && !shared_->quorum) {
    // A new leader: every lease starts its TTL over (etcd's lessor Promote).
    for (auto& [id, lease] : shared_->leases) lease.expires_at = shared_->clock.now() + lease.ttl;
  }
  shared_->quorum = quorum;
}

int MemoryKeyValueStore::calls() const {
  std::lock_guard lock(shared_->mutex);
  return calls_;
}

Status MemoryKeyValueStore::check(bool needs_quorum, const char* what) {
  ++calls_;
  if (!reachable_) {
    return Error{std::string("memory store: ") + what + ": the cluster is unreachable (injected)"};
  }
  if (needs_quorum && !shared_->quorum) {
    return Error{std::string("memory store: ") + what + ": no quorum (injected)"};
  }
  expire_leases();
  return ok_status();
}

void MemoryKeyValueStore::expire_leases() {
  if (!shared_->quorum) return;  // only a leader expires leases
  auto now = shared_->clock.now();
  for (auto it = shared_->leases.begin(); it != shared_->leases.end();) {
    if (it->second.expires_at <= now) {
      delete_lease_keys(it->first);
      it = shared_->leases.erase(it);
    } else {
      ++it;
    }
  }
}

void MemoryKeyValueStore::delete_lease_keys(LeaseId lease) {
  bool deleted = false;
  for (auto it = shared_->keys.begin(); it != shared_->keys.end();) {
    if (it->second.lease == lease) {
      it = shared_->keys.erase(it);
      deleted = true;
    } else {
      ++it;
    }
  }
  if (deleted) ++shared_->revision;
}

Status MemoryKeyValueStore::validate_lease(LeaseId lease) const {
  if (lease != 0 && shared_->leases.count(lease) == 0) {
    return Error{"memory store: lease " + std::to_string(lease) + " not found"};
  }
  return ok_status();
}

Result<std::optional<KeyValue>> MemoryKeyValueStore::get(const std::string& key,
                                                         Consistency consistency) {
  std::lock_guard lock(shared_->mutex);
  if (auto s = check(consistency == Consistency::linearizable, "get"); !s) return s.error();
  auto it = shared_->keys.find(key);
  if (it == shared_->keys.end()) return std::optional<KeyValue>{};
  return std::optional<KeyValue>{it->second};
}

Result<RangeResult> MemoryKeyValueStore::get_prefix(const std::string& prefix,
                                                    Consistency consistency) {
  std::lock_guard lock(shared_->mutex);
  if (auto s = check(consistency == Consistency::linearizable, "get_prefix"); !s) return s.error();
  RangeResult result;
  result.revision = shared_->revision;
  for (auto it = shared_->keys.lower_bound(prefix);
       it != shared_->keys.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    result.kvs.push_back(it->second);
  }
  return result;
}

Result<Revision> MemoryKeyValueStore::put(const std::string& key, const std::string& value,
                                          LeaseId lease) {
  std::lock_guard lock(shared_->mutex);
  if (auto s = check(true, "put"); !s) return s.error();
  if (auto s = validate_lease(lease); !s) return s.error();
  Revision revision = ++shared_->revision;
  KeyValue& kv = shared_->keys[key];
  if (kv.create_revision == 0) {
    kv.key = key;
    kv.create_revision = revision;
  }
  kv.value = value;
  kv.mod_revision = revision;
  kv.version += 1;
  kv.lease = lease;
  return revision;
}

Result<bool> MemoryKeyValueStore::erase(const std::string& key) {
  std::lock_guard lock(shared_->mutex);
  if (auto s = check(true, "erase"); !s) return s.error();
  if (shared_->keys.erase(key) == 0) return false;
  ++shared_->revision;
  return true;
}

bool MemoryKeyValueStore::compare_holds(const Compare& compare) const {
  auto it = shared_->keys.find(compare.key);
  const KeyValue* kv = it == shared_->keys.end() ? nullptr : &it->second;
  if (compare.target == Compare::Target::value) {
    if (kv == nullptr) return false;  // etcd: a value compare on an absent key fails
    int order = kv->value.compare(compare.value);
    switch (compare.op) {
      case Compare::Op::equal:
        return order == 0;
      case Compare::Op::not_equal:
        return order != 0;
      case Compare::Op::greater:
        return order > 0;
      case Compare::Op::less:
        return order < 0;
    }
    return false;
  }
  std::int64_t actual = 0;
  if (kv != nullptr) {
    switch (compare.target) {
      case Compare::Target::create_revision:
        actual = kv->create_revision;
        break;
      case Compare::Target::mod_revision:
        actual = kv->mod_revision;
        break;
      case Compare::Target::version:
        actual = kv->version;
        break;
      case Compare::Target::lease:
        actual = kv->lease;
        break;
      case Compare::Target::value:
        break;
    }
  }
  switch (compare.op) {
    case Compare::Op::equal:
      return actual == compare.number;
    case Compare::Op::not_equal:
      return actual != compare.number;
    case Compare::Op::greater:
      return actual > compare.number;
    case Compare::Op::less:
      return actual < compare.number;
  }
  return false;
}

Result<TxnResult> MemoryKeyValueStore::txn(const Txn& txn) {
  std::lock_guard lock(shared_->mutex);
  if (auto s = check(true, "txn"); !s) return s.error();
  TxnResult result;
  result.succeeded = std::all_of(txn.compares.begin(), txn.compares.end(),
                                 [this](const Compare& c) { return compare_holds(c); });
  const auto& ops = result.succeeded ? txn.success : txn.failure;
  for (const TxnOp& op : ops) {
    if (op.kind == TxnOp::Kind::put) {
      if (auto s = validate_lease(op.lease); !s) return s.error();
    }
  }
  bool writes = std::any_of(ops.begin(), ops.end(), [this](const TxnOp& op) {
    return op.kind == TxnOp::Kind::put ||
           (op.kind == TxnOp::Kind::erase && shared_->keys.count(op.key) > 0);
  });
  Revision revision = writes ? shared_->revision + 1 : shared_->revision;
  for (const TxnOp& op : ops) {
    switch (op.kind) {
      case TxnOp::Kind::put: {
        KeyValue& kv = shared_->keys[op.key];
        if (kv.create_revision == 0) {
          kv.key = op.key;
          kv.create_revision = revision;
        }
        kv.value = op.value;
        kv.mod_revision = revision;
        kv.version += 1;
        kv.lease = op.lease;
        break;
      }
      case TxnOp::Kind::erase:
        shared_->keys.erase(op.key);
        break;
      case TxnOp::Kind::get: {
        auto it = shared_->keys.find(op.key);
        result.gets.push_back(it == shared_->keys.end() ? std::nullopt
                                                        : std::optional<KeyValue>{it->second});
        break;
      }
    }
  }
  shared_->revision = revision;
  result.revision = revision;
  return result;
}

Result<Lease> MemoryKeyValueStore::grant_lease(std::chrono::seconds ttl) {
  std::lock_guard lock(shared_->mutex);
  if (auto s = check(true, "grant_lease"); !s) return s.error();
  Lease lease{shared_->next_lease++, std::max(ttl, kMinimumLeaseTtl)};
  shared_->leases[lease.id] = LeaseState{lease.ttl, shared_->clock.now() + lease.ttl};
  return lease;
}

Result<std::chrono::seconds> MemoryKeyValueStore::keep_alive(LeaseId lease) {
  std::lock_guard lock(shared_->mutex);
  if (auto s = check(true, "keep_alive"); !s) return s.error();
  auto it = shared_->leases.find(lease);
  if (it == shared_->leases.end()) return std::chrono::seconds{0};
  it->second.expires_at = shared_->clock.now() + it->second.ttl;
  return it->second.ttl;
}

Status MemoryKeyValueStore::revoke_lease(LeaseId lease) {
  std::lock_guard lock(shared_->mutex);
  if (auto s = check(true, "revoke_lease"); !s) return s.error();
  if (shared_->leases.erase(lease) > 0) delete_lease_keys(lease);
  return ok_status();
}

}  // namespace hearth::cluster
