#pragma once
// The small value syntaxes of the spec: names, MAC addresses, ports, volume mounts, backup
// schedules, paths and repositories; and the "did you mean" suggestion for misspelt words.
// All pure; error messages are phrases for "KEY: <message>".

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "spec/spec.h"

namespace hearth {

// A DNS label: 1-63 of lowercase letters, digits and hyphens, not starting or ending with a hyphen.
// Names of nodes, networks, disks, volumes, services, backups, reservations and DNS records.
bool is_dns_label(std::string_view text);
// The rule above in words, for messages.
extern const char* const kDnsLabelRule;

// A DNS name: DNS labels joined by dots, at most 253 characters, no trailing dot.
bool is_dns_name(std::string_view text);

// "3c:52:82:00:00:05", also upper case and '-' separators; returns lowercase colon form.
std::optional<std::string> normalize_mac(std::string_view text);

// "80/tcp", "53/udp"; the number 1..65535 without leading zeros.
Result<Port> parse_port(std::string_view text);
std::string format_port(const Port& port);  // "80/tcp"

// "volume[/subdir]:/mountpoint[:ro]". The subdir is relative and the mountpoint absolute; neither
// may contain "." or ".." segments or empty segments; the mountpoint may not be "/".
Result<VolumeMount> parse_volume_mount(std::string_view text);

// "daily HH:MM" (00:00..23:59), "hourly", "every N{m,h}" with N >= 1.
Result<BackupSchedule> parse_schedule(std::string_view text);

// An absolute path: starts with '/', no "." or ".." segments, no empty segments.
bool is_absolute_path(std::string_view text);

// restic repository: "azure:CONTAINER:/PATH", "s3:HOST/BUCKET[/PATH]", or an absolute local path.
Status check_repository(std::string_view text);

// Environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool is_env_name(std::string_view text);

// A container user as podman takes it: "uid", "uid:gid", "name" or "name:group" (names are looked
// up in the image's /etc/passwd and /etc/group when the service starts).
Status check_user(std::string_view text);

// Edit distance with adjacent transpositions (optimal string alignment).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a likely typo (at most 1 edit for
// words up to 4 characters, 2 up to 8, 3 beyond); ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace hearth
