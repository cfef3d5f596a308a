#include "engines/xml.h"

#include <expat.h>

#include <memory>

namespace hearth {
namespace {

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

struct Builder {
  XmlElement root;
  std::vector<XmlElement*> open;  // the path from the document element to the current one
  bool has_root = false;
};

void on_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* builder = static_cast<Builder*>(data);
  XmlElement* element = nullptr;
  if (builder->open.empty()) {
    element = &builder->root;
    builder->has_root = true;
  } else {
    builder->open.back()->children.emplace_back();
    element = &builder->open.back()->children.back();
  }
  element->name = name;
  for (int i = 0; attributes[i] != nullptr; i += 2)
    element->attributes[attributes[i]] = attributes[i + 1];
  builder->open.push_back(element);
}

void on_end(void* data, const XML_Char*) {
  auto* builder = static_cast<Builder*>(data);
  builder->open.back()->text = trim(builder->open.back()->text);
  builder->open.pop_back();
}

void on_text(void* data, const XML_Char* text, int length) {
  auto* builder = static_cast<Builder*>(data);
  if (!builder->open.empty())
    builder->open.back()->text.append(text, static_cast<std::size_t>(length));
}

}  // namespace

const XmlElement* XmlElement::child(const std::string& child_name) const {
  for (const auto& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::children_named(const std::string& child_name) const {
  std::vector<const XmlElement*> found;
  for (const auto& c : children) {
    if (c.name == child_name) found.push_back(&c);
  }
  return found;
}

std::string XmlElement::child_text(const std::string& child_name,
                                   const std::string& fallback) const {
  const XmlElement* c = child(child_name);
  return c ? c->text : fallback;
}

const XmlElement* XmlElement::find(const std::string& path) const {
  const XmlElement* at = this;
  std::size_t start = 0;
  while (at != nullptr && start <= path.size()) {
    auto slash = path.find('/', start);
    std::string part =
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    at = at->child(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return at;
}

Result<XmlElement> parse_xml(const std::string& text) {
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate(nullptr),
                                                                      &XML_ParserFree);
  if (!parser) return Error{"cannot create an XML parser (out of memory)"};
  // Children are appended to vectors while parents are open: reserve nothing, but keep pointers
  // valid by never holding a pointer into a vector that may grow (only the last child is open).
  Builder builder;
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_text);
  if (XML_Parse(parser.get(), text.data(), static_cast<int>(text.size()), 1) == XML_STATUS_ERROR) {
    return Error{"invalid XML at line " + std::to_string(XML_GetCurrentLineNumber(parser.get())) +
                 ": " + XML_ErrorString(XML_GetErrorCode(parser.get()))};
  }
  if (!builder.has_root) return Error{"the XML document is empty"};
  return std::move(builder.root);
}

}  // namespace hearth
