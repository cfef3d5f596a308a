#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace hearth {
namespace {

using Clock = std::chrono::steady_clock;

// Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.
int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int send_pidfd_signal(int pidfd, int number) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, number, nullptr, 0));
}

class Fd {  // an owned file descriptor
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Error{std::string("cannot create a pipe: ") + std::strerror(errno)};
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

std::string program_name(const Command& command) {
  return command.argv.empty() ? std::string("(empty command)") : command.argv[0];
}

// Everything the child needs, prepared before fork() so the child only makes system calls.
struct ExecPlan {
  std::string program;
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
  // File descriptors the child installs as 0, 1, 2 (-1: leave as inherited).
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  bool stderr_to_stdout = false;
  bool own_group = false;
  bool new_session = false;
  bool die_with_parent = false;
  pid_t parent = 0;
  const char* cwd = nullptr;
};

Result<ExecPlan> plan_exec(const Command& command) {
  if (command.argv.empty() || command.argv[0].empty()) {
    return Error{"cannot run a command with an empty argv (this is a bug in hearth)"};
  }
  auto program = find_program(command.argv[0]);
  if (!program) {
    const char* path = std::getenv("PATH");
    return Error{"cannot run '" + command.argv[0] + "': no such executable" +
                 (command.argv[0].find('/') == std::string::npos
                      ? std::string(" in PATH (") + (path ? path : "") + ")"
                      : std::string()) +
                 "; is it installed (scripts/install-deps)?"};
  }
  ExecPlan plan;
  plan.program = *program;
  plan.argv_storage = command.argv;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    std::string_view name = text.substr(0, text.find('='));
    bool overridden = std::any_of(
        command.env.begin(), command.env.end(),
        [&](const std::string& e) { return std::string_view(e).substr(0, e.find('=')) == name; });
    if (!overridden) plan.env_storage.emplace_back(text);
  }
  for (const auto& entry : command.env) plan.env_storage.push_back(entry);
  for (auto& arg : plan.argv_storage) plan.argv.push_back(arg.data());
  plan.argv.push_back(nullptr);
  for (auto& entry : plan.env_storage) plan.envp.push_back(entry.data());
  plan.envp.push_back(nullptr);
  plan.own_group = command.own_process_group;
  plan.die_with_parent = command.die_with_parent;
  plan.parent = ::getpid();
  if (!command.cwd.empty()) plan.cwd = command.cwd.c_str();
  return plan;
}

// In the child after fork(): install fds, reset signals, exec. Reports errno on `error_fd`.
[[noreturn]] void exec_child(const ExecPlan& plan, int error_fd) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int number = 1; number < NSIG; ++number) ::signal(number, SIG_DFL);
  if (plan.new_session) ::setsid();
  if (plan.own_group && !plan.new_session) ::setpgid(0, 0);
  if (plan.die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != plan.parent) ::_exit(127);  // the parent died before prctl took effect
  }
  auto fail = [&]() {
    int code = errno;
    [[maybe_unused]] auto written = ::write(error_fd, &code, sizeof code);
    ::_exit(127);
  };
  if (plan.stdin_fd >= 0 && ::dup2(plan.stdin_fd, 0) < 0) fail();
  if (plan.stdout_fd >= 0 && ::dup2(plan.stdout_fd, 1) < 0) fail();
  if (plan.stderr_to_stdout) {
    if (::dup2(1, 2) < 0) fail();
  } else if (plan.stderr_fd >= 0 && ::dup2(plan.stderr_fd, 2) < 0) {
    fail();
  }
  // Nothing but 0, 1, 2 survives exec (the error pipe is already close-on-exec).
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  if (plan.cwd && ::chdir(plan.cwd) != 0) fail();
  ::execve(plan.program.c_str(), plan.argv.data(), plan.envp.data());
  fail();
  ::_exit(127);
}

// Waits for the child's exec: returns the errno it reported, or 0 when exec succeeded.
int read_exec_error(int fd) {
  int code = 0;
  ssize_t got;
  do {
    got = ::read(fd, &code, sizeof code);
  } while (got < 0 && errno == EINTR);
  return got == static_cast<ssize_t>(sizeof code) ? code : 0;
}

Result<Fd> open_output_file(const Command& command) {
  if (command.output_file.empty()) {
    return Error{"cannot run '" + program_name(command) +
                 "': output goes to a file but no file was given (this is a bug in hearth)"};
  }
  int fd = ::open(command.output_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error{"cannot open " + command.output_file + " for the output of '" +
                 program_name(command) + "': " + std::strerror(errno)};
  }
  return Fd(fd);
}

