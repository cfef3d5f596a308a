#include "agent/volume_reconciler.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>

#include "common/log.h"

namespace hearth::agent {
namespace {

bool has_peer(const std::vector<GlusterPeer>& peers, const std::string& host, bool* connected) {
  for (const auto& peer : peers) {
    if (peer.self) continue;
    bool named = peer.hostname == host || std::find(peer.hostnames.begin(), peer.hostnames.end(),
                                                    host) != peer.hostnames.end();
    if (named) {
      if (connected) *connected = peer.connected;
      return true;
    }
  }
  return false;
}

const GlusterVolume* find_volume(const std::vector<GlusterVolume>& volumes,
                                 const std::string& name) {
  for (const auto& v : volumes) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const VolumePlan* find_plan(const std::vector<VolumePlan>& plan, const std::string& name) {
  for (const auto& v : plan) {
    if (v.volume == name) return &v;
  }
  return nullptr;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

const std::vector<VolumeOption>& volume_options() {
  static const std::vector<VolumeOption> options = {
      {"cluster.quorum-type", "auto",
       "client quorum: a client writes only while it reaches 2 of the 3 bricks (the arbiter "
       "counts), "
       "so the two sides of a cut can never both write: no split-brain"},
      {"network.ping-timeout", "5",
       "a brick that stops answering pings is given up after 5 s instead of 42 s (a safety net "
       "behind client.tcp-user-timeout; lower values risk dropping a busy but live brick)"},
      {"client.tcp-user-timeout", "1",
       "the kernel drops a connection whose sent data stays unacknowledged for 1 s: after a data "
       "server's power cut, I/O resumes in ~1.2-1.4 s (LAB-NOTES) instead of waiting for the ping"},
      {"cluster.self-heal-daemon", "on", "the self-heal daemon heals in the background"},
      {"cluster.heal-timeout", "60",
       "its periodic crawl every 60 s instead of 600 s, behind hearthd's own heal on return"},
      {"performance.flush-behind", "off",
       "close() returns once the data reached the bricks, not before: an application that closes a "
       "file without fsync still does not lose it when a server dies right after"},
      {"storage.health-check-interval", "10",
       "a brick checks its directory every 10 s and stops when its disk is gone, so a failed disk "
       "shows as a brick down"},
  };
  return options;
}

void HealMemory::healed(const std::string& volume) { wanted.erase(volume); }

std::string describe(const ClusterAction& action) {
  switch (action.kind) {
    case ClusterAction::Kind::probe:
      return "add peer " + action.host + " to the trusted pool";
    case ClusterAction::Kind::create:
      return "create volume " + action.volume;
    case ClusterAction::Kind::set_options: {
      std::string list;
      for (const auto& [key, value] : action.options)
        list += (list.empty() ? "" : " ") + key + "=" + value;
      return "set " + list + " on volume " + action.volume;
    }
    case ClusterAction::Kind::start:
      return "start volume " + action.volume;
    case ClusterAction::Kind::stop:
      return "stop volume " + action.volume + " (its bricks are kept)";
    case ClusterAction::Kind::heal:
      return "heal volume " + action.volume;
  }
  return "?";
}

std::string describe(const NodeAction& action) {
  switch (action.kind) {
    case NodeAction::Kind::make_brick_dir:
      return "make brick directory " + action.path;
    case NodeAction::Kind::mount:
      return "mount volume " + action.volume + " at " + action.path;
    case NodeAction::Kind::unmount:
      return "unmount " + action.path;
  }
  return "?";
}

std::vector<ClusterAction> decide_cluster(const std::vector<VolumePlan>& plan,
                                          const std::vector<std::string>& peer_hosts,
                                          const ClusterObservation& observed, HealMemory& memory,
                                          std::int64_t now_ms) {
  std::vector<ClusterAction> actions;

  // The pool: every other node a peer, connected.
  bool pool_complete = true;
  std::set<std::string> connected_now;
  for (const auto& host : peer_hosts) {
    bool connected = false;
    if (!has_peer(observed.peers, host, &connected)) {
      ClusterAction probe;
      probe.kind = ClusterAction::Kind::probe;
      probe.host = host;
      probe.reason = "not in the trusted pool";
      actions.push_back(probe);
      pool_complete = false;
      continue;
    }
    if (connected) {
      connected_now.insert(host);
    } else {
      pool_complete = false;
    }
  }
  // The first observation is only remembered (a restarted leader does not heal without need:
  // the pending-entries rule below covers what happened while it was away).
  bool peer_returned = false;
  if (memory.connected_peers) {
    for (const auto& host : connected_now)
      peer_returned = peer_returned || !memory.connected_peers->count(host);
  }
  memory.connected_peers = connected_now;

  for (const auto& volume : plan) {
    const GlusterVolume* existing = find_volume(observed.volumes, volume.volume);
    if (!existing) {
      if (pool_complete) {
        ClusterAction create;
        create.kind = ClusterAction::Kind::create;
        create.volume = volume.volume;
        create.plan = volume;
        create.reason = "in the spec, not in gluster";
        actions.push_back(create);
      }
      continue;  // options and start once gluster has it (next observation)
    }
    ClusterAction set;
    set.kind = ClusterAction::Kind::set_options;
    set.volume = volume.volume;
    for (const auto& option : volume_options()) {
      auto found = existing->options.find(option.key);
      if (found != existing->options.end() && lower(found->second) == lower(option.value)) continue;
      set.options.emplace_back(option.key, option.value);
      set.reason += (set.reason.empty() ? "" : ", ") + option.key +
                    (found == existing->options.end() ? " not set" : " is " + found->second);
    }
    if (!set.options.empty()) actions.push_back(set);
    if (!existing->started()) {
      ClusterAction start;
      start.kind = ClusterAction::Kind::start;
      start.volume = volume.volume;
      start.reason = "is " + existing->state;
      actions.push_back(start);
      continue;
    }

    // Heal when something came back, and while entries stay pending with every brick up.
    auto state = observed.states.find(volume.volume);
    if (state == observed.states.end()) continue;
    std::set<std::string> online;
    for (const auto& brick : state->second.bricks) {
      if (brick.online) online.insert(brick.id());
    }
    auto previous = memory.online_bricks.find(volume.volume);
    bool brick_returned = false;
    if (previous != memory.online_bricks.end()) {
      for (const auto& id : online) brick_returned = brick_returned || !previous->second.count(id);
    }
    memory.online_bricks[volume.volume] = online;
    if (brick_returned || peer_returned) memory.wanted.insert(volume.volume);

    bool all_up = online.size() >= existing->bricks.size() && !existing->bricks.empty();
    if (!all_up) continue;
    auto heal = observed.heals.find(volume.volume);
    bool pending = heal != observed.heals.end() && heal->second.pending() > 0;
    auto last = memory.last_attempt_ms.find(volume.volume);
    std::int64_t since = last == memory.last_attempt_ms.end() ? INT64_MAX : now_ms - last->second;
    bool wanted = memory.wanted.count(volume.volume) > 0;
    if ((wanted && since >= kHealRetryMs) || (pending && since >= kHealRepeatMs)) {
      memory.last_attempt_ms[volume.volume] = now_ms;
      ClusterAction act;
      act.kind = ClusterAction::Kind::heal;
      act.volume = volume.volume;
      act.reason = wanted ? "a brick or peer came back"
                          : std::to_string(heal->second.pending()) + " entries pending";
      actions.push_back(act);
    }
  }

  // Volumes the spec no longer names: stopped, never deleted (hearth volume delete does that).
  for (const auto& existing : observed.volumes) {
    if (find_plan(plan, existing.name)) continue;
    if (existing.started()) {
      ClusterAction stop;
      stop.kind = ClusterAction::Kind::stop;
      stop.volume = existing.name;
      stop.reason = "no longer in the spec";
      actions.push_back(stop);
    }
  }
  return actions;
}

std::string gluster_host(const Node& node) {
  return node.storage_address ? node.storage_address->str() : node.address.str();
}

std::string volume_mount_dir(const std::string& data_dir, const std::string& volume) {
  return data_dir + "/volumes/" + volume;
}

std::vector<NodeAction> decide_node(const Spec& spec, const std::vector<VolumePlan>& plan,
                                    const std::string& node, const std::string& data_dir,
                                    const NodeObservation& observed) {
  std::vector<NodeAction> actions;
  const Node* self = spec.find_node(node);
  if (!self) return actions;

  for (const auto& volume : plan) {
    if (find_volume(observed.volumes, volume.volume)) continue;  // exists: bricks are gluster's
    for (const Brick* brick : volume.gluster_order()) {
      if (brick->node != node || observed.existing_paths.count(brick->path)) continue;
      const Disk* disk = nullptr;
      for (const auto& d : self->disks) {
        if (d.name == brick->disk) disk = &d;
      }
      if (!disk || !observed.existing_paths.count(disk->path)) continue;  // no disk: nothing to do
      NodeAction make;
      make.kind = NodeAction::Kind::make_brick_dir;
      make.volume = volume.volume;
      make.path = brick->path;
      make.reason = "volume not created yet";
      actions.push_back(make);
    }
  }

  if (self->role != NodeRole::server) return actions;

  std::set<std::string> wanted_dirs;
  for (const auto& volume : plan) {
    const GlusterVolume* existing = find_volume(observed.volumes, volume.volume);
    if (!existing || !existing->started()) continue;
    std::string dir = volume_mount_dir(data_dir, volume.volume);
    wanted_dirs.insert(dir);
    auto state = observed.mounts.find(dir);
    MountState now = state == observed.mounts.end() ? MountState::absent : state->second;
    // A stall or a partition is not cured by a remount: only a dead client is.
    if (now == MountState::alive || now == MountState::stuck || now == MountState::unreachable)
      continue;
    if (now == MountState::dead) {
      NodeAction unmount;
      unmount.kind = NodeAction::Kind::unmount;
      unmount.volume = volume.volume;
      unmount.path = dir;
      unmount.reason = "its client is gone";
      actions.push_back(unmount);
    }
    NodeAction mount;
    mount.kind = NodeAction::Kind::mount;
    mount.volume = volume.volume;
    mount.path = dir;
    // Own glusterd first (it is up whenever this node is), then the other nodes of the volume.
    std::vector<std::string> servers{gluster_host(*self)};
    for (const Brick* brick : volume.gluster_order()) {
      std::string host = brick->host.str();
      if (std::find(servers.begin(), servers.end(), host) == servers.end()) servers.push_back(host);
    }
    mount.servers = servers;
    mount.reason = now == MountState::dead ? "remount: its client died" : "not mounted";
    actions.push_back(mount);
  }
  for (const auto& [dir, state] : observed.mounts) {
    if (wanted_dirs.count(dir) || state == MountState::absent) continue;
    NodeAction unmount;
    unmount.kind = NodeAction::Kind::unmount;
    unmount.path = dir;
    unmount.volume = std::filesystem::path(dir).filename().string();
    unmount.reason = "volume not started or not in the spec";
    actions.push_back(unmount);
  }
  return actions;
}

// --- the driver ---

VolumeReconciler::VolumeReconciler(GlusterCli& gluster, VolumeMounts& mounts, std::string node,
                                   std::string data_dir)
    : gluster_(gluster), mounts_(mounts), node_(std::move(node)), data_dir_(std::move(data_dir)) {}

void VolumeReconciler::observe_states(const std::vector<GlusterVolume>& volumes,
                                      std::int64_t now_ms,
                                      std::map<std::string, GlusterVolumeState>& states,
                                      std::map<std::string, GlusterHealSummary>& heals) {
  std::vector<VolumeReport> previous = reports();
  auto last = [&](const std::string& name) -> const VolumeReport* {
    for (const auto& old : previous) {
      if (old.name == name) return &old;
    }
    return nullptr;
  };
  std::vector<VolumeReport> reports;
  for (const auto& volume : volumes) {
    VolumeReport report;
    report.name = volume.name;
    report.state = volume.state;
    report.bricks = volume.bricks;
    const VolumeReport* old = last(volume.name);
    if (volume.started()) {
      // `volume status` is a cluster-locked transaction: it fails while any node runs another
      // one on this volume ("Another transaction is in progress", every hearthd polls it). The
      // last good answer stays, marked stale; decisions (`states`) only ever use a fresh one.
      if (auto state = gluster_.status(volume.name)) {
        for (const auto& brick : state->bricks) report.brick_states[brick.id()] = brick;
        report.states_observed_ms = now_ms;
        states[volume.name] = *state;
      } else {
        report.error = state.error().message;
        report.stale = true;
        if (old) {
          report.brick_states = old->brick_states;
          report.states_observed_ms = old->states_observed_ms;
        }
      }
      bool heal_fresh = false;
      if (old && old->heal && now_ms - old->heal_observed_ms < kHealObserveMs) {
        report.heal = old->heal;  // heal info runs a client of its own: not every step
        report.heal_observed_ms = old->heal_observed_ms;
        heal_fresh = true;
      } else if (auto heal = gluster_.heal_summary(volume.name)) {
        report.heal = *heal;
        report.heal_observed_ms = now_ms;
        heal_fresh = true;
      } else {
        if (report.error.empty()) report.error = heal.error().message;
        if (old && old->heal) {  // the last good counts, with their age (heal.age_ms)
          report.heal = old->heal;
          report.heal_observed_ms = old->heal_observed_ms;
        }
      }
      if (report.heal && heal_fresh) heals[volume.name] = *report.heal;
    }
    reports.push_back(std::move(report));
  }
  std::lock_guard lock(mutex_);
  reports_ = std::move(reports);
}

void VolumeReconciler::mark_stale(const std::string& error) {
  std::lock_guard lock(mutex_);
  for (auto& report : reports_) {
    report.stale = true;
    report.error = error;
  }
}

Status VolumeReconciler::reconcile_cluster(const Spec& spec, bool leader, std::int64_t now_ms) {
  auto plan = plan_bricks(spec);
  if (!plan) return plan.error();
  auto volumes = gluster_.volumes();
  if (!volumes) {
    Error error{"cannot read the volumes from the local glusterd: " + volumes.error().message};
    mark_stale(error.message);  // the last good view stays, marked stale
    return error;
  }
  ClusterObservation observed;
  observed.volumes = *volumes;
  observe_states(*volumes, now_ms, observed.states, observed.heals);
  if (!leader) {
    memory_ = HealMemory{};  // a future term starts from a fresh look
    return ok_status();
  }
  auto peers = gluster_.pool();
  if (!peers) return Error{"cannot read the trusted pool: " + peers.error().message};
  observed.peers = *peers;
  std::vector<std::string> peer_hosts;
  for (const auto& node : spec.nodes) {
    if (node.name != node_) peer_hosts.push_back(gluster_host(node));
  }
  Status first = ok_status();
  for (const auto& action : decide_cluster(*plan, peer_hosts, observed, memory_, now_ms)) {
    Status done = ok_status();
    switch (action.kind) {
      case ClusterAction::Kind::probe:
        done = gluster_.probe(action.host);
        break;
      case ClusterAction::Kind::create:
        done = gluster_.create(*action.plan);
        break;
      case ClusterAction::Kind::set_options:
        done = gluster_.set_options(action.volume, action.options);
        break;
      case ClusterAction::Kind::start:
        done = gluster_.start(action.volume);
        break;
      case ClusterAction::Kind::stop:
        done = gluster_.stop(action.volume);
        break;
      case ClusterAction::Kind::heal:
        done = gluster_.heal(action.volume);
        if (done) memory_.healed(action.volume);
        break;
    }
    std::string what = describe(action);
    if (done) {
      log::info("volumes: " + what + " (" + action.reason + ")");
      cluster_failed_.erase(what);
    } else {
      if (cluster_failed_[what] != done.error().message)
        log::warn("volumes: cannot " + what + ": " + done.error().message);
      cluster_failed_[what] = done.error().message;
      if (first) first = Error{"cannot " + what + ": " + done.error().message};
    }
  }
  return first;
}

Status VolumeReconciler::reconcile_node(const Spec& spec) {
  const Node* self = spec.find_node(node_);
  if (!self) return Error{"node " + node_ + " is not in the spec in force"};
  auto planned = plan_bricks(spec);
  if (!planned) return planned.error();
  const std::vector<VolumePlan>& plan = *planned;
  auto volumes = gluster_.volumes();
  if (!volumes)
    return Error{"cannot read the volumes from the local glusterd: " + volumes.error().message};
  NodeObservation observed;
  observed.volumes = *volumes;
  std::error_code ec;
  for (const auto& disk : self->disks) {
    if (std::filesystem::is_directory(disk.path, ec)) observed.existing_paths.insert(disk.path);
  }
  for (const auto& volume : plan) {
    for (const Brick* brick : volume.gluster_order()) {
      if (brick->node == node_ && std::filesystem::is_directory(brick->path, ec)) {
        observed.existing_paths.insert(brick->path);
      }
    }
  }
  std::map<std::string, std::string> states;
  std::map<std::string, MountUsage> usage;
  if (self->role == NodeRole::server) {
    std::set<std::string> dirs;
    for (const auto& volume : plan) dirs.insert(volume_mount_dir(data_dir_, volume.volume));
    std::string root = data_dir_ + "/volumes";
    for (const auto& entry : std::filesystem::directory_iterator(root, ec))
      dirs.insert(entry.path().string());
    for (const auto& dir : dirs) {
      MountUsage used;
      MountState state = mounts_.check(dir, &used);
      observed.mounts[dir] = state;
      std::string name = std::filesystem::path(dir).filename().string();
      states[name] = to_string(state);
      if (state == MountState::alive) usage[name] = used;
    }
  }

  Status first = ok_status();
  for (const auto& action : decide_node(spec, plan, node_, data_dir_, observed)) {
    Status done = ok_status();
    switch (action.kind) {
      case NodeAction::Kind::make_brick_dir:
        std::filesystem::create_directories(action.path, ec);
        if (ec) done = Error{"cannot create " + action.path + ": " + ec.message()};
        break;
      case NodeAction::Kind::mount:
        done = mounts_.mount(action.volume, action.servers, action.path);
        if (done) states[action.volume] = "alive";
        break;
      case NodeAction::Kind::unmount:
        done = mounts_.unmount(action.path);
        if (done) states[action.volume] = "absent";
        break;
    }
    std::string what = describe(action);
    if (done) {
      log::info("volumes: " + what + " (" + action.reason + ")");
      node_failed_.erase(what);
    } else {
      if (node_failed_[what] != done.error().message)
        log::warn("volumes: cannot " + what + ": " + done.error().message);
      node_failed_[what] = done.error().message;
      if (first) first = Error{"cannot " + what + ": " + done.error().message};
    }
  }
  std::lock_guard lock(mutex_);
  mount_states_ = std::move(states);
  mount_usage_ = std::move(usage);
  return first;
}

std::vector<VolumeReport> VolumeReconciler::reports() const {
  std::lock_guard lock(mutex_);
  return reports_;
}

std::map<std::string, std::string> VolumeReconciler::mount_states() const {
  std::lock_guard lock(mutex_);
  return mount_states_;
}

std::map<std::string, MountUsage> VolumeReconciler::mount_usage() const {
  std::lock_guard lock(mutex_);
  return mount_usage_;
}

}  // namespace hearth::agent
