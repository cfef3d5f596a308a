// The leader's assignment step against the in-memory store: its transaction's guards, and the
// whole protocol (leader + every node following its assignments, fencing, handover) simulated in
// 50 ms steps with a ManualClock, asserting at every step that no service has two owners.

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <set>

#include "cluster/assignments.h"
#include "cluster/control_loop.h"
#include "cluster/keys.h"
#include "cluster/memory_kv_store.h"
#include "cluster/stored_plan.h"
#include "spec/load.h"

namespace hearth::cluster {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSpec = R"(
cluster: { name: test, domain: home.arpa }
nodes:
  r510: { role: server, address: 10.1.2.17, capacity: { cpus: 2, memory: 4GiB } }
  r530: { role: server, address: 10.1.2.22, capacity: { cpus: 2, memory: 4GiB } }
  elitedesk: { role: arbiter, address: 10.1.2.26, capacity: { cpus: 4, memory: 8GiB } }
networks:
  services: { cidr: 10.1.2.0/24, gateway: 10.1.2.1, management: true, service_ips: 10.1.2.128-10.1.2.191 }
services:
  web: { rootfs: /srv/r, command: [sh], network: services, resources: { cpus: 0.5, memory: 512MiB }, prefer: r510 }
  api: { rootfs: /srv/r, command: [sh], network: services, resources: { cpus: 0.5, memory: 512MiB }, prefer: r530 }
  notes: { rootfs: /srv/r, command: [sh], network: services }
)";

Spec test_spec() {
  LoadResult loaded = load_spec_text(kSpec, "test.yaml");
  EXPECT_TRUE(loaded.ok());
  return *loaded.spec;
}

// Forwards to a store, running `before_txn` once before the next transaction.
class InterceptingStore final : public KeyValueStore {
 public:
  explicit InterceptingStore(KeyValueStore& inner) : inner_(inner) {}
  std::function<void()> before_txn;

  Result<std::optional<KeyValue>> get(const std::string& key, Consistency c) override {
    return inner_.get(key, c);
  }
  Result<RangeResult> get_prefix(const std::string& prefix, Consistency c) override {
    return inner_.get_prefix(prefix, c);
  }
  Result<Revision> put(const std::string& key, const std::string& value, LeaseId lease) override {
    return inner_.put(key, value, lease);
  }
  Result<bool> erase(const std::string& key) override { return inner_.erase(key); }
  Result<TxnResult> txn(const Txn& txn) override {
    if (before_txn) {
      auto hook = std::move(before_txn);
      before_txn = nullptr;
      hook();
    }
    return inner_.txn(txn);
  }
  Result<Lease> grant_lease(std::chrono::seconds ttl) override { return inner_.grant_lease(ttl); }
  Result<std::chrono::seconds> keep_alive(LeaseId lease) override {
    return inner_.keep_alive(lease);
  }
  Status revoke_lease(LeaseId lease) override { return inner_.revoke_lease(lease); }

 private:
  KeyValueStore& inner_;
};

NodeRecord record_of(const std::string& name) {
  NodeRecord r;
  r.name = name;
  r.role = "server";
  r.registered_at = 1;
  return r;
}

// A leader key we own, and its guard.
Compare own_leadership(KeyValueStore& store) {
  auto put = store.put(keys::kLeader, R"({"node":"r530"})", 0);
  EXPECT_TRUE(put.ok());
  return Compare::created_at(keys::kLeader, *put);
}

std::map<std::string, Assignment> stored(KeyValueStore& store) {
  std::map<std::string, Assignment> out;
  auto all = read_assignments(store);
  EXPECT_TRUE(all.ok());
  if (all.ok()) {
    for (auto& a : *all) out[a.service] = a;
  }
  return out;
}

class StepTest : public ::testing::Test {
 protected:
  StepTest() : etcd_(clock_), spec_(test_spec()) {}
  void register_node(const std::string& name) {
    ASSERT_TRUE(etcd_.put(keys::node(name), record_of(name).to_json(), 0).ok());
  }
  ManualClock clock_;
  MemoryKeyValueStore etcd_;
  Spec spec_;
};

TEST_F(StepTest, WritesEveryAssignmentOnceAndThenNothing) {
  register_node("r510");
  register_node("r530");
  Compare guard = own_leadership(etcd_);
  auto first = run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->written, 4);  // three assignments and the plan
  auto assignments = stored(etcd_);
  ASSERT_EQ(assignments.size(), 3u);
  EXPECT_EQ(assignments["web"].node, "r510");
  EXPECT_EQ(assignments["api"].node, "r530");
  EXPECT_EQ(assignments["web"].by, "r530");
  auto second = run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->written, 0);
}