void append_available(int& fd, std::string& into) {
  char buffer[16384];
  while (fd >= 0) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      into.append(buffer, static_cast<std::size_t>(got));
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else if (got < 0 && errno == EAGAIN) {
      return;
    } else {  // end of file or error
      ::close(fd);
      fd = -1;
    }
  }
}

std::string signal_name(int number) {
  const char* abbrev = ::sigabbrev_np(number);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(number);
}

}  // namespace

std::string Completed::describe() const {
  if (timed_out) return "timed out and was killed";
  if (signal != 0) return "was killed by " + signal_name(signal);
  return "exited with status " + std::to_string(exit_code);
}

std::optional<std::string> find_program(const std::string& name) {
  if (name.empty()) return std::nullopt;
  auto executable = [](const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && (info.st_mode & 0111) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    return executable(name) ? std::optional<std::string>(name) : std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string dirs =
      path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t begin = 0;
  while (begin <= dirs.size()) {
    std::size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(begin, end - begin);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (executable(candidate)) return candidate;
    begin = end + 1;
  }
  return std::nullopt;
}

Result<Child> Child::start(const Command& command) {
  auto plan = plan_exec(command);
  if (!plan) return plan.error();

  Fd stdin_child, stdin_parent, out_child, out_parent, err_child, err_parent, file;
  Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (command.input == Input::null) {
    plan->stdin_fd = null_fd.get();
  } else if (command.input == Input::data) {
    auto pipe = make_pipe();
    if (!pipe) return pipe.error();
    stdin_child = std::move(pipe->read);
    stdin_parent = std::move(pipe->write);
    plan->stdin_fd = stdin_child.get();
  }
  if (command.out == Output::file || command.err == Output::file) {
    auto opened = open_output_file(command);
    if (!opened) return opened.error();
    file = std::move(*opened);
  }
  auto route = [&](Output output, Fd& child_end, Fd& parent_end, int& target) -> Status {
    switch (output) {
      case Output::capture: {
        auto pipe = make_pipe();
        if (!pipe) return pipe.error();
        child_end = std::move(pipe->write);
        parent_end = std::move(pipe->read);
        set_nonblocking(parent_end.get());
        target = child_end.get();
        break;
      }
      case Output::inherit:
        target = -1;
        break;
      case Output::discard:
        target = null_fd.get();
        break;
      case Output::file:
        target = file.get();
        break;
      case Output::merge:
        target = -1;
        break;
    }
    return ok_status();
  };
  if (command.out == Output::merge) {
    return Error{"cannot run '" + program_name(command) +
                 "': only stderr can be merged (this is a bug in hearth)"};
  }
  if (auto routed = route(command.out, out_child, out_parent, plan->stdout_fd); !routed) {
    return routed.error();
  }
  if (command.err == Output::merge) {
    plan->stderr_to_stdout = true;
  } else if (auto routed = route(command.err, err_child, err_parent, plan->stderr_fd); !routed) {
    return routed.error();
  }

  auto error_pipe = make_pipe();
  if (!error_pipe) return error_pipe.error();
  pid_t pid = ::fork();
  if (pid < 0) {
    return Error{"cannot start '" + program_name(command) +
                 "': fork failed: " + std::strerror(errno)};
  }
  if (pid == 0) exec_child(*plan, error_pipe->write.get());
  if (command.own_process_group) ::setpgid(pid, pid);  // also in the child: no race either way

  error_pipe->write.reset();
  stdin_child.reset();
  out_child.reset();
  err_child.reset();
  if (int code = read_exec_error(error_pipe->read.get()); code != 0) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return Error{"cannot run '" + program_name(command) + "' (" + plan->program +
                 "): " + std::strerror(code)};
  }

  Child child;
  child.pid_ = pid;
  child.pidfd_ = open_pidfd(pid);
  child.own_group_ = command.own_process_group;
  child.stdin_fd_ = stdin_parent.release();
  if (child.stdin_fd_ >= 0) set_nonblocking(child.stdin_fd_);
  child.stdout_fd_ = out_parent.release();
  child.stderr_fd_ = err_parent.release();
  child.input_ = command.input_data;
  child.timeout_ = command.timeout;
  if (command.timeout.count() > 0) child.deadline_ = Clock::now() + command.timeout;
  return child;
}

Child::Child(Child&& other) noexcept { *this = std::move(other); }

