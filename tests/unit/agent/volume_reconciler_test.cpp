#include "agent/volume_reconciler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "agent/volume_status.h"
#include "spec/load.h"

namespace hearth::agent {
namespace {

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return *loaded.spec;
}

std::vector<VolumePlan> example_plan(const Spec& spec) {
  auto plan = plan_bricks(spec);
  EXPECT_TRUE(plan.ok());
  return *plan;
}

const std::vector<std::string> kPeers{"10.1.7.22", "10.1.7.26"};  // as seen from r510

GlusterPeer peer(const std::string& host, bool connected) {
  GlusterPeer p;
  p.hostname = host;
  p.hostnames = {host};
  p.connected = connected;
  return p;
}

GlusterVolume volume_of(const VolumePlan& plan, const std::string& state, bool with_options) {
  GlusterVolume v;
  v.name = plan.volume;
  v.state = state;
  v.replica = 3;
  v.arbiter = 1;
  for (const Brick* b : plan.gluster_order())
    v.bricks.push_back({b->host.str(), b->path, b == &plan.arbiter});
  if (with_options) {
    for (const auto& option : volume_options()) v.options[option.key] = option.value;
  }
  return v;
}

GlusterVolumeState state_of(const GlusterVolume& v, std::set<std::string> down = {}) {
  GlusterVolumeState s;
  s.name = v.name;
  for (const auto& b : v.bricks) {
    if (down.count(b.host)) continue;  // bricks of unreachable peers are missing
    GlusterBrickState state;
    state.host = b.host;
    state.path = b.path;
    state.online = true;
    s.bricks.push_back(state);
  }
  return s;
}

std::vector<ClusterAction::Kind> kinds(const std::vector<ClusterAction>& actions) {
  std::vector<ClusterAction::Kind> k;
  for (const auto& a : actions) k.push_back(a.kind);
  return k;
}

using Kind = ClusterAction::Kind;

TEST(DecideCluster, ProbesEveryMissingPeerAndCreatesNothingUntilThePoolIsComplete) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  HealMemory memory;
  ClusterObservation observed;
  observed.peers = {peer("10.1.7.22", true)};
  auto actions = decide_cluster(plan, kPeers, observed, memory, 0);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::probe);
  EXPECT_EQ(actions[0].host, "10.1.7.26");

  observed.peers = {peer("10.1.7.22", true), peer("10.1.7.26", false)};  // probed, not connected
  EXPECT_TRUE(decide_cluster(plan, kPeers, observed, memory, 0).empty());
}

TEST(DecideCluster, CreatesEveryVolumeWithThePlannedBricksOnceThePoolIsConnected) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  HealMemory memory;
  ClusterObservation observed;
  observed.peers = {peer("10.1.7.22", true), peer("10.1.7.26", true)};
  auto actions = decide_cluster(plan, kPeers, observed, memory, 0);
  ASSERT_EQ(kinds(actions), (std::vector<Kind>{Kind::create, Kind::create}));
  EXPECT_EQ(actions[0].volume, "appdata");
  ASSERT_TRUE(actions[0].plan.has_value());
  EXPECT_EQ(actions[0].plan->arbiter.node, "elitedesk");
  EXPECT_EQ(actions[1].volume, "media");
}

TEST(DecideCluster, SetsEveryOptionThatDiffersThenStarts) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  HealMemory memory;
  ClusterObservation observed;
  observed.peers = {peer("10.1.7.22", true), peer("10.1.7.26", true)};
  auto created = volume_of(plan[0], "Created", false);
  created.options["network.ping-timeout"] = "5";    // already right: not set again
  created.options["cluster.quorum-type"] = "none";  // wrong: set
  observed.volumes = {created, volume_of(plan[1], "Started", true)};
  observed.states["media"] = state_of(observed.volumes[1]);
  auto actions = decide_cluster(plan, kPeers, observed, memory, 0);
  ASSERT_EQ(kinds(actions), (std::vector<Kind>{Kind::set_options, Kind::start}));
  EXPECT_EQ(actions[0].volume, "appdata");
  EXPECT_EQ(actions[0].options.size(), volume_options().size() - 1);
  for (const auto& [key, value] : actions[0].options) EXPECT_NE(key, "network.ping-timeout");
  EXPECT_EQ(actions[1].volume, "appdata");
}

