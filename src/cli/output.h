#pragma once
// Output for people: aligned tables, colour only when the stream is a terminal.

#include <iosfwd>
#include <string>
#include <vector>

namespace hearth::cli {

enum class Colour { none, red, green, yellow, bold, dim };

// Wraps `text` in ANSI colour codes when `stream` is a terminal (and NO_COLOR is unset).
std::string paint(std::ostream& stream, Colour colour, const std::string& text);

// A table whose columns are padded to their widest cell. Cells may contain colour codes;
// they do not count towards the width.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& stream, const std::string& indent = "") const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hearth::cli
