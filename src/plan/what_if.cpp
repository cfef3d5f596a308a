#include "plan/what_if.h"

#include <set>
#include <unordered_map>

namespace hearth {
namespace {

std::string label(const Brick& brick) { return brick.node + ":" + brick.disk; }

struct Down {
  std::set<std::string> nodes;
  std::set<DiskRef> disks;

  bool node(const std::string& name) const { return nodes.contains(name); }
  // Why the brick is down, or empty when it is up.
  std::string brick(const Brick& brick) const {
    if (nodes.contains(brick.node)) return "node " + brick.node + " is down";
    if (disks.contains(DiskRef{brick.node, brick.disk})) return "disk " + label(brick) + " failed";
    return {};
  }
};

QuorumReport quorum_of(const Spec& spec, const Down& down) {
  QuorumReport quorum;
  quorum.voters = static_cast<int>(spec.nodes.size());
  for (const Node& node : spec.nodes) {
    if (!down.node(node.name)) ++quorum.alive;
  }
  quorum.needed = quorum.voters / 2 + 1;
  quorum.kept = quorum.alive >= quorum.needed;
  return quorum;
}

VolumeReport volume_report(const VolumePlan& volume, const Down& down) {
  VolumeReport report;
  report.volume = volume.volume;
  std::vector<const BrickReport*> data_up;
  std::vector<const BrickReport*> data_down;
  for (const Brick* brick : volume.gluster_order()) {
    BrickReport entry{*brick, brick == &volume.arbiter, true, down.brick(*brick)};
    entry.up = entry.reason.empty();
    report.bricks.push_back(std::move(entry));
  }
  for (const BrickReport& brick : report.bricks) {
    if (brick.arbiter) continue;
    (brick.up ? data_up : data_down).push_back(&brick);
  }
  const BrickReport& arbiter = report.bricks.back();
  std::size_t up = data_up.size() + (arbiter.up ? 1 : 0);
  if (up == 3) {
    report.state = VolumeState::healthy;
    report.reason = "all 3 bricks are up";
  } else if (up == 2 && data_up.size() == 2) {
    report.state = VolumeState::degraded;
    report.reason = "writable with both data copies; the arbiter brick " + label(arbiter.brick) +
                    " is down (" + arbiter.reason + ")";
  } else if (up == 2) {
    report.state = VolumeState::degraded;
    report.reason = "writable with one data copy on " + label(data_up[0]->brick) + "; " +
                    label(data_down[0]->brick) + " is down (" + data_down[0]->reason + ")";
  } else if (data_up.size() == 1) {
    report.state = VolumeState::read_only;
    report.reason = "read-only: only the data brick " + label(data_up[0]->brick) +
                    " is up, and writes need 2 of the 3 bricks";
  } else {
    report.state = VolumeState::unavailable;
    report.reason = arbiter.up ? "unavailable: only the arbiter brick is up, and it holds no data"
                               : "unavailable: every brick is down";
  }
  return report;
}

// Why `service` cannot run with these volumes, or empty when its volumes allow it.
std::string blocked_by_volumes(const Service& service,
                               const std::unordered_map<std::string, const VolumeReport*>& volumes) {
  for (const VolumeMount& mount : service.volumes) {
    auto it = volumes.find(mount.volume);
    if (it == volumes.end()) continue;
    const VolumeReport& volume = *it->second;
    if (volume.state == VolumeState::unavailable) {
      return "volume " + mount.volume + " is " + volume.reason;
    }
    if (volume.state == VolumeState::read_only && !mount.read_only) {
      return "volume " + mount.volume + " is " + volume.reason + "; the service mounts it read-write at " +
             mount.mountpoint;
    }
  }
  return {};
}

std::string down_servers(const Spec& spec, const Down& down) {
  std::string text;
  for (const Node* server : spec.servers()) {
    if (down.node(server->name)) text += "; " + server->name + " is down";
  }
  return text;
}

}  // namespace

Result<WhatIfReport> what_if(const Spec& spec, const Failures& failures, const ObservedState& observed) {
  if (Status checked = check_failures(spec, failures); !checked) return checked.error();
  auto healthy = plan(spec, observed);
  if (!healthy) return healthy.error();

  WhatIfReport report;
  report.failures = failures;
  Down down;
  down.nodes.insert(observed.down_nodes.begin(), observed.down_nodes.end());
  down.nodes.insert(failures.nodes.begin(), failures.nodes.end());
  down.disks.insert(failures.disks.begin(), failures.disks.end());
  report.quorum = quorum_of(spec, down);

  std::unordered_map<std::string, const VolumeReport*> volumes;
  report.volumes.reserve(healthy->volumes.size());
  for (const VolumePlan& volume : healthy->volumes) report.volumes.push_back(volume_report(volume, down));
  for (const VolumeReport& volume : report.volumes) volumes.emplace(volume.volume, &volume);

  // Decide what cannot run at all; place the rest again, the healthy plan as the previous state.
  report.services.resize(spec.services.size());
  std::vector<const Service*> runnable;
  std::vector<std::size_t> runnable_index;
  std::map<std::string, std::string> previous;
  for (std::size_t i = 0; i < spec.services.size(); ++i) {
    const Service& service = spec.services[i];
    const ServicePlan& before = healthy->services[i];
    ServiceReport& entry = report.services[i];
    entry.service = service.name;
    entry.from = before.node;
    if (!before.node) {
      entry.outcome = ServiceOutcome::not_running;
      entry.reason = "cannot be placed even with every node up: " + before.reason;
    } else if (!report.quorum.kept) {
      entry.outcome = ServiceOutcome::stops;
      entry.reason = "no quorum: " + std::to_string(report.quorum.alive) + " of " +
                     std::to_string(report.quorum.voters) + " nodes alive, " +
                     std::to_string(report.quorum.needed) + " needed; every node fences itself and stops its services";
    } else if (std::string blocked = blocked_by_volumes(service, volumes); !blocked.empty()) {
      entry.outcome = ServiceOutcome::stops;
      entry.reason = std::move(blocked);
    } else {
      runnable.push_back(&service);
      runnable_index.push_back(i);
      previous.emplace(service.name, *before.node);
    }
  }

  if (report.quorum.kept) {
    std::vector<const Node*> live_servers;
    for (const Node* server : spec.servers()) {
      if (!down.node(server->name)) live_servers.push_back(server);
    }
    PlacementResult placement = place_services(runnable, live_servers, previous);
    for (std::size_t k = 0; k < runnable.size(); ++k) {
      ServiceReport& entry = report.services[runnable_index[k]];
      ServicePlacement& placed = placement.services[k];
      entry.to = placed.node;
      if (!placed.node) {
        entry.outcome = ServiceOutcome::stops;
        entry.reason = "no capacity: " + placed.reason + down_servers(spec, down);
      } else if (*placed.node == *entry.from) {
        entry.outcome = ServiceOutcome::stays;
        entry.reason = std::move(placed.reason);
      } else {
        entry.outcome = ServiceOutcome::moves;
        entry.reason = down.node(*entry.from) ? entry.from.value() + " is down; " + placed.reason
                                              : std::move(placed.reason);
      }
    }
    report.servers = std::move(placement.nodes);
  }

  const Node* arbiter = spec.arbiter();
  report.dns_dhcp.server = arbiter->name;
  report.dns_dhcp.served = !down.node(arbiter->name);
  report.dns_dhcp.reason =
      report.dns_dhcp.served
          ? "the arbiter " + arbiter->name + " serves DNS and DHCP from its last configuration; it needs no quorum"
          : "the arbiter " + arbiter->name +
                " is down: no DNS and no DHCP; clients keep their leases until they expire";
  return report;
}

}  // namespace hearth
