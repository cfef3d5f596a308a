#pragma once
// An in-memory KeyValueStore with etcd's semantics (see kv_store.h), driven by a Clock, with
// fault injection: the fake that the control logic's unit tests run against.
//
// One MemoryKeyValueStore is one cluster; connect() gives another client of the same cluster
// with its own reachability, so a test can cut one node off while the others carry on.
//   ManualClock clock;
//   MemoryKeyValueStore etcd(clock);
//   auto r510 = etcd.connect(), r530 = etcd.connect();
//   r510->set_reachable(false);   // r510's requests now fail; r530's work
//   etcd.set_quorum(false);       // writes and linearizable reads fail for all; serializable work
//
// Leases expire lazily, at the next call after their deadline (like etcd's periodic check), and
// only while the cluster has quorum; regaining quorum gives every lease its full TTL again.

#include <map>
#include <memory>
#include <mutex>

#include "cluster/kv_store.h"
#include "common/clock.h"

namespace hearth::cluster {

class MemoryKeyValueStore final : public KeyValueStore {
 public:
  // The minimum TTL a lease gets (etcd: 1.5 x election timeout rounded up; 1 s with hearth's
  // timing).
  static constexpr std::chrono::seconds kMinimumLeaseTtl{1};

  explicit MemoryKeyValueStore(Clock& clock);

  // Another client of the same cluster, reachable until told otherwise.
  std::unique_ptr<MemoryKeyValueStore> connect() const;

  // Whether this client reaches the cluster at all; unreachable: every call fails.
  void set_reachable(bool reachable);
  // Whether the cluster has quorum (for every client).
  void set_quorum(bool quorum);

  // Number of calls this client made (successful or not), for tests that count round trips.
  int calls() const;

  Result<std::optional<KeyValue>> get(const std::string& key, Consistency consistency) override;
  Result<RangeResult> get_prefix(const std::string& prefix, Consistency consistency) override;
  Result<Revision> put(const std::string& key, const std::string& value, LeaseId lease) override;
  Result<bool> erase(const std::string& key) override;
  Result<TxnResult> txn(const Txn& txn) override;
  Result<Lease> grant_lease(std::chrono::seconds ttl) override;
  Result<std::chrono::seconds> keep_alive(LeaseId lease) override;
  Status revoke_lease(LeaseId lease) override;

 private:
  struct LeaseState {
    std::chrono::seconds ttl;
    Clock::TimePoint expires_at;
  };
  struct Shared {
    explicit Shared(Clock& c) : clock(c) {}
    Clock& clock;
    std::mutex mutex;
    std::map<std::string, KeyValue> keys;
    std::map<LeaseId, LeaseState> leases;
    Revision revision = 1;  // etcd starts at 1
    LeaseId next_lease = 0x694d7a8f00000001;
    bool quorum = true;
  };

  explicit MemoryKeyValueStore(std::shared_ptr<Shared> shared);
  // REQUIRES: shared_->mutex held. Fails when this client cannot do `what` right now.
  Status check(bool needs_quorum, const char* what);
  void expire_leases();  // REQUIRES: shared_->mutex held
  void delete_lease_keys(LeaseId lease);
  bool compare_holds(const Compare& compare) const;
  Status validate_lease(LeaseId lease) const;

  std::shared_ptr<Shared> shared_;
  bool reachable_ = true;
  int calls_ = 0;
};

}  // namespace hearth::cluster
