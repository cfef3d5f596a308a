#include "cluster/assignments.h"

#include <gtest/gtest.h>

#include <functional>

#include "spec/load.h"

namespace hearth::cluster {
namespace {

using namespace std::chrono_literals;

// Two servers of 2 cpus / 4GiB and an arbiter. web prefers r510, api prefers r530, big takes
// half of a server, tiny asks for nothing; `fixed` has a fixed address.
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
  big: { rootfs: /srv/r, command: [sh], network: services, resources: { cpus: 1, memory: 2GiB } }
  tiny: { rootfs: /srv/r, command: [sh], network: services }
  fixed: { rootfs: /srv/r, command: [sh], network: services, address: 10.1.2.150 }
)";

Spec load(const std::string& text) {
  LoadResult loaded = load_spec_text(text, "test.yaml");
  if (!loaded.ok()) {
    std::string errors;
    for (const auto& e : loaded.errors) errors += e.format() + "\n";
    ADD_FAILURE() << errors;
    return {};
  }
  return *loaded.spec;
}

constexpr std::int64_t kNow = 1'700'000'100'000;
constexpr std::int64_t kLongAgo = kNow - 3'600'000;

class DecideTest : public ::testing::Test {
 protected:
  DecideTest() : spec_(load(kSpec)) {
    input_.spec = &spec_;
    input_.now_ms = kNow;
    input_.leader = "r530";
    input_.live = {{"r510", kLongAgo}, {"r530", kLongAgo}, {"elitedesk", kLongAgo}};
  }

  AssignmentDecision decide() {
    auto decision = decide_assignments(input_);
    EXPECT_TRUE(decision.ok()) << (decision.ok() ? "" : decision.error().message);
    return decision.ok() ? *decision : AssignmentDecision{};
  }

  // Stores the decision as the leader's transaction would (new revisions), like etcd.
  void apply(const AssignmentDecision& decision) {
    for (const auto& update : decision.updates) {
      if (update.assignment) {
        Assignment stored = *update.assignment;
        stored.revision = ++revision_;
        input_.current[update.service] = stored;
      } else {
        input_.current.erase(update.service);
      }
      if (update.consumes_release) input_.released.erase(update.service);
    }
    for (const auto& service : decision.stale_releases) input_.released.erase(service);
  }

  // The node holding `service` in releasing state says it has released it.
  void release(const std::string& service) {
    const Assignment& a = input_.current.at(service);
    ASSERT_EQ(a.state, AssignmentState::releasing) << service;
    input_.released[service] = ReleaseRecord{service, a.node, a.address, a.revision, kNow};
  }

  // Decides and applies until nothing changes, releasing every handover at once (as nodes do).
  void settle() {
    for (int round = 0; round < 10; ++round) {
      auto decision = decide();
      if (decision.updates.empty() && decision.stale_releases.empty()) {
        bool waiting = false;
        for (const auto& [service, a] : input_.current) {
          if (a.state == AssignmentState::releasing && !input_.released.contains(service)) {
            release(service);
            waiting = true;
          }
        }
        if (!waiting) return;
        continue;
      }
      apply(decision);
    }
    ADD_FAILURE() << "no fixed point after 10 rounds";
  }

  const Assignment& at(const std::string& service) { return input_.current.at(service); }

  const AssignmentUpdate* update_of(const AssignmentDecision& d, const std::string& service) {
    for (const auto& u : d.updates) {
      if (u.service == service) return &u;
    }
    return nullptr;
  }

