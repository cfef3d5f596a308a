#include "common/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "common/file.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/hearth_process_test_" + std::to_string(::getpid()) + "_" + name;
}

TEST(Run, CapturesStdoutAndStderrSeparately) {
  auto done = run({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}});
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->exit_code, 3);
  EXPECT_FALSE(done->succeeded());
  EXPECT_EQ(done->out, "out\n");
  EXPECT_EQ(done->err, "err\n");
  EXPECT_EQ(done->describe(), "exited with status 3");
}

TEST(Run, PassesArgumentsVerbatimWithoutAShell) {
  auto done = run({.argv = {"printf", "%s|", "a b", "$HOME", "*", ""}});
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->out, "a b|$HOME|*||");
}

TEST(Run, MergesStderrIntoStdoutInOrder) {
  auto done = run({.argv = {"sh", "-c", "echo 1; echo 2 >&2; echo 3"}, .err = Output::merge});
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->out, "1\n2\n3\n");
  EXPECT_EQ(done->err, "");
}

TEST(Run, FeedsInputData) {
  std::string big(300000, 'x');  // larger than a pipe buffer: needs interleaved reads and writes
  auto done = run({.argv = {"cat"}, .input = Input::data, .input_data = big});
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->succeeded());
  EXPECT_EQ(done->out.size(), big.size());
}

TEST(Run, SurvivesAChildThatDoesNotReadItsInput) {
  auto done =
      run({.argv = {"true"}, .input = Input::data, .input_data = std::string(1 << 20, 'y')});
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->succeeded());
}

TEST(Run, DefaultInputIsEmpty) {
  auto done = run({.argv = {"cat"}, .timeout = 60s});  // would cat wait for input: a hang
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->succeeded());
  EXPECT_EQ(done->out, "");
}

TEST(Run, AddsAndOverridesEnvironment) {
  ::setenv("HEARTH_PROCESS_TEST_A", "old", 1);
  auto done = run({.argv = {"sh", "-c", "echo $HEARTH_PROCESS_TEST_A $HEARTH_PROCESS_TEST_B"},
                   .env = {"HEARTH_PROCESS_TEST_A=new", "HEARTH_PROCESS_TEST_B=b"}});
  ::unsetenv("HEARTH_PROCESS_TEST_A");
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->out, "new b\n");
}

TEST(Run, RunsInTheGivenDirectory) {
  auto done = run({.argv = {"pwd"}, .cwd = "/"});
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->out, "/\n");
}

// Polls `condition` until it holds or `deadline` passes (a deadline that only catches a hang).
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline = 60s) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// A runner that waited for the descendant of these tests would take its whole 300 s (less than
// the test's CTest timeout); 60 s after the start, whatever the load, it certainly waited.
constexpr auto kWaitedForTheDescendant = 60s;

TEST(Run, TimeoutKillsTheChildAndItsGroup) {
  auto started = std::chrono::steady_clock::now();
  // The grandchild keeps stdout open: the runner must neither wait for it nor leave it running.
  auto done = run({.argv = {"sh", "-c", "sleep 300 & echo $!; wait"},
                   .timeout = 300ms,
                   .own_process_group = true});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->timed_out);
  EXPECT_FALSE(done->succeeded());
  EXPECT_EQ(done->signal, SIGKILL);
  EXPECT_LT(took, kWaitedForTheDescendant) << "the runner waited for the grandchild";
  pid_t grandchild = std::stoi(done->out);
  EXPECT_TRUE(eventually([&] { return !process_running(grandchild); }))
      << "the grandchild was left running";
}

TEST(Run, DoesNotWaitForDescendantsHoldingThePipe) {
  auto started = std::chrono::steady_clock::now();
  auto done = run({.argv = {"sh", "-c", "sleep 300 & echo $!"}, .own_process_group = true});
  ASSERT_TRUE(done.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, kWaitedForTheDescendant)
      << "the runner waited for the descendant holding its stdout";
  pid_t descendant = std::stoi(done->out);
  EXPECT_TRUE(process_running(descendant));
  ::kill(descendant, SIGKILL);
}

TEST(Run, ReportsSignalDeath) {
  auto done = run({.argv = {"sh", "-c", "kill -TERM $$"}});
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->signal, SIGTERM);
  EXPECT_EQ(done->exit_code, 128 + SIGTERM);
  EXPECT_EQ(done->describe(), "was killed by SIGTERM");
}

TEST(Run, MissingProgramIsAnErrorNamingIt) {
  auto done = run({.argv = {"hearth-no-such-program"}});
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("hearth-no-such-program"), std::string::npos);
  EXPECT_NE(done.error().message.find("PATH"), std::string::npos);
}

TEST(Run, NonExecutableFileIsAnError) {
  auto path = temp_path("not_executable");
  std::ofstream(path) << "#!/bin/sh\n";
  auto done = run({.argv = {path}});
  std::remove(path.c_str());
  ASSERT_FALSE(done.ok());
}

