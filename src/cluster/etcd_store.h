#pragma once
// KeyValueStore on a real etcd 3.4 member, through its v3 JSON gateway (grpc-gateway) over plain
// HTTP: POST /v3/kv/range|put|deleterange|txn, /v3/lease/grant|keepalive|revoke, with base64 keys
// and values and int64s as JSON strings. Why the gateway and not gRPC: docs/architecture.md.
//
// Each call is one HTTP request with a deadline (`timeout`): a member without quorum never answers
// a write or a linearizable read, so the deadline is how "no quorum" shows up here (as an error
// that says so). Keep the deadline short where a quick answer matters (lease renewal).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/kv_store.h"

namespace hearth::cluster {

class EtcdKeyValueStore final : public KeyValueStore {
 public:
  // `endpoint`: a client URL of a member, e.g. "http://127.0.0.1:2379".
  EtcdKeyValueStore(std::string endpoint, std::chrono::milliseconds timeout);

  const std::string& endpoint() const { return endpoint_; }

  Result<std::optional<KeyValue>> get(const std::string& key, Consistency consistency) override;
  Result<RangeResult> get_prefix(const std::string& prefix, Consistency consistency) override;
  Result<Revision> put(const std::string& key, const std::string& value, LeaseId lease) override;
  Result<bool> erase(const std::string& key) override;
  Result<TxnResult> txn(const Txn& txn) override;
  Result<Lease> grant_lease(std::chrono::seconds ttl) override;
  Result<std::chrono::seconds> keep_alive(LeaseId lease) override;
  Status revoke_lease(LeaseId lease) override;

 private:
  std::string endpoint_;
  std::chrono::milliseconds timeout_;
};

// What one member says about itself (POST /v3/maintenance/status), answered without quorum.
struct EtcdMemberStatus {
  std::string endpoint;
  bool reachable = false;
  std::uint64_t member_id = 0;
  std::uint64_t leader_id = 0;  // 0: the member knows no raft leader
  std::string version;
  std::string error;  // why it is not reachable
};
EtcdMemberStatus etcd_member_status(const std::string& endpoint, std::chrono::milliseconds timeout);

struct EtcdMemberInfo {
  std::uint64_t id = 0;
  std::string name;  // hearth: the node's name
  std::vector<std::string> client_urls;
};
// The cluster's members as the member at `endpoint` knows them (served without quorum).
Result<std::vector<EtcdMemberInfo>> etcd_member_list(const std::string& endpoint,
                                                     std::chrono::milliseconds timeout);

// Asks the raft leader at `leader_endpoint` to hand its leadership to member `target_id`
// (POST /v3/maintenance/transfer-leadership, etcdctl's move-leader). Fails when that member is
// not the leader (any more) or the transfer does not finish within `timeout`.
Status etcd_move_leader(const std::string& leader_endpoint, std::uint64_t target_id,
                        std::chrono::milliseconds timeout);

}  // namespace hearth::cluster
