#include "engines/restic.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "common/process.h"
#include "spec/spec.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// The last non-empty lines of restic's stderr (its "Fatal: ..." is at the end), at most ~1 KiB.
std::string tail_of(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
  if (trimmed.size() > 1024) trimmed = "..." + trimmed.substr(trimmed.size() - 1024);
  return trimmed;
}

std::uint64_t number(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_number()) return 0;
  if (found->is_number_unsigned()) return found->get<std::uint64_t>();
  if (found->is_number_integer()) return static_cast<std::uint64_t>(std::max<std::int64_t>(0, found->get<std::int64_t>()));
  return static_cast<std::uint64_t>(std::max(0.0, found->get<double>()));
}

// "2026-12-02T07:24:25.258900046Z" or with an offset ("+01:00") -> ms since the epoch (UTC).
std::int64_t parse_rfc3339_ms(const std::string& text) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute,
                  &second) != 6) {
    return 0;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::int64_t seconds = ::timegm(&tm);
  std::int64_t millis = 0;
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int digits = 0;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      if (digits < 3) millis = millis * 10 + (text[at] - '0');
      ++digits;
      ++at;
    }
    for (; digits < 3; ++digits) millis *= 10;
  }
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + at + 1, "%2d:%2d", &oh, &om) == 2) {
      std::int64_t offset = (oh * 60 + om) * 60;
      seconds += text[at] == '+' ? -offset : offset;
    }
  }
  return seconds * 1000 + millis;
}

// The restic command for `repo` with `arguments`, its secrets checked; the Azure key (if any) in
// the environment only.
Result<Command> restic_command(const std::string& program, const ResticRepository& repo,
                               std::vector<std::string> arguments,
                               std::chrono::milliseconds timeout) {
  if (auto checked = check_secret_file(repo.password_file, "the repository password file");
      !checked) {
    return checked.error();
  }
  Command command;
  command.argv = {program, "--repo", repo.location, "--password-file", repo.password_file};
  if (!repo.cache_dir.empty()) {
    command.argv.push_back("--cache-dir");
    command.argv.push_back(repo.cache_dir);
  }
  for (auto& argument : arguments) command.argv.push_back(std::move(argument));
  // Nothing from hearthd's own environment may choose another password or repository.
  command.env = {"RESTIC_PASSWORD=", "RESTIC_PASSWORD_COMMAND=", "RESTIC_REPOSITORY=",
                 "RESTIC_REPOSITORY_FILE=", "RESTIC_PROGRESS_FPS=0.5"};
  if (repo.location.starts_with("azure:")) {
    if (repo.azure_account.empty()) {
      return Error{"the repository " + repo.location + " is on Azure but no account is named"};
    }
    if (auto checked = check_secret_file(repo.azure_key_file, "the Azure account key file");
        !checked) {
      return checked.error();
    }
    std::string key = read_text_file(repo.azure_key_file);
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) {
      key.pop_back();
    }
    if (key.empty()) return Error{"the Azure account key file " + repo.azure_key_file + " is empty"};
    command.env.push_back("AZURE_ACCOUNT_NAME=" + repo.azure_account);
    command.env.push_back("AZURE_ACCOUNT_KEY=" + key);
  }
  command.timeout = timeout;
  command.own_process_group = true;
  command.die_with_parent = true;
  return command;
}

Error failure(const std::string& what, const ResticRepository& repo, const Completed& done) {
  std::string words = tail_of(done.err.empty() ? done.out : done.err);
  return Error{"restic " + what + " (" + repo.location + ") " + done.describe() +
               (words.empty() ? std::string() : ": " + words)};
}

}  // namespace

ResticFailure classify_restic_failure(const std::string& message) {
  if (contains(message, "wrong password or no key found")) return ResticFailure::wrong_password;
  if (contains(message, "killed by") || contains(message, "timed out after")) {
    return ResticFailure::killed;
  }
  if (contains(message, "repository is already locked")) return ResticFailure::locked;
  if (contains(message, "Is there a repository at the following location?") ||
      contains(message, "unable to open config file") ||
      contains(message, "ContainerNotFound") ||
      contains(message, "The specified container does not exist")) {
    return ResticFailure::no_repository;
  }
  for (const char* part : {"connection refused", "no such host", "i/o timeout",
                           "network is unreachable", "no route to host",
                           "context deadline exceeded", "connection reset", "dial tcp",
                           "TLS handshake timeout", "server misbehaving"}) {
    if (contains(message, part)) return ResticFailure::unreachable;
  }
  return ResticFailure::other;
}

