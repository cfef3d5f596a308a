#include "agent/service_reconciler.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "spec/load.h"

namespace hearth::agent {
namespace {

using namespace std::chrono_literals;

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return std::move(*loaded.spec);
}

// A node in memory: what start/stop/stop_everything did, and probes answered from a table.
class FakeHost final : public ServiceHost {
 public:
  struct Running {
    Ipv4 address;
    std::string fingerprint;
    bool container = true;
    bool process = true;
    bool network = true;
    std::string stale_volume = {};
  };

  Result<std::vector<ServiceInstance>> observe() override {
    if (observe_fails) return Error{"crun does not answer"};
    std::vector<ServiceInstance> list;
    for (const auto& [name, r] : services) {
      list.push_back(
          {name, r.container, r.container && r.process, r.network, r.fingerprint, r.stale_volume});
    }
    return list;
  }
  std::optional<std::string> not_ready(const StartRequest& request) override {
    if (unmounted.count(request.service->name)) return "volume appdata is not mounted";
    return std::nullopt;
  }
  Status start(const StartRequest& request, FenceGate& gate) override {
    starts.push_back(request.service->name);
    firewalls[request.service->name] = request.firewall;
    if (fail_start.count(request.service->name)) return Error{"crun: boom"};
    return gate.step([&]() -> Status {
      services[request.service->name] = {request.address, request.fingerprint};
      return ok_status();
    });
  }
  Status stop(const std::string& service, std::chrono::milliseconds) override {
    stops.push_back(service);
    services.erase(service);
    return ok_status();
  }
  Status stop_everything() override {
    everything_stopped += 1;
    services.clear();
    return ok_status();
  }
  ProbeResult probe(const std::string& service, Ipv4, const HealthCheck&) override {
    probes.push_back(service);
    bool ok = !unhealthy.count(service) && services.count(service);
    return {ok, ok ? "HTTP 200" : "connection refused", 1};
  }
  void rotate_logs() override {}

  std::map<std::string, Running> services;
  std::vector<std::string> starts, stops, probes;
  std::set<std::string> fail_start, unhealthy, unmounted;
  std::map<std::string, std::string> firewalls;
  int everything_stopped = 0;
  bool observe_fails = false;
};

class ServiceReconcilerTest : public ::testing::Test {
 protected:
  ServiceReconcilerTest() : spec_(example_spec()), reconciler_(host_, clock_) {}

  Status tick(const std::vector<AssignedService>& assigned, bool held = true) {
    Status s = reconciler_.reconcile(spec_, assigned, held);
    clock_.advance(500ms);
    return s;
  }
  const ServiceRuntimeStatus* status_of(const std::string& name) {
    statuses_ = reconciler_.status();
    for (const auto& s : statuses_) {
      if (s.service == name) return &s;
    }
    return nullptr;
  }
  static Ipv4 ip(const char* text) { return *Ipv4::parse(text); }

  Spec spec_;
  FakeHost host_;
  ManualClock clock_;
  ServiceReconciler reconciler_;
  std::vector<ServiceRuntimeStatus> statuses_;
  const std::vector<AssignedService> homepage_ = {{"homepage", ip("10.1.2.130")}};
};

TEST_F(ServiceReconcilerTest, StartsWhatIsAssignedAndNothingElse) {
  ASSERT_TRUE(tick({{"homepage", ip("10.1.2.130")}, {"whoami", ip("10.1.2.129")}}));
  EXPECT_EQ(host_.starts, (std::vector<std::string>{"homepage", "whoami"}));
  EXPECT_EQ(host_.services.size(), 2u);
  EXPECT_EQ(host_.services["homepage"].address, ip("10.1.2.130"));
  ASSERT_NE(status_of("homepage"), nullptr);
  EXPECT_EQ(status_of("homepage")->state, "starting");
  EXPECT_EQ(status_of("notes"), nullptr);
}

TEST_F(ServiceReconcilerTest, EachStartCarriesTheServicesFirewall) {
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.firewalls["homepage"],
            service_firewall_ruleset(spec_, *spec_.find_service("homepage"), ip("10.1.2.130")));
  EXPECT_FALSE(host_.firewalls["homepage"].empty());
}