TEST(Run, BadWorkingDirectoryIsAnError) {
  auto done = run({.argv = {"true"}, .cwd = "/hearth/no/such/dir"});
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("No such file"), std::string::npos);
}

TEST(Run, AppendsOutputToAFile) {
  auto path = temp_path("log");
  std::remove(path.c_str());
  for (int i = 0; i < 2; ++i) {
    auto done = run({.argv = {"sh", "-c", "echo out; echo err >&2"},
                     .out = Output::file,
                     .err = Output::file,
                     .output_file = path});
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->out, "");
  }
  EXPECT_EQ(read_text_file(path), "out\nerr\nout\nerr\n");
  std::remove(path.c_str());
}

TEST(Run, UnwritableOutputFileIsAnError) {
  auto done =
      run({.argv = {"true"}, .out = Output::file, .output_file = "/hearth/no/such/dir/log"});
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("/hearth/no/such/dir/log"), std::string::npos);
}

TEST(Child, DestructorKillsAndReaps) {
  pid_t pid = 0;
  {
    auto child = Child::start({.argv = {"sleep", "30"}});
    ASSERT_TRUE(child.ok());
    pid = child->pid();
    EXPECT_TRUE(child->running());
    EXPECT_TRUE(process_running(pid));
  }
  EXPECT_FALSE(inspect_process(pid).has_value()) << "killed and reaped: no zombie left";
}

TEST(Child, WaitForGivesUpAndStopEndsIt) {
  auto child = Child::start({.argv = {"sleep", "30"}});
  ASSERT_TRUE(child.ok());
  EXPECT_FALSE(child->wait_for(50ms).has_value());
  auto done = child->stop(60s);  // sleep ends at SIGTERM: the grace only catches a hang
  EXPECT_EQ(done.signal, SIGTERM);
  EXPECT_FALSE(child->running());
}

TEST(Child, StopEscalatesToSigkill) {
  auto ready = temp_path("trap_ready");
  std::remove(ready.c_str());
  // The shell says when its trap is in place (and its sleep inherits the ignored SIGTERM).
  auto child = Child::start({.argv = {"sh", "-c", "trap '' TERM; : > \"$0\"; sleep 300", ready},
                             .own_process_group = true});
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(eventually([&] { return ::access(ready.c_str(), F_OK) == 0; }))
      << "the shell never installed its trap";
  auto done = child->stop(200ms);
  EXPECT_EQ(done.signal, SIGKILL);
  std::remove(ready.c_str());
}

TEST(Child, MovedFromObjectOwnsNothing) {
  auto child = Child::start({.argv = {"sleep", "30"}});
  ASSERT_TRUE(child.ok());
  Child moved = std::move(*child);
  EXPECT_TRUE(moved.running());
  EXPECT_FALSE(child->running());
  moved.stop(1s);
}

TEST(Daemon, OutlivesTheCallerAndIsNotOurChild) {
  auto path = temp_path("daemon_log");
  std::remove(path.c_str());
  auto pid = start_daemon({.argv = {"sh", "-c", "echo up; exec sleep 30"},
                           .out = Output::file,
                           .err = Output::merge,
                           .output_file = path});
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  auto info = inspect_process(*pid);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(process_running(*pid, info->start_time));
  EXPECT_FALSE(process_running(*pid, info->start_time + 1)) << "a different process";
  EXPECT_EQ(::getsid(*pid), *pid) << "own session";
  EXPECT_TRUE(eventually([&] { return !read_text_file(path).empty(); })) << "it never wrote";
  EXPECT_TRUE(stop_process(*pid, 2s, info->start_time));
  EXPECT_FALSE(process_running(*pid));
  EXPECT_EQ(read_text_file(path), "up\n");
  std::remove(path.c_str());
}

TEST(Daemon, MissingProgramIsAnError) {
  auto pid = start_daemon({.argv = {"hearth-no-such-daemon"}, .out = Output::discard});
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.error().message.find("hearth-no-such-daemon"), std::string::npos);
}

TEST(Daemon, CapturedOutputIsRefused) { EXPECT_FALSE(start_daemon({.argv = {"true"}}).ok()); }

TEST(Inspect, SeesItselfAndNotNonexistentPids) {
  auto self = inspect_process(::getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_NE(self->state, 'Z');
  EXPECT_FALSE(self->cmdline.empty());
  EXPECT_FALSE(inspect_process(0).has_value());
  EXPECT_FALSE(process_running(-5));
}

TEST(StopProcess, NotRunningCountsAsGone) { EXPECT_TRUE(stop_process(999999999, 10ms)); }

TEST(FindProgram, LooksUpPathAndAcceptsPaths) {
  auto sh = find_program("sh");
  ASSERT_TRUE(sh.has_value());
  EXPECT_EQ(sh->front(), '/');
  EXPECT_EQ(find_program("/bin/sh"), std::optional<std::string>("/bin/sh"));
  EXPECT_FALSE(find_program("/etc/passwd").has_value());
  EXPECT_FALSE(find_program("").has_value());
}

}  // namespace
}  // namespace hearth
