#pragma once
// The one process runner of hearth. Every child process is started from an argv (never through a
// shell) and is always reaped: a Child that goes out of scope kills and reaps its process.
//
//   auto done = run({.argv = {"etcdctl", "endpoint", "health"}, .timeout = 5s});
//   if (!done) ...               // could not start (not found, not executable): done.error()
//   if (!done->succeeded()) ...  // ran but failed: done->describe(), done->err
//
// Entering namespaces (nsenter, ip netns exec) is the caller's business: prefix the argv.
// Thread-safety: functions are safe to call from several threads at once; a Child object is not.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace hearth {

// Where a child's standard input comes from.
enum class Input {
  null,     // /dev/null (the default: a child never steals the caller's terminal by accident)
  inherit,  // the caller's stdin
  data,     // Command::input_data, then end of file
};

// Where a child's stdout or stderr goes.
enum class Output {
  capture,  // collected into Completed::out / Completed::err
  inherit,  // the caller's stream
  discard,  // /dev/null
  file,     // appended to Command::output_file (created 0644 if missing)
  merge,    // stderr only: to wherever stdout goes (interleaved in order)
};

struct Command {
  std::vector<std::string> argv{};  // argv[0] without a '/' is looked up in PATH
  std::vector<std::string> env{};  // extra "NAME=value" entries; override the inherited environment
  std::string cwd{};               // empty: the caller's working directory
  Input input = Input::null;
  std::string input_data{};  // for Input::data
  Output out = Output::capture;
  Output err = Output::capture;
  std::string output_file{};  // for Output::file
  // Zero: no limit. Otherwise the child (and its process group, see below) is killed with
  // SIGKILL when the time is up, and Completed::timed_out is set.
  std::chrono::milliseconds timeout{0};
  // Run the child in its own process group: a timeout or a kill then reaches its descendants too,
  // and the terminal's Ctrl-C does not. Leave false for interactive children (Input::inherit).
  bool own_process_group = false;
  // The child gets SIGKILL when the thread that started it dies (prctl PR_SET_PDEATHSIG): work
  // that must not outlive hearthd (a backup holding a repository) dies with it even on SIGKILL.
  bool die_with_parent = false;
};

// How a finished child ended.
struct Completed {
  int exit_code = -1;  // the exit status 0..255; 128+N when killed by signal N
  int signal = 0;      // N when killed by a signal, else 0
  bool timed_out = false;
  std::string out;  // captured stdout (with stderr when err was Output::merge)
  std::string err;  // captured stderr

  bool succeeded() const { return exit_code == 0 && !timed_out; }
  // "exited with status 1", "killed by SIGKILL", "timed out after 5000 ms" — for messages.
  std::string describe() const;
};

// A started child process. Move-only. Destroying a Child that still runs kills it (SIGKILL, its
// process group too when it has its own) and reaps it.
class Child {
 public:
  // Starts the command. Fails (without leaving anything behind) when the program cannot be found
  // or executed, or output_file cannot be opened; the message names the program and the reason.
  static Result<Child> start(const Command& command);

  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !finished_; }

  // Feeds input, collects captured output and waits until the child exits or its timeout (counted
  // from start()) passes. Output written after the child's exit by descendants that still hold
  // its pipes is not waited for.
  Completed wait();

  // Like wait(), but gives up after `limit` and returns nullopt if the child still runs
  // (output captured so far is kept for the next call).
  std::optional<Completed> wait_for(std::chrono::milliseconds limit);

  // Sends a signal to the child (to its process group when it has its own). No-op once reaped.
  void signal(int number);

  // SIGTERM, up to `grace` for it to exit, then SIGKILL. Returns how it ended.
  Completed stop(std::chrono::milliseconds grace);

 private:
  Child() = default;
  bool pump(std::chrono::steady_clock::time_point until);  // true when the child has exited
  void reap(int status);
  void close_all();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  bool own_group_ = false;
  bool finished_ = false;
  std::string input_;
  std::size_t input_written_ = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::chrono::milliseconds timeout_{0};
  Completed completed_;
};

// Runs a command to completion: start() then wait().
Result<Completed> run(const Command& command);

// Starts a long-running process that outlives the caller: in its own session, detached from the
// caller (double fork, so the caller never has to reap it), stdin from /dev/null, stdout/stderr
// per `command` (Output::capture is not allowed: use Output::file). `timeout` is ignored.
// Returns its PID once it has been exec'd; fails if it could not be.
Result<pid_t> start_daemon(const Command& command);

// What /proc says about a process (any process, not only our children).
struct ProcessInfo {
  pid_t pid = 0;
  char state = '?';                  // 'R', 'S', 'D', 'Z' (zombie: it has exited), ...
  std::uint64_t start_time = 0;      // clock ticks after boot; with the PID, identifies a process
  std::string name;                  // the command name (comm), at most 15 characters
  std::vector<std::string> cmdline;  // empty for zombies and kernel threads
};

// Nullopt when no such process exists.
std::optional<ProcessInfo> inspect_process(pid_t pid);

// True when `pid` exists, has not exited, and (if start_time is not 0) is the same process that
// had that start time: a recycled PID is not mistaken for the original process.
bool process_running(pid_t pid, std::uint64_t start_time = 0);

// Stops a process that need not be our child: SIGTERM, up to `grace` for it to exit (or become a
// zombie, when its parent does not reap it), then SIGKILL and up to `grace` again.
// Returns true when it is gone. A process that is not running (or not the one with `start_time`)
// counts as gone and is not signalled.
bool stop_process(pid_t pid, std::chrono::milliseconds grace, std::uint64_t start_time = 0);

// Looks a program up the way a shell would (PATH, or a path with '/'). Nullopt if not executable.
std::optional<std::string> find_program(const std::string& name);

}  // namespace hearth
