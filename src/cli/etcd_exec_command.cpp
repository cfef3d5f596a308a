// hearth etcd-exec -f SPEC --node NODE --data-dir DIR [--print] [--etcd PATH]
// Derives this node's etcd member from the spec (cluster/etcd_member.h), checks it, and replaces
// itself with etcd (exec), so systemd (packaging/systemd/hearth-etcd.service) and the lab
// supervise etcd itself: its PID, its exit status, its sd_notify readiness.

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/spec_input.h"
#include "cluster/etcd_member.h"

namespace hearth::cli {

void add_etcd_exec_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string file;
    std::string node;
    std::string data_dir;
    std::string etcd = "etcd";
    bool print = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "etcd-exec",
      "Run this node's etcd member, configured from the spec (exec: etcd replaces hearth)");
  command->add_option("-f,--file", options->file, "The spec file")->required();
  command->add_option("--node", options->node, "This machine's node name in the spec")->required();
  command->add_option("--data-dir", options->data_dir, "etcd's data directory (absolute)")
      ->required();
  command->add_option("--etcd", options->etcd, "The etcd program (default: etcd from PATH)");
  command->add_flag("--print", options->print, "Print the etcd command line instead of running it");
  command->callback([options, &exit_code] {
    auto spec = load_spec_or_report(options->file, false, exit_code);
    if (!spec) return;
    auto member = cluster::etcd_member_for(*spec, options->node, options->data_dir);
    if (!member) {
      std::cerr << "error: " << member.error().message << '\n';
      exit_code = kExitUsage;
      return;
    }
    std::vector<std::string> argv = {options->etcd};
    for (auto& flag : member->flags()) argv.push_back(std::move(flag));
    if (options->print) {
      for (std::size_t i = 0; i < argv.size(); ++i) std::cout << (i ? " " : "") << argv[i];
      std::cout << '\n';
      return;
    }
    std::vector<char*> raw;
    for (auto& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    std::cout.flush();
    ::execvp(raw[0], raw.data());
    int error = errno;
    std::cerr << "error: cannot run " << options->etcd << ": " << std::strerror(error)
              << (error == ENOENT ? " (install the etcd-server package: scripts/install-deps)" : "")
              << '\n';
    exit_code = kExitFailed;
  });
}

}  // namespace hearth::cli
