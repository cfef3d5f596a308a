#pragma once
// Reading the spec named by -f for any command: on failure every error is printed (to stderr,
// or as JSON on stdout with --json) and the exit code is set (1 invalid, 2 unreadable).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "spec/load.h"
#include "spec/spec.h"

namespace hearth::cli {

std::optional<Spec> load_spec_or_report(const std::string& path, bool json, int& exit_code);

// {"valid": false, "errors": [{"file", "line", "column", "path", "message"}]}
nlohmann::ordered_json diagnostics_to_json(const std::vector<Diagnostic>& diagnostics);

// Prints each diagnostic on its own line, then a count; to stderr.
void print_diagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace hearth::cli
