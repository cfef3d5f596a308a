#include "agent/service_status_publisher.h"

#include <gtest/gtest.h>

#include "cluster/memory_kv_store.h"

namespace hearth::agent {
namespace {

using namespace std::chrono_literals;

ServiceRuntimeStatus running(const std::string& name, int restarts = 0) {
  ServiceRuntimeStatus s;
  s.service = name;
  s.address = *Ipv4::parse("10.1.2.130");
  s.state = "running";
  s.restarts = restarts;
  s.since_ms = 1'700'000'000'000;
  s.last_probe = ProbeRecord{true, 1'700'000'001'000, "HTTP 200"};
  return s;
}

class PublisherTest : public ::testing::Test {
 protected:
  PublisherTest() : store_(clock_), publisher_(store_, clock_, "r510") {
    lease_ = store_.grant_lease(2s)->id;
  }
  std::optional<cluster::ServiceStatusRecord> stored(const std::string& name) {
    auto kv = store_.get(cluster::service_status_key(name), cluster::Consistency::linearizable);
    if (!kv || !*kv) return std::nullopt;
    auto record = cluster::ServiceStatusRecord::parse((*kv)->value);
    EXPECT_TRUE(record);
    return *record;
  }
  std::int64_t mod_revision(const std::string& name) {
    auto kv = store_.get(cluster::service_status_key(name), cluster::Consistency::linearizable);
    return kv && *kv ? (*kv)->mod_revision : 0;
  }

  ManualClock clock_;
  cluster::MemoryKeyValueStore store_;
  ServiceStatusPublisher publisher_;
  cluster::LeaseId lease_ = 0;
};

TEST_F(PublisherTest, WritesEachServiceOnTheLease) {
  ASSERT_TRUE(publisher_.publish({running("homepage"), running("whoami")}, lease_));
  auto record = stored("homepage");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->node, "r510");
  EXPECT_EQ(record->address, "10.1.2.130");
  EXPECT_EQ(record->state, "running");
  ASSERT_TRUE(record->last_probe);
  EXPECT_EQ(record->last_probe->message, "HTTP 200");
  EXPECT_TRUE(stored("whoami"));
  ASSERT_TRUE(store_.revoke_lease(lease_));
  EXPECT_FALSE(stored("homepage")) << "gone with the node's lease";
}

TEST_F(PublisherTest, UnchangedReportsAreNotRewrittenUntilTheRefresh) {
  ASSERT_TRUE(publisher_.publish({running("homepage")}, lease_));
  auto first = mod_revision("homepage");
  auto later = running("homepage");
  later.last_probe->at_ms += 1000;  // only the probe time moved
  clock_.advance(1s);
  ASSERT_TRUE(store_.keep_alive(lease_));
  ASSERT_TRUE(publisher_.publish({later}, lease_));
  EXPECT_EQ(mod_revision("homepage"), first);
  for (int i = 0; i < 5; ++i) {  // the lease kept alive, as hearthd does
    clock_.advance(1s);
    ASSERT_TRUE(store_.keep_alive(lease_));
  }
  Status refreshed = publisher_.publish({later}, lease_);
  ASSERT_TRUE(refreshed) << refreshed.error().message;
  EXPECT_GT(mod_revision("homepage"), first);
}

TEST_F(PublisherTest, ChangesAreWrittenAtOnce) {
  ASSERT_TRUE(publisher_.publish({running("homepage")}, lease_));
  ASSERT_TRUE(publisher_.publish({running("homepage", 1)}, lease_));
  EXPECT_EQ(stored("homepage")->restarts, 1);
}

TEST_F(PublisherTest, NothingWithoutALease) {
  ASSERT_TRUE(publisher_.publish({running("homepage")}, 0));
  EXPECT_FALSE(stored("homepage"));
}

TEST_F(PublisherTest, AServiceNoLongerHereIsDeletedUnlessAnotherNodeReportsIt) {
  ASSERT_TRUE(publisher_.publish({running("homepage"), running("whoami")}, lease_));
  // whoami moved to r530, which already reports it.
  cluster::ServiceStatusRecord theirs = *stored("whoami");
  theirs.node = "r530";
  ASSERT_TRUE(store_.put(cluster::service_status_key("whoami"), theirs.to_json(), 0));
  ASSERT_TRUE(publisher_.publish({}, lease_));
  EXPECT_FALSE(stored("homepage"));
  ASSERT_TRUE(stored("whoami"));
  EXPECT_EQ(stored("whoami")->node, "r530");
}

TEST(ServiceStatusRecord, RoundTripAndStrictness) {
  cluster::ServiceStatusRecord record = to_record(running("homepage", 2), "r510", 5);
  auto parsed = cluster::ServiceStatusRecord::parse(record.to_json());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->to_json(), record.to_json());
  EXPECT_FALSE(cluster::ServiceStatusRecord::parse("[]"));
  EXPECT_FALSE(cluster::ServiceStatusRecord::parse(R"({"service":"x"})"));
  auto extra = cluster::ServiceStatusRecord::parse(
      R"({"service":"x","node":"n","state":"running","future":1,"last_probe":null})");
  ASSERT_TRUE(extra);
  EXPECT_FALSE(extra->last_probe);
}

}  // namespace
}  // namespace hearth::agent
