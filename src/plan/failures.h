#pragma once
// Failures for what-if: whole nodes, and single disks of a node.
// Parses the CLI's `--fail r510[,r530][,r510:hdd1]` (pure; every name checked against the spec).

#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "spec/spec.h"

namespace hearth {

struct DiskRef {
  std::string node;
  std::string disk;
  auto operator<=>(const DiskRef&) const = default;
};

struct Failures {
  std::vector<std::string> nodes;  // failed nodes, no duplicates, in the order given
  std::vector<DiskRef> disks;      // failed disks, no duplicates, in the order given
};

// "r510", "r510,r530", "r510:hdd1,r530" (spaces around items are ignored; duplicates are dropped).
// Fails with a message naming the bad item and the valid names (not the option: the caller
// says "--fail: ..."), for: an empty list or an empty
// item ("r510,,r530", trailing comma), an unknown node, an unknown disk of a known node, an empty
// node or disk name ("r510:", ":hdd1"), more than one ':' in an item.
Result<Failures> parse_failures(const Spec& spec, std::string_view text);

// Checks that every node and disk named in `failures` exists in the spec (for Failures built in
// code rather than parsed); the error names the first unknown one and the valid names.
Status check_failures(const Spec& spec, const Failures& failures);

}  // namespace hearth
