#pragma once
// The lab's few primitives on the host: run a step (a program such as `ip`, `mount`, `nsenter`)
// and turn its failure into an Error that says what failed and why; read mount tables; make and
// remove directories. Everything the lab does to the machine goes through here.

#include <string>
#include <vector>

#include "common/result.h"

namespace hearth::lab {

// Runs argv (no shell; 30 s limit). On failure: "<what>: `<argv>` <how it ended>: <stderr>".
Status run_step(const std::vector<std::string>& argv, const std::string& what);

// Same, returning stdout.
Result<std::string> run_step_output(const std::vector<std::string>& argv, const std::string& what);

// True when /run/netns/NAME exists.
bool netns_exists(const std::string& name);

// Mount points listed in a mountinfo text (the 5th field, with \040-style escapes decoded).
std::vector<std::string> parse_mount_points(const std::string& mountinfo);

// Mount points of the caller's mount namespace.
std::vector<std::string> host_mount_points();

// Mount points of the mount namespace bound at `mount_ns_path` (asks a process inside it).
Result<std::vector<std::string>> mount_points_in(const std::string& mount_ns_path);

bool contains(const std::vector<std::string>& items, const std::string& item);

// Creates `path` and its missing parents with `mode`. Fails naming the path.
Status make_dirs(const std::string& path, unsigned mode = 0755);

// The directories `make_dirs(path)` would create, outermost first (none when it exists).
std::vector<std::string> missing_dirs(const std::string& path);

// Writes `text` to `path` (replacing it).
Status write_text_file(const std::string& path, const std::string& text, unsigned mode = 0644);

// Copies a file (replacing the target).
Status copy_file(const std::string& from, const std::string& to, unsigned mode = 0644);

// Removes `dir` recursively, refusing (with an error) if any mount point lies at or under it:
// it never deletes through a mount into files the lab does not own.
Status remove_tree(const std::string& dir);

// The path of the running program (/proc/self/exe).
std::string self_executable();

}  // namespace hearth::lab