TEST(DecideCluster, ConvergedMeansNothingToDo) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  HealMemory memory;
  ClusterObservation observed;
  observed.peers = {peer("10.1.7.22", true), peer("10.1.7.26", true)};
  for (const auto& p : plan) {
    observed.volumes.push_back(volume_of(p, "Started", true));
    observed.states[p.volume] = state_of(observed.volumes.back());
  }
  EXPECT_TRUE(decide_cluster(plan, kPeers, observed, memory, 0).empty());
  EXPECT_TRUE(decide_cluster(plan, kPeers, observed, memory, 10000).empty());
}

TEST(DecideCluster, AVolumeRemovedFromTheSpecIsStoppedNeverDeleted) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  HealMemory memory;
  ClusterObservation observed;
  observed.peers = {peer("10.1.7.22", true), peer("10.1.7.26", true)};
  observed.volumes = {volume_of(plan[0], "Started", true), volume_of(plan[1], "Started", true)};
  std::vector<VolumePlan> without_media{plan[0]};
  auto actions = decide_cluster(without_media, kPeers, observed, memory, 0);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::stop);
  EXPECT_EQ(actions[0].volume, "media");
  observed.volumes[1].state = "Stopped";
  EXPECT_TRUE(decide_cluster(without_media, kPeers, observed, memory, 0).empty());
}

TEST(DecideCluster, HealsWhenABrickComesBackAndAgainWhileEntriesStayPending) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  std::vector<VolumePlan> one{plan[0]};
  HealMemory memory;
  ClusterObservation observed;
  observed.peers = {peer("10.1.7.22", true), peer("10.1.7.26", true)};
  observed.volumes = {volume_of(plan[0], "Started", true)};
  observed.states["appdata"] = state_of(observed.volumes[0]);
  EXPECT_TRUE(decide_cluster(one, {"10.1.7.22", "10.1.7.26"}, observed, memory, 0).empty());

  // r530 (10.1.7.22) loses power: its brick disappears, its peer disconnects. No heal while down.
  observed.peers[0].connected = false;
  observed.states["appdata"] = state_of(observed.volumes[0], {"10.1.7.22"});
  EXPECT_TRUE(decide_cluster(one, kPeers, observed, memory, 1000).empty());

  // Back: a heal at once.
  observed.peers[0].connected = true;
  observed.states["appdata"] = state_of(observed.volumes[0]);
  auto actions = decide_cluster(one, kPeers, observed, memory, 2000);
  ASSERT_EQ(kinds(actions), (std::vector<Kind>{Kind::heal}));
  // The heal command failed (right after the link returned): tried again a second later.
  EXPECT_TRUE(decide_cluster(one, kPeers, observed, memory, 2500).empty());
  ASSERT_EQ(kinds(decide_cluster(one, kPeers, observed, memory, 3000)),
            (std::vector<Kind>{Kind::heal}));
  memory.healed("appdata");
  EXPECT_TRUE(decide_cluster(one, kPeers, observed, memory, 3500).empty());

  // Entries stay pending with every brick up: heal again every kHealRepeatMs until none is left.
  GlusterHealSummary heal;
  heal.bricks = {{"10.1.7.17:/srv/hearth/bricks/hdd1/appdata", true, 3, 0, 0}};
  observed.heals["appdata"] = heal;
  EXPECT_TRUE(decide_cluster(one, kPeers, observed, memory, 3000 + kHealRepeatMs - 1).empty());
  EXPECT_EQ(kinds(decide_cluster(one, kPeers, observed, memory, 3000 + kHealRepeatMs)),
            (std::vector<Kind>{Kind::heal}));
  observed.heals["appdata"].bricks[0].pending = 0;
  EXPECT_TRUE(decide_cluster(one, kPeers, observed, memory, 3000 + 3 * kHealRepeatMs).empty());
}