TEST_F(ServiceReconcilerTest, AnAllowFromChangeRestartsWithTheNewFirewall) {
  ASSERT_TRUE(tick(homepage_));
  auto& allow = const_cast<Service*>(spec_.find_service("homepage"))->allow_from;
  allow.erase(allow.begin());  // no longer home
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 2u);
  EXPECT_EQ(host_.firewalls["homepage"].find("10.1.3.0/24"), std::string::npos);
}

TEST_F(ServiceReconcilerTest, SteadyStateDoesNothing) {
  ASSERT_TRUE(tick(homepage_));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 1u);
  EXPECT_TRUE(host_.stops.empty());
  EXPECT_EQ(status_of("homepage")->state, "running");
  EXPECT_EQ(status_of("homepage")->restarts, 0);
  ASSERT_TRUE(status_of("homepage")->last_probe);
  EXPECT_TRUE(status_of("homepage")->last_probe->ok);
}

TEST_F(ServiceReconcilerTest, ProbesEveryInterval) {
  ASSERT_TRUE(tick(homepage_));                              // homepage: interval 1 s
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(tick(homepage_));  // 4 s more
  EXPECT_GE(host_.probes.size(), 3u);
  EXPECT_LE(host_.probes.size(), 5u);
}

TEST_F(ServiceReconcilerTest, UnassignedServicesAreStopped) {
  ASSERT_TRUE(tick({{"homepage", ip("10.1.2.130")}, {"whoami", ip("10.1.2.129")}}));
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.stops, (std::vector<std::string>{"whoami"}));
  EXPECT_EQ(status_of("whoami"), nullptr);
  EXPECT_EQ(host_.services.count("homepage"), 1u);
}

TEST_F(ServiceReconcilerTest, LeftoversNotInTheSpecAreStopped) {
  host_.services["gone"] = {ip("10.1.2.150"), "x"};
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.stops, (std::vector<std::string>{"gone"}));
}

TEST_F(ServiceReconcilerTest, AssignmentsOfUnknownServicesAreIgnored) {
  ASSERT_TRUE(tick({{"nosuch", ip("10.1.2.140")}}));
  EXPECT_TRUE(host_.starts.empty());
  EXPECT_TRUE(reconciler_.status().empty());
}

TEST_F(ServiceReconcilerTest, AKilledContainerIsRestartedAtOnceThenWithBackoff) {
  ASSERT_TRUE(tick(homepage_));
  ASSERT_TRUE(tick(homepage_));
  host_.services["homepage"].process = false;  // killed
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 2u) << "the first failure restarts at once";
  EXPECT_EQ(status_of("homepage")->restarts, 1);

  host_.services["homepage"].process = false;  // again: 1 s back-off
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 2u);
  EXPECT_EQ(status_of("homepage")->state, "restarting");
  EXPECT_EQ(status_of("homepage")->error, "its container exited");
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 2u) << "0.5 s into a 1 s back-off";
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 3u);
  EXPECT_EQ(status_of("homepage")->restarts, 2);
}

TEST_F(ServiceReconcilerTest, BackoffDoublesUpToThirtySeconds) {
  host_.fail_start.insert("homepage");
  std::vector<ManualClock::TimePoint> attempts;
  for (int i = 0; i < 400; ++i) {  // 200 s
    std::size_t before = host_.starts.size();
    (void)tick(homepage_);
    if (host_.starts.size() > before) attempts.push_back(clock_.now() - 500ms);
  }
  ASSERT_GE(attempts.size(), 9u);
  attempts.resize(9);
  std::vector<long> gaps;
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    gaps.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(attempts[i] - attempts[i - 1])
            .count());
  }
  // After failures 1, 2, 3...: back-off 0 (the next 500 ms step), 1, 2, 4, 8, 16, 30, 30 s.
  EXPECT_EQ(gaps, (std::vector<long>{500, 1000, 2000, 4000, 8000, 16000, 30000, 30000}))
      << "then 30 s for ever";
  EXPECT_EQ(status_of("homepage")->state, "failed");
  EXPECT_NE(status_of("homepage")->error.find("crun: boom"), std::string::npos);
  EXPECT_EQ(status_of("homepage")->restarts, 0) << "never started: no restart";
}