  Spec spec_;
  AssignmentInput input_;
  Revision revision_ = 100;
};

TEST_F(DecideTest, AFreshClusterPlacesEveryServiceOnServersHonouringPrefer) {
  auto d = decide();
  ASSERT_EQ(d.updates.size(), 5u);
  for (const auto& u : d.updates) {
    EXPECT_EQ(u.change, AssignmentChange::placed) << u.service;
    ASSERT_TRUE(u.assignment);
    EXPECT_NE(u.assignment->node, "elitedesk") << "the arbiter never runs services";
    EXPECT_EQ(u.assignment->state, AssignmentState::active);
    EXPECT_EQ(u.assignment->by, "r530");
    EXPECT_EQ(u.assignment->since, kNow);
    EXPECT_TRUE(u.requires_dead.empty());
  }
  EXPECT_EQ(update_of(d, "web")->assignment->node, "r510");
  EXPECT_EQ(update_of(d, "api")->assignment->node, "r530");
  EXPECT_EQ(update_of(d, "web")->assignment->address.str(), "10.1.2.128");
  EXPECT_EQ(update_of(d, "fixed")->assignment->address.str(), "10.1.2.150");
}

TEST_F(DecideTest, NothingChangesOnceSettled) {
  settle();
  auto d = decide();
  EXPECT_TRUE(d.updates.empty());
  EXPECT_TRUE(d.stale_releases.empty());
  EXPECT_EQ(input_.current.size(), 5u) << "every service is assigned";
}

TEST_F(DecideTest, ADeadNodesServicesFailOverToTheOtherServerKeepingTheirAddresses) {
  settle();
  std::map<std::string, Ipv4> before;
  for (const auto& [s, a] : input_.current) before[s] = a.address;
  ASSERT_EQ(at("web").node, "r510");
  input_.live.erase("r510");
  auto d = decide();
  int moved = 0;
  for (const auto& u : d.updates) {
    ASSERT_TRUE(u.assignment);
    EXPECT_EQ(u.change, AssignmentChange::failed_over) << u.service;
    EXPECT_EQ(u.assignment->node, "r530") << u.service;
    EXPECT_EQ(u.requires_dead, std::vector<std::string>{"r510"}) << u.service;
    EXPECT_EQ(u.assignment->address, before[u.service]) << u.service;
    EXPECT_NE(u.assignment->reason.find("failed over from r510"), std::string::npos);
    ++moved;
  }
  EXPECT_GE(moved, 1);
  apply(d);
  for (const auto& [s, a] : input_.current) EXPECT_EQ(a.node, "r530") << s;
}

TEST_F(DecideTest, AServiceThatFitsNowhereIsUnplacedWithTheReasonAndKeepsItsAddress) {
  // Fill r530 so that big (1 cpu, 2GiB) cannot follow when r510 dies.
  Spec tight = load(std::string(kSpec) +
                    "  hog: { rootfs: /srv/r, command: [sh], network: services, resources: { cpus: 1.5, memory: 1GiB }, prefer: r530 }\n");
  input_.spec = &tight;
  settle();
  // web -> r510 (prefer), api -> r530 (prefer), big -> r510 (equal shares: the first name),
  // hog -> r530 (prefer): r530 is then full (2 of 2 cpus).
  ASSERT_EQ(at("big").node, "r510");
  ASSERT_EQ(at("hog").node, "r530");
  Ipv4 big_address = at("big").address;
  input_.live.erase("r510");
  auto d = decide();
  const AssignmentUpdate* u = update_of(d, "big");
  ASSERT_NE(u, nullptr);
  ASSERT_TRUE(u->assignment);
  EXPECT_TRUE(u->assignment->unplaced());
  EXPECT_EQ(u->change, AssignmentChange::failed_over);
  EXPECT_EQ(u->requires_dead, std::vector<std::string>{"r510"});
  EXPECT_EQ(u->assignment->address, big_address);
  EXPECT_NE(u->assignment->reason.find("needs 1 cpu"), std::string::npos) << u->assignment->reason;
  EXPECT_NE(u->assignment->reason.find("r510 is dead"), std::string::npos) << u->assignment->reason;
  apply(d);
  auto again = decide();
  EXPECT_EQ(update_of(again, "big"), nullptr) << "an unchanged reason is not rewritten";
}

TEST_F(DecideTest, BothServersDeadLeavesEverythingUnplacedAndTheArbiterUnused) {
  settle();
  input_.live = {{"elitedesk", kLongAgo}};
  auto d = decide();
  ASSERT_EQ(d.updates.size(), 5u);
  for (const auto& u : d.updates) {
    ASSERT_TRUE(u.assignment);
    EXPECT_TRUE(u.assignment->unplaced()) << u.service;
    EXPECT_NE(u.assignment->reason.find("r510 is dead, r530 is dead"), std::string::npos)
        << u.assignment->reason;
  }
  apply(d);
  // r530 comes back: everything is placed there, and nothing requires a dead node.
  input_.live["r530"] = kNow;
  d = decide();
  for (const auto& u : d.updates) {
    ASSERT_TRUE(u.assignment);
    EXPECT_EQ(u.assignment->node, "r530");
    EXPECT_EQ(u.change, AssignmentChange::placed);
    EXPECT_TRUE(u.requires_dead.empty());
  }
}

TEST_F(DecideTest, AReturningNodeGetsNothingBackWithoutPrefer) {
  settle();
  input_.live.erase("r510");
  settle();
  input_.live["r510"] = kNow - 3'600'000;  // back, and long settled
  auto d = decide();
  for (const auto& u : d.updates) {
    EXPECT_EQ(u.service, "web") << "only the service preferring r510 may move back";
  }
}

TEST_F(DecideTest, APreferredNodeGetsItsServiceBackOnlyAfterSettlingAndThroughAHandover) {
  settle();
  input_.live.erase("r510");
  settle();
  ASSERT_EQ(at("web").node, "r530");
  input_.live["r510"] = kNow - 2'000;  // back 2 s ago: not settled
  EXPECT_TRUE(decide().updates.empty());
  input_.now_ms = kNow + 8'000;  // 10 s alive
  auto d = decide();
  ASSERT_EQ(d.updates.size(), 1u);
  const AssignmentUpdate& u = d.updates[0];
  EXPECT_EQ(u.service, "web");
  EXPECT_EQ(u.change, AssignmentChange::releasing);
  EXPECT_EQ(u.assignment->node, "r530") << "still on r530 until r530 released it";
  EXPECT_EQ(u.assignment->state, AssignmentState::releasing);
  EXPECT_EQ(u.assignment->to, "r510");
  EXPECT_NE(u.assignment->reason.find("preferred"), std::string::npos);
  apply(d);
  EXPECT_TRUE(decide().updates.empty()) << "waits for the release";
  release("web");
  d = decide();
  ASSERT_EQ(d.updates.size(), 1u);
  EXPECT_EQ(d.updates[0].change, AssignmentChange::handed_over);
  EXPECT_TRUE(d.updates[0].consumes_release);
  EXPECT_EQ(d.updates[0].assignment->node, "r510");
  EXPECT_EQ(d.updates[0].assignment->state, AssignmentState::active);
  apply(d);
  EXPECT_TRUE(decide().updates.empty());
}

TEST_F(DecideTest, AReleaseForAnotherVersionOfTheAssignmentDoesNotCount) {
  settle();
  input_.drained.insert("r510");
  apply(decide());
  ASSERT_EQ(at("web").state, AssignmentState::releasing);
  input_.released["web"] = ReleaseRecord{"web", "r510", at("web").address, at("web").revision - 1, kNow};
  auto d = decide();
  EXPECT_EQ(update_of(d, "web"), nullptr) << "still waiting";
  EXPECT_EQ(d.stale_releases, std::vector<std::string>{"web"});
  input_.released["web"] = ReleaseRecord{"web", "r530", at("web").address, at("web").revision, kNow};
  d = decide();
  EXPECT_EQ(update_of(d, "web"), nullptr) << "a release by another node does not count";
  EXPECT_EQ(d.stale_releases, std::vector<std::string>{"web"});
}

TEST_F(DecideTest, DrainHandsEveryServiceOverAndPlacesNothingOnTheDrainedNode) {
  settle();
  input_.drained.insert("r510");
  auto d = decide();
  std::vector<std::string> on_r510;
  for (const auto& [s, a] : input_.current) {
    if (a.node == "r510") on_r510.push_back(s);
  }
  ASSERT_FALSE(on_r510.empty());
  ASSERT_EQ(d.updates.size(), on_r510.size());
  for (const auto& u : d.updates) {
    EXPECT_EQ(u.change, AssignmentChange::releasing);
    EXPECT_EQ(u.assignment->node, "r510");
    EXPECT_EQ(u.assignment->to, "r530");
    EXPECT_NE(u.assignment->reason.find("r510 is drained"), std::string::npos);
  }
  settle();
  for (const auto& [s, a] : input_.current) {
    EXPECT_EQ(a.node, "r530") << s;
    EXPECT_EQ(a.state, AssignmentState::active) << s;
  }
  // Undrain: only `web` (prefer r510) goes back, through a handover again.
  input_.drained.clear();
  d = decide();
  ASSERT_EQ(d.updates.size(), 1u);
  EXPECT_EQ(d.updates[0].service, "web");
  EXPECT_EQ(d.updates[0].change, AssignmentChange::releasing);
}

TEST_F(DecideTest, ADrainedNodeKeepsWhatFitsNowhereElse) {
  settle();
  input_.live.erase("r530");
  settle();  // everything on r510
  input_.drained.insert("r510");
  auto d = decide();
  for (const auto& u : d.updates) {
    ASSERT_TRUE(u.assignment);
    EXPECT_EQ(u.assignment->node, "r510");
    EXPECT_EQ(u.assignment->state, AssignmentState::active) << "nowhere to go: keeps running";
    EXPECT_NE(u.assignment->reason.find("stays on r510 (drained)"), std::string::npos)
        << u.assignment->reason;
  }
  apply(d);
  EXPECT_TRUE(decide().updates.empty());
  // r530 returns: the drain proceeds.
  input_.live["r530"] = kNow;
  d = decide();
  EXPECT_EQ(d.updates.size(), 5u);
  for (const auto& u : d.updates) EXPECT_EQ(u.change, AssignmentChange::releasing);
}

TEST_F(DecideTest, ANodeThatDiesWhileReleasingIsAFailover) {
  settle();
  input_.drained.insert("r510");
  apply(decide());
  ASSERT_EQ(at("web").state, AssignmentState::releasing);
  input_.live.erase("r510");
  auto d = decide();
  const AssignmentUpdate* u = update_of(d, "web");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->change, AssignmentChange::failed_over);
  EXPECT_EQ(u->requires_dead, std::vector<std::string>{"r510"});
  EXPECT_EQ(u->assignment->node, "r530");
  EXPECT_EQ(u->assignment->state, AssignmentState::active);
}