Child& Child::operator=(Child&& other) noexcept {
  if (this == &other) return *this;
  if (running()) stop(std::chrono::milliseconds(0));
  close_all();
  pid_ = std::exchange(other.pid_, -1);
  pidfd_ = std::exchange(other.pidfd_, -1);
  stdin_fd_ = std::exchange(other.stdin_fd_, -1);
  stdout_fd_ = std::exchange(other.stdout_fd_, -1);
  stderr_fd_ = std::exchange(other.stderr_fd_, -1);
  own_group_ = other.own_group_;
  finished_ = std::exchange(other.finished_, true);
  input_ = std::move(other.input_);
  input_written_ = other.input_written_;
  deadline_ = other.deadline_;
  timeout_ = other.timeout_;
  completed_ = std::move(other.completed_);
  return *this;
}

Child::~Child() {
  if (running()) {
    signal(SIGKILL);
    wait();
  }
  close_all();
}

void Child::close_all() {
  for (int* fd : {&pidfd_, &stdin_fd_, &stdout_fd_, &stderr_fd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void Child::signal(int number) {
  if (!running()) return;
  if (own_group_) {
    ::kill(-pid_, number);
  } else if (pidfd_ >= 0) {
    send_pidfd_signal(pidfd_, number);
  } else {
    ::kill(pid_, number);
  }
}

void Child::reap(int status) {
  finished_ = true;
  if (WIFEXITED(status)) {
    completed_.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    completed_.signal = WTERMSIG(status);
    completed_.exit_code = 128 + completed_.signal;
  }
  // The child is gone: take what it left in the pipes, without waiting for descendants.
  append_available(stdout_fd_, completed_.out);
  append_available(stderr_fd_, completed_.err);
  close_all();
}

bool Child::pump(Clock::time_point until) {
  while (!finished_) {
    int status = 0;
    pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == pid_) {
      reap(status);
      return true;
    }
    if (got < 0 && errno != EINTR) {  // cannot happen for our own child; do not spin
      finished_ = true;
      close_all();
      return true;
    }
    auto now = Clock::now();
    if (deadline_ && now >= *deadline_ && !completed_.timed_out) {
      completed_.timed_out = true;
      signal(SIGKILL);
      continue;
    }
    auto wake = until;
    if (deadline_ && !completed_.timed_out) wake = std::min(wake, *deadline_);
    if (now >= until) return false;

    // Write pending input; close stdin once all of it is written (or the child stopped reading).
    if (stdin_fd_ >= 0 && input_written_ >= input_.size()) {
      ::close(stdin_fd_);
      stdin_fd_ = -1;
    }
    std::vector<pollfd> fds;
    if (pidfd_ >= 0) fds.push_back({pidfd_, POLLIN, 0});
    if (stdout_fd_ >= 0) fds.push_back({stdout_fd_, POLLIN, 0});
    if (stderr_fd_ >= 0) fds.push_back({stderr_fd_, POLLIN, 0});
    if (stdin_fd_ >= 0) fds.push_back({stdin_fd_, POLLOUT, 0});
    auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count() + 1;
    // Without a pidfd (old kernels) fall back to short polls.
    if (pidfd_ < 0) wait_ms = std::min<long long>(wait_ms, 20);
    int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(wait_ms, 60000)));
    if (ready <= 0) continue;
    for (const auto& entry : fds) {
      if (entry.revents == 0) continue;
      if (entry.fd == stdout_fd_) {
        append_available(stdout_fd_, completed_.out);
      } else if (entry.fd == stderr_fd_) {
        append_available(stderr_fd_, completed_.err);
      } else if (entry.fd == stdin_fd_) {
        // A write to a pipe whose reader is gone raises SIGPIPE: block it in this thread and
        // swallow it, so hearth does not die of a child that exits without reading its input.
        sigset_t pipe_set, old_set;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
        ssize_t wrote =
            ::write(stdin_fd_, input_.data() + input_written_, input_.size() - input_written_);
        int write_errno = errno;
        if (wrote < 0 && write_errno == EPIPE) {
          timespec zero{0, 0};
          ::sigtimedwait(&pipe_set, nullptr, &zero);
        }
        ::pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
        if (wrote > 0) {
          input_written_ += static_cast<std::size_t>(wrote);
        } else if (wrote < 0 && write_errno != EAGAIN && write_errno != EINTR) {
          input_written_ = input_.size();  // the child closed its stdin: drop the rest
        }
      }
    }
  }
  return true;
}

Completed Child::wait() {
  pump(Clock::time_point::max());
  return completed_;
}

std::optional<Completed> Child::wait_for(std::chrono::milliseconds limit) {
  if (pump(Clock::now() + limit)) return completed_;
  return std::nullopt;
}

Completed Child::stop(std::chrono::milliseconds grace) {
  if (!running()) return completed_;
  signal(SIGTERM);
  if (auto done = wait_for(grace)) return *done;
  signal(SIGKILL);
  return wait();
}

