#include "lab/chaos_schedule.h"

#include <algorithm>
#include <random>

namespace hearth::lab {
namespace {

using std::chrono::milliseconds;

// Our own draws, the same on every standard library.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : random_(seed) {}
  // 0 .. n-1. REQUIRES: n > 0 (the modulo bias of a 64-bit draw is negligible here).
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(random_() % n); }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }
  template <typename T>
  void shuffle(std::vector<T>& items) {  // Fisher-Yates
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }
  milliseconds hold(HoldRange range) {
    // Whole tenths of a second: easier to read in the table, and enough resolution.
    auto tenths = static_cast<std::size_t>((range.max - range.min).count() / 100);
    return range.min + milliseconds(100 * below(tenths + 1));
  }

 private:
  std::mt19937_64 random_;
};

std::string join(const std::vector<std::string>& names, const std::string& separator) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : separator) + name;
  return text;
}

// Two groups that cannot reach each other: a random non-empty proper subset, and either all the
// other nodes or a non-empty part of them (then the nodes in neither side reach both).
void draw_partition(Draw& draw, std::vector<std::string> nodes, Fault& fault) {
  draw.shuffle(nodes);
  std::size_t a = 1 + draw.below(nodes.size() - 1);
  std::vector<std::string> rest(nodes.begin() + static_cast<std::ptrdiff_t>(a), nodes.end());
  fault.side_a.assign(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(a));
  std::size_t b = rest.size();
  if (rest.size() > 1 && draw.below(2) == 1) b = 1 + draw.below(rest.size() - 1);
  fault.side_b.assign(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(b));
  std::sort(fault.side_a.begin(), fault.side_a.end());
  std::sort(fault.side_b.begin(), fault.side_b.end());
}

}  // namespace

std::string to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::power_cut:
      return "power-cut";
    case FaultKind::kill_daemon:
      return "kill-daemon";
    case FaultKind::kill_service:
      return "kill-service";
    case FaultKind::partition:
      return "partition";
    case FaultKind::pause:
      return "pause";
    case FaultKind::disk_loss:
      return "disk-loss";
  }
  return "?";
}

std::string Fault::target() const {
  switch (kind) {
    case FaultKind::kill_daemon:
      return node + " " + daemon;
    case FaultKind::kill_service:
      return service;
    case FaultKind::disk_loss:
      return node + " " + volume;
    case FaultKind::partition:
      return join(side_a, " ") + " | " + join(side_b, " ");
    case FaultKind::power_cut:
    case FaultKind::pause:
      return node;
  }
  return node;
}

HoldRange hold_range(FaultKind kind) {
  switch (kind) {
    // Long enough that the cluster acts on it (a node is seen dead ~2-3.5 s after a cut), short
    // enough that a long schedule stays within an hour.
    case FaultKind::power_cut:
      return {milliseconds(2000), milliseconds(10000)};
    case FaultKind::kill_daemon:
      return {milliseconds(500), milliseconds(8000)};
    case FaultKind::kill_service:
      return {milliseconds(0), milliseconds(0)};
    case FaultKind::partition:
      return {milliseconds(2000), milliseconds(10000)};
    // Across the fence margin: below 1.5 s nothing should happen; above ~2.5 s the node's
    // services are moved while it is frozen.
    case FaultKind::pause:
      return {milliseconds(500), milliseconds(6000)};
    case FaultKind::disk_loss:
      return {milliseconds(3000), milliseconds(8000)};
  }
  return {};
}

Result<std::vector<Fault>> make_schedule(const ChaosTopology& topology, int count,
                                         std::uint64_t seed) {
  if (topology.nodes.size() < 2) {
    return Error{"chaos needs a lab of at least two nodes (this one has " +
                 std::to_string(topology.nodes.size()) + ")"};
  }
  if (count < 1) return Error{"--faults must be at least 1 (got " + std::to_string(count) + ")"};
  Draw draw(seed);
  std::vector<FaultKind> common = {FaultKind::power_cut, FaultKind::kill_daemon,
                                   FaultKind::partition, FaultKind::pause};
  if (!topology.services.empty()) common.insert(common.begin() + 2, FaultKind::kill_service);

  // Where the disk losses go: never among the first block, which shows every common kind.
  std::vector<bool> disk_loss_at(static_cast<std::size_t>(count), false);
  auto block = static_cast<int>(common.size());
  if (!topology.volumes.empty() && count > block) {
    // Their own stream, so the faults before the first one do not depend on the count.
    Draw disk_draw(seed ^ 0x9e3779b97f4a7c15ull);
    std::vector<int> positions;
    for (int i = block; i < count; ++i) positions.push_back(i);
    disk_draw.shuffle(positions);
    std::size_t losses = std::max<std::size_t>(1, static_cast<std::size_t>(count) / 25);
    for (std::size_t i = 0; i < losses && i < positions.size(); ++i) {
      disk_loss_at[static_cast<std::size_t>(positions[i])] = true;
    }
  }

  std::vector<Fault> faults;
  std::vector<FaultKind> bag;  // refilled with every common kind, shuffled, when empty
  for (int i = 0; i < count; ++i) {
    Fault fault;
    fault.index = i + 1;
    if (disk_loss_at[static_cast<std::size_t>(i)]) {
      fault.kind = FaultKind::disk_loss;
    } else {
      if (bag.empty()) {
        bag = common;
        draw.shuffle(bag);
      }
      fault.kind = bag.back();
      bag.pop_back();
    }
    switch (fault.kind) {
      case FaultKind::power_cut:
      case FaultKind::pause:
        fault.node = draw.pick(topology.nodes);
        break;
      case FaultKind::kill_daemon:
        fault.node = draw.pick(topology.nodes);
        fault.daemon = draw.pick(kChaosDaemons);
        break;
      case FaultKind::kill_service:
        fault.service = draw.pick(topology.services);
        break;
      case FaultKind::partition:
        draw_partition(draw, topology.nodes, fault);
        break;
      case FaultKind::disk_loss:
        fault.node = draw.pick(topology.nodes);
        fault.volume = draw.pick(topology.volumes);
        break;
    }
    fault.hold = draw.hold(hold_range(fault.kind));
    faults.push_back(std::move(fault));
  }
  return faults;
}

}  // namespace hearth::lab
