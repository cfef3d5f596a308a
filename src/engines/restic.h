#pragma once
// restic (Debian's `restic`, 0.14), behind a small interface: the backup jobs (agent/backups.h)
// are decided and tested against a fake of `ResticEngine`; `ResticCli` runs the real program.
//
// Secrets: the repository password stays in its file (restic reads it: --password-file); an Azure
// account key is read from its file and handed to restic in its environment (AZURE_ACCOUNT_KEY),
// which only root can read (/proc/PID/environ). Neither is ever on a command line, in etcd or in
// a log line. Both files must be regular files that only their owner can read (0600 or 0400):
// check_secret_file() refuses anything else before restic is started.
//
// Repository kinds: an absolute local path; azure:CONTAINER:/PATH (restic's native Azure Blob
// backend: AZURE_ACCOUNT_NAME + AZURE_ACCOUNT_KEY; restic 0.14 has no custom endpoint: it talks
// to https://ACCOUNT.blob.core.windows.net, or, for the emulator's account name
// "devstoreaccount1", to http://127.0.0.1:10000 — see docs/operations.md, "Backups").
//
// Failures are Errors whose message says what failed and carries restic's own words; restic 0.14
// does not tell its failures apart by exit code (1 for nearly everything), so
// classify_restic_failure() reads its message (pure, unit-tested against 0.14's wording).
// Exit code 3 of `backup` is not a failure: a snapshot was made but some files could not be read
// (BackupSummary::partial, with the files restic named).
//
// Thread-safety: ResticCli holds no state; its methods may run from several threads at once
// (restic itself locks the repository: backups share a lock, forget/prune/check take it alone).

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/result.h"

namespace hearth {

struct ResticRepository {
  std::string location;        // as in the spec: "/srv/backups/x", "azure:CONTAINER:/PATH"
  std::string password_file;   // absolute; 0600
  std::string azure_account;   // for azure: repositories
  std::string azure_key_file;  // for azure: repositories; absolute; 0600
  std::string cache_dir;       // restic's local cache (metadata only); empty: restic's default
};

// Why a restic command failed, read from its message.
enum class ResticFailure {
  wrong_password,  // "wrong password or no key found"
  no_repository,   // nothing initialised at the location
  unreachable,     // the storage did not answer (connection refused, DNS, timeout)
  locked,          // another restic holds a lock that conflicts
  killed,          // restic was killed by a signal (or timed out)
  other,
};
ResticFailure classify_restic_failure(const std::string& message);
const char* failure_name(ResticFailure failure);

// What restic prints as progress during a backup (--json "status" lines).
struct BackupProgress {
  double fraction = 0;  // 0..1
  std::uint64_t files_done = 0;
  std::uint64_t total_files = 0;
  std::uint64_t bytes_done = 0;
  std::uint64_t total_bytes = 0;
};

// The --json "summary" line of a finished backup.
struct BackupSummary {
  std::string snapshot_id;  // the full id
  std::uint64_t files_new = 0;
  std::uint64_t files_changed = 0;
  std::uint64_t files_unmodified = 0;
  std::uint64_t data_added = 0;  // bytes added to the repository (after dedup and compression)
  std::uint64_t total_files = 0;
  std::uint64_t total_bytes = 0;
  double duration_seconds = 0;
  bool partial = false;                  // exit 3: some files could not be read
  std::vector<std::string> unreadable;   // what restic said about them (at most 20)
};

struct ResticSnapshot {
  std::string id;        // full id
  std::string short_id;  // first 8 hex digits
  std::string time;      // RFC 3339, as restic stores it
  std::int64_t time_ms = 0;  // the same, in ms since the epoch (UTC)
  std::string hostname;
  std::vector<std::string> paths;
  std::vector<std::string> tags;
};

struct BackupRequest {
  std::vector<std::string> paths;  // absolute directories to back up
  std::string host;                // the snapshot's host name (the cluster's, not a server's)
  std::vector<std::string> tags;
  std::string parent;  // a snapshot id to compare against (unchanged files are not read); may be ""
};

struct RestoreRequest {
  std::string snapshot;                // id or "latest"
  std::string target;                  // directory (created if missing)
  std::vector<std::string> includes;   // restic --include patterns; empty: everything
  bool verify = false;                 // read every restored file back against the snapshot
};

struct Retention;  // spec/spec.h

struct CheckResult {
  bool ok = false;
  std::string subset;  // the --read-data-subset used ("" for a structure-only check)
  std::string output;  // restic's report (the errors when !ok)
};

// restic's JSON, parsed (pure; unit-tested).
std::optional<BackupProgress> parse_backup_status(const std::string& line);
std::optional<BackupSummary> parse_backup_summary(const std::string& line);
Result<std::vector<ResticSnapshot>> parse_snapshots(const std::string& json);
// "--keep-daily 7 --keep-weekly 4 ..." for `forget`.
std::vector<std::string> retention_arguments(const Retention& keep);

// Fails unless `path` is a regular, non-empty file that neither group nor others can read or
// write (0600/0400). `what` names it in the message ("backups.offsite.password_file").
Status check_secret_file(const std::string& path, const std::string& what);

class ResticEngine {
 public:
  virtual ~ResticEngine() = default;

