#pragma once
// The KeyValueStore contract (cluster/kv_store.h) as an abstract test suite: every implementation
// runs these same tests, so if the in-memory fake the logic tests use and a real etcd ever
// disagree, one of them says where. Instantiated once per implementation, each in the binary of
// its kind: the fake in unit/cluster/kv_store_contract_test.cpp, a real etcd on 127.0.0.1 in
// engine/cluster/etcd_store_contract_test.cpp.
//
//   INSTANTIATE_TEST_SUITE_P(Memory, KeyValueStoreContract,
//                            ::testing::Values(StoreUnderTest{"memory", make_memory_backend}),
//                            store_name);

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "cluster/kv_store.h"

namespace hearth::cluster::kv_contract {

using namespace std::chrono_literals;

// One implementation under test: a store, and a way to let time pass for its leases.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual KeyValueStore& store() = 0;
  virtual void let_time_pass(std::chrono::milliseconds duration) = 0;
};

// The parameter of the suite: makes the backend for one test, or returns null after adding a
// failure (or a skip) that says why it cannot.
struct StoreUnderTest {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
};

inline std::string store_name(const ::testing::TestParamInfo<StoreUnderTest>& info) {
  return info.param.name;
}
inline void PrintTo(const StoreUnderTest& store, std::ostream* out) { *out << store.name; }

class KeyValueStoreContract : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    if (IsSkipped()) return;
    ASSERT_NE(backend_, nullptr) << "no " << GetParam().name << " store to test";
    // Each test gets its own key space (a real store is shared by the tests).
    prefix_ = "/test/" + std::to_string(++counter_) + "/";
  }

  KeyValueStore& store() { return backend_->store(); }
  std::string key(const std::string& name) const { return prefix_ + name; }

  static inline std::atomic<int> counter_{0};
  std::unique_ptr<Backend> backend_;
  std::string prefix_;
};

TEST_P(KeyValueStoreContract, PutThenGetReturnsTheValueAndItsRevisions) {
  auto missing = store().get(key("a"), Consistency::linearizable);
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_FALSE(missing->has_value());

  auto first = store().put(key("a"), "one", 0);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = store().put(key("a"), "two", 0);
  ASSERT_TRUE(second.ok());
  EXPECT_GT(*second, *first);

  auto got = store().get(key("a"), Consistency::linearizable);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->key, key("a"));
  EXPECT_EQ((*got)->value, "two");
  EXPECT_EQ((*got)->create_revision, *first);
  EXPECT_EQ((*got)->mod_revision, *second);
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ((*got)->lease, 0);
}

TEST_P(KeyValueStoreContract, KeepsBinaryValuesIntact) {
  std::string value("\0\xff\n{\"json\": \"\xc3\xa9\"}", 20);
  ASSERT_TRUE(store().put(key("bin"), value, 0).ok());
  auto got = store().get(key("bin"), Consistency::serializable);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->value, value);
}

TEST_P(KeyValueStoreContract, GetPrefixReturnsOnlyThatPrefixSortedByKey) {
  ASSERT_TRUE(store().put(key("nodes/r530"), "b", 0).ok());
  ASSERT_TRUE(store().put(key("nodes/r510"), "a", 0).ok());
  ASSERT_TRUE(store().put(key("nodesX"), "not mine", 0).ok());
  ASSERT_TRUE(store().put(key("node"), "not mine either", 0).ok());
  auto range = store().get_prefix(key("nodes/"), Consistency::linearizable);
  ASSERT_TRUE(range.ok()) << range.error().message;
  ASSERT_EQ(range->kvs.size(), 2u);
  EXPECT_EQ(range->kvs[0].key, key("nodes/r510"));
  EXPECT_EQ(range->kvs[1].key, key("nodes/r530"));
  EXPECT_GE(range->revision, range->kvs[1].mod_revision);
}

