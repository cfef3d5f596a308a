#pragma once
// Every `hearth` sub-command lives in its own file and registers itself on the CLI11 app through
// one add_*_command function, called from main.cpp. A command's callback sets the process exit
// code through the reference it is given:
//   0 success, 1 the request failed (invalid spec, no quorum, ...), 2 usage or unreadable input.

#include <CLI/CLI.hpp>

namespace hearth::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

void add_validate_command(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);
void add_what_if_command(CLI::App& app, int& exit_code);
void add_lab_command(CLI::App& app, int& exit_code);
void add_etcd_exec_command(CLI::App& app, int& exit_code);
void add_apply_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);
void add_volume_command(CLI::App& app, int& exit_code);
void add_logs_command(CLI::App& app, int& exit_code);
void add_drain_commands(CLI::App& app, int& exit_code);
void add_image_command(CLI::App& app, int& exit_code);

}  // namespace hearth::cli
