#pragma once
// The one logger of hearth: leveled lines on stderr, one line per message, safe from any thread.
//
//   2024-05-01T12:00:00.123Z INFO  hearthd: lease 694d7a8f granted (ttl 2s)
//
// Under systemd (JOURNAL_STREAM is set and stderr is that stream) each line starts with the
// syslog priority ("<6>") instead of a timestamp: journald stamps and levels lines itself.
// Messages are plain strings; build them with std::string concatenation at the call site.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Lines below `level` are dropped. Default: info.
void set_level(Level level);
Level level();

// "debug" | "info" | "warn" | "error" (case-insensitive); nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);
const char* level_name(Level level);

// A short name put before every message ("hearthd", "hearth"); empty by default.
void set_program(std::string name);

// Replaces stderr as the destination of formatted lines (without the trailing newline), for
// tests. An empty function restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

// Formats and writes one line if `level` is enabled. Newlines inside `message` are kept on the
// same record (replaced by " | ") so one event is one line for journald and grep.
void write(Level level, std::string_view message);

inline void debug(std::string_view message) { write(Level::debug, message); }
inline void info(std::string_view message) { write(Level::info, message); }
inline void warn(std::string_view message) { write(Level::warn, message); }
inline void error(std::string_view message) { write(Level::error, message); }

}  // namespace hearth::log