  // Initialises the repository unless one exists. Returns true when it made one. Never touches
  // an existing repository (a wrong password is an error, not a reason to initialise).
  virtual Result<bool> init_if_missing(const ResticRepository& repo) = 0;

  // Backs up `request.paths`. `progress` is called (on the caller's thread) as restic reports.
  // A partial backup (exit 3) is a success with summary.partial set.
  virtual Result<BackupSummary> backup(const ResticRepository& repo, const BackupRequest& request,
                                       const std::function<void(const BackupProgress&)>& progress) = 0;

  // Every snapshot carrying all of `tags` (all snapshots when empty), oldest first.
  virtual Result<std::vector<ResticSnapshot>> snapshots(const ResticRepository& repo,
                                                        const std::vector<std::string>& tags) = 0;

  virtual Status restore(const ResticRepository& repo, const RestoreRequest& request) = 0;

  // forget --prune of the snapshots carrying `tags`, grouped by tags (a volume backed up from
  // either server is one group). Takes restic's exclusive lock while it prunes.
  virtual Status forget_prune(const ResticRepository& repo, const std::vector<std::string>& tags,
                              const Retention& keep) = 0;

  // check, reading `subset` of the data ("3/10"; "" for the structure only).
  virtual Result<CheckResult> check(const ResticRepository& repo, const std::string& subset) = 0;

  // Removes the locks restic itself knows are stale (their process is gone on this host, or they
  // are older than 30 minutes). Never a live lock.
  virtual Status unlock_stale(const ResticRepository& repo) = 0;
};

// The real restic. `program` is looked up in PATH; `prefix` is put before it (e.g. nsenter ... for
// a lab node; empty on a real machine).
class ResticCli final : public ResticEngine {
 public:
  explicit ResticCli(std::string program = "restic", std::chrono::milliseconds timeout = std::chrono::hours(24));

  Result<bool> init_if_missing(const ResticRepository& repo) override;
  Result<BackupSummary> backup(const ResticRepository& repo, const BackupRequest& request,
                               const std::function<void(const BackupProgress&)>& progress) override;
  Result<std::vector<ResticSnapshot>> snapshots(const ResticRepository& repo,
                                                const std::vector<std::string>& tags) override;
  Status restore(const ResticRepository& repo, const RestoreRequest& request) override;
  Status forget_prune(const ResticRepository& repo, const std::vector<std::string>& tags,
                      const Retention& keep) override;
  Result<CheckResult> check(const ResticRepository& repo, const std::string& subset) override;
  Status unlock_stale(const ResticRepository& repo) override;

  // Kills every restic this object runs now and refuses to start more (hearthd is stopping:
  // it must not wait hours for a backup; the next run removes the stale lock left behind).
  void stop();

 private:
  Result<Completed> run_restic(const ResticRepository& repo, std::vector<std::string> arguments,
                               std::chrono::milliseconds timeout);
  Result<Completed> run_tracked(Command command);
  Result<Child> start_tracked(const Command& command);
  void untrack(pid_t pid);

  std::string program_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::set<pid_t> running_;
  bool stopped_ = false;
};

}  // namespace hearth
