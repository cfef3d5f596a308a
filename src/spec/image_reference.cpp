#include "spec/image_reference.h"

#include <cctype>

namespace hearth {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component of a repository (the distribution spec's grammar):
// [a-z0-9]+ joined by ".", "_", "__" or any number of "-".
bool is_path_component(const std::string& part) {
  if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) return false;
  for (std::size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (is_lower_alnum(c) || c == '-') continue;
    if (c == '.' || c == '_') {
      if (!is_lower_alnum(part[i + 1]) && !(c == '_' && part[i + 1] == '_')) return false;
      if (c == '_' && part[i + 1] == '_') ++i;
      if (!is_lower_alnum(part[i + 1])) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool is_tag(const std::string& tag) {
  if (tag.empty() || tag.size() > 128) return false;
  for (std::size_t i = 0; i < tag.size(); ++i) {
    char c = tag[i];
    bool word = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    if (i == 0 ? !word : !(word || c == '.' || c == '-')) return false;
  }
  return true;
}

bool is_registry_host(const std::string& host) {
  if (host.empty()) return false;
  for (char c : host) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_sha256_digest(const std::string& text) {
  const std::string prefix = "sha256:";
  if (text.size() != prefix.size() + 64 || text.compare(0, prefix.size(), prefix) != 0) {
    return false;
  }
  for (std::size_t i = prefix.size(); i < text.size(); ++i) {
    char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<ImageReference> parse_image_reference(const std::string& text) {
  const std::string shape =
      "an image reference looks like REGISTRY/NAME:TAG or REGISTRY/NAME@sha256:DIGEST, e.g. "
      "docker.io/library/nginx:1.25";
  if (text.empty()) return Error{"is empty; " + shape};
  ImageReference ref;
  std::string rest = text;
  if (auto at = rest.find('@'); at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest.resize(at);
    if (!is_sha256_digest(ref.digest)) {
      return Error{"'" + ref.digest +
                   "' is not an image digest: sha256: followed by 64 lowercase hex digits"};
    }
  }
  auto slash = rest.find('/');
  std::string first = slash == std::string::npos ? rest : rest.substr(0, slash);
  bool has_registry =
      slash != std::string::npos && (first.find('.') != std::string::npos ||
                                     first.find(':') != std::string::npos || first == "localhost");
  if (!has_registry) {
    std::string suggestion =
        "docker.io/" + std::string(slash == std::string::npos ? "library/" : "") + rest;
    return Error{"'" + text +
                 "' names no registry: write the registry out, so what runs does not depend on "
                 "the machine's search list (did you mean " +
                 suggestion + "?)"};
  }
  ref.registry = first;
  if (!is_registry_host(ref.registry)) {
    return Error{"'" + ref.registry + "' is not a registry host (host or host:port)"};
  }
  std::string path = rest.substr(slash + 1);
  // A ':' after the last '/' starts the tag (one before it belongs to the registry's port).
  if (auto colon = path.rfind(':'); colon != std::string::npos) {
    ref.tag = path.substr(colon + 1);
    path.resize(colon);
    if (!is_tag(ref.tag)) {
      return Error{"'" + ref.tag +
                   "' is not an image tag: letters, digits, '_', '.' and '-', at most 128, not "
                   "starting with '.' or '-'"};
    }
  }
  if (path.empty()) return Error{"'" + text + "' names a registry but no image; " + shape};
  std::size_t start = 0;
  while (true) {
    auto end = path.find('/', start);
    std::string part = path.substr(start, end == std::string::npos ? end : end - start);
    if (!is_path_component(part)) {
      return Error{"'" + path +
                   "' is not an image name: lowercase letters and digits, separated by '/', "
                   "'.', '_' or '-'"};
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  ref.repository = path;
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace hearth