const char* failure_name(ResticFailure failure) {
  switch (failure) {
    case ResticFailure::wrong_password: return "wrong password";
    case ResticFailure::no_repository: return "no repository";
    case ResticFailure::unreachable: return "repository unreachable";
    case ResticFailure::locked: return "repository locked";
    case ResticFailure::killed: return "killed";
    case ResticFailure::other: return "failed";
  }
  return "failed";
}

std::optional<BackupProgress> parse_backup_status(const std::string& line) {
  json object = json::parse(line, nullptr, false);
  if (!object.is_object() || object.value("message_type", "") != "status") return std::nullopt;
  BackupProgress progress;
  if (auto found = object.find("percent_done"); found != object.end() && found->is_number()) {
    progress.fraction = std::clamp(found->get<double>(), 0.0, 1.0);
  }
  progress.files_done = number(object, "files_done");
  progress.total_files = number(object, "total_files");
  progress.bytes_done = number(object, "bytes_done");
  progress.total_bytes = number(object, "total_bytes");
  return progress;
}

std::optional<BackupSummary> parse_backup_summary(const std::string& line) {
  json object = json::parse(line, nullptr, false);
  if (!object.is_object() || object.value("message_type", "") != "summary") return std::nullopt;
  BackupSummary summary;
  auto id = object.find("snapshot_id");
  if (id == object.end() || !id->is_string() || id->get<std::string>().empty()) return std::nullopt;
  summary.snapshot_id = id->get<std::string>();
  summary.files_new = number(object, "files_new");
  summary.files_changed = number(object, "files_changed");
  summary.files_unmodified = number(object, "files_unmodified");
  summary.data_added = number(object, "data_added");
  summary.total_files = number(object, "total_files_processed");
  summary.total_bytes = number(object, "total_bytes_processed");
  if (auto found = object.find("total_duration"); found != object.end() && found->is_number()) {
    summary.duration_seconds = found->get<double>();
  }
  return summary;
}

Result<std::vector<ResticSnapshot>> parse_snapshots(const std::string& text) {
  json array = json::parse(text, nullptr, false);
  if (!array.is_array()) return Error{"restic snapshots did not print a JSON array"};
  std::vector<ResticSnapshot> out;
  for (const json& item : array) {
    if (!item.is_object()) continue;
    ResticSnapshot snapshot;
    snapshot.id = item.value("id", "");
    if (snapshot.id.empty()) continue;
    snapshot.short_id = item.value("short_id", snapshot.id.substr(0, 8));
    snapshot.time = item.value("time", "");
    snapshot.time_ms = parse_rfc3339_ms(snapshot.time);
    snapshot.hostname = item.value("hostname", "");
    for (const char* key : {"paths", "tags"}) {
      auto found = item.find(key);
      if (found == item.end() || !found->is_array()) continue;
      auto& into = std::string(key) == "paths" ? snapshot.paths : snapshot.tags;
      for (const json& entry : *found) {
        if (entry.is_string()) into.push_back(entry.get<std::string>());
      }
    }
    out.push_back(std::move(snapshot));
  }
  std::stable_sort(out.begin(), out.end(), [](const ResticSnapshot& a, const ResticSnapshot& b) {
    return a.time_ms < b.time_ms;
  });
  return out;
}

std::vector<std::string> retention_arguments(const Retention& keep) {
  std::vector<std::string> out;
  auto add = [&](const char* flag, int count) {
    if (count <= 0) return;
    out.push_back(flag);
    out.push_back(std::to_string(count));
  };
  add("--keep-last", keep.last);
  add("--keep-hourly", keep.hourly);
  add("--keep-daily", keep.daily);
  add("--keep-weekly", keep.weekly);
  add("--keep-monthly", keep.monthly);
  add("--keep-yearly", keep.yearly);
  return out;
}