TEST_F(StepTest, StoresThePlanWithItsSpecRevisionAndDnsOfTheAddressesAssigned) {
  register_node("r510");
  register_node("r530");
  Compare guard = own_leadership(etcd_);
  AssignmentStepOptions options;
  options.spec_revision = 3;
  auto step = run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms(), options);
  ASSERT_TRUE(step.ok()) << step.error().message;
  auto plan = read_stored_plan(etcd_, Consistency::linearizable);
  ASSERT_TRUE(plan.ok() && plan->has_value());
  EXPECT_EQ((*plan)->spec_revision, 3);
  EXPECT_EQ((*plan)->by, "r530");
  std::map<std::string, std::string> dns;
  for (const DnsEntry& entry : (*plan)->dns.records) dns[entry.name] = entry.address.str();
  auto assignments = stored(etcd_);
  ASSERT_EQ(assignments.size(), 3u);
  for (const auto& [service, a] : assignments) {
    EXPECT_EQ(dns[service + ".home.arpa"], a.address.str()) << service;
  }
  // The same decision again: nothing written (the plan's content is unchanged).
  auto again = run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms() + 1000, options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->written, 0);
  // A new spec revision with the same content: the plan is written again for it, alone.
  options.spec_revision = 4;
  auto next = run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms(), options);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->written, 1);
  EXPECT_EQ((*read_stored_plan(etcd_, Consistency::linearizable))->spec_revision, 4);
}

TEST_F(StepTest, ALeaderOnAnOlderSpecThanTheStoredPlanWritesNothing) {
  register_node("r510");
  register_node("r530");
  Compare guard = own_leadership(etcd_);
  AssignmentStepOptions newer;
  newer.spec_revision = 5;
  ASSERT_TRUE(run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms(), newer).ok());
  auto before = etcd_.get(keys::kPlan, Consistency::linearizable);
  ASSERT_TRUE(before.ok() && before->has_value());
  // The leader's spec is revision 4 and lacks `notes`: deciding now would remove it.
  Spec older = spec_;
  older.services.pop_back();
  AssignmentStepOptions behind;
  behind.spec_revision = 4;
  auto step = run_assignment_step(etcd_, older, guard, "r530", clock_.wall_ms(), behind);
  ASSERT_FALSE(step.ok());
  EXPECT_NE(step.error().message.find("newer than revision 4"), std::string::npos)
      << step.error().message;
  EXPECT_EQ(stored(etcd_).size(), 3u);
  EXPECT_EQ((*etcd_.get(keys::kPlan, Consistency::linearizable))->mod_revision,
            (*before)->mod_revision);
}

TEST_F(StepTest, APlanWrittenSinceTheReadIsNotOverwritten) {
  register_node("r510");
  register_node("r530");
  Compare guard = own_leadership(etcd_);
  InterceptingStore racing(etcd_);
  racing.before_txn = [this] { ASSERT_TRUE(etcd_.put(keys::kPlan, "{}", 0).ok()); };
  auto step = run_assignment_step(racing, spec_, guard, "r530", clock_.wall_ms());
  ASSERT_TRUE(step.ok());
  EXPECT_TRUE(step->lost_race);
  EXPECT_TRUE(stored(etcd_).empty()) << "nothing of the decision is written apart";
}

TEST_F(StepTest, ADeposedLeaderWritesNothing) {
  register_node("r510");
  Compare stale = Compare::created_at(keys::kLeader, 12345);  // not the key as it is
  auto step = run_assignment_step(etcd_, spec_, stale, "r510", clock_.wall_ms());
  ASSERT_TRUE(step.ok());
  EXPECT_TRUE(step->lost_race);
  EXPECT_TRUE(stored(etcd_).empty());
}

TEST_F(StepTest, ANodeThatComesBackBeforeTheWriteKeepsItsServices) {
  register_node("r510");
  register_node("r530");
  Compare guard = own_leadership(etcd_);
  ASSERT_TRUE(run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms()).ok());
  ASSERT_EQ(stored(etcd_)["web"].node, "r510");
  ASSERT_TRUE(etcd_.erase(keys::node("r510")).ok());  // r510's lease expired
  InterceptingStore racing(etcd_);
  racing.before_txn = [this] { register_node("r510"); };  // ... and it registers again
  auto step = run_assignment_step(racing, spec_, guard, "r530", clock_.wall_ms());
  ASSERT_TRUE(step.ok());
  EXPECT_TRUE(step->lost_race);
  EXPECT_EQ(stored(etcd_)["web"].node, "r510") << "not moved while r510 is alive";
  // Without the race, the move happens.
  ASSERT_TRUE(etcd_.erase(keys::node("r510")).ok());
  step = run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms());
  ASSERT_TRUE(step.ok());
  EXPECT_FALSE(step->lost_race);
  EXPECT_EQ(stored(etcd_)["web"].node, "r530");
}