TEST_F(DecideTest, AStartedHandoverCompletesEvenWhenUndrained) {
  settle();
  input_.drained.insert("r510");
  apply(decide());
  input_.drained.clear();
  EXPECT_EQ(update_of(decide(), "web"), nullptr) << "waits for the release, not undone";
  release("web");
  auto d = decide();
  ASSERT_NE(update_of(d, "web"), nullptr);
  EXPECT_EQ(update_of(d, "web")->assignment->node, "r510")
      << "stopped everywhere: placed afresh, on its settled preferred server";
}

TEST_F(DecideTest, AReleasedServiceGoesWhereItWasGoingWhenItsPreferredNodeIsNotSettled) {
  settle();
  input_.drained.insert("r510");
  apply(decide());
  input_.drained.clear();
  input_.live["r510"] = kNow - 1'000;  // r510 restarted meanwhile
  release("web");
  auto d = decide();
  ASSERT_NE(update_of(d, "web"), nullptr);
  EXPECT_EQ(update_of(d, "web")->assignment->node, "r530");
}

TEST_F(DecideTest, ARemovedServiceIsDeletedAndItsReleaseCleanedUp) {
  settle();
  Spec fewer = load(std::string(kSpec).substr(0, std::string(kSpec).find("  tiny:")));
  input_.released["tiny"] = ReleaseRecord{"tiny", "r510", at("tiny").address, 1, kNow};
  input_.spec = &fewer;
  auto d = decide();
  const AssignmentUpdate* tiny = update_of(d, "tiny");
  ASSERT_NE(tiny, nullptr);
  EXPECT_EQ(tiny->change, AssignmentChange::removed);
  EXPECT_FALSE(tiny->assignment);
  ASSERT_NE(update_of(d, "fixed"), nullptr);
  EXPECT_EQ(d.stale_releases, std::vector<std::string>{"tiny"});
}

