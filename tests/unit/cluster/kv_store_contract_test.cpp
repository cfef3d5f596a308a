// The KeyValueStore contract (kv_store_contract.h) on the in-memory store the logic tests use,
// its time a ManualClock. The same suite runs against a real etcd in
// engine/cluster/etcd_store_contract_test.cpp.

#include "kv_store_contract.h"

#include "cluster/memory_kv_store.h"

namespace hearth::cluster::kv_contract {
namespace {

class MemoryBackend final : public Backend {
 public:
  KeyValueStore& store() override { return store_; }
  void let_time_pass(std::chrono::milliseconds duration) override { clock_.advance(duration); }

 private:
  ManualClock clock_;
  MemoryKeyValueStore store_{clock_};
};

INSTANTIATE_TEST_SUITE_P(Memory, KeyValueStoreContract,
                         ::testing::Values(StoreUnderTest{
                             "memory", [] { return std::make_unique<MemoryBackend>(); }}),
                         store_name);

}  // namespace
}  // namespace hearth::cluster::kv_contract