TEST_F(StepTest, AnAssignmentChangedSinceTheReadIsNotOverwritten) {
  register_node("r510");
  register_node("r530");
  Compare guard = own_leadership(etcd_);
  ASSERT_TRUE(run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms()).ok());
  ASSERT_TRUE(drain_node(etcd_, "r510", "tester", 1).ok());
  InterceptingStore racing(etcd_);
  racing.before_txn = [this] {
    Assignment other = stored(etcd_)["web"];
    other.reason = "written by someone else";
    ASSERT_TRUE(etcd_.put(keys::assignment("web"), other.to_json(), 0).ok());
  };
  auto step = run_assignment_step(racing, spec_, guard, "r530", clock_.wall_ms());
  ASSERT_TRUE(step.ok());
  EXPECT_TRUE(step->lost_race);
  EXPECT_EQ(stored(etcd_)["web"].reason, "written by someone else");
}

TEST_F(StepTest, HandoverThroughTheStoreAndALateReleaseIsRefused) {
  register_node("r510");
  register_node("r530");
  Compare guard = own_leadership(etcd_);
  ASSERT_TRUE(run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms()).ok());
  auto drained = drain_node(etcd_, "r510", "tester", 7);
  ASSERT_TRUE(drained.ok());
  EXPECT_TRUE(*drained);
  EXPECT_FALSE(*drain_node(etcd_, "r510", "tester", 8)) << "already drained";
  auto drains = read_drained(etcd_, Consistency::linearizable);
  ASSERT_TRUE(drains.ok());
  ASSERT_EQ(drains->size(), 1u);
  EXPECT_EQ(drains->at("r510").by, "tester");
  EXPECT_EQ(drains->at("r510").since, 7);

  ASSERT_TRUE(run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms()).ok());
  auto all = read_assignments(etcd_);
  ASSERT_TRUE(all.ok());
  auto releases = releases_for_node(*all, "r510");
  ASSERT_FALSE(releases.empty());
  EXPECT_TRUE(services_for_node(*all, "r510").empty());
  auto lease = etcd_.grant_lease(2s);
  ASSERT_TRUE(lease.ok());
  for (const auto& r : releases) {
    auto acked = acknowledge_release(etcd_, r, "r510", lease->id, clock_.wall_ms());
    ASSERT_TRUE(acked.ok());
    EXPECT_TRUE(*acked);
  }
  ASSERT_TRUE(run_assignment_step(etcd_, spec_, guard, "r530", clock_.wall_ms()).ok());
  for (const auto& [service, a] : stored(etcd_)) {
    EXPECT_EQ(a.node, "r530") << service;
    EXPECT_EQ(a.state, AssignmentState::active) << service;
  }
  auto leftover = etcd_.get_prefix(keys::kReleasedPrefix, Consistency::linearizable);
  ASSERT_TRUE(leftover.ok());
  EXPECT_TRUE(leftover->kvs.empty()) << "releases are consumed with the handover";
  // A release for the old version of the assignment is refused.
  auto late = acknowledge_release(etcd_, releases[0], "r510", lease->id, clock_.wall_ms());
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late);
  auto undrained = undrain_node(etcd_, "r510");
  ASSERT_TRUE(undrained.ok());
  EXPECT_TRUE(*undrained);
  EXPECT_FALSE(*undrain_node(etcd_, "r510"));
}

// ---- the whole protocol, simulated ---------------------------------------------------------

// One hearthd (ControlLoop: renewal and tick every 500 ms, assign every 100 ms) plus what its
// agent does with the assignments: run what is active
// on this node while the lease is held, release (stop, then acknowledge) what is releasing, stop
// everything when fenced.
struct SimHearthd {
  std::string name;
  std::unique_ptr<MemoryKeyValueStore> client;
  std::unique_ptr<ControlLoop> loop;
  std::set<std::string> running;  // services whose address this node holds
  std::set<std::string> stopping;  // releasing: stopped (and acknowledged) at the next pass
  bool up = true;                 // false: powered off (no ticks, nothing runs)
  std::chrono::milliseconds phase{0};
};

