// The KeyValueStore contract (unit/cluster/kv_store_contract.h) on a real etcd on 127.0.0.1
// through EtcdKeyValueStore, its time the real one. One etcd serves every test of the binary.

#include <thread>

#include "../../unit/cluster/kv_store_contract.h"
#include "cluster/etcd_store.h"
#include "etcd_process.h"

namespace hearth::cluster::kv_contract {
namespace {

class EtcdBackend final : public Backend {
 public:
  explicit EtcdBackend(const std::string& endpoint) : store_(endpoint, 3000ms) {}
  KeyValueStore& store() override { return store_; }
  void let_time_pass(std::chrono::milliseconds duration) override {
    std::this_thread::sleep_for(duration);  // the time etcd's leases live by
  }

 private:
  EtcdKeyValueStore store_;
};

// The etcd of the binary: started by the first test, stopped when every test has run.
class SharedEtcd final : public ::testing::Environment {
 public:
  void TearDown() override { etcd_.reset(); }

  static std::unique_ptr<Backend> backend() {
    if (!etcd_) {
      if (auto reason = testing::EtcdProcess::unavailable_reason(); !reason.empty()) {
        [&] { GTEST_SKIP() << reason; }();  // a failure as root (skip_rule.h)
        return nullptr;
      }
      auto started = testing::EtcdProcess::start();
      if (!started.ok()) {
        ADD_FAILURE() << started.error().message;
        return nullptr;
      }
      etcd_ = std::move(*started);
    }
    return std::make_unique<EtcdBackend>(etcd_->endpoint());
  }

 private:
  static inline std::unique_ptr<testing::EtcdProcess> etcd_;
};

[[maybe_unused]] const auto* const shared_etcd =
    ::testing::AddGlobalTestEnvironment(new SharedEtcd);

INSTANTIATE_TEST_SUITE_P(Etcd, KeyValueStoreContract,
                         ::testing::Values(StoreUnderTest{"etcd", SharedEtcd::backend}),
                         store_name);

}  // namespace
}  // namespace hearth::cluster::kv_contract
