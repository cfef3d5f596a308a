#pragma once
// Keeps etcd's raft leadership on the arbiter (hearthd runs it there, every second).
//
// Why: when the etcd raft leader dies, the members first elect a new one, and the new leader
// extends every lease by a full TTL (etcd's lessor "promotes" them), so the dead node's key, and
// with it every service of the dead server, waits 1-1.5 s longer than when a follower dies. The
// arbiter runs no service, so with the raft leadership there, a server's death is always a
// follower's. A transfer (etcd's MoveLeader) costs a few heartbeats; it is asked only after the
// same other member has led for `settle` looks in a row, so a flapping arbiter moves nothing.
//
// Shape: observe (this member's status, the member list) -> decide (pure, below) -> act (ask the
// current leader to transfer).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/etcd_store.h"
#include "common/result.h"

namespace hearth::cluster {

struct EtcdLeaderMove {
  std::string leader_endpoint;  // where to ask: the current leader's client URL
  std::uint64_t leader_id = 0;
  std::uint64_t target_id = 0;  // this member
};

// The decision. `self`: this member's status; `members`: the member list; `looks`: how many
// looks in a row (this one included) have seen the current leader lead. Nothing to do when this
// member leads, no leader is known, the leader has not led for `settle` looks, or the leader has
// no client URL.
std::optional<EtcdLeaderMove> decide_etcd_leader_move(const EtcdMemberStatus& self,
                                                      const std::vector<EtcdMemberInfo>& members,
                                                      int looks, int settle);

class EtcdLeaderKeeper {
 public:
  // `endpoint`: this node's own etcd member.
  explicit EtcdLeaderKeeper(std::string endpoint, int settle = 3)
      : endpoint_(std::move(endpoint)), settle_(settle) {}

  // One look (and a transfer when decided). Fails when etcd does not answer or refuses.
  Status step();

 private:
  std::string endpoint_;
  int settle_;
  std::uint64_t last_leader_ = 0;
  int looks_ = 0;
};

}  // namespace hearth::cluster