TEST_F(ServiceReconcilerTest, StableRunningForgetsFailures) {
  ASSERT_TRUE(tick(homepage_));
  host_.services["homepage"].process = false;
  ASSERT_TRUE(tick(homepage_));                               // restart at once (failure 1)
  for (int i = 0; i < 70; ++i) ASSERT_TRUE(tick(homepage_));  // 35 s running
  host_.services["homepage"].process = false;
  std::size_t before = host_.starts.size();
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), before + 1) << "restarted at once again";
}

TEST_F(ServiceReconcilerTest, FailingHealthChecksRestartAfterThreeInARow) {
  ASSERT_TRUE(tick(homepage_));
  ASSERT_TRUE(tick(homepage_));
  ASSERT_TRUE(tick(homepage_));  // first probe (1 s after the start): ok
  EXPECT_EQ(status_of("homepage")->state, "running");
  host_.unhealthy.insert("homepage");
  int ticks = 0;
  while (host_.starts.size() == 1 && ticks < 20) {
    ASSERT_TRUE(tick(homepage_));
    ++ticks;
    if (host_.starts.size() == 1 && !host_.stops.empty()) {
      EXPECT_EQ(status_of("homepage")->state, "restarting");
    }
  }
  EXPECT_EQ(host_.stops, (std::vector<std::string>{"homepage"}));
  EXPECT_EQ(host_.starts.size(), 2u);
  EXPECT_GE(ticks, 5) << "three failed probes 1 s apart";
  EXPECT_EQ(status_of("homepage")->restarts, 1);
}

TEST_F(ServiceReconcilerTest, UnhealthyIsShownBeforeTheRestart) {
  ASSERT_TRUE(tick(homepage_));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(tick(homepage_));
  host_.unhealthy.insert("homepage");
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(status_of("homepage")->state, "unhealthy");
  ASSERT_TRUE(status_of("homepage")->last_probe);
  EXPECT_FALSE(status_of("homepage")->last_probe->ok);
  EXPECT_EQ(status_of("homepage")->last_probe->message, "connection refused");
}

TEST_F(ServiceReconcilerTest, ProbesBeforeTheFirstAnswerGetAGracePeriod) {
  host_.unhealthy.insert("homepage");
  for (int i = 0; i < 18; ++i) ASSERT_TRUE(tick(homepage_));  // 9 s: within the 10 s grace
  EXPECT_EQ(host_.starts.size(), 1u);
  EXPECT_EQ(status_of("homepage")->state, "starting");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(tick(homepage_));  // then 3 failures count
  EXPECT_EQ(host_.starts.size(), 2u);
}

TEST_F(ServiceReconcilerTest, ServicesWithoutHealthAreRunningOnceStarted) {
  Service& homepage = *const_cast<Service*>(spec_.find_service("homepage"));
  homepage.health.reset();
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(status_of("homepage")->state, "running");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(tick(homepage_));
  EXPECT_TRUE(host_.probes.empty());
}

TEST_F(ServiceReconcilerTest, ANewAddressRestartsTheService) {
  ASSERT_TRUE(tick(homepage_));
  ASSERT_TRUE(tick({{"homepage", ip("10.1.2.140")}}));
  EXPECT_EQ(host_.stops, (std::vector<std::string>{"homepage"}));
  EXPECT_EQ(host_.starts.size(), 2u);
  EXPECT_EQ(host_.services["homepage"].address, ip("10.1.2.140"));
  EXPECT_EQ(status_of("homepage")->restarts, 0) << "a change is not a failure";
}

TEST_F(ServiceReconcilerTest, ASpecChangeRestartsTheService) {
  ASSERT_TRUE(tick(homepage_));
  const_cast<Service*>(spec_.find_service("homepage"))->env.push_back({"NEW", "1"});
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 2u);
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 2u);
}

