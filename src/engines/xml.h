#pragma once
// A small read-only XML tree, enough for the `--xml` answers of engine command lines (gluster).
// Parsed with expat; no namespaces, no DTDs. Text is the concatenated character data of an
// element (not of its children), with surrounding white space trimmed.

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace hearth {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;
  std::vector<XmlElement> children;

  // The first child element called `child_name`, or nullptr.
  const XmlElement* child(const std::string& child_name) const;
  // Every child element called `child_name`, in document order.
  std::vector<const XmlElement*> children_named(const std::string& child_name) const;
  // The text of the first child called `child_name`; `fallback` when there is none.
  std::string child_text(const std::string& child_name, const std::string& fallback = "") const;
  // The element at a path of child names ("volInfo/volumes"), or nullptr.
  const XmlElement* find(const std::string& path) const;
};

// Parses a whole document; the error names the line and what is wrong.
Result<XmlElement> parse_xml(const std::string& text);

}  // namespace hearth
