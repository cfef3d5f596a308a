#include "spec/yaml_document.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <new>
#include <unordered_map>

namespace hearth::yaml {
namespace {

Position to_position(const YAML::Mark& mark) {
  if (mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

Diagnostic file_error(const std::string& file, Position position, std::string message) {
  return Diagnostic{file, position, "", std::move(message)};
}

std::string hex_byte(unsigned char byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[byte >> 4] + kDigits[byte & 15];
}

// Length of the valid UTF-8 sequence at text[i], or 0 when it is not valid (overlong forms,
// surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t length = 0;
  std::uint32_t min = 0;
  std::uint32_t code = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

// Refuses what is not text: NUL and other control bytes (except tab, LF, CR), invalid UTF-8.
std::optional<Diagnostic> check_text(std::string_view text, const std::string& file) {
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      ++line, column = 1, ++i;
      continue;
    }
    if ((byte < 0x20 && byte != '\t' && byte != '\r') || byte == 0x7F) {
      return file_error(file, {line, column},
                        "not a text file: control byte " + hex_byte(byte) + " at offset " +
                            std::to_string(i) + " (a spec is UTF-8 YAML text)");
    }
    std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      return file_error(file, {line, column},
                        "not a text file: invalid UTF-8 byte " + hex_byte(byte) + " at offset " +
                            std::to_string(i) + " (a spec is UTF-8 YAML text)");
    }
    i += length;
    ++column;
  }
  return std::nullopt;
}

bool only_blank_or_comments(std::string_view text) {
  bool in_comment = false;
  for (char c : text) {
    if (c == '\n') {
      in_comment = false;
    } else if (!in_comment) {
      if (c == '#') {
        in_comment = true;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return false;
      }
    }
  }
  return true;
}

// Tabs in indentation are the most common YAML mistake and yaml-cpp's message does not say so.
bool line_indented_with_tab(std::string_view text, int line) {
  if (line < 1) return false;
  int current = 1;
  std::size_t start = 0;
  while (current < line) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return false;
    ++start, ++current;
  }
  for (std::size_t i = start; i < text.size() && (text[i] == ' ' || text[i] == '\t'); ++i) {
    if (text[i] == '\t') return true;
  }
  return false;
}

// The key path of the node being converted, as a chain up to the root; spelt out only for errors.
struct PathLink {
  const PathLink* parent = nullptr;
  std::string_view key;   // for a map entry
  std::size_t index = 0;  // for a list item (when key is empty)

  std::string str() const {
    if (parent == nullptr) return "";
    std::string above = parent->str();
    return key.empty() ? item_path(above, index) : child_path(above, key);
  }
};