TEST_F(ServiceReconcilerTest, AServiceOnAVolumeMountedAgainIsRestartedOnTheNewMount) {
  ASSERT_TRUE(tick(homepage_));
  host_.services["homepage"].stale_volume = "/www";
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.stops, (std::vector<std::string>{"homepage"}));
  EXPECT_EQ(host_.starts.size(), 2u);
  EXPECT_EQ(status_of("homepage")->restarts, 0) << "not the service's failure";
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 2u) << "started on the new mount: it stays";
}

TEST_F(ServiceReconcilerTest, AHealthOnlyChangeDoesNotRestart) {
  ASSERT_TRUE(tick(homepage_));
  const_cast<Service*>(spec_.find_service("homepage"))->health->interval = 5000;
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 1u);
}

TEST_F(ServiceReconcilerTest, AdoptsWhatAnEarlierHearthdStartedWithTheSameSpec) {
  {
    ServiceReconciler earlier(host_, clock_);
    ASSERT_TRUE(earlier.reconcile(spec_, homepage_, true));
  }
  ASSERT_EQ(host_.starts.size(), 1u);
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 1u) << "kept, not restarted";
  EXPECT_TRUE(host_.stops.empty());
  ASSERT_TRUE(tick({{"homepage", ip("10.1.2.141")}}));
  EXPECT_EQ(host_.starts.size(), 2u);
}

TEST_F(ServiceReconcilerTest, ReplacesWhatRunsWithAnUnknownSpec) {
  host_.services["homepage"] = {ip("10.1.2.130"), "something else"};
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.stops.front(), "homepage");
  EXPECT_EQ(host_.starts.size(), 1u);
  EXPECT_EQ(host_.services["homepage"].fingerprint.find("something else"), std::string::npos);
}

TEST_F(ServiceReconcilerTest, ALostNamespaceCountsAsAFailure) {
  ASSERT_TRUE(tick(homepage_));
  host_.services["homepage"].network = false;
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 2u);
  EXPECT_EQ(status_of("homepage")->restarts, 1);
}

TEST_F(ServiceReconcilerTest, WaitsWithoutBackoffUntilTheHostIsReady) {
  host_.unmounted.insert("homepage");
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(tick(homepage_));
  EXPECT_TRUE(host_.starts.empty());
  EXPECT_EQ(status_of("homepage")->state, "waiting");
  EXPECT_EQ(status_of("homepage")->error, "volume appdata is not mounted");
  host_.unmounted.clear();
  ASSERT_TRUE(tick(homepage_));
  EXPECT_EQ(host_.starts.size(), 1u) << "at the next step";
  EXPECT_EQ(status_of("homepage")->restarts, 0);
  EXPECT_EQ(status_of("homepage")->error, "") << "the reason it waited is over";
}

TEST_F(ServiceReconcilerTest, OneFailingServiceDoesNotBlockTheOthers) {
  host_.fail_start.insert("homepage");
  Status s = tick({{"homepage", ip("10.1.2.130")}, {"whoami", ip("10.1.2.129")}});
  EXPECT_FALSE(s);
  EXPECT_EQ(host_.services.count("whoami"), 1u);
}

TEST_F(ServiceReconcilerTest, ObserveFailureChangesNothing) {
  host_.observe_fails = true;
  EXPECT_FALSE(tick(homepage_));
  EXPECT_TRUE(host_.starts.empty());
}

TEST_F(ServiceReconcilerTest, StopAllStopsEverythingAndNothingStartsUntilTheLeaseIsHeld) {
  ASSERT_TRUE(tick(homepage_));
  ASSERT_TRUE(reconciler_.stop_all("lease lost"));
  EXPECT_EQ(host_.everything_stopped, 1);
  EXPECT_TRUE(host_.services.empty());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(tick(homepage_, false));
  EXPECT_EQ(host_.starts.size(), 1u);
  EXPECT_EQ(status_of("homepage")->state, "fenced");
  ASSERT_TRUE(tick(homepage_, true));
  EXPECT_EQ(host_.starts.size(), 2u);
  EXPECT_EQ(status_of("homepage")->state, "starting");
}

