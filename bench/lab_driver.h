#pragma once
// What the lab benchmarks share: running the `hearth` CLI they drive the lab with, printing their
// table, and taking the lab down however the benchmark ends.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/process.h"
#include "lab/lab_state.h"

namespace hearth::bench {

// The `hearth` binary (the benchmarks' --hearth argument).
inline std::string hearth_path;

// `hearth ARGS...`, output captured; a failure to start reads as exit code 127.
inline Completed hearth_run(const std::vector<std::string>& args,
                            std::chrono::seconds timeout = std::chrono::seconds(180)) {
  std::vector<std::string> argv = {hearth_path};
  argv.insert(argv.end(), args.begin(), args.end());
  auto done = run({.argv = argv, .timeout = timeout});
  if (done) return *done;
  Completed failed;
  failed.exit_code = 127;
  failed.err = done.error().message;
  return failed;
}

// Rows in aligned columns, indented by two spaces.
inline void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line = "  ";
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i] + (i + 1 < row.size() ? std::string(widths[i] - row[i].size() + 2, ' ') : "");
    }
    std::cout << line << '\n';
  }
}

// Takes the lab down when the benchmark ends, however it ends; first keeps every node's logs
// (lab down removes them) in /tmp/hearth-bench-logs-PID, to explain a slow run afterwards.
struct LabGuard {
  ~LabGuard() {
    std::string kept = "/tmp/hearth-bench-logs-" + std::to_string(::getpid());
    std::error_code error;
    for (const auto& node :
         std::filesystem::directory_iterator(std::string(hearth::lab::kLabRoot) + "/nodes", error)) {
      std::error_code copy_error;
      std::filesystem::create_directories(kept + "/" + node.path().filename().string(), copy_error);
      std::filesystem::copy(node.path() / "log", kept + "/" + node.path().filename().string(),
                            std::filesystem::copy_options::recursive, copy_error);
    }
    if (!error) std::cerr << "the nodes' logs are kept in " << kept << '\n';
    auto done = hearth_run({"lab", "down"});
    std::cerr << (done.succeeded() ? "" : "lab down failed: " + done.err);
  }
};

}  // namespace hearth::bench
