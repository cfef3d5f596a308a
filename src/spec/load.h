#pragma once
// Loading a spec: read the file, parse YAML with positions, build the typed Spec, validate it.
// Every problem of the file is reported at once, in file order; nothing is partially returned.

#include <optional>
#include <string>
#include <vector>

#include "spec/diagnostic.h"
#include "spec/spec.h"

namespace hearth {

struct LoadResult {
  std::optional<Spec> spec;            // set only when there are no errors
  std::vector<Diagnostic> errors;      // in file order
  bool unreadable = false;             // the file could not be read at all (exit code 2, not 1)

  bool ok() const { return spec.has_value(); }
};

// Reads and validates the spec at `path`. Never throws; never crashes or hangs on hostile input
// (binary, truncated, deeply nested or very large files get a clear error).
LoadResult load_spec_file(const std::string& path);

// The same, for text already in memory; `file_name` is used in messages.
LoadResult load_spec_text(const std::string& text, const std::string& file_name);

}  // namespace hearth
