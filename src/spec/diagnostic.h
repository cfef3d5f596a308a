#pragma once
// A problem found in a spec file, pointing at the exact place and key.

#include <string>
#include <vector>

namespace hearth {

struct Position {
  int line = 0;    // 1-based; 0 means "not known"
  int column = 0;  // 1-based
  auto operator<=>(const Position&) const = default;
};

struct Diagnostic {
  std::string file;     // as the user named it
  Position position;
  std::string key_path; // e.g. "services.homepage.address"; empty for file-level problems
  std::string message;  // what is wrong, in the user's words

  // "homelab.yaml:42:14: services.homepage.address: 10.9.9.9 is outside network services (10.1.2.0/24)"
  std::string format() const;
};

// Sorts diagnostics into file order (line, then column, then key path) so a user reads them top-down.
void sort_in_file_order(std::vector<Diagnostic>& diagnostics);

}  // namespace hearth
