#include "common/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace hearth::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};

struct State {
  std::mutex mutex;
  std::string program;
  std::function<void(std::string_view)> sink;
};

State& state() {
  static State instance;
  return instance;
}

// True when stderr is the journal stream systemd handed us (see systemd.exec(5), $JOURNAL_STREAM).
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat info {};
  if (fstat(STDERR_FILENO, &info) != 0) return false;
  std::string expected = std::to_string(static_cast<unsigned long long>(info.st_dev)) + ":" +
                         std::to_string(static_cast<unsigned long long>(info.st_ino));
  return expected == stream;
}

int syslog_priority(Level level) {
  switch (level) {
    case Level::debug:
      return 7;
    case Level::info:
      return 6;
    case Level::warn:
      return 4;
    case Level::error:
      return 3;
  }
  return 6;
}

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<int>(millis % 1000));
  return buffer;
}

}  // namespace

void set_level(Level level) { g_level.store(static_cast<int>(level)); }
Level level() { return static_cast<Level>(g_level.load()); }

std::optional<Level> parse_level(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "debug") return Level::debug;
  if (lower == "info") return Level::info;
  if (lower == "warn" || lower == "warning") return Level::warn;
  if (lower == "error") return Level::error;
  return std::nullopt;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "DEBUG";
    case Level::info:
      return "INFO";
    case Level::warn:
      return "WARN";
    case Level::error:
      return "ERROR";
  }
  return "INFO";
}

void set_program(std::string name) {
  std::lock_guard lock(state().mutex);
  state().program = std::move(name);
}

void set_sink(std::function<void(std::string_view line)> sink) {
  std::lock_guard lock(state().mutex);
  state().sink = std::move(sink);
}

void write(Level level, std::string_view message) {
  if (static_cast<int>(level) < g_level.load()) return;
  static const bool journal = stderr_is_journal();

  std::string body;
  body.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (c == '\n') {
      if (i + 1 < message.size()) body += " | ";
    } else if (c != '\r') {
      body += c;
    }
  }

  std::lock_guard lock(state().mutex);
  std::string line;
  if (journal && !state().sink) {
    line = "<" + std::to_string(syslog_priority(level)) + ">";
  } else {
    std::string name = level_name(level);
    name.resize(5, ' ');
    line = utc_timestamp() + " " + name + " ";
  }
  if (!state().program.empty()) line += state().program + ": ";
  line += body;

  if (state().sink) {
    state().sink(line);
    return;
  }
  line += '\n';
  // One write(2) per line so lines from several threads or processes never interleave.
  std::size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace hearth::log
