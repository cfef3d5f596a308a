#include "cluster/etcd_member.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_spec.h"

namespace hearth::cluster {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(EtcdMember, DerivesOneMembersUrlsFromItsManagementAddress) {
  auto member = etcd_member_for(testing::three_node_spec(), "r530", "/var/lib/hearth/etcd");
  ASSERT_TRUE(member.ok()) << member.error().message;
  EXPECT_EQ(member->name, "r530");
  EXPECT_EQ(member->data_dir, "/var/lib/hearth/etcd");
  EXPECT_THAT(member->listen_peer_urls, ElementsAre("http://10.1.2.22:2380"));
  EXPECT_THAT(member->initial_advertise_peer_urls, ElementsAre("http://10.1.2.22:2380"));
  EXPECT_THAT(member->listen_client_urls,
              ElementsAre("http://10.1.2.22:2379", "http://127.0.0.1:2379"));
  EXPECT_THAT(member->advertise_client_urls, ElementsAre("http://10.1.2.22:2379"));
}

TEST(EtcdMember, InitialClusterHasEveryNodeIncludingTheArbiter) {
  auto member = etcd_member_for(testing::three_node_spec(), "elitedesk", "/d");
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(member->initial_cluster,
            "r510=http://10.1.2.17:2380,r530=http://10.1.2.22:2380,"
            "elitedesk=http://10.1.2.26:2380");
  EXPECT_EQ(member->initial_cluster_token, "hearth-homecentr");
}

TEST(EtcdMember, EveryNodeComputesTheSameClusterAndToken) {
  auto spec = testing::three_node_spec();
  auto a = etcd_member_for(spec, "r510", "/d");
  auto b = etcd_member_for(spec, "r530", "/d");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->initial_cluster, b->initial_cluster);
  EXPECT_EQ(a->initial_cluster_token, b->initial_cluster_token);
}

TEST(EtcdMember, FlagsAreCompleteAndInAFixedOrder) {
  auto member = etcd_member_for(testing::three_node_spec(), "r510", "/var/lib/hearth/etcd");
  ASSERT_TRUE(member.ok());
  EXPECT_THAT(member->flags(),
              ElementsAre("--name=r510", "--data-dir=/var/lib/hearth/etcd",
                          "--listen-peer-urls=http://10.1.2.17:2380",
                          "--initial-advertise-peer-urls=http://10.1.2.17:2380",
                          "--listen-client-urls=http://10.1.2.17:2379,http://127.0.0.1:2379",
                          "--advertise-client-urls=http://10.1.2.17:2379",
                          "--initial-cluster=r510=http://10.1.2.17:2380,r530=http://10.1.2.22:2380,"
                          "elitedesk=http://10.1.2.26:2380",
                          "--initial-cluster-token=hearth-homecentr", "--initial-cluster-state=new",
                          "--heartbeat-interval=50", "--election-timeout=500", "--pre-vote=true",
                          "--auto-compaction-mode=periodic", "--auto-compaction-retention=1h",
                          "--logger=zap", "--log-outputs=stderr"));
}

TEST(EtcdMember, TimingSuitsALanAndAllowsTwoSecondLeases) {
  // etcd raises any lease TTL below 1.5 x election timeout (in whole seconds): our 2 s node
  // leases only hold if the election timeout stays at or below 1333 ms.
  EXPECT_LE(kEtcdElectionTimeoutMs * 3 / 2, 2000);
  // A new etcd leader extends every lease by the election timeout: keep it well under the TTL.
  EXPECT_LE(kEtcdElectionTimeoutMs, 500);
  // etcd's own rule: the election timeout should be ~10x the heartbeat (at least 5x).
  EXPECT_GE(kEtcdElectionTimeoutMs, 5 * kEtcdHeartbeatIntervalMs);
}

TEST(EtcdMember, RejectsAnUnknownNodeNamingTheKnownOnes) {
  auto member = etcd_member_for(testing::three_node_spec(), "r520", "/d");
  ASSERT_FALSE(member.ok());
  EXPECT_THAT(member.error().message, HasSubstr("'r520' is not in the spec homelab.yaml"));
  EXPECT_THAT(member.error().message, HasSubstr("r510, r530, elitedesk"));
}

TEST(EtcdMember, RejectsARelativeDataDir) {
  auto member = etcd_member_for(testing::three_node_spec(), "r510", "var/lib/etcd");
  ASSERT_FALSE(member.ok());
  EXPECT_THAT(member.error().message, HasSubstr("absolute path"));
}

TEST(EtcdMember, ClientUrlsOfAllMembersInSpecOrder) {
  EXPECT_THAT(
      etcd_client_urls(testing::three_node_spec()),
      ElementsAre("http://10.1.2.17:2379", "http://10.1.2.22:2379", "http://10.1.2.26:2379"));
}

}  // namespace
}  // namespace hearth::cluster
