#pragma once
// Where each volume's bricks go, and whether they fit: the one rule that `validate` checks and
// the planner follows, so both always agree. Pure and deterministic.
//
// The rule:
//  - A volume of size S needs S free on one disk of each of two distinct servers (its two data
//    bricks) and arbiter_brick_size(S) free on one disk of the arbiter (its arbiter brick).
//  - Volumes are placed one at a time: pinned volumes first, then unpinned ones, each group in
//    file order. Every placed brick takes its size from its disk's free space.
//  - A pinned volume uses its two pinned disks.
//  - An unpinned volume takes, on each server, the disk with the most free space (ties: the
//    disk first in the file), then the two servers whose chosen disks have the most free space
//    (ties: the server first in the file).
//  - The arbiter brick goes to the arbiter disk with the most free space (ties: first in file).
//  - A volume that does not fit takes no space; the volumes after it are still placed.
// This greedy rule is conservative: it may refuse a layout a cleverer packing would find, but
// what it accepts always fits.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "spec/spec.h"

namespace hearth {

// The arbiter brick holds names and metadata only: about 4 KiB per file, at an assumed average
// file size of 128 KiB, that is 1/32 of the volume (rounded up to whole bytes).
inline constexpr Bytes kArbiterBrickDivisor = 32;
Bytes arbiter_brick_size(Bytes volume_size);

struct BrickLocation {
  std::string node;
  std::string disk;
  auto operator<=>(const BrickLocation&) const = default;
};

enum class FitProblem {
  none,
  bad_pins,  // the pins do not name exactly two servers with existing disks (validate says why)
  pinned_disk_full,  // a pinned disk lacks room; `problem_node` names it
  no_data_room,      // fewer than two servers have a disk with room
  no_arbiter_room,   // no arbiter (or no arbiter disk) has room for the arbiter brick
};

struct VolumeBricks {
  std::string volume;
  Bytes data_size = 0;     // each data brick: the volume's size
  Bytes arbiter_size = 0;  // arbiter_brick_size(data_size)
  FitProblem problem = FitProblem::none;
  std::string problem_node;  // for pinned_disk_full: the node whose pinned disk is full
  std::string message;       // when problem != none: why, for people
  // Valid when problem == none: data[0] is on the server first in the file.
  std::array<BrickLocation, 2> data;
  BrickLocation arbiter;

  bool fits() const { return problem == FitProblem::none; }
};

struct DiskSpace {
  BrickLocation disk;
  Bytes size = 0;
  Bytes free = 0;  // after placing every volume that fits
};

struct DiskFit {
  std::vector<VolumeBricks> volumes;  // one per spec volume, in the spec's order
  std::vector<DiskSpace> disks;       // every disk of every node, in file order
};

// Places the bricks of every volume of `spec` by the rule above. Works on any Spec, valid or
// not: unknown nodes or disks in pins give FitProblem::bad_pins.
DiskFit fit_volumes(const Spec& spec);

}  // namespace hearth