TEST(DecideCluster, NoHealWhileABrickIsStillDown) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  std::vector<VolumePlan> one{plan[0]};
  HealMemory memory;
  ClusterObservation observed;
  observed.peers = {peer("10.1.7.22", true), peer("10.1.7.26", true)};
  observed.volumes = {volume_of(plan[0], "Started", true)};
  observed.states["appdata"] = state_of(observed.volumes[0], {"10.1.7.26"});
  GlusterHealSummary heal;
  heal.bricks = {{"10.1.7.17:/x", true, 5, 0, 0}};
  observed.heals["appdata"] = heal;
  EXPECT_TRUE(decide_cluster(one, kPeers, observed, memory, 100000).empty());
}

// --- every node ---

NodeObservation disks_of(const Spec& spec, const std::string& node) {
  NodeObservation observed;
  for (const auto& disk : spec.find_node(node)->disks) observed.existing_paths.insert(disk.path);
  return observed;
}

TEST(DecideNode, MakesItsOwnBrickDirectoriesOnlyBeforeTheVolumeExists) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  NodeObservation observed = disks_of(spec, "r510");
  auto actions = decide_node(spec, plan, "r510", "/var/lib/hearth", observed);
  ASSERT_EQ(actions.size(), 2u);  // appdata and media each have a data brick on r510
  for (const auto& a : actions) {
    EXPECT_EQ(a.kind, NodeAction::Kind::make_brick_dir);
    EXPECT_EQ(a.path.rfind("/srv/hearth/bricks/", 0), 0u) << a.path;
  }
  // Once gluster has the volume, a missing brick directory is a failed disk: left alone.
  observed.volumes = {volume_of(plan[0], "Created", false), volume_of(plan[1], "Created", false)};
  EXPECT_TRUE(decide_node(spec, plan, "r510", "/var/lib/hearth", observed).empty());
}

TEST(DecideNode, NoBrickDirectoryWhenItsDiskIsMissing) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  NodeObservation observed;  // no disk path exists
  EXPECT_TRUE(decide_node(spec, plan, "elitedesk", "/var/lib/hearth", observed).empty());
  observed = disks_of(spec, "elitedesk");
  auto actions = decide_node(spec, plan, "elitedesk", "/var/lib/hearth", observed);
  EXPECT_EQ(actions.size(), 2u);  // the two arbiter bricks
}

TEST(DecideNode, ServersMountEveryStartedVolumeOwnGlusterdFirst) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  NodeObservation observed = disks_of(spec, "r530");
  observed.volumes = {volume_of(plan[0], "Started", true), volume_of(plan[1], "Created", true)};
  auto actions = decide_node(spec, plan, "r530", "/var/lib/hearth", observed);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, NodeAction::Kind::mount);
  EXPECT_EQ(actions[0].path, "/var/lib/hearth/volumes/appdata");
  EXPECT_EQ(actions[0].servers, (std::vector<std::string>{"10.1.7.22", "10.1.7.17", "10.1.7.26"}));

  observed.mounts["/var/lib/hearth/volumes/appdata"] = MountState::alive;
  EXPECT_TRUE(decide_node(spec, plan, "r530", "/var/lib/hearth", observed).empty());
  observed.mounts["/var/lib/hearth/volumes/appdata"] = MountState::stuck;  // a stall: wait
  EXPECT_TRUE(decide_node(spec, plan, "r530", "/var/lib/hearth", observed).empty());
  // Cut off from every brick: a remount would not help, and would leave the bare directory there.
  observed.mounts["/var/lib/hearth/volumes/appdata"] = MountState::unreachable;
  EXPECT_TRUE(decide_node(spec, plan, "r530", "/var/lib/hearth", observed).empty());
}

