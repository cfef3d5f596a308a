#pragma once
// The cluster's key-value store, behind a small interface (etcd v3 semantics), so the control
// logic (node leases, leader election, spec storage, node history) is tested against the
// in-memory MemoryKeyValueStore and runs against etcd (EtcdKeyValueStore) unchanged.
//
// Semantics every implementation keeps (they are etcd's):
// - Every successful write (put, erase of an existing key, a txn that writes, a lease expiry or
//   revoke that deletes keys) advances the store's revision by one; a key remembers the revision
//   that created it (create_revision, 0 when absent) and last changed it (mod_revision).
// - A key put with a lease is deleted when that lease expires or is revoked. Putting the key again
//   with another lease (or none) moves it to that lease.
// - Linearizable reads and all writes need the cluster's quorum and fail without it; serializable
//   reads are answered from the local member alone and may be stale.
// - Leases expire only while the cluster has quorum (a leader); when a new leader takes over,
//   every lease gets its full TTL again. So a lease may outlive its TTL, never the reverse as
//   seen by the holder that renews it.
// Thread-safety: all methods may be called from several threads at once.
// Change notification is by polling (reads are cheap; hearthd polls every 500 ms).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace hearth::cluster {

using LeaseId = std::int64_t;  // 0: no lease
using Revision = std::int64_t;

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;
  Revision mod_revision = 0;
  std::int64_t version = 0;  // number of puts since creation
  LeaseId lease = 0;
};

enum class Consistency {
  linearizable,  // sees every write acknowledged before the read started; needs quorum
  serializable,  // the local member's copy; answers without quorum, may be stale
};

struct RangeResult {
  std::vector<KeyValue> kvs;  // sorted by key
  Revision revision = 0;      // the store's revision the read was served at
};

// A condition of a transaction on one key.
struct Compare {
  enum class Target { create_revision, mod_revision, version, value, lease };
  enum class Op { equal, not_equal, greater, less };

  std::string key;
  Target target = Target::create_revision;
  Op op = Op::equal;
  std::int64_t number = 0;  // for every target but value
  std::string value;        // for Target::value

  // The key does not exist.
  static Compare absent(std::string key);
  // The key exists and was created at `revision` (the etcd election idiom: still the same key).
  static Compare created_at(std::string key, Revision revision);
  // The key was last changed at `revision` (0: the key does not exist).
  static Compare modified_at(std::string key, Revision revision);
  // The key exists and holds `value`.
  static Compare value_is(std::string key, std::string value);
};

// One operation of a transaction branch.
struct TxnOp {
  enum class Kind { put, erase, get };
  Kind kind = Kind::get;
  std::string key;
  std::string value;  // put
  LeaseId lease = 0;  // put

  static TxnOp put(std::string key, std::string value, LeaseId lease = 0);
  static TxnOp erase(std::string key);
  static TxnOp get(std::string key);
};

// If every compare holds, `success` runs, else `failure`; atomically.
struct Txn {
  std::vector<Compare> compares;
  std::vector<TxnOp> success;
  std::vector<TxnOp> failure;
};

struct TxnResult {
  bool succeeded = false;  // the compares held and `success` ran
  Revision revision = 0;   // the store's revision after the transaction
  // One entry per get op of the branch that ran, in order; nullopt when the key was absent.
  std::vector<std::optional<KeyValue>> gets;
};

struct Lease {
  LeaseId id = 0;
  std::chrono::seconds ttl{0};  // as granted: etcd may raise a small TTL to its minimum
};

class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;

  // The key, or nullopt when it does not exist.
  virtual Result<std::optional<KeyValue>> get(const std::string& key, Consistency consistency) = 0;

  // Every key that starts with `prefix` (REQUIRES: prefix not empty), sorted by key.
  virtual Result<RangeResult> get_prefix(const std::string& prefix, Consistency consistency) = 0;

  // Creates or replaces the key; attaches it to `lease` (0: none; the lease must exist).
  // Returns the revision of the write.
  virtual Result<Revision> put(const std::string& key, const std::string& value,
                               LeaseId lease = 0) = 0;

  // Deletes the key. Returns whether it existed.
  virtual Result<bool> erase(const std::string& key) = 0;

  virtual Result<TxnResult> txn(const Txn& txn) = 0;

  // Grants a lease that expires `ttl` after its last renewal.
  virtual Result<Lease> grant_lease(std::chrono::seconds ttl) = 0;

  // Renews the lease for its full TTL. Returns the TTL it now has, or 0 s when the lease no
  // longer exists (expired or revoked): its keys are gone and the holder must get a new one.
  virtual Result<std::chrono::seconds> keep_alive(LeaseId lease) = 0;

  // Revokes the lease and deletes its keys at once. A lease that no longer exists is not an
  // error (it is already gone).
  virtual Status revoke_lease(LeaseId lease) = 0;
};

}  // namespace hearth::cluster
