#include "spec/load.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "spec/parse.h"
#include "spec/validate.h"
#include "spec/yaml_document.h"

namespace hearth {
namespace {

LoadResult unreadable(const std::string& path, const std::string& why) {
  LoadResult result;
  result.unreadable = true;
  result.errors.push_back(Diagnostic{path, {}, "", "cannot read " + path + ": " + why});
  return result;
}

}  // namespace

LoadResult load_spec_text(const std::string& text, const std::string& file_name) {
  LoadResult result;
  yaml::ParsedDocument document = yaml::parse_document(text, file_name);
  result.errors = std::move(document.errors);
  if (document.root) {
    BuiltSpec built =
        build_spec(std::make_shared<const yaml::Node>(std::move(*document.root)), file_name);
    result.errors.insert(result.errors.end(), built.errors.begin(), built.errors.end());
    std::vector<Diagnostic> rules = validate_spec(built.spec, built.unusable);
    result.errors.insert(result.errors.end(), rules.begin(), rules.end());
    if (result.errors.empty()) result.spec = std::move(built.spec);
  }
  sort_in_file_order(result.errors);
  return result;
}

LoadResult load_spec_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return unreadable(path, std::strerror(errno));
  if (S_ISDIR(info.st_mode)) return unreadable(path, "it is a directory");
  if (!S_ISREG(info.st_mode)) return unreadable(path, "it is not a regular file");
  const yaml::Limits limits;
  if (static_cast<std::uint64_t>(info.st_size) > limits.max_bytes) {
    LoadResult result;  // refused without reading it
    result.errors.push_back(
        yaml::too_large(static_cast<std::uint64_t>(info.st_size), path, limits));
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(path, std::strerror(errno));
  std::string text;
  text.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > limits.max_bytes) break;  // the file grew while we read it
  }
  if (in.bad()) return unreadable(path, std::strerror(errno));
  return load_spec_text(text, path);
}

}  // namespace hearth
