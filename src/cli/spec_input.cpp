#include "cli/spec_input.h"

#include <iostream>

#include "cli/command.h"
#include "cli/output.h"

namespace hearth::cli {

nlohmann::ordered_json diagnostics_to_json(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::ordered_json result;
  result["valid"] = diagnostics.empty();
  result["errors"] = nlohmann::ordered_json::array();
  for (const Diagnostic& d : diagnostics) {
    result["errors"].push_back({{"file", d.file},
                                {"line", d.position.line},
                                {"column", d.position.column},
                                {"path", d.key_path},
                                {"message", d.message}});
  }
  return result;
}

void print_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  for (const Diagnostic& d : diagnostics) {
    std::cerr << paint(std::cerr, Colour::red, "error: ") << d.format() << '\n';
  }
  std::cerr << diagnostics.size() << (diagnostics.size() == 1 ? " error" : " errors") << '\n';
}

std::optional<Spec> load_spec_or_report(const std::string& path, bool json, int& exit_code) {
  LoadResult loaded = load_spec_file(path);
  if (loaded.ok()) return std::move(loaded.spec);
  exit_code = loaded.unreadable ? kExitUsage : kExitFailed;
  if (json) {
    std::cout << diagnostics_to_json(loaded.errors).dump(2) << '\n';
  } else {
    print_diagnostics(loaded.errors);
  }
  return std::nullopt;
}

}  // namespace hearth::cli
