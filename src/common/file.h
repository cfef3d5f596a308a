#pragma once
// Reading a whole small file (a /proc table, a state file).

#include <fstream>
#include <sstream>
#include <string>

namespace hearth {

// The whole text of the file at `path`; "" when it cannot be read (for /proc files: the process
// is gone).
inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace hearth