TEST_F(ServiceReconcilerTest, AStartInterruptedByAFenceLeavesNothingRunning) {
  // The fence arrives while a start is in progress: the gate refuses the start's next step.
  class FencingHost final : public ServiceHost {
   public:
    explicit FencingHost(ServiceReconciler*& r) : reconciler(r) {}
    Result<std::vector<ServiceInstance>> observe() override {
      return std::vector<ServiceInstance>{};
    }
    std::optional<std::string> not_ready(const StartRequest&) override { return std::nullopt; }
    Status start(const StartRequest&, FenceGate& gate) override {
      (void)gate.step([] { return ok_status(); });
      std::thread([this] { (void)reconciler->stop_all("test"); }).join();
      return gate.step([this] {
        ran_after_fence = true;
        return ok_status();
      });
    }
    Status stop(const std::string&, std::chrono::milliseconds) override { return ok_status(); }
    Status stop_everything() override { return ok_status(); }
    ProbeResult probe(const std::string&, Ipv4, const HealthCheck&) override { return {}; }
    void rotate_logs() override {}
    ServiceReconciler*& reconciler;
    bool ran_after_fence = false;
  };
  ServiceReconciler* pointer = nullptr;
  FencingHost host(pointer);
  ServiceReconciler reconciler(host, clock_);
  pointer = &reconciler;
  (void)reconciler.reconcile(spec_, homepage_, true);
  EXPECT_FALSE(host.ran_after_fence);
  EXPECT_EQ(reconciler.status().at(0).state, "fenced");
}

TEST_F(ServiceReconcilerTest, WithoutALeaseFromTheStartNothingRunsAndLeftoversAreStopped) {
  host_.services["homepage"] = {ip("10.1.2.130"), "x"};
  ASSERT_TRUE(tick(homepage_, false));
  EXPECT_EQ(host_.everything_stopped, 1);
  EXPECT_TRUE(host_.starts.empty());
  ASSERT_TRUE(tick(homepage_, false));
  EXPECT_EQ(host_.everything_stopped, 1) << "once";
}

TEST(ServiceFingerprint, CoversWhatTheContainerIsMadeFrom) {
  Spec spec = example_spec();
  const Service& homepage = *spec.find_service("homepage");
  const Network& network = *spec.find_network("services");
  std::string base = service_fingerprint(homepage, network);
  Service changed = homepage;
  changed.rootfs = "/srv/other";
  EXPECT_NE(service_fingerprint(changed, network), base);
  changed = homepage;
  changed.resources.memory *= 2;
  EXPECT_NE(service_fingerprint(changed, network), base);
  Network moved = network;
  moved.gateway = Ipv4::parse("10.1.2.2");
  EXPECT_NE(service_fingerprint(homepage, moved), base);
  changed = homepage;
  changed.prefer = "r530";
  EXPECT_EQ(service_fingerprint(changed, network), base) << "placement hints do not restart";
}

}  // namespace
}  // namespace hearth::agent

namespace hearth::agent {
namespace {

TEST(ServiceFirewallRuleset, OnlyTheServicesPortsFromItsAllowedSources) {
  Spec spec = example_spec();
  std::string notes =
      service_firewall_ruleset(spec, *spec.find_service("notes"), *Ipv4::parse("10.1.2.128"));
  EXPECT_NE(notes.find("table inet hearth_service"), std::string::npos) << notes;
  EXPECT_NE(notes.find("policy drop"), std::string::npos) << notes;
  EXPECT_NE(notes.find("10.1.3.0/24"), std::string::npos) << "home may reach notes\n" << notes;
  EXPECT_EQ(notes.find("10.1.4.0/24"), std::string::npos) << "guests may not\n" << notes;
  EXPECT_NE(notes.find("dport { 80 }"), std::string::npos) << notes;
  std::string whoami =
      service_firewall_ruleset(spec, *spec.find_service("whoami"), *Ipv4::parse("10.1.2.129"));
  EXPECT_NE(whoami.find("10.1.9.0/24"), std::string::npos) << whoami;
  EXPECT_NE(whoami.find("dport { 8080 }"), std::string::npos) << whoami;
}

}  // namespace
}  // namespace hearth::agent