class ProtocolSim {
 public:
  explicit ProtocolSim(Spec spec) : etcd_(clock_), spec_(std::move(spec)) {
    int i = 0;
    for (const auto& node : spec_.nodes) {
      auto n = std::make_unique<SimHearthd>();
      n->name = node.name;
      n->phase = std::chrono::milliseconds(150 * i++);
      nodes_.push_back(std::move(n));
      start(*nodes_.back());
    }
  }

  SimHearthd& node(const std::string& name) {
    for (auto& n : nodes_) {
      if (n->name == name) return *n;
    }
    throw std::runtime_error("no node " + name);
  }
  MemoryKeyValueStore& etcd() { return etcd_; }
  ManualClock& clock() { return clock_; }

  void power_off(const std::string& name) {
    SimHearthd& n = node(name);
    n.up = false;
    n.running.clear();
    n.stopping.clear();
  }
  void power_on(const std::string& name) { start(node(name)); }

  // Advances in 50 ms steps; after each step, no service may be held by two nodes.
  void run_for(std::chrono::milliseconds duration) {
    for (auto t = 0ms; t < duration; t += 50ms) {
      clock_.advance(50ms);
      elapsed_ += 50ms;
      for (auto& n : nodes_) {
        if (!n->up) continue;
        n->loop->check_fence();
        if ((elapsed_ - n->phase) % 500ms == 0ms) {
          (void)n->loop->renew_lease();
          (void)n->loop->tick();
          follow(*n);
        }
        if ((elapsed_ - n->phase) % 100ms == 0ms) (void)n->loop->assign();
      }
      std::map<std::string, int> owners;
      for (auto& n : nodes_) {
        for (const auto& s : n->running) {
          if (++owners[s] > 1) {
            ADD_FAILURE() << "service " << s << " has two owners at " << elapsed_.count() << " ms";
          }
        }
      }
    }
  }

  // The node running `service`, or "" (none), as the agents see it.
  std::string owner(const std::string& service) {
    std::string found;
    for (auto& n : nodes_) {
      if (n->running.contains(service)) found = n->name;
    }
    return found;
  }

  std::chrono::milliseconds elapsed() const { return elapsed_; }

 private:
  void start(SimHearthd& n) {
    n.client = etcd_.connect();
    n.loop = std::make_unique<ControlLoop>(*n.client, *n.client, clock_, spec_,
                                           ControlLoopOptions{n.name, "t", {}, 3s, 5s});
    SimHearthd* raw = &n;
    n.loop->set_fence_callback([raw](const std::string&) {
      raw->running.clear();
      raw->stopping.clear();
    });
    n.running.clear();
    n.stopping.clear();
    n.up = true;
  }

  void follow(SimHearthd& n) {
    if (!n.loop->lease().held()) return;
    auto all = read_assignments(*n.client);
    if (!all) return;  // keep what runs: the fence stops it if the lease cannot be renewed
    // Stopping takes a while: a service seen releasing keeps running until the next pass,
    // which stops it and only then acknowledges.
    std::set<std::string> next;
    for (const auto& r : releases_for_node(*all, n.name)) {
      if (!n.stopping.contains(r.service) && n.running.contains(r.service)) {
        next.insert(r.service);
        continue;
      }
      (void)acknowledge_release(*n.client, r, n.name, n.loop->lease().lease_id(),
                                clock_.wall_ms());
    }
    n.stopping = next;
    for (const auto& [service, address] : services_for_node(*all, n.name)) next.insert(service);
    if (!n.loop->lease().held()) return;
    n.running = next;
  }

  ManualClock clock_;
  MemoryKeyValueStore etcd_;
  Spec spec_;
  std::vector<std::unique_ptr<SimHearthd>> nodes_;
  std::chrono::milliseconds elapsed_{0};
};

TEST(AssignmentProtocol, EveryServiceRunsOnceAndNeverOnTheArbiter) {
  ProtocolSim sim(test_spec());
  sim.run_for(3s);
  EXPECT_EQ(sim.owner("web"), "r510");
  EXPECT_EQ(sim.owner("api"), "r530");
  EXPECT_NE(sim.owner("notes"), "");
  EXPECT_TRUE(sim.node("elitedesk").running.empty());
}

