#include "spec/yaml_document.h"

#include <yaml.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <unordered_map>
#include <unordered_set>

namespace hearth::yaml {
namespace {

Position to_position(const yaml_mark_t& mark) {
  return {static_cast<int>(mark.line) + 1, static_cast<int>(mark.column) + 1};
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

// Tabs in indentation are the most common YAML mistake and libyaml's message does not say so.
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

// Thrown from the tree builder to stop parsing: a limit was hit, or the input is not one document.
struct StopParsing {
  Diagnostic diagnostic;
};

std::size_t count_nodes(const Node& node) {
  std::size_t count = 1;
  for (const Node& item : node.items) count += count_nodes(item);
  for (const Entry& entry : node.entries) count += count_nodes(entry.value);
  return count;
}

// Builds our tree from libyaml's parse events. Events (not a library node graph) keep duplicate
// keys and let every limit stop the parser at once; aliases would otherwise expand exponentially.
// libyaml's parser keeps its own state on the heap, so deep nesting cannot overflow the stack.
// (yaml-cpp was used first: it was ~10x slower on large specs and can loop forever on some
// garbage; see docs/spec.md.)
class TreeBuilder final {
 public:
  // Without aliases a document has fewer nodes than bytes; the budget allows modest alias use
  // and stops exponential expansion early.
  TreeBuilder(const std::string& file, const Limits& limits, std::size_t text_size,
              std::vector<Diagnostic>& errors)
      : file_(file),
        limits_(limits),
        errors_(errors),
        max_nodes_(std::min(limits.max_nodes, 2 * text_size + 10'000)) {}

  std::optional<Node> take_root() { return std::move(root_); }

  void document_start(Position position) {
    if (++documents_ > 1) {
      throw StopParsing{file_error(file_, position,
                                   "a second YAML document starts here; a spec is exactly one "
                                   "document (remove the '---' separator)")};
    }
  }
  void alias(Position position, const std::string& anchor) {
    if (open_anchors_.count(anchor) != 0) {
      throw StopParsing{Diagnostic{file_, position, path_here(),
                                   "an alias refers to a node that contains it (a cycle)"}};
    }
    auto found = anchors_.find(anchor);
    if (found == anchors_.end()) {
      throw StopParsing{Diagnostic{file_, position, path_here(), "unknown alias '*" + anchor + "'"}};
    }
    add_nodes(found->second.size, position);
    complete(Node(found->second.node), {});
  }

  // A plain empty, "~" or "null" scalar is YAML's null; quoted ones are strings.
  void scalar(Position position, const std::string& anchor, std::string value, bool plain) {
    bool left_out = plain && value.empty();
    Node node;
    node.position = position;
    if (!plain || !(value.empty() || value == "~" || value == "null" || value == "Null" ||
                    value == "NULL")) {
      node.kind = Kind::scalar;
      node.scalar = std::move(value);
      node.quoted = !plain;
    }
    add_nodes(1, position);
    complete(std::move(node), anchor, left_out);
  }

  void sequence_start(Position position, const std::string& anchor) {
    open(Kind::sequence, position, anchor);
  }
  void map_start(Position position, const std::string& anchor) { open(Kind::map, position, anchor); }
  void collection_end() { close(); }

 private:
  struct Frame {
    Node node;
    std::string anchor;  // empty: none
    // For maps: the key read, waiting for its value.
    bool have_key = false;
    bool drop_value = false;  // the key was not a plain name (reported)
    std::string key;
    Position key_position;
    std::unordered_map<std::string, Position> seen;
  };

  void add_nodes(std::size_t count, Position position) {
    nodes_ += count;
    if (nodes_ > max_nodes_) {
      throw StopParsing{file_error(file_, position,
                                   "too many YAML nodes (more than " + std::to_string(max_nodes_) +
                                       ", counting every use of an alias); refusing to expand")};
    }
  }

  void open(Kind kind, Position position, const std::string& anchor) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      throw StopParsing{Diagnostic{
          file_, position, path_here(),
          "nested too deeply (more than " + std::to_string(limits_.max_depth) + " levels)"}};
    }
    add_nodes(1, position);
    Frame& frame = stack_.emplace_back();
    frame.node.kind = kind;
    frame.node.position = position;
    frame.anchor = anchor;
    if (!anchor.empty()) open_anchors_.insert(anchor);
  }

  void close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (!frame.anchor.empty()) open_anchors_.erase(frame.anchor);
    complete(std::move(frame.node), frame.anchor);
  }

  // The key path of the value being read, for messages.
  std::string path_here() const {
    std::string path;
    for (const Frame& frame : stack_) {
      if (frame.node.is_sequence()) {
        path = item_path(path, frame.node.items.size());
      } else if (frame.have_key) {
        path = child_path(path, frame.key);
      }
    }
    return path;
  }

  // `empty`: the node is a value left out ("key:" and nothing), which has no position of its own.
  void complete(Node node, const std::string& anchor, bool empty = false) {
    if (!anchor.empty()) {
      std::size_t size = count_nodes(node);
      anchors_.insert_or_assign(anchor, Anchored{node, size});
    }
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.node.is_sequence()) {
      parent.node.items.push_back(std::move(node));
      return;
    }
    if (!parent.have_key) {
      parent.have_key = true;
      parent.key_position = node.position;
      if (node.is_scalar()) {
        parent.key = std::move(node.scalar);
        parent.drop_value = false;
      } else {
        parent.key.clear();
        parent.drop_value = true;
        std::string what = node.is_map() ? "a map" : node.is_sequence() ? "a list" : "empty";
        std::string path;
        parent.have_key = false;  // the path of the map itself
        path = path_here();
        parent.have_key = true;
        errors_.push_back(Diagnostic{file_, node.position, path,
                                     "a key must be a plain name, but this key is " + what});
      }
      return;
    }
    parent.have_key = false;
    if (parent.drop_value) return;
    Entry entry;
    entry.key = std::move(parent.key);
    entry.key_position = parent.key_position;
    entry.value = std::move(node);
    // An empty value ("key:" then a newline) has no text to point at: point at the key.
    if (empty) {
      entry.value.position = entry.key_position;
    }
    auto [first, inserted] = parent.seen.emplace(entry.key, entry.key_position);
    if (!inserted) {
      entry.duplicate = true;
      parent.have_key = true;
      parent.key = entry.key;
      std::string path = path_here();
      parent.have_key = false;
      errors_.push_back(Diagnostic{file_, entry.key_position, path,
                                   "duplicate key '" + entry.key + "' (first at line " +
                                       std::to_string(first->second.line) + ")"});
    }
    parent.node.entries.push_back(std::move(entry));
  }

