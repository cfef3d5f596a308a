#pragma once
// Building the typed Spec from the YAML tree: the shape of the file (known keys, required keys,
// maps versus lists) and the syntax and range of each value (addresses, sizes, ports, names...).
// Rules that relate values to each other (uniqueness, references, CIDR membership, fit) are in
// validate.h. Pure: no I/O.

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "spec/diagnostic.h"
#include "spec/spec.h"
#include "spec/yaml_document.h"

namespace hearth {

struct BuiltSpec {
  Spec spec;                       // every value that could be read; defaults elsewhere
  std::vector<Diagnostic> errors;  // in the order found (not sorted)
  // Key paths whose value is missing or wrong ("nodes.r510.address"); the validator skips rules
  // that would need them, so one mistake is reported once.
  std::unordered_set<std::string> unusable;
};

// REQUIRES: root != nullptr. The spec keeps `root` for its SourceMap (positions in messages).
BuiltSpec build_spec(std::shared_ptr<const yaml::Node> root, const std::string& file_name);

}  // namespace hearth