#include "agent/service_assignments.h"
#include "cluster/memory_kv_store.h"
#include "cluster/spec_store.h"
#include "cluster/stored_plan.h"
#include "common/file.h"

namespace hearth::agent {
namespace {

// The node side of the leader's assignments, against the in-memory store.
class AssignedServicesTest : public ::testing::Test {
 protected:
  AssignedServicesTest()
      : spec_(example_spec()),
        store_(clock_),
        reconciler_(host_, clock_),
        node_(reconciler_, store_, clock_, "r510") {
    lease_ = store_.grant_lease(std::chrono::seconds(2))->id;
  }
  cluster::Assignment assign(const std::string& service, const std::string& node,
                             cluster::AssignmentState state = cluster::AssignmentState::active,
                             const std::string& to = "") {
    cluster::Assignment a;
    a.service = service;
    a.node = node;
    a.address = *Ipv4::parse(service == "homepage" ? "10.1.2.130" : "10.1.2.129");
    a.since = 1;
    a.by = "r530";
    a.state = state;
    a.to = to;
    auto put = store_.put(cluster::keys::assignment(service), a.to_json(), 0);
    EXPECT_TRUE(put);
    a.revision = put ? *put : 0;
    return a;
  }
  Status step() {
    Status s = node_.step(spec_, spec_revision_, lease_);
    clock_.advance(500ms);
    (void)store_.keep_alive(lease_);
    return s;
  }

