#pragma once
// Bricks: where each volume's three bricks live (replica 3 arbiter 1).
//
// The disks are the ones fit_volumes() of spec/disk_fit.h chooses: the one free-space rule that
// validation checks too (one disk with room on each of two distinct servers, free space counted
// across volumes, pinned volumes first; the arbiter brick, names and metadata only, is sized
// 1/32 of the volume). The plan only adds paths, addresses and sizes to its choice.
// A brick's path is `<disk path>/<volume name>`, e.g. /srv/hearth/bricks/hdd1/appdata.
// Gluster reaches a brick at its node's storage address when the node has one, else at its
// management address.

#include <array>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"
#include "spec/spec.h"

namespace hearth {

struct Brick {
  std::string node;
  std::string disk;  // the disk's name on that node
  std::string path;  // <disk path>/<volume name>
  Ipv4 host;         // the address gluster uses for this node
  Bytes size = 0;    // space set aside on the disk: the volume's size, 1/32 of it on the arbiter
};

struct VolumePlan {
  std::string volume;
  Bytes size = 0;
  std::array<Brick, 2> data;  // on two distinct servers; data[0] on the one first in the spec
  Brick arbiter;              // on the arbiter

  // In the order `gluster volume create NAME replica 3 arbiter 1 A B ARBITER` takes them.
  std::array<const Brick*, 3> gluster_order() const { return {&data[0], &data[1], &arbiter}; }
};

// One entry per volume, in spec order. Fails when a volume does not fit (which validation
// rejects first, so this only happens for a Spec that did not come from the loader).
Result<std::vector<VolumePlan>> plan_bricks(const Spec& spec);

}  // namespace hearth