TEST(DecideNode, ADeadMountIsUnmountedAndMountedAgain) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  NodeObservation observed = disks_of(spec, "r510");
  observed.volumes = {volume_of(plan[0], "Started", true), volume_of(plan[1], "Started", true)};
  observed.mounts["/var/lib/hearth/volumes/appdata"] = MountState::dead;
  observed.mounts["/var/lib/hearth/volumes/media"] = MountState::alive;
  auto actions = decide_node(spec, plan, "r510", "/var/lib/hearth", observed);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].kind, NodeAction::Kind::unmount);
  EXPECT_EQ(actions[1].kind, NodeAction::Kind::mount);
  EXPECT_EQ(actions[1].volume, "appdata");
}

TEST(DecideNode, MountsOfVolumesNotStartedOrNotInTheSpecAreUnmounted) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  NodeObservation observed = disks_of(spec, "r510");
  observed.volumes = {volume_of(plan[0], "Started", true), volume_of(plan[1], "Stopped", true)};
  observed.mounts["/var/lib/hearth/volumes/appdata"] = MountState::alive;
  observed.mounts["/var/lib/hearth/volumes/media"] = MountState::alive;
  observed.mounts["/var/lib/hearth/volumes/old"] = MountState::dead;
  observed.mounts["/var/lib/hearth/volumes/empty-dir"] = MountState::absent;
  auto actions = decide_node(spec, plan, "r510", "/var/lib/hearth", observed);
  ASSERT_EQ(actions.size(), 2u);
  for (const auto& a : actions) EXPECT_EQ(a.kind, NodeAction::Kind::unmount) << describe(a);
  EXPECT_EQ(actions[0].path, "/var/lib/hearth/volumes/media");
  EXPECT_EQ(actions[1].path, "/var/lib/hearth/volumes/old");
}

TEST(DecideNode, TheArbiterMountsNothing) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  NodeObservation observed = disks_of(spec, "elitedesk");
  observed.volumes = {volume_of(plan[0], "Started", true), volume_of(plan[1], "Started", true)};
  EXPECT_TRUE(decide_node(spec, plan, "elitedesk", "/var/lib/hearth", observed).empty());
}

// --- the driver, against fakes that keep gluster's and the mounts' contracts in memory ---

class FakeGluster final : public GlusterCli {
 public:
  std::vector<GlusterPeer> peers;
  std::vector<GlusterVolume> volumes_;
  std::vector<std::string> calls;
  std::set<std::string> down_hosts;  // their bricks are not online
  std::optional<std::string> volumes_error;  // `volume info` fails with this message
  std::optional<std::string> status_error;   // `volume status` fails with this message

  Result<std::vector<GlusterPeer>> pool() override { return peers; }
  Status probe(const std::string& host) override {
    calls.push_back("probe " + host);
    peers.push_back(peer(host, true));
    return ok_status();
  }
  Result<std::vector<GlusterVolume>> volumes() override {
    if (volumes_error) return Error{*volumes_error};
    return volumes_;
  }
  Status create(const VolumePlan& plan) override {
    calls.push_back("create " + plan.volume);
    if (find(plan.volume)) return Error{"volume " + plan.volume + " already exists"};
    volumes_.push_back(volume_of(plan, "Created", false));
    return ok_status();
  }
  Status set_options(const std::string& volume,
                     const std::vector<std::pair<std::string, std::string>>& options) override {
    calls.push_back("set " + volume);
    for (const auto& [key, value] : options) find(volume)->options[key] = value;
    return ok_status();
  }
  Status start(const std::string& volume) override {
    calls.push_back("start " + volume);
    find(volume)->state = "Started";
    return ok_status();
  }
  Status stop(const std::string& volume) override {
    calls.push_back("stop " + volume);
    find(volume)->state = "Stopped";
    return ok_status();
  }
  Status remove(const std::string& volume) override {
    calls.push_back("delete " + volume);
    return ok_status();
  }
  Result<GlusterVolumeState> status(const std::string& volume) override {
    if (status_error) return Error{*status_error};
    return state_of(*find(volume), down_hosts);
  }
  Result<GlusterHealSummary> heal_summary(const std::string& volume) override {
    GlusterHealSummary s;
    s.volume = volume;
    return s;
  }
  Status heal(const std::string& volume) override {
    calls.push_back("heal " + volume);
    return ok_status();
  }
  Status replace_brick(const std::string&, const std::string&, const std::string&) override {
    return Error{"not used"};
  }
  GlusterVolume* find(const std::string& name) {
    for (auto& v : volumes_) {
      if (v.name == name) return &v;
    }
    return nullptr;
  }
};

