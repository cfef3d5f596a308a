#include "cluster/etcd_leader_keeper.h"

#include <chrono>

#include "common/log.h"

namespace hearth::cluster {

using namespace std::chrono_literals;

std::optional<EtcdLeaderMove> decide_etcd_leader_move(const EtcdMemberStatus& self,
                                                      const std::vector<EtcdMemberInfo>& members,
                                                      int looks, int settle) {
  if (!self.reachable || self.member_id == 0 || self.leader_id == 0) return std::nullopt;
  if (self.leader_id == self.member_id || looks < settle) return std::nullopt;
  for (const auto& member : members) {
    if (member.id == self.leader_id && !member.client_urls.empty()) {
      return EtcdLeaderMove{member.client_urls.front(), self.leader_id, self.member_id};
    }
  }
  return std::nullopt;
}

Status EtcdLeaderKeeper::step() {
  EtcdMemberStatus self = etcd_member_status(endpoint_, 500ms);
  if (!self.reachable) return Error{"cannot read this etcd member's status: " + self.error};
  if (self.leader_id != last_leader_) {
    last_leader_ = self.leader_id;
    looks_ = 0;
  }
  ++looks_;
  if (self.leader_id == 0 || self.leader_id == self.member_id || looks_ < settle_) {
    return ok_status();
  }
  auto members = etcd_member_list(endpoint_, 500ms);
  if (!members) return members.error();
  auto move = decide_etcd_leader_move(self, *members, looks_, settle_);
  if (!move) return ok_status();
  log::info("moving etcd's raft leadership from member " + std::to_string(move->leader_id) +
            " to this one (" + std::to_string(move->target_id) +
            "): a server's death should never cost an etcd election");
  looks_ = 0;
  return etcd_move_leader(move->leader_endpoint, move->target_id, 3s);
}

}  // namespace hearth::cluster
