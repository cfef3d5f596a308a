#include "cluster/spec_store.h"

#include <gtest/gtest.h>

#include "cluster/keys.h"
#include "cluster/memory_kv_store.h"

namespace hearth::cluster {
namespace {

class SpecStoreTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  MemoryKeyValueStore etcd_{clock_};
};

TEST_F(SpecStoreTest, EachChangedApplyIsTheNextRevisionAndIsKeptInHistory) {
  auto none = read_stored_spec(etcd_, Consistency::linearizable);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto first = store_spec(etcd_, "cluster: {name: a}\n", "root@laptop", 1000);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->spec.revision, 1);
  EXPECT_FALSE(first->unchanged);

  auto second = store_spec(etcd_, "cluster: {name: b}\n", "alice@desk", 2000);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->spec.revision, 2);

  auto stored = read_stored_spec(etcd_, Consistency::serializable);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->revision, 2);
  EXPECT_EQ((*stored)->text, "cluster: {name: b}\n");
  EXPECT_EQ((*stored)->applied_at, 2000);
  EXPECT_EQ((*stored)->applied_by, "alice@desk");

  auto history = etcd_.get_prefix(keys::kSpecHistoryPrefix, Consistency::linearizable);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->kvs.size(), 2u);
  EXPECT_EQ(history->kvs[0].key, "/hearth/spec-history/0000000001");
  EXPECT_EQ(StoredSpec::parse(history->kvs[0].value)->text, "cluster: {name: a}\n");
}

TEST_F(SpecStoreTest, ApplyingTheSameTextAgainChangesNothing) {
  ASSERT_TRUE(store_spec(etcd_, "x: 1\n", "a", 1000).ok());
  auto again = store_spec(etcd_, "x: 1\n", "b", 2000);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(again->spec.revision, 1);
  EXPECT_EQ(again->spec.applied_by, "a");
}

TEST_F(SpecStoreTest, WithoutQuorumNothingIsStored) {
  ASSERT_TRUE(store_spec(etcd_, "x: 1\n", "a", 1000).ok());
  etcd_.set_quorum(false);
  auto refused = store_spec(etcd_, "x: 2\n", "a", 2000);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("no quorum"), std::string::npos)
      << refused.error().message;
  etcd_.set_quorum(true);
  EXPECT_EQ((*read_stored_spec(etcd_, Consistency::linearizable))->text, "x: 1\n");
}

// A store that lets another client apply a spec just before this client's first transaction.
class RacingStore final : public KeyValueStore {
 public:
  RacingStore(MemoryKeyValueStore& inner, MemoryKeyValueStore& rival)
      : inner_(inner), rival_(rival) {}
  Result<std::optional<KeyValue>> get(const std::string& k, Consistency c) override {
    return inner_.get(k, c);
  }
  Result<RangeResult> get_prefix(const std::string& p, Consistency c) override {
    return inner_.get_prefix(p, c);
  }
  Result<Revision> put(const std::string& k, const std::string& v, LeaseId l) override {
    return inner_.put(k, v, l);
  }
  Result<bool> erase(const std::string& k) override { return inner_.erase(k); }
  Result<TxnResult> txn(const Txn& t) override {
    if (!raced_) {
      raced_ = true;
      (void)store_spec(rival_, "rival: true\n", "rival", 1500);
    }
    return inner_.txn(t);
  }
  Result<Lease> grant_lease(std::chrono::seconds ttl) override { return inner_.grant_lease(ttl); }
  Result<std::chrono::seconds> keep_alive(LeaseId l) override { return inner_.keep_alive(l); }
  Status revoke_lease(LeaseId l) override { return inner_.revoke_lease(l); }

 private:
  MemoryKeyValueStore& inner_;
  MemoryKeyValueStore& rival_;
  bool raced_ = false;
};

TEST_F(SpecStoreTest, ConcurrentAppliesAreSerializedNotLost) {
  ASSERT_TRUE(store_spec(etcd_, "x: 1\n", "a", 1000).ok());
  auto rival = etcd_.connect();
  RacingStore racing(etcd_, *rival);
  auto mine = store_spec(racing, "mine: true\n", "me", 2000);
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  EXPECT_EQ(mine->spec.revision, 3) << "the rival got 2, this apply came after it";
  auto history = etcd_.get_prefix(keys::kSpecHistoryPrefix, Consistency::linearizable);
  ASSERT_EQ(history->kvs.size(), 3u);
  EXPECT_EQ(StoredSpec::parse(history->kvs[1].value)->text, "rival: true\n");
}

}  // namespace
}  // namespace hearth::cluster