Result<Completed> run(const Command& command) {
  auto child = Child::start(command);
  if (!child) return child.error();
  return child->wait();
}

Result<pid_t> start_daemon(const Command& command) {
  if (command.out == Output::capture || command.err == Output::capture ||
      command.out == Output::merge) {
    return Error{"cannot start '" + program_name(command) +
                 "' as a daemon with captured output (this is a bug in hearth: use a file)"};
  }
  auto plan = plan_exec(command);
  if (!plan) return plan.error();
  plan->new_session = true;
  Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  Fd file;
  if (command.out == Output::file || command.err == Output::file) {
    auto opened = open_output_file(command);
    if (!opened) return opened.error();
    file = std::move(*opened);
  }
  auto target = [&](Output output) {
    return output == Output::discard ? null_fd.get() : output == Output::file ? file.get() : -1;
  };
  plan->stdin_fd = null_fd.get();
  plan->stdout_fd = target(command.out);
  if (command.err == Output::merge) {
    plan->stderr_to_stdout = true;
  } else {
    plan->stderr_fd = target(command.err);
  }

  auto error_pipe = make_pipe();
  if (!error_pipe) return error_pipe.error();
  auto pid_pipe = make_pipe();
  if (!pid_pipe) return pid_pipe.error();
  pid_t middle = ::fork();
  if (middle < 0) {
    return Error{"cannot start '" + program_name(command) +
                 "': fork failed: " + std::strerror(errno)};
  }
  if (middle == 0) {
    // The middle process forks the daemon and exits at once, so the daemon is re-parented to
    // init (or the nearest subreaper) and the caller only reaps the middle process.
    pid_t daemon = ::fork();
    if (daemon == 0) exec_child(*plan, error_pipe->write.get());
    [[maybe_unused]] auto written = ::write(pid_pipe->write.get(), &daemon, sizeof daemon);
    ::_exit(daemon < 0 ? 1 : 0);
  }
  error_pipe->write.reset();
  pid_pipe->write.reset();
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  pid_t daemon = -1;
  ssize_t got;
  do {
    got = ::read(pid_pipe->read.get(), &daemon, sizeof daemon);
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(sizeof daemon) || daemon <= 0) {
    return Error{"cannot start '" + program_name(command) + "': fork failed"};
  }
  if (int code = read_exec_error(error_pipe->read.get()); code != 0) {
    return Error{"cannot run '" + program_name(command) + "' (" + plan->program +
                 "): " + std::strerror(code)};
  }
  return daemon;
}

std::optional<ProcessInfo> inspect_process(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::string base = "/proc/" + std::to_string(pid);
  std::ifstream stat_file(base + "/stat");
  std::string stat;
  if (!stat_file || !std::getline(stat_file, stat)) return std::nullopt;
  auto open_paren = stat.find('(');
  auto close_paren = stat.rfind(')');
  if (open_paren == std::string::npos || close_paren == std::string::npos) return std::nullopt;
  ProcessInfo info;
  info.pid = pid;
  info.name = stat.substr(open_paren + 1, close_paren - open_paren - 1);
  std::istringstream fields(stat.substr(close_paren + 1));
  std::vector<std::string> values;
  for (std::string value; fields >> value;) values.push_back(value);
  // values[0] is field 3 (state); starttime is field 22.
  if (values.size() < 20) return std::nullopt;
  info.state = values[0].empty() ? '?' : values[0][0];
  info.start_time = std::strtoull(values[19].c_str(), nullptr, 10);
  std::ifstream cmdline_file(base + "/cmdline", std::ios::binary);
  std::string arg;
  while (std::getline(cmdline_file, arg, '\0')) info.cmdline.push_back(arg);
  return info;
}

bool process_running(pid_t pid, std::uint64_t start_time) {
  auto info = inspect_process(pid);
  if (!info || info->state == 'Z' || info->state == 'X') return false;
  return start_time == 0 || info->start_time == start_time;
}

bool stop_process(pid_t pid, std::chrono::milliseconds grace, std::uint64_t start_time) {
  auto gone_within = [&](std::chrono::milliseconds limit) {
    auto until = Clock::now() + limit;
    while (process_running(pid, start_time)) {
      if (Clock::now() >= until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  };
  if (!process_running(pid, start_time)) return true;
  ::kill(pid, SIGTERM);
  if (gone_within(grace)) return true;
  if (!process_running(pid, start_time)) return true;
  ::kill(pid, SIGKILL);
  return gone_within(std::max(grace, std::chrono::milliseconds(1000)));
}

}  // namespace hearth
