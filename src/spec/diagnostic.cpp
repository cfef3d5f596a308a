#include "spec/diagnostic.h"

#include <algorithm>
#include <tuple>

namespace hearth {

std::string Diagnostic::format() const {
  std::string text = file;
  if (position.line > 0) {
    text += ":" + std::to_string(position.line) + ":" + std::to_string(position.column);
  }
  text += ": ";
  if (!key_path.empty()) text += key_path + ": ";
  return text + message;
}

void sort_in_file_order(std::vector<Diagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.position, a.key_path) < std::tie(b.position, b.key_path);
  });
}

}  // namespace hearth