TEST_P(KeyValueStoreContract, EraseSaysWhetherTheKeyExisted) {
  ASSERT_TRUE(store().put(key("gone"), "x", 0).ok());
  auto erased = store().erase(key("gone"));
  ASSERT_TRUE(erased.ok());
  EXPECT_TRUE(*erased);
  auto again = store().erase(key("gone"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto got = store().get(key("gone"), Consistency::linearizable);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(KeyValueStoreContract, CreateIfAbsentSucceedsOnceAndTheLoserSeesTheWinner) {
  Txn create;
  create.compares = {Compare::absent(key("leader"))};
  create.success = {TxnOp::put(key("leader"), "r510")};
  create.failure = {TxnOp::get(key("leader"))};
  auto won = store().txn(create);
  ASSERT_TRUE(won.ok()) << won.error().message;
  EXPECT_TRUE(won->succeeded);
  EXPECT_TRUE(won->gets.empty());

  create.success = {TxnOp::put(key("leader"), "r530")};
  auto lost = store().txn(create);
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(lost->succeeded);
  ASSERT_EQ(lost->gets.size(), 1u);
  ASSERT_TRUE(lost->gets[0].has_value());
  EXPECT_EQ(lost->gets[0]->value, "r510");
  EXPECT_EQ(lost->gets[0]->create_revision, won->revision);
}

TEST_P(KeyValueStoreContract, CompareOnCreateRevisionAndValueGuardWrites) {
  auto created = store().put(key("spec"), "v1", 0);
  ASSERT_TRUE(created.ok());
  Txn guarded;
  guarded.compares = {Compare::created_at(key("spec"), *created),
                      Compare::value_is(key("spec"), "v1")};
  guarded.success = {TxnOp::put(key("spec"), "v2"), TxnOp::get(key("spec"))};
  auto done = store().txn(guarded);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->succeeded);
  ASSERT_EQ(done->gets.size(), 1u);
  EXPECT_EQ(done->gets[0]->value, "v2");

  // Same compares again: the value is no longer v1.
  guarded.success = {TxnOp::put(key("spec"), "v3")};
  auto refused = store().txn(guarded);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->succeeded);

  // A recreated key has a new create revision: the old guard no longer holds.
  ASSERT_TRUE(store().erase(key("spec")).ok());
  ASSERT_TRUE(store().put(key("spec"), "v1", 0).ok());
  Txn stale;
  stale.compares = {Compare::created_at(key("spec"), *created)};
  stale.success = {TxnOp::erase(key("spec"))};
  auto stale_done = store().txn(stale);
  ASSERT_TRUE(stale_done.ok());
  EXPECT_FALSE(stale_done->succeeded);

  // modified_at(0) is "absent".
  Txn absent;
  absent.compares = {Compare::modified_at(key("never"), 0)};
  auto absent_done = store().txn(absent);
  ASSERT_TRUE(absent_done.ok());
  EXPECT_TRUE(absent_done->succeeded);
}

TEST_P(KeyValueStoreContract, LeaseKeepsItsKeysUntilRevoked) {
  auto lease = store().grant_lease(2s);
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  EXPECT_NE(lease->id, 0);
  EXPECT_GE(lease->ttl, 2s);
  ASSERT_TRUE(store().put(key("nodes/r510"), "alive", lease->id).ok());

  auto got = store().get(key("nodes/r510"), Consistency::linearizable);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->lease, lease->id);

  auto renewed = store().keep_alive(lease->id);
  ASSERT_TRUE(renewed.ok()) << renewed.error().message;
  EXPECT_EQ(*renewed, lease->ttl);

  ASSERT_TRUE(store().revoke_lease(lease->id).ok());
  got = store().get(key("nodes/r510"), Consistency::linearizable);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value()) << "revoking a lease deletes its keys at once";

  auto after = store().keep_alive(lease->id);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(*after, 0s) << "a revoked lease cannot be renewed";
  EXPECT_TRUE(store().revoke_lease(lease->id).ok()) << "revoking twice is not an error";
}

TEST_P(KeyValueStoreContract, AnExpiredLeaseTakesItsKeysWithIt) {
  auto lease = store().grant_lease(2s);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(store().put(key("nodes/r530"), "alive", lease->id).ok());
  ASSERT_TRUE(store().put(key("kept"), "no lease", 0).ok());
  // Renewed within its TTL, it lives on.
  backend_->let_time_pass(1500ms);
  ASSERT_TRUE(store().keep_alive(lease->id).ok());
  backend_->let_time_pass(1500ms);
  auto got = store().get(key("nodes/r530"), Consistency::linearizable);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
  // Not renewed: gone once the TTL has passed (etcd checks expiry every 500 ms and revokes
  // through raft: watched for, up to 60 s of the store's time, which only a hang takes).
  backend_->let_time_pass(lease->ttl);
  for (int step = 0; step < 120; ++step) {
    got = store().get(key("nodes/r530"), Consistency::linearizable);
    ASSERT_TRUE(got.ok());
    if (!got->has_value()) break;
    backend_->let_time_pass(500ms);
  }
  EXPECT_FALSE(got->has_value()) << "the key outlived its lease";
  auto kept = store().get(key("kept"), Consistency::linearizable);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->has_value());
  auto renewed = store().keep_alive(lease->id);
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(*renewed, 0s);
}

TEST_P(KeyValueStoreContract, PuttingAKeyAgainMovesItToTheNewLease) {
  auto old_lease = store().grant_lease(2s);
  auto new_lease = store().grant_lease(2s);
  ASSERT_TRUE(old_lease.ok() && new_lease.ok());
  ASSERT_TRUE(store().put(key("nodes/r510"), "old", old_lease->id).ok());
  ASSERT_TRUE(store().put(key("nodes/r510"), "new", new_lease->id).ok());
  ASSERT_TRUE(store().revoke_lease(old_lease->id).ok());
  auto got = store().get(key("nodes/r510"), Consistency::linearizable);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value()) << "the old lease no longer owns the key";
  EXPECT_EQ((*got)->value, "new");
  ASSERT_TRUE(store().revoke_lease(new_lease->id).ok());
}

TEST_P(KeyValueStoreContract, PutWithAnUnknownLeaseFails) {
  auto put = store().put(key("orphan"), "x", 0x7777);
  EXPECT_FALSE(put.ok());
}

}  // namespace hearth::cluster::kv_contract
