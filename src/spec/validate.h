#pragma once
// The rules that relate the values of a spec to each other (docs/spec.md, "Rules"): roles,
// management and storage networks, unique VLANs, non-overlapping networks, every address inside
// its network and no address or range overlapping another, the service address pools, names
// that references use (networks, volumes, nodes, disks), names unique in DNS, volumes that fit
// their disks (disk_fit.h) and services that fit a server. Pure; O(n log n) in the spec's size.
//
// Each diagnostic points at the key that makes the reference or the later of two clashing keys,
// using spec.source for positions (none when the spec was built in memory).

#include <string>
#include <unordered_set>
#include <vector>

#include "spec/diagnostic.h"
#include "spec/spec.h"

namespace hearth {

// Checks every rule on a fully parsed spec. Diagnostics come in no particular order.
std::vector<Diagnostic> validate_spec(const Spec& spec);

// The same, skipping the rules that need a value whose key path (or an ancestor's) is in
// `unusable`: the parser already reported those, and guessing would add false errors.
std::vector<Diagnostic> validate_spec(const Spec& spec,
                                      const std::unordered_set<std::string>& unusable);

}  // namespace hearth
