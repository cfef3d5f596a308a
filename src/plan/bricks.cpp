#include "plan/bricks.h"

#include "spec/disk_fit.h"

namespace hearth {
namespace {

Brick brick_at(const Spec& spec, const BrickLocation& location, const std::string& volume, Bytes size) {
  const Node* node = spec.find_node(location.node);
  const Disk* disk = node->find_disk(location.disk);
  std::string path = disk->path;
  if (path.empty() || path.back() != '/') path += '/';
  return Brick{node->name, disk->name, path + volume, node->storage_address.value_or(node->address), size};
}

}  // namespace

Result<std::vector<VolumePlan>> plan_bricks(const Spec& spec) {
  DiskFit fit = fit_volumes(spec);
  std::vector<VolumePlan> volumes;
  volumes.reserve(fit.volumes.size());
  for (const VolumeBricks& chosen : fit.volumes) {
    if (!chosen.fits()) return Error{"volume " + chosen.volume + ": " + chosen.message};
    VolumePlan volume;
    volume.volume = chosen.volume;
    volume.size = chosen.data_size;
    for (std::size_t i = 0; i < 2; ++i) {
      volume.data[i] = brick_at(spec, chosen.data[i], chosen.volume, chosen.data_size);
    }
    volume.arbiter = brick_at(spec, chosen.arbiter, chosen.volume, chosen.arbiter_size);
    volumes.push_back(std::move(volume));
  }
  return volumes;
}

}  // namespace hearth