class FakeMounts final : public VolumeMounts {
 public:
  std::map<std::string, MountState> mounts;
  MountState check(const std::string& dir, MountUsage* usage) override {
    auto it = mounts.find(dir);
    if (it != mounts.end() && it->second == MountState::alive && usage) *usage = {100, 40};
    return it == mounts.end() ? MountState::absent : it->second;
  }
  Status mount(const std::string&, const std::vector<std::string>&,
               const std::string& dir) override {
    mounts[dir] = MountState::alive;
    ++mounted;
    return ok_status();
  }
  Status unmount(const std::string& dir) override {
    mounts.erase(dir);
    return ok_status();
  }
  int mounted = 0;
};

TEST(VolumeReconciler, TheLeaderConvergesInAFewStepsAndThenOnlyObserves) {
  Spec spec = example_spec();
  FakeGluster gluster;
  FakeMounts mounts;
  VolumeReconciler reconciler(gluster, mounts, "r510", "/nonexistent-hearth-test/data");
  for (int step = 0; step < 5; ++step) {
    ASSERT_TRUE(reconciler.reconcile_cluster(spec, true, step * 500).ok());
    ASSERT_TRUE(reconciler.reconcile_node(spec).ok());
  }
  ASSERT_EQ(gluster.volumes_.size(), 2u);
  for (const auto& v : gluster.volumes_) {
    EXPECT_TRUE(v.started()) << v.name;
    EXPECT_EQ(v.options.size(), volume_options().size());
  }
  EXPECT_EQ(mounts.mounted, 2);
  auto calls = gluster.calls.size();
  ASSERT_TRUE(reconciler.reconcile_cluster(spec, true, 10000).ok());
  ASSERT_TRUE(reconciler.reconcile_node(spec).ok());
  EXPECT_EQ(gluster.calls.size(), calls) << "converged: nothing more to do";

  auto record = node_mounts(reconciler, "r510", "/nonexistent-hearth-test/data");
  ASSERT_EQ(record.mounts.size(), 2u);
  EXPECT_EQ(record.mounts["appdata"].state, "alive");
  auto parsed = NodeMounts::parse(record.to_json());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->mounts["media"].path, "/nonexistent-hearth-test/data/volumes/media");

  auto json = volumes_json(spec, reconciler.reports(), {record}, 10000);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["name"], "appdata");
  EXPECT_EQ(json[0]["state"], "Started");
  EXPECT_EQ(json[0]["bricks"].size(), 3u);
  EXPECT_EQ(json[0]["bricks"][2]["role"], "arbiter");
  EXPECT_EQ(json[0]["bricks"][2]["node"], "elitedesk");
  EXPECT_EQ(json[0]["mounts"][0]["node"], "r510");
  EXPECT_EQ(json[0]["heal"]["pending"], 0);
  EXPECT_EQ(json[0]["bricks"][0]["up"], true);

  // glusterd still calls a brick online that the heal summary's client cannot reach: down.
  auto reports = reconciler.reports();
  GlusterHealSummary heal;
  heal.bricks = {{reports[0].bricks[0].id(), false, -1, -1, -1}};
  reports[0].heal = heal;
  auto cut = volumes_json(spec, reports, {record}, 10000);
  EXPECT_EQ(cut[0]["bricks"][0]["up"], false);
  EXPECT_EQ(cut[0]["bricks"][1]["up"], true);
}

