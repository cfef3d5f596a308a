// hearth logs SERVICE [-f] [-n LINES] [--data-dir DIR] [--node NAME]
// A service's output (its container's stdout and stderr), as kept by the node that runs it:
// DATA_DIR/services/SERVICE/output.log.1 (older) then output.log, each at most 1 MiB
// (engines/service_layout.h). On a node: --data-dir (default /var/lib/hearth). With a lab up and no
// --data-dir: the node given by --node, else the server whose log of SERVICE changed last (the
// one running it, or the last one that did). -f keeps printing what is appended, across rotations.

#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/command.h"
#include "common/file.h"
#include "engines/service_layout.h"
#include "lab/lab_state.h"

namespace hearth::cli {
namespace {

using namespace std::chrono_literals;

std::atomic<bool> interrupted{false};

struct LogsOptions {
  std::string service;
  bool follow = false;
  int lines = 0;  // 0: everything
  std::string data_dir;
  std::string node;
};

std::int64_t modified_ns(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return -1;
  return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
}

// The data dir to read from, or an error for the user.
Result<std::string> choose_data_dir(const LogsOptions& options) {
  if (!options.data_dir.empty()) return options.data_dir;
  auto lab = lab::read_lab_state();
  if (!lab) {
    if (!options.node.empty()) return Error{"--node needs a lab that is up (see `hearth lab up`)"};
    return std::string("/var/lib/hearth");
  }
  std::string best;
  std::int64_t newest = -1;
  for (const auto& node : lab->nodes) {
    if (!options.node.empty() && node.name != options.node) continue;
    if (!options.node.empty()) return node.host_data_dir;
    auto files = service_log_files(node.host_data_dir, options.service);
    std::int64_t at = std::max(modified_ns(files[0]), modified_ns(files[1]));
    if (at > newest) {
      newest = at;
      best = node.host_data_dir;
    }
  }
  if (!options.node.empty()) return Error{"the lab has no node " + options.node};
  if (best.empty()) {
    return Error{"no node of the lab has a log of service " + options.service +
                 " (it never started; see `hearth status`)"};
  }
  return best;
}

std::string last_lines(const std::string& text, int lines) {
  if (lines <= 0) return text;
  std::size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;
  std::size_t start = end;
  for (int seen = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++seen == lines) break;
  }
  return text.substr(start);
}

int show_logs(const LogsOptions& options) {
  auto data_dir = choose_data_dir(options);
  if (!data_dir) {
    std::cerr << "hearth logs: " << data_dir.error().message << '\n';
    return kExitFailed;
  }
  auto files = service_log_files(*data_dir, options.service);
  struct stat info {};
  if (::stat(files[1].c_str(), &info) != 0 && ::stat(files[0].c_str(), &info) != 0) {
    std::cerr << "hearth logs: no log of service " << options.service << " in " << *data_dir
              << "/services (it never ran on this node; see `hearth status`)\n";
    return kExitFailed;
  }
  std::string current = read_text_file(files[1]);
  std::cout << last_lines(read_text_file(files[0]) + current, options.lines) << std::flush;
  if (!options.follow) return kExitOk;

  struct sigaction on_interrupt {};
  on_interrupt.sa_handler = [](int) { interrupted = true; };
  ::sigaction(SIGINT, &on_interrupt, nullptr);
  ::sigaction(SIGTERM, &on_interrupt, nullptr);
  std::uint64_t offset = current.size();
  while (!interrupted) {
    std::this_thread::sleep_for(200ms);
    if (::stat(files[1].c_str(), &info) != 0) continue;
    auto size = static_cast<std::uint64_t>(info.st_size);
    if (size < offset) offset = 0;  // rotated (copied to .1, then truncated)
    if (size == offset) continue;
    std::ifstream in(files[1], std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string chunk(size - offset, '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<std::size_t>(in.gcount()));
    offset += chunk.size();
    std::cout << chunk << std::flush;
  }
  return kExitOk;
}

}  // namespace

void add_logs_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<LogsOptions>();
  CLI::App* logs = app.add_subcommand("logs", "A service's output (stdout and stderr)");
  logs->add_option("service", options->service, "The service")->required();
  logs->add_flag("-f,--follow", options->follow, "Keep printing what the service writes");
  logs->add_option("-n,--lines", options->lines, "Only the last N lines")
      ->check(CLI::NonNegativeNumber);
  logs->add_option("--data-dir", options->data_dir,
                   "hearthd's data directory on this node (default /var/lib/hearth, or the lab's)");
  logs->add_option("--node", options->node, "With a lab up: the lab node to read from");
  logs->callback([options, &exit_code] { exit_code = show_logs(*options); });
}

}  // namespace hearth::cli
