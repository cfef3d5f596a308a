#include "spec/values.h"

#include <algorithm>
#include <charconv>

namespace hearth {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses all of `text` as a decimal without sign or leading zeros, at most `max`.
std::optional<unsigned> parse_plain_unsigned(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), is_digit)) {
    return std::nullopt;
  }
  if (text.size() > 1 && text.front() == '0') return std::nullopt;
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > max) return std::nullopt;
  return value;
}

// Each '/'-separated segment is a real name: not empty, not "." or "..".
bool segments_are_names(std::string_view path) {
  while (true) {
    std::size_t slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

const char* const kDnsLabelRule =
    "use 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen";

bool is_dns_label(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  if (text.front() == '-' || text.back() == '-') return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return is_lower_alnum(c) || c == '-'; });
}

bool is_dns_name(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  while (true) {
    std::size_t dot = text.find('.');
    if (!is_dns_label(text.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    text.remove_prefix(dot + 1);
  }
}

std::optional<std::string> normalize_mac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  char separator = text[2];
  if (separator != ':' && separator != '-') return std::nullopt;
  std::string result;
  result.reserve(17);
  for (std::size_t i = 0; i < 17; ++i) {
    if (i % 3 == 2) {
      if (text[i] != separator) return std::nullopt;
      result += ':';
      continue;
    }
    int value = hex_value(text[i]);
    if (value < 0) return std::nullopt;
    result += "0123456789abcdef"[value];
  }
  return result;
}

Result<Port> parse_port(std::string_view text) {
  const Error syntax{"'" + std::string(text) +
                     "' is not a port: expected N/tcp or N/udp, e.g. 80/tcp"};
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return syntax;
  std::string_view protocol = text.substr(slash + 1);
  Port port;
  if (protocol == "tcp") {
    port.protocol = Protocol::tcp;
  } else if (protocol == "udp") {
    port.protocol = Protocol::udp;
  } else {
    return Error{"unknown protocol '" + std::string(protocol) + "' in '" + std::string(text) +
                 "' (use tcp or udp)"};
  }
  std::string_view number = text.substr(0, slash);
  if (number.empty() || !std::all_of(number.begin(), number.end(), is_digit)) return syntax;
  auto value = parse_plain_unsigned(number, 65535);
  if (!value || *value == 0) {
    return Error{"port number '" + std::string(number) + "' is out of range (1..65535)"};
  }
  port.number = static_cast<std::uint16_t>(*value);
  return port;
}

std::string format_port(const Port& port) {
  return std::to_string(port.number) + (port.protocol == Protocol::tcp ? "/tcp" : "/udp");
}

Result<VolumeMount> parse_volume_mount(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return Error{quoted +
                 " is not a volume mount: expected volume[/subdir]:/mountpoint[:ro], "
                 "e.g. appdata/homepage:/data"};
  }
  std::string_view source = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  VolumeMount mount;
  std::size_t second = rest.find(':');
  if (second != std::string_view::npos) {
    std::string_view option = rest.substr(second + 1);
    if (option != "ro") {
      return Error{"unknown mount option '" + std::string(option) + "' in " + quoted +
                   " (the only option is ro)"};
    }
    mount.read_only = true;
    rest = rest.substr(0, second);
  }
  std::size_t slash = source.find('/');
  mount.volume = std::string(source.substr(0, slash));
  if (mount.volume.empty()) return Error{quoted + " names no volume before the ':'"};
  if (!is_dns_label(mount.volume)) {
    return Error{"'" + mount.volume + "' in " + quoted + " is not a valid volume name"};
  }
  if (slash != std::string_view::npos) {
    std::string_view subdir = source.substr(slash + 1);
    if (!segments_are_names(subdir)) {
      return Error{"subdirectory '" + std::string(subdir) + "' in " + quoted +
                   " must be a relative path without '.', '..' or empty parts"};
    }
    mount.subdir = std::string(subdir);
  }
  if (!is_absolute_path(rest)) {
    return Error{"mountpoint '" + std::string(rest) + "' in " + quoted +
                 " must be an absolute path without '.', '..' or empty parts"};
  }
  if (rest == "/") return Error{"mountpoint in " + quoted + " cannot be the container's root '/'"};
  mount.mountpoint = std::string(rest);
  return mount;
}