TEST(VolumeReconciler, AFollowerNeverChangesTheClusterButKeepsItsMounts) {
  Spec spec = example_spec();
  FakeGluster gluster;
  FakeMounts mounts;
  VolumeReconciler reconciler(gluster, mounts, "r530", "/nonexistent-hearth-test/data");
  ASSERT_TRUE(reconciler.reconcile_cluster(spec, false, 0).ok());
  ASSERT_TRUE(reconciler.reconcile_node(spec).ok());
  EXPECT_TRUE(gluster.calls.empty());
  EXPECT_EQ(mounts.mounted, 0);

  Spec spec_copy = spec;
  auto plan = example_plan(spec);
  gluster.volumes_ = {volume_of(plan[0], "Started", true)};
  ASSERT_TRUE(reconciler.reconcile_cluster(spec, false, 500).ok());
  ASSERT_TRUE(reconciler.reconcile_node(spec).ok());
  EXPECT_TRUE(gluster.calls.empty());
  EXPECT_EQ(mounts.mounted, 1);
  mounts.mounts["/nonexistent-hearth-test/data/volumes/appdata"] = MountState::dead;
  ASSERT_TRUE(reconciler.reconcile_node(spec).ok());
  EXPECT_EQ(mounts.mounted, 2) << "remounted";
}

// `volume status` is a cluster-locked transaction: while another node's hearthd (or the leader's
// heal) holds the volume's lock it fails, and `volume info` may time out under load. The status
// keeps the last good view, marked stale with its age and the error; the volume never vanishes.
TEST(VolumeReconciler, AFailedGlusterReadKeepsTheLastGoodViewMarkedStale) {
  Spec spec = example_spec();
  auto plan = example_plan(spec);
  FakeGluster gluster;
  gluster.volumes_ = {volume_of(plan[0], "Started", true), volume_of(plan[1], "Started", true)};
  FakeMounts mounts;
  VolumeReconciler reconciler(gluster, mounts, "r530", "/nonexistent-hearth-test/data");
  auto all_up = [](nlohmann::ordered_json volume) {
    if (volume["bricks"].size() != 3) return false;
    for (std::size_t i = 0; i < volume["bricks"].size(); ++i) {
      if (volume["bricks"][i]["up"] != true) return false;
    }
    return true;
  };

  ASSERT_TRUE(reconciler.reconcile_cluster(spec, false, 1000).ok());
  auto fresh = volumes_json(spec, reconciler.reports(), {}, 1000);
  ASSERT_EQ(fresh[0]["name"], "appdata");
  EXPECT_TRUE(all_up(fresh[0]));
  EXPECT_EQ(fresh[0]["stale"], false);
  EXPECT_EQ(fresh[0]["observed_ms_ago"], 0);
  EXPECT_FALSE(fresh[0].contains("error"));

  gluster.status_error =
      "gluster volume status failed: Another transaction is in progress for appdata. Please try "
      "again after some time.";
  ASSERT_TRUE(reconciler.reconcile_cluster(spec, false, 3000).ok());
  auto busy = volumes_json(spec, reconciler.reports(), {}, 3000);
  EXPECT_TRUE(all_up(busy[0])) << "the last good answer, not unknown: " << busy[0].dump();
  EXPECT_EQ(busy[0]["stale"], true);
  EXPECT_EQ(busy[0]["observed_ms_ago"], 2000);
  EXPECT_NE(busy[0].value("error", "").find("Another transaction"), std::string::npos);

  gluster.volumes_error = "`gluster volume info` timed out after 10000 ms (is glusterd running?)";
  EXPECT_FALSE(reconciler.reconcile_cluster(spec, false, 5000).ok());
  auto silent = volumes_json(spec, reconciler.reports(), {}, 5000);
  ASSERT_EQ(silent.size(), 2u);
  EXPECT_EQ(silent[0]["state"], "Started");
  EXPECT_TRUE(all_up(silent[0])) << silent[0].dump();
  EXPECT_EQ(silent[0]["stale"], true);
  EXPECT_EQ(silent[0]["observed_ms_ago"], 4000);
  EXPECT_NE(silent[0].value("error", "").find("timed out"), std::string::npos);

  // A replace-brick while the view is stale: the new brick is unknown, not down.
  gluster.volumes_error.reset();
  gluster.volumes_[0].bricks[0].path = "/srv/hearth/bricks/hdd9/appdata";
  ASSERT_TRUE(reconciler.reconcile_cluster(spec, false, 6000).ok());
  auto moved = volumes_json(spec, reconciler.reports(), {}, 6000);
  EXPECT_TRUE(moved[0]["bricks"][0]["up"].is_null()) << moved[0].dump();
  EXPECT_EQ(moved[0]["bricks"][1]["up"], true);

  gluster.status_error.reset();
  ASSERT_TRUE(reconciler.reconcile_cluster(spec, false, 7000).ok());
  auto again = volumes_json(spec, reconciler.reports(), {}, 7000);
  EXPECT_TRUE(all_up(again[0])) << again[0].dump();
  EXPECT_EQ(again[0]["stale"], false);
  EXPECT_EQ(again[0]["observed_ms_ago"], 0);
  EXPECT_FALSE(again[0].contains("error"));
}

