#include "cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace hearth::cli {
namespace {

bool is_terminal(std::ostream& stream) {
  if (std::getenv("NO_COLOR") != nullptr) return false;
  if (&stream == &std::cout) return isatty(STDOUT_FILENO) == 1;
  if (&stream == &std::cerr) return isatty(STDERR_FILENO) == 1;
  return false;
}

// Visible width: bytes outside ANSI escape sequences, counting UTF-8 code points once.
std::size_t visible_width(const std::string& text) {
  std::size_t width = 0;
  bool in_escape = false;
  for (unsigned char c : text) {
    if (in_escape) {
      if (c == 'm') in_escape = false;
    } else if (c == 0x1b) {
      in_escape = true;
    } else if ((c & 0xC0) != 0x80) {
      ++width;
    }
  }
  return width;
}

}  // namespace

std::string paint(std::ostream& stream, Colour colour, const std::string& text) {
  if (colour == Colour::none || !is_terminal(stream)) return text;
  const char* code = "";
  switch (colour) {
    case Colour::red: code = "31"; break;
    case Colour::green: code = "32"; break;
    case Colour::yellow: code = "33"; break;
    case Colour::bold: code = "1"; break;
    case Colour::dim: code = "2"; break;
    case Colour::none: break;
  }
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& stream, const std::string& indent) const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  for (std::size_t i = 0; i < headers_.size(); ++i) widths[i] = visible_width(headers_[i]);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], visible_width(row[i]));
  }
  auto print_row = [&](const std::vector<std::string>& cells, bool header) {
    std::string line = indent;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::string cell = header ? paint(stream, Colour::bold, cells[i]) : cells[i];
      line += cell;
      if (i + 1 < cells.size()) line += std::string(widths[i] - visible_width(cells[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    stream << line << '\n';
  };
  print_row(headers_, true);
  for (const auto& row : rows_) print_row(row, false);
}

}  // namespace hearth::cli
