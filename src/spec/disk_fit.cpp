#include "spec/disk_fit.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "spec/units.h"

namespace hearth {
namespace {

class Placer {
 public:
  explicit Placer(const Spec& spec) : spec_(spec), node_disks_(spec.nodes.size()) {
    for (std::size_t n = 0; n < spec.nodes.size(); ++n) {
      const Node& node = spec.nodes[n];
      node_index_.emplace(node.name, n);
      for (const Disk& disk : node.disks) {
        node_disks_[n].push_back(fit_.disks.size());
        fit_.disks.push_back(DiskSpace{{node.name, disk.name}, disk.size, disk.size});
      }
    }
  }

  DiskFit run() {
    fit_.volumes.resize(spec_.volumes.size());
    for (bool pinned : {true, false}) {
      for (std::size_t v = 0; v < spec_.volumes.size(); ++v) {
        if (spec_.volumes[v].pinned_disks.empty() != pinned)
          place(spec_.volumes[v], fit_.volumes[v]);
      }
    }
    return std::move(fit_);
  }

 private:
  // The disk of node `n` with the most free space (first on ties), or nullopt without disks.
  std::optional<std::size_t> roomiest_disk(std::size_t n) const {
    std::optional<std::size_t> best;
    for (std::size_t d : node_disks_[n]) {
      if (!best || fit_.disks[d].free > fit_.disks[*best].free) best = d;
    }
    return best;
  }

  std::optional<std::size_t> find_disk(std::size_t n, const std::string& name) const {
    for (std::size_t d : node_disks_[n]) {
      if (fit_.disks[d].disk.disk == name) return d;
    }
    return std::nullopt;
  }

  std::string describe_free(std::size_t d) const {
    const DiskSpace& disk = fit_.disks[d];
    std::string text =
        disk.disk.node + ":" + disk.disk.disk + " has " + format_size(disk.free) + " free";
    if (disk.free != disk.size)
      text += " (of " + format_size(disk.size) + "; volumes placed before take the rest)";
    return text;
  }

  // The two data disks, or a problem written into `out`.
  std::optional<std::array<std::size_t, 2>> pinned_data_disks(const Volume& volume,
                                                              VolumeBricks& out) const {
    if (volume.pinned_disks.size() != 2) {
      out.problem = FitProblem::bad_pins;
      out.message = "pins must name one disk on each of two servers";
      return std::nullopt;
    }
    std::vector<std::pair<std::size_t, std::size_t>> pins;  // (node index, disk index)
    for (const auto& [node_name, disk_name] : volume.pinned_disks) {
      auto node = node_index_.find(node_name);
      if (node == node_index_.end() || spec_.nodes[node->second].role != NodeRole::server) {
        out.problem = FitProblem::bad_pins;
        out.message = "pinned node " + node_name + " is not a server of the spec";
        return std::nullopt;
      }
      auto disk = find_disk(node->second, disk_name);
      if (!disk) {
        out.problem = FitProblem::bad_pins;
        out.message = "node " + node_name + " has no disk " + disk_name;
        return std::nullopt;
      }
      pins.emplace_back(node->second, *disk);
    }
    std::sort(pins.begin(), pins.end());
    for (const auto& [node, disk] : pins) {
      if (fit_.disks[disk].free < volume.size) {
        out.problem = FitProblem::pinned_disk_full;
        out.problem_node = spec_.nodes[node].name;
        out.message = "the data brick (" + format_size(volume.size) +
                      ") does not fit: pinned disk " + describe_free(disk);
        return std::nullopt;
      }
    }
    return std::array<std::size_t, 2>{pins[0].second, pins[1].second};
  }

  std::optional<std::array<std::size_t, 2>> chosen_data_disks(const Volume& volume,
                                                              VolumeBricks& out) const {
    struct Candidate {
      std::size_t node;
      std::size_t disk;
    };
    std::vector<Candidate> candidates;
    std::string refusals;
    for (std::size_t n = 0; n < spec_.nodes.size(); ++n) {
      if (spec_.nodes[n].role != NodeRole::server) continue;
      auto disk = roomiest_disk(n);
      if (disk && fit_.disks[*disk].free >= volume.size) {
        candidates.push_back({n, *disk});
        continue;
      }
      if (!refusals.empty()) refusals += "; ";
      refusals += disk ? "the roomiest disk " + describe_free(*disk)
                       : "server " + spec_.nodes[n].name + " has no disks";
    }
    if (candidates.size() < 2) {
      out.problem = FitProblem::no_data_room;
      out.message = "does not fit: its two data bricks need " + format_size(volume.size) +
                    " free on a disk of each of two servers";
      if (!refusals.empty()) out.message += ", but " + refusals;
      return std::nullopt;
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](const Candidate& a, const Candidate& b) {
                       return fit_.disks[a.disk].free > fit_.disks[b.disk].free;
                     });
    std::array<Candidate, 2> best{candidates[0], candidates[1]};
    if (best[1].node < best[0].node) std::swap(best[0], best[1]);
    return std::array<std::size_t, 2>{best[0].disk, best[1].disk};
  }

  std::optional<std::size_t> arbiter_disk(const Volume& volume, VolumeBricks& out) const {
    const Node* arbiter = spec_.arbiter();
    if (arbiter == nullptr) {
      out.problem = FitProblem::no_arbiter_room;
      out.message = "has nowhere for its arbiter brick: the spec has no arbiter";
      return std::nullopt;
    }
    std::size_t n = node_index_.at(arbiter->name);
    auto disk = roomiest_disk(n);
    if (!disk) {
      out.problem = FitProblem::no_arbiter_room;
      out.message =
          "has nowhere for its arbiter brick: the arbiter " + arbiter->name + " has no disks";
      return std::nullopt;
    }
    if (fit_.disks[*disk].free < out.arbiter_size) {
      out.problem = FitProblem::no_arbiter_room;
      out.message = "does not fit: its arbiter brick (1/32 of " + format_size(volume.size) + " = " +
                    format_size(out.arbiter_size) + ") needs room on the arbiter, but " +
                    "the roomiest disk " + describe_free(*disk);
      return std::nullopt;
    }
    return disk;
  }

  void place(const Volume& volume, VolumeBricks& out) {
    out.volume = volume.name;
    out.data_size = volume.size;
    out.arbiter_size = arbiter_brick_size(volume.size);
    auto data = volume.pinned_disks.empty() ? chosen_data_disks(volume, out)
                                            : pinned_data_disks(volume, out);
    if (!data) return;
    auto arbiter = arbiter_disk(volume, out);
    if (!arbiter) return;
    for (int i = 0; i < 2; ++i) {
      fit_.disks[(*data)[i]].free -= volume.size;
      out.data[i] = fit_.disks[(*data)[i]].disk;
    }
    fit_.disks[*arbiter].free -= out.arbiter_size;
    out.arbiter = fit_.disks[*arbiter].disk;
  }

  const Spec& spec_;
  DiskFit fit_;
  std::unordered_map<std::string, std::size_t> node_index_;
  std::vector<std::vector<std::size_t>> node_disks_;  // node index -> indices into fit_.disks
};

}  // namespace

Bytes arbiter_brick_size(Bytes volume_size) {
  return volume_size / kArbiterBrickDivisor + (volume_size % kArbiterBrickDivisor != 0 ? 1 : 0);
}

DiskFit fit_volumes(const Spec& spec) { return Placer(spec).run(); }

}  // namespace hearth