TEST(AssignmentProtocol, PowerCutFailsOverAfterTheLeaseExpiresAndTheNodeReturnsSafely) {
  ProtocolSim sim(test_spec());
  sim.run_for(3s);
  ASSERT_EQ(sim.owner("web"), "r510");
  sim.power_off("r510");
  auto cut = sim.elapsed();
  while (sim.owner("web") != "r530" && sim.elapsed() - cut < 10s) sim.run_for(50ms);
  EXPECT_EQ(sim.owner("web"), "r530");
  // Lease TTL 2 s after the last renewal (+ etcd's lazy expiry here) + one assign step (100 ms)
  // + one agent pass (500 ms).
  EXPECT_LE((sim.elapsed() - cut).count(), 3100);
  EXPECT_GE((sim.elapsed() - cut).count(), 2000) << "never before the lease expired";
  sim.power_on("r510");
  sim.run_for(2s);
  EXPECT_EQ(sim.owner("web"), "r530") << "no bounce before r510 has settled (3 s here)";
  sim.run_for(5s);
  EXPECT_EQ(sim.owner("web"), "r510") << "back to its preferred server, through a handover";
  EXPECT_EQ(sim.owner("api"), "r530");
}

TEST(AssignmentProtocol, APartitionedNodeFencesBeforeItsServicesMove) {
  ProtocolSim sim(test_spec());
  sim.run_for(3s);
  ASSERT_EQ(sim.owner("web"), "r510");
  sim.node("r510").client->set_reachable(false);  // cut off, still running
  sim.run_for(6s);  // the two-owner check runs at every step
  EXPECT_EQ(sim.owner("web"), "r530");
  EXPECT_TRUE(sim.node("r510").running.empty());
  sim.node("r510").client->set_reachable(true);
  sim.run_for(10s);
  EXPECT_EQ(sim.owner("web"), "r510");
}

TEST(AssignmentProtocol, DrainMovesEverythingOffAndUndrainBringsBackOnlyPreferred) {
  ProtocolSim sim(test_spec());
  sim.run_for(3s);
  ASSERT_TRUE(drain_node(sim.etcd(), "r510", "tester", 1).ok());
  sim.run_for(3s);
  for (const char* s : {"web", "api", "notes"}) EXPECT_EQ(sim.owner(s), "r530") << s;
  ASSERT_TRUE(undrain_node(sim.etcd(), "r510").ok());
  sim.run_for(3s);
  EXPECT_EQ(sim.owner("web"), "r510");
  EXPECT_EQ(sim.owner("notes"), "r530") << "nothing else bounces back";
}

TEST(AssignmentProtocol, TheLeadersOwnDeathFailsOverToo) {
  ProtocolSim sim(test_spec());
  sim.run_for(3s);
  ASSERT_TRUE(sim.node("r530").loop->is_leader()) << "r530 ticks first, so it wins";
  ASSERT_EQ(sim.owner("api"), "r530");
  sim.power_off("r530");
  sim.run_for(6s);
  EXPECT_TRUE(sim.node("r510").loop->is_leader() || sim.node("elitedesk").loop->is_leader());
  for (const char* s : {"web", "api", "notes"}) EXPECT_EQ(sim.owner(s), "r510") << s;
}

// Random power cuts, partitions, restarts, drains and undrains on every node (the arbiter
// included); the two-owner check runs at every 50 ms step. Afterwards, with everything healed and
// undrained, every service runs exactly once again.
TEST(AssignmentProtocol, NeverTwoOwnersUnderRandomFailures) {
  const std::vector<std::string> names = {"r510", "r530", "elitedesk"};
  for (unsigned seed = 1; seed <= 10; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    ProtocolSim sim(test_spec());
    std::mt19937 random(seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
    sim.run_for(3s);
    for (int event = 0; event < 30; ++event) {
      const std::string& name = names[pick(names.size())];
      SimHearthd& n = sim.node(name);
      switch (pick(6)) {
        case 0:
          if (n.up) sim.power_off(name);
          break;
        case 1:
          if (!n.up) sim.power_on(name);
          break;
        case 2: n.client->set_reachable(false); break;
        case 3: n.client->set_reachable(true); break;
        case 4: (void)drain_node(sim.etcd(), name, "random", 1); break;
        case 5: (void)undrain_node(sim.etcd(), name); break;
      }
      sim.run_for(std::chrono::milliseconds(250 * (1 + pick(16))));
    }
    for (const auto& name : names) {
      if (!sim.node(name).up) sim.power_on(name);
      sim.node(name).client->set_reachable(true);
      (void)undrain_node(sim.etcd(), name);
    }
    sim.run_for(20s);
    for (const char* service : {"web", "api", "notes"}) {
      EXPECT_NE(sim.owner(service), "") << service;
      EXPECT_NE(sim.owner(service), "elitedesk") << service;
    }
  }
}

}  // namespace
}  // namespace hearth::cluster