// The bug this decision exists for: a planner that ignores held addresses gave the freed first
// pool address to the next service in DNS while the service kept its own. The decision's DNS is
// the plan of the addresses the assignments hold.
TEST_F(DecideTest, ItsDnsNamesTheAddressEveryServiceHoldsAfterARemovalAndAReorder) {
  settle();
  ASSERT_EQ(at("web").address.str(), "10.1.2.128");
  const Ipv4 api = at("api").address;
  // web (the first pool address) goes; the rest in another order.
  std::string text = kSpec;
  text = text.substr(0, text.find("  web:")) +
         "  tiny: { rootfs: /srv/r, command: [sh], network: services }\n"
         "  api: { rootfs: /srv/r, command: [sh], network: services, resources: { cpus: 0.5, memory: 512MiB }, prefer: r530 }\n"
         "  fixed: { rootfs: /srv/r, command: [sh], network: services, address: 10.1.2.150 }\n"
         "  big: { rootfs: /srv/r, command: [sh], network: services, resources: { cpus: 1, memory: 2GiB } }\n";
  Spec changed = load(text);
  input_.spec = &changed;
  settle();
  EXPECT_FALSE(input_.current.contains("web"));
  EXPECT_EQ(at("api").address, api) << "never renumbered";
  auto d = decide();
  std::map<std::string, std::string> dns;
  for (const DnsEntry& entry : d.plan.dns.records) {
    if (entry.source == DnsSource::service) dns[entry.name] = entry.address.str();
  }
  ASSERT_EQ(dns.size(), 4u);
  for (const auto& [service, a] : input_.current) {
    EXPECT_EQ(dns[service + ".home.arpa"], a.address.str()) << service;
  }
  EXPECT_EQ(dns.count("web.home.arpa"), 0u);
  // The plan's placements are the assignments' nodes.
  for (const ServicePlan& p : d.plan.services) {
    ASSERT_TRUE(p.node) << p.name;
    EXPECT_EQ(*p.node, at(p.name).node) << p.name;
    EXPECT_EQ(p.address, at(p.name).address) << p.name;
  }
}

