#pragma once
// The one YAML loader of hearth. It parses text with libyaml's event parser and builds a small
// tree of our own that keeps every map entry in file order (duplicate keys included, flagged) and
// the 1-based position of every key and value. Nothing else in hearth includes libyaml.
//
// Hostile input is refused before or while parsing, never by crashing: text over a size limit,
// binary data (NUL and other control bytes, invalid UTF-8), nesting deeper than a limit (cyclic
// aliases included) and alias expansion beyond a node budget all become diagnostics.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/diagnostic.h"

namespace hearth::yaml {

enum class Kind { null, scalar, sequence, map };

struct Entry;

struct Node {
  Kind kind = Kind::null;
  Position position;
  std::string scalar;          // Kind::scalar: the text, after YAML unquoting/folding
  bool quoted = false;         // Kind::scalar: quoted or block scalar (so "~" or "" is a string)
  std::vector<Node> items;     // Kind::sequence
  std::vector<Entry> entries;  // Kind::map, in file order; later duplicates have `duplicate` set

  bool is_null() const { return kind == Kind::null; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_sequence() const { return kind == Kind::sequence; }
  bool is_map() const { return kind == Kind::map; }

  // The first entry with this key, or nullptr. REQUIRES: is_map() (else returns nullptr).
  const Entry* find(std::string_view key) const;
};

struct Entry {
  std::string key;
  Position key_position;
  Node value;
  bool duplicate = false;  // an earlier entry of the same map has the same key (already reported)
};

// "a map", "a list", "nothing", or "the text 'abc'" (shortened): for "expected X, found Y".
std::string describe(const Node& node);

struct Limits {
  std::size_t max_bytes = 4u << 20;   // larger text is refused without parsing
  int max_depth = 64;                 // nesting of maps and lists
  std::size_t max_nodes = 1'000'000;  // after expanding aliases; also at most 2 per byte + 10000
};

struct ParsedDocument {
  std::optional<Node> root;        // absent when the text could not be parsed at all
  std::vector<Diagnostic> errors;  // may be non-empty even with a root (e.g. duplicate keys)
};

// Parses `text` as one YAML document. `file_name` goes into the diagnostics. Key paths in the
// diagnostics are dotted ("services.homepage.ports[0]"). Never throws.
ParsedDocument parse_document(std::string_view text, const std::string& file_name,
                              const Limits& limits = {});

// The diagnostic for a text of `size` bytes, larger than limits.max_bytes.
Diagnostic too_large(std::uint64_t size, const std::string& file_name, const Limits& limits);

// Joins key paths the way diagnostics and SourceMap spell them.
std::string child_path(const std::string& parent, std::string_view key);
std::string item_path(const std::string& parent, std::size_t index);

}  // namespace hearth::yaml
