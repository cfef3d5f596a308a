#include "lab/system.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/file.h"
#include "common/process.h"
#include "common/strings.h"

namespace hearth::lab {
namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string decode_mount_path(const std::string& field) {
  std::string path;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      int value = (field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0');
      path += static_cast<char>(value);
      i += 3;
    } else {
      path += field[i];
    }
  }
  return path;
}

bool inside(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

}  // namespace

Result<std::string> run_step_output(const std::vector<std::string>& argv, const std::string& what) {
  auto done = run({.argv = argv, .timeout = std::chrono::seconds(30)});
  if (!done) return Error{what + ": " + done.error().message};
  if (!done->succeeded()) {
    std::string detail = trimmed(done->err.empty() ? done->out : done->err);
    return Error{what + ": `" + join(argv, " ") + "` " + done->describe() +
                 (detail.empty() ? "" : ": " + detail)};
  }
  return std::move(done->out);
}

Status run_step(const std::vector<std::string>& argv, const std::string& what) {
  auto output = run_step_output(argv, what);
  if (!output) return output.error();
  return ok_status();
}

bool netns_exists(const std::string& name) {
  struct stat info {};
  return ::stat(("/run/netns/" + name).c_str(), &info) == 0;
}

std::vector<std::string> parse_mount_points(const std::string& mountinfo) {
  std::vector<std::string> points;
  std::istringstream lines(mountinfo);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5 && fields >> field; ++i) {
      if (i == 4) points.push_back(decode_mount_path(field));
    }
  }
  return points;
}

std::vector<std::string> host_mount_points() {
  return parse_mount_points(read_text_file("/proc/self/mountinfo"));
}

Result<std::vector<std::string>> mount_points_in(const std::string& mount_ns_path) {
  auto text =
      run_step_output({"nsenter", "--mount=" + mount_ns_path, "--", "cat", "/proc/self/mountinfo"},
                      "cannot read the mounts of " + mount_ns_path);
  if (!text) return text.error();
  return parse_mount_points(*text);
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::vector<std::string> missing_dirs(const std::string& path) {
  std::vector<std::string> missing;
  std::string current = path;
  struct stat info {};
  while (!current.empty() && current != "/" && ::stat(current.c_str(), &info) != 0) {
    missing.push_back(current);
    auto slash = current.find_last_of('/');
    current = slash == 0 ? "/" : current.substr(0, slash);
  }
  std::reverse(missing.begin(), missing.end());
  return missing;
}

Status make_dirs(const std::string& path, unsigned mode) {
  for (const auto& dir : missing_dirs(path)) {
    if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
      return Error{"cannot create the directory " + dir + ": " + std::strerror(errno)};
    }
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return Error{"cannot use " + path + " as a directory: it exists and is not one"};
  }
  return ok_status();
}

Status write_text_file(const std::string& path, const std::string& text, unsigned mode) {
  {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Error{"cannot write " + path + ": " + std::strerror(errno)};
  }
  ::chmod(path.c_str(), mode);
  return ok_status();
}

Status copy_file(const std::string& from, const std::string& to, unsigned mode) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return Error{"cannot read " + from + ": " + std::strerror(errno)};
  std::stringstream text;
  text << in.rdbuf();
  return write_text_file(to, text.str(), mode);
}

Status remove_tree(const std::string& dir) {
  for (const auto& point : host_mount_points()) {
    if (inside(point, dir)) {
      return Error{"refusing to remove " + dir + ": " + point +
                   " is still mounted (unmount it first: umount -l " + point + ")"};
    }
  }
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  if (error) return Error{"cannot remove " + dir + ": " + error.message()};
  return ok_status();
}

std::string self_executable() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string() : path.string();
}

}  // namespace hearth::lab