TEST_F(DecideTest, AssignmentsToANodeThatIsNoLongerAServerAreHandedOver) {
  settle();
  input_.current["web"].node = "r999";  // e.g. removed from the spec but still alive
  input_.live["r999"] = kLongAgo;
  auto d = decide();
  const AssignmentUpdate* u = update_of(d, "web");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->change, AssignmentChange::releasing);
  EXPECT_NE(u->assignment->reason.find("not a server"), std::string::npos);
}

TEST(AssignmentRecord, RoundTripsAndToleratesExtraFields) {
  Assignment a;
  a.service = "web";
  a.node = "r510";
  a.address = *Ipv4::parse("10.1.2.130");
  a.since = 5;
  a.by = "r530";
  a.state = AssignmentState::releasing;
  a.to = "r530";
  a.reason = "r510 is drained";
  auto parsed = Assignment::parse(a.to_json());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->node, "r510");
  EXPECT_EQ(parsed->address, a.address);
  EXPECT_EQ(parsed->state, AssignmentState::releasing);
  EXPECT_EQ(parsed->to, "r530");
  EXPECT_EQ(parsed->reason, a.reason);
  // The contract's minimal form (no state) is active.
  auto minimal = Assignment::parse(
      R"({"service":"web","node":"r510","address":"10.1.2.130","since":1,"by":"x","new":1})");
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->state, AssignmentState::active);
  EXPECT_FALSE(Assignment::parse(R"({"service":"web","node":"r510"})").ok());
  EXPECT_FALSE(Assignment::parse(R"({"service":"web","address":"10.1.2.1","state":"x"})").ok());
  EXPECT_FALSE(Assignment::parse("[]").ok());
}

TEST(AssignmentRecord, NodesRunOnlyTheirActiveAssignmentsAndReleaseTheirReleasingOnes) {
  std::vector<Assignment> all(4);
  all[0] = {"a", "r510", *Ipv4::parse("10.1.2.128"), 0, "", AssignmentState::active, "", "", 1};
  all[1] = {"b", "r510", *Ipv4::parse("10.1.2.129"), 0, "", AssignmentState::releasing, "r530", "", 2};
  all[2] = {"c", "r530", *Ipv4::parse("10.1.2.130"), 0, "", AssignmentState::active, "", "", 3};
  all[3] = {"d", "", *Ipv4::parse("10.1.2.131"), 0, "", AssignmentState::active, "", "", 4};
  auto run = services_for_node(all, "r510");
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run.at("a").str(), "10.1.2.128");
  auto release = releases_for_node(all, "r510");
  ASSERT_EQ(release.size(), 1u);
  EXPECT_EQ(release[0].service, "b");
  EXPECT_TRUE(services_for_node(all, "").empty()) << "unplaced runs nowhere";
}

