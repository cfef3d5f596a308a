// hearth: the command line of a hearth cluster (see docs/ and `hearth --help`).

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/command.h"

int main(int argc, char** argv) {
  CLI::App app{"hearth: two servers and an arbiter, one fault-tolerant home cluster"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearth 0.1.0");

  int exit_code = hearth::cli::kExitOk;
  hearth::cli::add_validate_command(app, exit_code);
  hearth::cli::add_plan_command(app, exit_code);
  hearth::cli::add_what_if_command(app, exit_code);
  hearth::cli::add_lab_command(app, exit_code);
  hearth::cli::add_etcd_exec_command(app, exit_code);
  hearth::cli::add_apply_command(app, exit_code);
  hearth::cli::add_status_command(app, exit_code);
  hearth::cli::add_volume_command(app, exit_code);
  hearth::cli::add_logs_command(app, exit_code);
  hearth::cli::add_drain_commands(app, exit_code);
  hearth::cli::add_image_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);  // prints help or the usage error
    return code == 0 ? hearth::cli::kExitOk : hearth::cli::kExitUsage;
  }
  return exit_code;
}
