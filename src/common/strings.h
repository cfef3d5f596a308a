#pragma once
// Small string helpers shared by every layer.

#include <string>
#include <vector>

namespace hearth {

// "a, b, c" for join({"a","b","c"}, ", "); empty for no items.
inline std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (const std::string& item : items) {
    if (!text.empty()) text += separator;
    text += item;
  }
  return text;
}

}  // namespace hearth