// The leader decides only on what gluster said this step: a stale view starts no heal.
TEST(VolumeReconciler, TheLeaderDoesNotActOnAStaleView) {
  Spec spec = example_spec();
  FakeGluster gluster;
  FakeMounts mounts;
  VolumeReconciler reconciler(gluster, mounts, "r510", "/nonexistent-hearth-test/data");
  for (int step = 0; step < 5; ++step)
    ASSERT_TRUE(reconciler.reconcile_cluster(spec, true, step * 500).ok());
  gluster.down_hosts = {"10.1.7.26"};  // the arbiter's brick goes down...
  ASSERT_TRUE(reconciler.reconcile_cluster(spec, true, 3000).ok());
  gluster.down_hosts.clear();  // ...and comes back while `volume status` is refused
  gluster.status_error = "gluster volume status failed: Another transaction is in progress";
  auto calls = gluster.calls.size();
  ASSERT_TRUE(reconciler.reconcile_cluster(spec, true, 4000).ok());
  EXPECT_EQ(gluster.calls.size(), calls) << "no decision on a stale view";
  gluster.status_error.reset();
  ASSERT_TRUE(reconciler.reconcile_cluster(spec, true, 5000).ok());
  std::vector<std::string> after(gluster.calls.begin() + static_cast<std::ptrdiff_t>(calls),
                                 gluster.calls.end());
  EXPECT_EQ(std::count(after.begin(), after.end(), "heal appdata"), 1)
      << "the brick's return is seen on the next fresh answer";
}

}  // namespace
}  // namespace hearth::agent

namespace hearth::agent {
namespace {

TEST(NodeMounts, FieldsOfTheWrongTypeAreReadAsAbsentNeverThrown) {
  auto parsed = NodeMounts::parse(
      R"({"node": "r510", "mounts": {"a": {"state": 1, "path": [], "total": "x", "free": -3},
                                     "b": 7, "c": {"state": "alive", "total": 10}}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->mounts["a"].state, "");
  EXPECT_EQ(parsed->mounts["a"].total, 0u);
  EXPECT_EQ(parsed->mounts["a"].free, 0u);
  EXPECT_EQ(parsed->mounts.count("b"), 0u);
  EXPECT_EQ(parsed->mounts["c"].total, 10u);
  EXPECT_FALSE(NodeMounts::parse(R"({"node": 5, "mounts": {}})").ok());
  EXPECT_FALSE(NodeMounts::parse("\x7f").ok());
}

}  // namespace
}  // namespace hearth::agent