Status check_secret_file(const std::string& path, const std::string& what) {
  struct stat info {};
  if (path.empty()) return Error{what + " is not set"};
  if (::stat(path.c_str(), &info) != 0) {
    return Error{what + " " + path + " cannot be read: " + std::strerror(errno) +
                 " (create it with mode 0600 on every server)"};
  }
  if (!S_ISREG(info.st_mode)) return Error{what + " " + path + " is not a regular file"};
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", info.st_mode & 07777);
    return Error{what + " " + path + " has mode " + mode +
                 ": others can read it; `chmod 600 " + path + "` (hearth refuses to use it)"};
  }
  if (info.st_size == 0) return Error{what + " " + path + " is empty"};
  if (::access(path.c_str(), R_OK) != 0) {
    return Error{what + " " + path + " cannot be read: " + std::strerror(errno)};
  }
  return ok_status();
}

ResticCli::ResticCli(std::string program, std::chrono::milliseconds timeout)
    : program_(std::move(program)), timeout_(timeout) {}

Result<Child> ResticCli::start_tracked(const Command& command) {
  std::lock_guard lock(mutex_);
  if (stopped_) return Error{"restic not started: hearthd is stopping"};
  auto child = Child::start(command);
  if (child) running_.insert(child->pid());
  return child;
}

void ResticCli::untrack(pid_t pid) {
  std::lock_guard lock(mutex_);
  running_.erase(pid);
}

Result<Completed> ResticCli::run_tracked(Command command) {
  auto child = start_tracked(command);
  if (!child) return child.error();
  Completed done = child->wait();
  untrack(child->pid());
  return done;
}

void ResticCli::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  for (pid_t pid : running_) ::kill(-pid, SIGKILL);  // its own process group
}

Result<Completed> ResticCli::run_restic(const ResticRepository& repo,
                                        std::vector<std::string> arguments,
                                        std::chrono::milliseconds timeout) {
  auto command = restic_command(program_, repo, std::move(arguments), timeout);
  if (!command) return command.error();
  return run_tracked(std::move(*command));
}

Result<bool> ResticCli::init_if_missing(const ResticRepository& repo) {
  auto probe = run_restic(repo, {"cat", "config", "--no-lock"}, 10min);
  if (!probe) return probe.error();
  if (probe->succeeded()) return false;
  Error probed = failure("cat config", repo, *probe);
  if (classify_restic_failure(probed.message) != ResticFailure::no_repository) return probed;
  auto init = run_restic(repo, {"init"}, 10min);
  if (!init) return init.error();
  if (!init->succeeded()) return failure("init", repo, *init);
  return true;
}

Result<BackupSummary> ResticCli::backup(const ResticRepository& repo, const BackupRequest& request,
                                        const std::function<void(const BackupProgress&)>& progress) {
  std::vector<std::string> arguments = {"backup", "--json", "--host", request.host};
  for (const auto& tag : request.tags) {
    arguments.push_back("--tag");
    arguments.push_back(tag);
  }
  if (!request.parent.empty()) {
    arguments.push_back("--parent");
    arguments.push_back(request.parent);
  }
  for (const auto& path : request.paths) arguments.push_back(path);
  auto command = restic_command(program_, repo, std::move(arguments), timeout_);
  if (!command) return command.error();
  // restic's JSON lines go to a private file read as they come (the process runner captures only
  // whole outputs); stderr (errors, unreadable files) is captured.
  std::string pattern = (std::filesystem::temp_directory_path() / "hearth-restic-XXXXXX").string();
  int fd = ::mkstemp(pattern.data());
  if (fd < 0) return Error{std::string("cannot create a file for restic's progress: ") + std::strerror(errno)};
  ::close(fd);
  struct Remove {
    std::string path;
    ~Remove() { ::unlink(path.c_str()); }
  } remove{pattern};
  command->out = Output::file;
  command->output_file = pattern;
  auto child = start_tracked(*command);
  if (!child) return child.error();
  struct Untrack {
    ResticCli* self;
    pid_t pid;
    ~Untrack() { self->untrack(pid); }
  } untrack_at_end{this, child->pid()};
  std::ifstream lines(pattern);
  std::string partial_line;
  std::optional<BackupSummary> summary;
  auto read_lines = [&] {
    std::string chunk;
    char buffer[8192];
    lines.clear();
    while (lines.read(buffer, sizeof buffer) || lines.gcount() > 0) {
      chunk.append(buffer, static_cast<std::size_t>(lines.gcount()));
      if (lines.eof()) break;
    }
    partial_line += chunk;
    std::size_t start = 0, end;
    while ((end = partial_line.find('\n', start)) != std::string::npos) {
      std::string line = partial_line.substr(start, end - start);
      start = end + 1;
      if (auto status = parse_backup_status(line)) {
        if (progress) progress(*status);
      } else if (auto done = parse_backup_summary(line)) {
        summary = done;
      }
    }
    partial_line.erase(0, start);
  };
  std::optional<Completed> done;
  while (!(done = child->wait_for(500ms))) read_lines();
  read_lines();
  if (done->exit_code == 3 && !done->timed_out && summary) {
    summary->partial = true;
    std::size_t start = 0, end;
    while ((end = done->err.find('\n', start)) != std::string::npos &&
           summary->unreadable.size() < 20) {
      std::string line = done->err.substr(start, end - start);
      start = end + 1;
      if (!line.empty()) summary->unreadable.push_back(line);
    }
    return *summary;
  }
  if (!done->succeeded()) return failure("backup", repo, *done);
  if (!summary) return Error{"restic backup (" + repo.location + ") printed no summary"};
  return *summary;
}