Result<BackupSchedule> parse_schedule(std::string_view text) {
  const Error syntax{"'" + std::string(text) +
                     "' is not a schedule: expected 'daily HH:MM', 'hourly' or 'every N{m,h}' "
                     "(e.g. 'daily 03:00', 'every 6h')"};
  BackupSchedule schedule;
  if (text == "hourly") {
    schedule.kind = BackupSchedule::Kind::hourly;
    return schedule;
  }
  if (text.starts_with("daily ")) {
    std::string_view time = text.substr(6);
    if (time.size() != 5 || time[2] != ':' || !is_digit(time[0]) || !is_digit(time[1]) ||
        !is_digit(time[3]) || !is_digit(time[4])) {
      return syntax;
    }
    schedule.kind = BackupSchedule::Kind::daily;
    schedule.hour = (time[0] - '0') * 10 + (time[1] - '0');
    schedule.minute = (time[3] - '0') * 10 + (time[4] - '0');
    if (schedule.hour > 23 || schedule.minute > 59) {
      return Error{"'" + std::string(text) + "' is not a time of day (00:00 to 23:59)"};
    }
    return schedule;
  }
  if (text.starts_with("every ")) {
    std::string_view period = text.substr(6);
    if (period.size() < 2) return syntax;
    char unit = period.back();
    std::int64_t unit_ms = unit == 'm' ? 60'000 : unit == 'h' ? 3'600'000 : 0;
    period.remove_suffix(1);
    if (unit_ms == 0 || !std::all_of(period.begin(), period.end(), is_digit)) return syntax;
    auto count = parse_plain_unsigned(period, 1'000'000);
    if (!count || *count == 0) {
      return Error{"'" + std::string(text) + "': the period must be between 1 and 1000000"};
    }
    schedule.kind = BackupSchedule::Kind::every;
    schedule.every = static_cast<std::int64_t>(*count) * unit_ms;
    return schedule;
  }
  return syntax;
}

bool is_absolute_path(std::string_view text) {
  if (text.empty() || text.front() != '/') return false;
  if (text == "/") return true;
  return segments_are_names(text.substr(1));
}

Status check_repository(std::string_view text) {
  if (text.empty()) return Error{"must not be empty"};
  if (text.front() == '/') {
    if (!is_absolute_path(text)) {
      return Error{"'" + std::string(text) +
                   "' must be an absolute path without '.', '..' or empty parts"};
    }
    return ok_status();
  }
  if (text.starts_with("azure:")) {
    std::string_view rest = text.substr(6);
    std::size_t colon = rest.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 >= rest.size() ||
        rest[colon + 1] != '/') {
      return Error{"'" + std::string(text) +
                   "' is not an Azure repository: expected "
                   "azure:CONTAINER:/PATH, e.g. azure:hearth-backups:/appdata"};
    }
    return ok_status();
  }
  if (text.starts_with("s3:")) {
    return Error{"'" + std::string(text) +
                 "': S3 repositories are not supported yet (hearth tests every repository kind "
                 "against a real server, and none for S3 can be run in its lab from Debian's "
                 "packages or npm); use azure:CONTAINER:/PATH or an absolute local path"};
  }
  return Error{"unsupported repository '" + std::string(text) +
               "': use azure:CONTAINER:/PATH or an absolute local path"};
}

bool is_env_name(std::string_view text) {
  if (text.empty() || is_digit(text.front())) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
  });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance over three rolling rows.
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  constexpr std::size_t kMaxWordLength = 64;  // keeps the cost bounded on hostile input
  if (word.empty() || word.size() > kMaxWordLength) return std::nullopt;
  std::size_t allowed = word.size() <= 4 ? 1 : word.size() <= 8 ? 2 : 3;
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (const std::string& candidate : candidates) {
    if (candidate.size() > word.size() + allowed || word.size() > candidate.size() + allowed) {
      continue;
    }
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

Status check_user(std::string_view text) {
  auto part_ok = [](std::string_view part) {
    if (part.empty() || part.size() > 32) return false;
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.';
      if (!ok) return false;
    }
    return part.front() != '-';
  };
  auto colon = text.find(':');
  std::string_view user = text.substr(0, colon);
  std::string_view group = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (!part_ok(user) || (colon != std::string_view::npos && !part_ok(group))) {
    return Error{"'" + std::string(text) +
                 "' is not a user: uid[:gid] or name[:group], e.g. 1000:1000 or nobody"};
  }
  return ok_status();
}

}  // namespace hearth
