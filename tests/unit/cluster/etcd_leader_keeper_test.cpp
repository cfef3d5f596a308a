#include "cluster/etcd_leader_keeper.h"

#include <gtest/gtest.h>

namespace hearth::cluster {
namespace {

EtcdMemberStatus status(std::uint64_t self, std::uint64_t leader) {
  EtcdMemberStatus s;
  s.endpoint = "http://127.0.0.1:2379";
  s.reachable = true;
  s.member_id = self;
  s.leader_id = leader;
  return s;
}

const std::vector<EtcdMemberInfo> kMembers = {
    {1, "r510", {"http://10.1.2.10:2379"}},
    {2, "r530", {"http://10.1.2.11:2379"}},
    {3, "elitedesk", {"http://10.1.2.12:2379"}},
};

TEST(EtcdLeaderMove, AsksTheCurrentLeaderToHandOverToThisMemberOnceSettled) {
  auto move = decide_etcd_leader_move(status(3, 1), kMembers, 3, 3);
  ASSERT_TRUE(move.has_value());
  EXPECT_EQ(move->leader_endpoint, "http://10.1.2.10:2379");
  EXPECT_EQ(move->leader_id, 1u);
  EXPECT_EQ(move->target_id, 3u);
}

TEST(EtcdLeaderMove, NothingWhileTheLeaderIsNew) {
  EXPECT_FALSE(decide_etcd_leader_move(status(3, 1), kMembers, 1, 3));
  EXPECT_FALSE(decide_etcd_leader_move(status(3, 1), kMembers, 2, 3));
}

TEST(EtcdLeaderMove, NothingWhenThisMemberLeadsOrNoOneDoes) {
  EXPECT_FALSE(decide_etcd_leader_move(status(3, 3), kMembers, 10, 3));
  EXPECT_FALSE(decide_etcd_leader_move(status(3, 0), kMembers, 10, 3));
}

TEST(EtcdLeaderMove, NothingWhenTheMemberCannotBeAskedOrIsUnknown) {
  EtcdMemberStatus unreachable = status(3, 1);
  unreachable.reachable = false;
  EXPECT_FALSE(decide_etcd_leader_move(unreachable, kMembers, 10, 3));
  EXPECT_FALSE(decide_etcd_leader_move(status(3, 7), kMembers, 10, 3)) << "not in the list";
  std::vector<EtcdMemberInfo> no_urls = {{1, "r510", {}}, {3, "elitedesk", {}}};
  EXPECT_FALSE(decide_etcd_leader_move(status(3, 1), no_urls, 10, 3));
}

}  // namespace
}  // namespace hearth::cluster