  Spec spec_;
  FakeHost host_;
  ManualClock clock_;
  cluster::MemoryKeyValueStore store_;
  ServiceReconciler reconciler_;
  AssignedServices node_;
  cluster::LeaseId lease_ = 0;
  std::int64_t spec_revision_ = 0;
};

TEST_F(AssignedServicesTest, TellsWhenTheAssignmentsChangedSinceTheLastStep) {
  assign("homepage", "r510");
  ASSERT_TRUE(step());
  EXPECT_EQ(node_.assignments_changed().value(), false);
  assign("whoami", "r530");  // a new one, even for another node
  EXPECT_EQ(node_.assignments_changed().value(), true);
  ASSERT_TRUE(step());
  EXPECT_EQ(node_.assignments_changed().value(), false);
  assign("whoami", "r510");  // the same key written again
  EXPECT_EQ(node_.assignments_changed().value(), true);
  ASSERT_TRUE(step());
  ASSERT_TRUE(store_.erase(cluster::keys::assignment("whoami")));
  EXPECT_EQ(node_.assignments_changed().value(), true) << "a key removed";
}

TEST_F(AssignedServicesTest, RunsWhatIsActiveHereOnly) {
  assign("homepage", "r510");
  assign("whoami", "r530");
  ASSERT_TRUE(step());
  EXPECT_EQ(host_.starts, (std::vector<std::string>{"homepage"}));
  EXPECT_EQ(host_.services["homepage"].address, *Ipv4::parse("10.1.2.130"));
}

TEST_F(AssignedServicesTest, AHandoverStopsTheServiceThenAcknowledgesTheRelease) {
  assign("homepage", "r510");
  ASSERT_TRUE(step());
  ASSERT_EQ(host_.services.count("homepage"), 1u);
  cluster::Assignment releasing =
      assign("homepage", "r510", cluster::AssignmentState::releasing, "r530");
  ASSERT_TRUE(step());
  EXPECT_EQ(host_.services.count("homepage"), 0u) << "stopped, address removed";
  auto record = store_.get(cluster::keys::released("homepage"), cluster::Consistency::linearizable);
  ASSERT_TRUE(record && *record) << "release acknowledged";
  auto parsed = cluster::ReleaseRecord::parse((*record)->value);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->node, "r510");
  EXPECT_EQ(parsed->revision, releasing.revision);
  EXPECT_EQ((*record)->lease, lease_) << "on the node's lease";
}

TEST_F(AssignedServicesTest, NoReleaseWhileTheServiceCannotBeStopped) {
  assign("homepage", "r510");
  ASSERT_TRUE(step());
  assign("homepage", "r510", cluster::AssignmentState::releasing, "r530");
  host_.observe_fails = true;  // the node cannot be looked at: nothing is known to be stopped
  (void)step();
  auto record = store_.get(cluster::keys::released("homepage"), cluster::Consistency::linearizable);
  ASSERT_TRUE(record);
  EXPECT_FALSE(*record);
}

TEST_F(AssignedServicesTest, WithoutALeaseNothingRunsAndNothingIsReleased) {
  assign("homepage", "r510");
  ASSERT_TRUE(node_.step(spec_, spec_revision_, 0));
  EXPECT_TRUE(host_.starts.empty());
}

TEST_F(AssignedServicesTest, AnUnreadableStoreKeepsTheLastAssignments) {
  assign("homepage", "r510");
  ASSERT_TRUE(step());
  store_.set_reachable(false);
  EXPECT_FALSE(step());
  EXPECT_EQ(host_.services.count("homepage"), 1u) << "still running";
  EXPECT_TRUE(host_.stops.empty());
}

// A node that fenced (its lease ran out, e.g. cut off by a partition) and holds a new lease starts
// nothing from the assignments it read under the old one: the leader may have moved them meanwhile
// (found by lab chaos, seed 1002: two servers held one address for seconds).
TEST_F(AssignedServicesTest, ANewLeaseRunsNothingFromAssignmentsReadUnderTheOldOne) {
  assign("homepage", "r510");
  ASSERT_TRUE(step());
  ASSERT_EQ(host_.services.count("homepage"), 1u);
  ASSERT_TRUE(node_.step(spec_, spec_revision_, 0));  // fenced
  ASSERT_EQ(host_.services.count("homepage"), 0u);
  store_.set_reachable(false);
  const cluster::LeaseId renewed = lease_ + 100;
  EXPECT_FALSE(node_.step(spec_, spec_revision_, renewed));
  EXPECT_EQ(host_.services.count("homepage"), 0u) << "started from a read under the old lease";
  store_.set_reachable(true);
  ASSERT_TRUE(node_.step(spec_, spec_revision_, renewed));
  EXPECT_EQ(host_.services.count("homepage"), 1u) << "read under the new lease: runs again";
}

// A node that has not switched to the spec revision the decision was made for yet (its control
// tick comes later) runs the decision's services as that revision defines them, read from etcd:
// a service new in it is started, not skipped.
TEST_F(AssignedServicesTest, ANodeOnAnOlderSpecRunsTheDecisionsRevision) {
  std::string text = read_text_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  auto applied = cluster::store_spec(store_, text, "tester", 1);
  ASSERT_TRUE(applied.ok());
  cluster::StoredPlan plan;
  plan.spec_revision = applied->spec.revision;
  ASSERT_TRUE(store_.put(cluster::keys::kPlan, plan.to_json(), 0));
  // This node still follows its bootstrap file (revision 0), which has no whoami.
  std::erase_if(spec_.services, [](const Service& s) { return s.name == "whoami"; });
  assign("whoami", "r510");
  ASSERT_TRUE(step());
  EXPECT_EQ(host_.starts, (std::vector<std::string>{"whoami"}));
}

TEST_F(AssignedServicesTest, ADecisionForARevisionEtcdDoesNotHoldIsReported) {
  cluster::StoredPlan plan;
  plan.spec_revision = 7;
  ASSERT_TRUE(store_.put(cluster::keys::kPlan, plan.to_json(), 0));
  assign("homepage", "r510");
  Status stepped = step();
  ASSERT_FALSE(stepped);
  EXPECT_NE(stepped.error().message.find("spec revision 7"), std::string::npos)
      << stepped.error().message;
  EXPECT_EQ(host_.starts, (std::vector<std::string>{"homepage"}))
      << "meanwhile the spec this node follows defines it";
}

}  // namespace
}  // namespace hearth::agent