// Every combination of liveness and drain of the three nodes, and of the stored state of two
// services (none, unplaced, active or releasing on either server, with or without a release),
// checked against the safety rules.
TEST_F(DecideTest, ExhaustiveSafetyOverStoredStatesLivenessAndDrains) {
  Spec two = load(std::string(kSpec).substr(0, std::string(kSpec).find("  big:")));
  input_.spec = &two;
  const std::vector<std::string> servers = {"r510", "r530"};
  const std::vector<std::string> names = {"web", "api"};
  const std::vector<Ipv4> addresses = {*Ipv4::parse("10.1.2.128"), *Ipv4::parse("10.1.2.129")};
  // Per service: 0 none, 1 unplaced, 2..3 active on a server, 4..5 releasing a server -> other,
  // 6..7 releasing and released.
  constexpr int kStates = 8;
  int cases = 0;
  for (int live_mask = 0; live_mask < 8; ++live_mask) {
    for (int drain_mask = 0; drain_mask < 4; ++drain_mask) {
      for (int s0 = 0; s0 < kStates; ++s0) {
        for (int s1 = 0; s1 < kStates; ++s1) {
          input_.live.clear();
          if (live_mask & 1) input_.live["r510"] = kLongAgo;
          if (live_mask & 2) input_.live["r530"] = kLongAgo;
          if (live_mask & 4) input_.live["elitedesk"] = kLongAgo;
          input_.drained.clear();
          if (drain_mask & 1) input_.drained.insert("r510");
          if (drain_mask & 2) input_.drained.insert("r530");
          input_.current.clear();
          input_.released.clear();
          int states[2] = {s0, s1};
          for (int i = 0; i < 2; ++i) {
            int s = states[i];
            if (s == 0) continue;
            Assignment a;
            a.service = names[i];
            a.address = addresses[i];
            a.revision = 10 + i;
            if (s >= 2) a.node = servers[(s - 2) % 2];
            if (s >= 4) {
              a.state = AssignmentState::releasing;
              a.to = servers[(s - 1) % 2];
            }
            if (s >= 6) input_.released[a.service] = {a.service, a.node, a.address, a.revision, 1};
            input_.current[a.service] = a;
          }
          ++cases;
          auto decided = decide_assignments(input_);
          ASSERT_TRUE(decided.ok());
          auto is_live = [&](const std::string& n) { return input_.live.contains(n); };
          for (const auto& u : decided->updates) {
            SCOPED_TRACE("live " + std::to_string(live_mask) + " drained " +
                         std::to_string(drain_mask) + " states " + std::to_string(s0) + "," +
                         std::to_string(s1) + " service " + u.service);
            ASSERT_TRUE(u.assignment);
            const Assignment& next = *u.assignment;
            EXPECT_NE(next.node, "elitedesk");
            auto found = input_.current.find(u.service);
            const Assignment* before = found == input_.current.end() ? nullptr : &found->second;
            if (before) {
              EXPECT_EQ(next.address, before->address) << "addresses never change";
            }
            bool node_changes = before == nullptr || before->node != next.node;
            if (!node_changes) continue;
            if (!next.unplaced()) {
              EXPECT_TRUE(is_live(next.node)) << "only live nodes get services";
              EXPECT_FALSE(input_.drained.contains(next.node)) << "never onto a drained node";
              EXPECT_EQ(next.state, AssignmentState::active);
            }
            if (before == nullptr || before->unplaced()) continue;
            if (is_live(before->node)) {
              // Off a live node only after it released this very assignment.
              EXPECT_EQ(before->state, AssignmentState::releasing);
              ASSERT_TRUE(input_.released.contains(u.service));
              EXPECT_EQ(input_.released.at(u.service).revision, before->revision);
              EXPECT_TRUE(u.consumes_release);
            } else {
              EXPECT_EQ(u.requires_dead, std::vector<std::string>{before->node})
                  << "off a dead node only while it stays dead";
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(cases, 8 * 4 * kStates * kStates);
}

}  // namespace
}  // namespace hearth::cluster