class Converter {
 public:
  // Without aliases a document has fewer nodes than bytes; the budget allows modest alias use
  // and stops exponential expansion early.
  Converter(const std::string& file, const Limits& limits, std::size_t text_size,
            std::vector<Diagnostic>& errors)
      : file_(file), limits_(limits), errors_(errors),
        max_nodes_(std::min(limits.max_nodes, 2 * text_size + 10'000)) {}

  // Converts `in` into `out`. Returns false when a limit was hit; `out` is then incomplete and
  // a diagnostic was added.
  bool convert(const YAML::Node& in, Node& out, const PathLink& path, int depth) {
    if (++nodes_ > max_nodes_) {
      errors_.push_back(file_error(file_, to_position(in.Mark()),
                                   "too many YAML nodes (more than " +
                                       std::to_string(max_nodes_) +
                                       ", counting every use of an alias); refusing to expand"));
      return false;
    }
    if (depth > limits_.max_depth) {
      errors_.push_back(Diagnostic{file_, to_position(in.Mark()), path.str(),
                                   "nested too deeply (more than " +
                                       std::to_string(limits_.max_depth) +
                                       " levels; an alias that refers to itself also does this)"});
      return false;
    }
    out.position = to_position(in.Mark());
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = Kind::null;
        return true;
      case YAML::NodeType::Scalar:
        out.kind = Kind::scalar;
        out.scalar = in.Scalar();
        out.quoted = in.Tag() == "!";
        return true;
      case YAML::NodeType::Sequence: {
        out.kind = Kind::sequence;
        out.items.reserve(in.size());
        std::size_t index = 0;
        for (const YAML::Node& item : in) {
          out.items.emplace_back();
          PathLink link{&path, {}, index++};
          if (!convert(item, out.items.back(), link, depth + 1)) return false;
        }
        return true;
      }
      case YAML::NodeType::Map:
        out.kind = Kind::map;
        return convert_map(in, out, path, depth);
    }
    return true;
  }

 private:
  bool convert_map(const YAML::Node& in, Node& out, const PathLink& path, int depth) {
    std::unordered_map<std::string, Position> seen;
    out.entries.reserve(in.size());
    for (auto it = in.begin(); it != in.end(); ++it) {
      const YAML::Node& key = it->first;
      Position key_position = to_position(key.Mark());
      if (!key.IsScalar()) {
        std::string what = key.IsMap() ? "a map" : key.IsSequence() ? "a list" : "empty";
        errors_.push_back(Diagnostic{file_, key_position, path.str(),
                                     "a key must be a plain name, but this key is " + what});
        if (++nodes_ > max_nodes_) return false;
        continue;
      }
      Entry entry;
      entry.key = key.Scalar();
      entry.key_position = key_position;
      auto [first, inserted] = seen.emplace(entry.key, key_position);
      PathLink link{&path, entry.key, 0};
      if (!inserted) {
        entry.duplicate = true;
        errors_.push_back(Diagnostic{file_, key_position, link.str(),
                                     "duplicate key '" + entry.key + "' (first at line " +
                                         std::to_string(first->second.line) + ")"});
      }
      if (!convert(it->second, entry.value, link, depth + 1)) return false;
      // An empty value ("key:" then a newline) gets the mark of the next token: point at the key.
      if (entry.value.is_null() && entry.value.position.line != key_position.line) {
        entry.value.position = key_position;
      }
      out.entries.push_back(std::move(entry));
    }
    return true;
  }

  const std::string& file_;
  const Limits& limits_;
  std::vector<Diagnostic>& errors_;
  std::size_t max_nodes_;
  std::size_t nodes_ = 0;
};

std::string size_text(std::size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

const Entry* Node::find(std::string_view key) const {
  for (const Entry& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

std::string describe(const Node& node) {
  switch (node.kind) {
    case Kind::null:
      return "nothing";
    case Kind::sequence:
      return "a list";
    case Kind::map:
      return "a map";
    case Kind::scalar:
      break;
  }
  constexpr std::size_t kShown = 40;
  if (node.scalar.size() > kShown) return "the text '" + node.scalar.substr(0, kShown) + "...'";
  return "the text '" + node.scalar + "'";
}

std::string child_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path;
  path.reserve(parent.size() + 1 + key.size());
  path += parent;
  path += '.';
  path += key;
  return path;
}

std::string item_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

Diagnostic too_large(std::uint64_t size, const std::string& file_name, const Limits& limits) {
  return file_error(file_name, {},
                    "file is too large: " + std::to_string(size) + " bytes, the limit is " +
                        size_text(limits.max_bytes));
}

ParsedDocument parse_document(std::string_view text, const std::string& file_name,
                              const Limits& limits) {
  ParsedDocument result;
  if (text.size() > limits.max_bytes) {
    result.errors.push_back(too_large(text.size(), file_name, limits));
    return result;
  }
  if (auto problem = check_text(text, file_name)) {
    result.errors.push_back(std::move(*problem));
    return result;
  }
  if (only_blank_or_comments(text)) {
    result.errors.push_back(file_error(file_name, {}, "the file is empty: a spec needs at least "
                                                      "the sections cluster, nodes and networks"));
    return result;
  }
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
    if (documents.empty() || documents.front().IsNull()) {
      Position where = documents.empty() ? Position{} : to_position(documents.front().Mark());
      result.errors.push_back(file_error(file_name, where, "the file holds no YAML content"));
      return result;
    }
    if (documents.size() > 1) {
      result.errors.push_back(file_error(file_name, to_position(documents[1].Mark()),
                                         "a second YAML document starts here; a spec is exactly "
                                         "one document (remove the '---' separator)"));
      return result;
    }
    Node root;
    Converter converter(file_name, limits, text.size(), result.errors);
    if (converter.convert(documents.front(), root, PathLink{}, 1)) result.root = std::move(root);
  } catch (const YAML::ParserException& error) {
    Position where = to_position(error.mark);
    std::string message = "YAML syntax error: " + error.msg;
    if (dynamic_cast<const YAML::DeepRecursion*>(&error) != nullptr) {
      message = "nested too deeply for the YAML parser";
    } else if (where.line > 0 && (line_indented_with_tab(text, where.line) ||
                                  line_indented_with_tab(text, where.line - 1))) {
      message += " (tabs are not allowed for indentation in YAML; use spaces)";
    }
    result.errors.push_back(file_error(file_name, where, message));
  } catch (const YAML::Exception& error) {
    result.errors.push_back(
        file_error(file_name, to_position(error.mark), "YAML error: " + error.msg));
  } catch (const std::bad_alloc&) {
    result.errors.push_back(file_error(file_name, {}, "out of memory while parsing the YAML"));
  } catch (const std::exception& error) {
    result.errors.push_back(file_error(file_name, {}, std::string("YAML error: ") + error.what()));
  }
  return result;
}

}  // namespace hearth::yaml