namespace hearth::agent {
namespace {

// A host whose probes hang until released (a service whose volume stalls): with probe_wait 0,
// the steps go on (an assignment change is acted on at once), and the result is taken later.
class HangingProbeHost final : public ServiceHost {
 public:
  Result<std::vector<ServiceInstance>> observe() override {
    std::lock_guard lock(mutex);
    std::vector<ServiceInstance> list;
    for (const auto& [name, fingerprint] : running) {
      list.push_back({name, true, true, true, fingerprint, ""});
    }
    return list;
  }
  std::optional<std::string> not_ready(const StartRequest&) override { return std::nullopt; }
  Status start(const StartRequest& request, FenceGate&) override {
    std::lock_guard lock(mutex);
    running[request.service->name] = request.fingerprint;
    return ok_status();
  }
  Status stop(const std::string& service, std::chrono::milliseconds) override {
    std::lock_guard lock(mutex);
    running.erase(service);
    return ok_status();
  }
  Status stop_everything() override {
    std::lock_guard lock(mutex);
    running.clear();
    return ok_status();
  }
  ProbeResult probe(const std::string&, Ipv4, const HealthCheck&) override {
    std::unique_lock lock(mutex);
    ++probes_started;
    released.wait(lock, [this] { return release; });
    return {true, "HTTP 200", 1};
  }
  void rotate_logs() override {}
  void let_probes_finish() {
    std::lock_guard lock(mutex);
    release = true;
    released.notify_all();
  }
  int started_probes() {
    std::lock_guard lock(mutex);
    return probes_started;
  }

  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  int probes_started = 0;
  std::map<std::string, std::string> running;
};

TEST(ServiceReconcilerProbes, AHangingProbeDelaysNoStepAndItsResultIsTakenLater) {
  Spec spec = example_spec();
  HangingProbeHost host;
  ManualClock clock;
  ServiceReconcilerOptions options;
  options.probe_wait = 0ms;
  ServiceReconciler reconciler(host, clock, options);
  // Whatever the test's outcome, the probe is released before the reconciler waits for it.
  struct Release {
    HangingProbeHost& host;
    ~Release() { host.let_probes_finish(); }
  } release{host};
  auto ip = [](const char* text) { return *Ipv4::parse(text); };
  std::vector<AssignedService> homepage = {{"homepage", ip("10.1.2.130")}};
  ASSERT_TRUE(reconciler.reconcile(spec, homepage, true));
  for (int i = 0; i < 4; ++i) {
    clock.advance(500ms);
    ASSERT_TRUE(reconciler.reconcile(spec, homepage, true));  // returns while the probe hangs
  }
  for (int i = 0; i < 2000 && host.started_probes() == 0; ++i) {  // catches a hang
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  clock.advance(2s);  // several probe intervals later: still the one probe in flight
  ASSERT_TRUE(reconciler.reconcile(spec, homepage, true));
  ASSERT_EQ(host.started_probes(), 1) << "one probe in flight per service, no pile-up";
  // A handover arrives while the probe still hangs: acted on in this step.
  std::vector<AssignedService> both = {{"homepage", ip("10.1.2.130")},
                                       {"whoami", ip("10.1.2.129")}};
  clock.advance(500ms);
  ASSERT_TRUE(reconciler.reconcile(spec, both, true));
  EXPECT_EQ(host.running.count("whoami"), 1u);
  auto state = [&](const std::string& name) {
    for (const auto& s : reconciler.status()) {
      if (s.service == name) return s.state;
    }
    return std::string("?");
  };
  EXPECT_EQ(state("homepage"), "starting");
  host.let_probes_finish();
  for (int i = 0; i < 2000 && state("homepage") != "running"; ++i) {  // catches a hang
    clock.advance(10ms);
    ASSERT_TRUE(reconciler.reconcile(spec, both, true));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // lets the probe thread finish
  }
  EXPECT_EQ(state("homepage"), "running") << "the result was taken at a later step";
}

}  // namespace
}  // namespace hearth::agent
