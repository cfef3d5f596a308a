#include "api/token.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/log.h"

namespace hearth::api {
namespace {

bool valid_token(const std::string& token) {
  if (token.size() != 64) return false;
  for (char c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string trim(std::string text) {
  auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!text.empty() && is_space(text.back())) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && is_space(text[start])) ++start;
  return text.substr(start);
}

}  // namespace

Result<std::string> generate_token() {
  unsigned char bytes[32];
  std::size_t filled = 0;
  while (filled < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + filled, sizeof bytes - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{std::string("cannot get random bytes for the API token: ") +
                   std::strerror(errno)};
    }
    filled += static_cast<std::size_t>(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += hex[b >> 4];
    token += hex[b & 15];
  }
  return token;
}

Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Error{"cannot read the API token " + path + ": " + std::strerror(errno) +
                 " (it is created by hearthd at first start; reading it needs root)"};
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string token = trim(buffer.str());
  if (token.empty()) return Error{"the API token file " + path + " is empty"};
  return token;
}

Result<std::string> load_or_create_token(const std::string& data_dir) {
  std::string path = data_dir + "/" + kTokenFileName;
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if ((info.st_mode & 077) != 0) {
      log::warn("API token " + path + " was readable by others; setting mode 0600");
      if (::chmod(path.c_str(), 0600) != 0) {
        return Error{"cannot restrict the API token " + path +
                     " to mode 0600: " + std::strerror(errno)};
      }
    }
    auto token = read_token_file(path);
    if (!token) return token.error();
    if (!valid_token(*token)) {
      return Error{"the API token " + path +
                   " is not 64 hex digits; delete it and restart "
                   "hearthd to create a new one"};
    }
    return token;
  }
  if (errno != ENOENT) {
    return Error{"cannot check the API token " + path + ": " + std::strerror(errno)};
  }
  auto token = generate_token();
  if (!token) return token.error();
  // Write a temporary file with 0600 from the start, then link it into place: if two starts race,
  // exactly one token wins and both read it back.
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error{"cannot create the API token in " + data_dir + ": " + std::strerror(errno) +
                 " (does the data directory exist and is it writable?)"};
  }
  std::string content = *token + "\n";
  bool written =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) {
    ::unlink(temporary.c_str());
    return Error{"cannot write the API token " + temporary + ": " + std::strerror(errno)};
  }
  int linked = ::link(temporary.c_str(), path.c_str());
  int link_error = errno;
  ::unlink(temporary.c_str());
  if (linked != 0 && link_error != EEXIST) {
    return Error{"cannot create the API token " + path + ": " + std::strerror(link_error)};
  }
  if (linked == 0) log::info("created the API token " + path + " (mode 0600)");
  return read_token_file(path);
}

bool tokens_equal(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    difference |= static_cast<unsigned char>(x ^ y);
  }
  return difference == 0;
}

}  // namespace hearth::api