Result<std::vector<ResticSnapshot>> ResticCli::snapshots(const ResticRepository& repo,
                                                         const std::vector<std::string>& tags) {
  std::vector<std::string> arguments = {"snapshots", "--json", "--no-lock"};
  if (!tags.empty()) {
    std::string all;
    for (const auto& tag : tags) all += (all.empty() ? "" : ",") + tag;
    arguments.push_back("--tag");
    arguments.push_back(all);
  }
  auto done = run_restic(repo, std::move(arguments), 10min);
  if (!done) return done.error();
  if (!done->succeeded()) return failure("snapshots", repo, *done);
  return parse_snapshots(done->out);
}

Status ResticCli::restore(const ResticRepository& repo, const RestoreRequest& request) {
  std::vector<std::string> arguments = {"restore", request.snapshot, "--target", request.target};
  for (const auto& include : request.includes) {
    arguments.push_back("--include");
    arguments.push_back(include);
  }
  if (request.verify) arguments.push_back("--verify");
  auto done = run_restic(repo, std::move(arguments), timeout_);
  if (!done) return done.error();
  if (!done->succeeded()) return failure("restore", repo, *done);
  return ok_status();
}

Status ResticCli::forget_prune(const ResticRepository& repo, const std::vector<std::string>& tags,
                               const Retention& keep) {
  std::vector<std::string> arguments = {"forget", "--prune", "--group-by", "tags"};
  if (!tags.empty()) {
    std::string all;
    for (const auto& tag : tags) all += (all.empty() ? "" : ",") + tag;
    arguments.push_back("--tag");
    arguments.push_back(all);
  }
  for (auto& argument : retention_arguments(keep)) arguments.push_back(std::move(argument));
  auto done = run_restic(repo, std::move(arguments), timeout_);
  if (!done) return done.error();
  if (!done->succeeded()) return failure("forget --prune", repo, *done);
  return ok_status();
}

Result<CheckResult> ResticCli::check(const ResticRepository& repo, const std::string& subset) {
  std::vector<std::string> arguments = {"check"};
  if (!subset.empty()) {
    arguments.push_back("--read-data-subset");
    arguments.push_back(subset);
  }
  auto done = run_restic(repo, std::move(arguments), timeout_);
  if (!done) return done.error();
  CheckResult result;
  result.subset = subset;
  result.ok = done->succeeded();
  result.output = tail_of(done->out + (done->err.empty() ? "" : "\n" + done->err));
  if (!result.ok) {
    ResticFailure kind = classify_restic_failure(done->err + " " + done->describe());
    // A check that could not run at all is a failure of the command, not a finding.
    if (kind != ResticFailure::other) return failure("check", repo, *done);
  }
  return result;
}

Status ResticCli::unlock_stale(const ResticRepository& repo) {
  auto done = run_restic(repo, {"unlock"}, 10min);
  if (!done) return done.error();
  if (!done->succeeded()) return failure("unlock", repo, *done);
  return ok_status();
}

}  // namespace hearth