  const std::string& file_;
  const Limits& limits_;
  std::vector<Diagnostic>& errors_;
  std::size_t max_nodes_;
  std::size_t nodes_ = 0;
  int documents_ = 0;
  std::vector<Frame> stack_;
  std::optional<Node> root_;
  struct Anchored {
    Node node;
    std::size_t size = 0;  // nodes, counted once per use against the budget
  };
  std::unordered_map<std::string, Anchored> anchors_;  // complete anchored nodes, by name
  std::unordered_set<std::string> open_anchors_;       // anchored collections still being read
};

// Owns a libyaml parser and the event being handled.
class EventParser {
 public:
  explicit EventParser(std::string_view text) {
    if (yaml_parser_initialize(&parser_) == 0) throw std::bad_alloc();
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~EventParser() {
    if (have_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  EventParser(const EventParser&) = delete;
  EventParser& operator=(const EventParser&) = delete;

  // The next event, or nullptr on a syntax error (see problem()). Valid until the next call.
  const yaml_event_t* next() {
    if (have_event_) yaml_event_delete(&event_);
    have_event_ = yaml_parser_parse(&parser_, &event_) != 0;
    return have_event_ ? &event_ : nullptr;
  }

  const yaml_parser_t& state() const { return parser_; }

 private:
  yaml_parser_t parser_{};
  yaml_event_t event_{};
  bool have_event_ = false;
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
    result.errors.push_back(file_error(file_name, {},
                                       "the file is empty: a spec needs at least "
                                       "the sections cluster, nodes and networks"));
    return result;
  }
  try {
    EventParser parser(text);
    TreeBuilder builder(file_name, limits, text.size(), result.errors);
    auto anchor_of = [](const yaml_char_t* anchor) {
      return anchor == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(anchor));
    };
    bool done = false;
    while (!done) {
      const yaml_event_t* event = parser.next();
      if (event == nullptr) {
        const yaml_parser_t& state = parser.state();
        Position where = to_position(state.problem_mark);
        std::string message = "YAML syntax error: ";
        message += state.problem != nullptr ? state.problem : "malformed YAML";
        if (state.context != nullptr) message += std::string(" ") + state.context;
        if (line_indented_with_tab(text, where.line) || line_indented_with_tab(text, where.line - 1)) {
          message += " (tabs are not allowed for indentation in YAML; use spaces)";
        }
        result.errors.push_back(file_error(file_name, where, message));
        return result;
      }
      Position position = to_position(event->start_mark);
      switch (event->type) {
        case YAML_DOCUMENT_START_EVENT:
          builder.document_start(position);
          break;
        case YAML_ALIAS_EVENT:
          builder.alias(position, anchor_of(event->data.alias.anchor));
          break;
        case YAML_SCALAR_EVENT:
          builder.scalar(position, anchor_of(event->data.scalar.anchor),
                         std::string(reinterpret_cast<const char*>(event->data.scalar.value),
                                     event->data.scalar.length),
                         event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
          break;
        case YAML_SEQUENCE_START_EVENT:
          builder.sequence_start(position, anchor_of(event->data.sequence_start.anchor));
          break;
        case YAML_MAPPING_START_EVENT:
          builder.map_start(position, anchor_of(event->data.mapping_start.anchor));
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          builder.collection_end();
          break;
        case YAML_STREAM_END_EVENT:
          done = true;
          break;
        default:  // stream start, document end, no event
          break;
      }
    }
    std::optional<Node> root = builder.take_root();
    if (!root || root->is_null()) {
      result.errors.push_back(
          file_error(file_name, root ? root->position : Position{},
                     "no YAML content found at the start of the file: a spec is a map of sections "
                     "(cluster:, nodes:, networks:, ...)"));
      return result;
    }
    result.root = std::move(root);
  } catch (const StopParsing& stop) {
    result.errors.push_back(stop.diagnostic);
  } catch (const std::bad_alloc&) {
    result.errors.push_back(file_error(file_name, {}, "out of memory while parsing the YAML"));
  }
  return result;
}

}  // namespace hearth::yaml
