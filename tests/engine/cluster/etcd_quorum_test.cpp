// Quorum detection against a real 3-member etcd on 127.0.0.1: with two members gone (the arbiter
// alone), status says "no quorum" and still shows the local copy; nothing can be stored and no
// lease can be renewed. (How fast it says so is a timing, for bench/, not asserted here: the
// probes' own 300 ms timeouts bound it, and CTest's timeout catches a hang.)

#include <gtest/gtest.h>

#include "../../unit/cluster/test_spec.h"
#include "cluster/cluster_status.h"
#include "cluster/etcd_store.h"
#include "cluster/node_lease.h"
#include "cluster/spec_store.h"
#include "etcd_process.h"

namespace hearth::cluster {
namespace {

using namespace std::chrono_literals;

TEST(EtcdQuorum, TheArbiterAloneReportsNoQuorumAndStoresNothing) {
  if (auto reason = testing::EtcdProcess::unavailable_reason(); !reason.empty()) {
    GTEST_SKIP() << reason;
  }
  auto started = testing::EtcdCluster::start({"r510", "r530", "elitedesk"});
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto& etcd = **started;
  Spec spec = testing::three_node_spec();

  // The arbiter's hearthd view: its local member is the third one.
  EtcdKeyValueStore arbiter(etcd.endpoint(2), 1000ms);
  NodeRecord self;
  self.name = "elitedesk";
  self.role = "arbiter";
  NodeLease lease(arbiter, system_clock(), self);
  ASSERT_TRUE(lease.tick().ok());
  ASSERT_TRUE(store_spec(arbiter, "x: 1\n", "test", 1).ok());

  auto members = probe_members(spec, etcd.endpoint(2), 300ms);
  ASSERT_EQ(members.size(), 3u);
  int up = 0, leaders = 0;
  for (const auto& m : members) {
    up += m.up ? 1 : 0;
    leaders += m.etcd_leader ? 1 : 0;
    EXPECT_EQ(m.endpoint.rfind("http://127.0.0.1:", 0), 0u) << "probed where etcd says, loopback";
  }
  EXPECT_EQ(up, 3);
  EXPECT_EQ(leaders, 1);
  auto healthy = observe_cluster(arbiter, spec, members, 0);
  ASSERT_TRUE(healthy.ok()) << healthy.error().message;
  EXPECT_TRUE(healthy->quorum);
  EXPECT_TRUE(healthy->nodes[2].alive);

  etcd.kill(0);
  etcd.kill(1);

  members = probe_members(spec, etcd.endpoint(2), 300ms);
  auto view = observe_cluster(arbiter, spec, members, 0);
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_FALSE(view->quorum) << "2 of 3 members are gone";
  EXPECT_TRUE(view->stale);
  EXPECT_EQ(view->members_up, 1);
  EXPECT_EQ(view->members_total, 3);
  EXPECT_FALSE(view->quorum_error.empty());
  ASSERT_EQ(view->nodes.size(), 3u);
  EXPECT_TRUE(view->nodes[2].alive) << "the local copy still has the arbiter's key";
  ASSERT_TRUE(view->spec.has_value()) << "serializable reads still answer";
  EXPECT_EQ(view->spec->revision, 1);

  auto refused = store_spec(arbiter, "x: 2\n", "test", 2);
  EXPECT_FALSE(refused.ok()) << "no write without quorum";
  EXPECT_FALSE(lease.tick().ok()) << "no lease renewal without quorum";
}

}  // namespace
}  // namespace hearth::cluster
