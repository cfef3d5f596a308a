// hearth lab up|down|status|kill|revive|exec: the whole cluster of a spec on this one machine,
// in namespaces (src/lab/lab.h). Needs root.
//
//   hearth lab up [-f SPEC] [--timeout SECONDS]   SPEC defaults to examples/homelab.yaml (in the
//                                                 current directory, else next to the build dir)
//   hearth lab down
//   hearth lab status [--json]
//   hearth lab kill NODE --power | --process [--daemon NAME]
//   hearth lab revive NODE
//   hearth lab exec NODE|CLIENT -- CMD...
//   hearth lab chaos [--faults N] [--seed S] [--bound SECONDS] [--settle-timeout SECONDS]

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/spec_input.h"
#include "lab/chaos_run.h"
#include "lab/lab.h"
#include "lab/system.h"

namespace hearth::cli {
namespace {

bool is_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// The spec `hearth lab up` uses without -f: examples/homelab.yaml of the current directory, else
// of the source tree the binary was built in (build/hearth -> examples/homelab.yaml).
std::string default_spec() {
  const std::string relative = "examples/homelab.yaml";
  if (is_file(relative)) return relative;
  std::filesystem::path exe = lab::self_executable();
  for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    if (is_file((dir / relative).string())) return (dir / relative).string();
  }
  return relative;  // does not exist: the loader says so
}

std::string absolute(const std::string& path) {
  std::error_code error;
  auto result = std::filesystem::weakly_canonical(std::filesystem::absolute(path), error);
  return error ? path : result.string();
}

void fail(const Error& error, int& exit_code) {
  std::cerr << paint(std::cerr, Colour::red, "error: ") << error.message << '\n';
  exit_code = kExitFailed;
}

std::string daemon_cell(const lab::DaemonStatus& daemon) {
  if (daemon.running)
    return paint(std::cout, Colour::green, "running") + " " + std::to_string(daemon.pid);
  return paint(std::cout, Colour::red, "stopped");
}

std::string links_cell(const std::vector<lab::LinkStatus>& links) {
  std::string text;
  for (const auto& status : links) {
    std::string state = !status.exists     ? paint(std::cout, Colour::red, "missing")
                        : status.switch_up ? "up"
                                           : paint(std::cout, Colour::yellow, "cut");
    text += (text.empty() ? "" : ", ") + status.link->network + " " + state;
  }
  return text;
}

void print_report(const lab::LabReport& report) {
  bool complete = lab::lab_complete(report);
  std::cout << "lab of " << report.state.spec_path << ": "
            << (complete ? paint(std::cout, Colour::green, "complete")
                         : paint(std::cout, Colour::red, "half made (hearth lab down, then up)"))
            << '\n';
  std::vector<std::string> headers = {"NODE", "ROLE", "NAMESPACES"};
  if (!report.nodes.empty()) {
    for (const auto& daemon : report.nodes.front().daemons) {
      std::string name = daemon.name;
      for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      headers.push_back(name);
    }
  }
  headers.push_back("LINKS");
  Table nodes(headers);
  for (const auto& node : report.nodes) {
    std::vector<std::string> row = {
        node.node->name, node.node->role,
        node.namespaces ? "ok" : paint(std::cout, Colour::red, "missing")};
    for (const auto& daemon : node.daemons) row.push_back(daemon_cell(daemon));
    row.push_back(links_cell(node.links));
    nodes.add_row(row);
  }
  nodes.print(std::cout);
  if (!report.clients.empty()) {
    std::cout << '\n';
    Table clients({"CLIENT", "NAMESPACE", "ADDRESS", "LINK"});
    for (const auto& client : report.clients) {
      std::string address;
      for (const auto& status : client.links) {
        address = status.link->address.str() + "/" + std::to_string(status.link->prefix_length);
      }
      clients.add_row({client.client->name,
                       client.namespace_exists ? "ok" : paint(std::cout, Colour::red, "missing"),
                       address, links_cell(client.links)});
    }
    clients.print(std::cout);
  }
}

std::string seconds_after(std::int64_t ms, std::int64_t start) {
  char text[32];
  std::snprintf(text, sizeof text, "+%.1f s", static_cast<double>(ms - start) / 1000.0);
  return text;
}

// The faults as carried out, then the checker's verdict per property, then the seed again.
void print_chaos(const lab::ChaosOutcome& outcome, int faults) {
  const auto& h = outcome.history;
  std::cout << "\nfaults\n";
  Table table({"#", "AT", "KIND", "TARGET", "HELD", "HEALED AT", "SETTLED AT", "NOTE"});
  for (const auto& f : h.faults) {
    char held[32];
    std::snprintf(held, sizeof held, "%.1f s", static_cast<double>(f.fault.hold.count()) / 1000.0);
    table.add_row({std::to_string(f.fault.index), seconds_after(f.injected_ms, h.start_ms),
                   lab::to_string(f.fault.kind), f.fault.target(),
                   f.fault.kind == lab::FaultKind::kill_service ? "-" : held,
                   f.healed_ms != 0 ? seconds_after(f.healed_ms, h.start_ms) : "by hearth",
                   f.settled_ms != 0 ? seconds_after(f.settled_ms, h.start_ms)
                                     : paint(std::cout, Colour::red, "not settled"),
                   f.note});
  }
  table.print(std::cout, "  ");
  std::cout << "\nchecker\n";
  Table verdicts({"PROPERTY", "VERDICT", "SUMMARY"});
  for (const auto& v : outcome.verdicts) {
    verdicts.add_row(
        {v.property,
         v.ok ? paint(std::cout, Colour::green, "PASS") : paint(std::cout, Colour::red, "FAIL"),
         v.summary});
  }
  verdicts.print(std::cout, "  ");
  for (const auto& v : outcome.verdicts) {
    for (const auto& detail : v.details) std::cout << "  " << v.property << ": " << detail << '\n';
  }
  bool passed = lab::all_passed(outcome.verdicts);
  std::cout << '\n'
            << (passed ? paint(std::cout, Colour::green, "PASS")
                       : paint(std::cout, Colour::red, "FAIL"))
            << ": " << h.faults.size() << " faults in "
            << seconds_after(h.end_ms, h.start_ms).substr(1) << ", seed " << h.seed
            << " (replay: hearth lab chaos --faults " << faults << " --seed " << h.seed
            << "); recorders' output in " << outcome.record_dir << '\n';
}

}  // namespace

void add_lab_command(CLI::App& app, int& exit_code) {
  CLI::App* lab = app.add_subcommand(
      "lab", "The whole cluster on this one machine, in namespaces (needs root)");
  lab->require_subcommand(1);

  struct UpOptions {
    std::string file;
    int timeout = 120;
  };
  auto up = std::make_shared<UpOptions>();
  CLI::App* up_command =
      lab->add_subcommand("up", "Build the lab of a spec, start its daemons, apply the spec");
  up_command->add_option("-f,--file", up->file, "The spec file (default: examples/homelab.yaml)");
  up_command
      ->add_option("--timeout", up->timeout, "Seconds to wait for the cluster to become healthy")
      ->check(CLI::PositiveNumber);
  up_command->callback([up, &exit_code] {
    std::string file = up->file.empty() ? default_spec() : up->file;
    auto spec = load_spec_or_report(file, false, exit_code);
    if (!spec) return;
    std::filesystem::path exe = lab::self_executable();
    lab::UpOptions options;
    options.spec_path = absolute(file);
    options.programs.hearth = exe.string();
    options.programs.hearthd = (exe.parent_path() / "hearthd").string();
    if (!is_file(options.programs.hearthd)) {
      fail(
          Error{
              options.programs.hearthd +
              " is not built; build it next to hearth (cmake --build BUILD_DIR --target hearthd)"},
          exit_code);
      return;
    }
    options.timeout = std::chrono::seconds(up->timeout);
    if (auto s = lab::lab_up(*spec, options, std::cout); !s) fail(s.error(), exit_code);
  });

  lab->add_subcommand("down", "Remove everything the lab made (and nothing else)")
      ->callback([&exit_code] {
        if (auto s = lab::lab_down(std::cout); !s) fail(s.error(), exit_code);
      });

  auto json = std::make_shared<bool>(false);
  CLI::App* status =
      lab->add_subcommand("status", "Namespaces, daemons and links of the running lab");
  status->add_flag("--json", *json, "Machine-readable output");
  status->callback([json, &exit_code] {
    lab::LabReport report;
    if (auto s = lab::lab_report(report); !s) {
      if (*json) std::cout << nlohmann::ordered_json{{"up", false}}.dump(2) << '\n';
      fail(s.error(), exit_code);
      return;
    }
    if (*json) {
      auto result = nlohmann::ordered_json{{"up", true}};
      result.update(lab::report_to_json(report));
      std::cout << result.dump(2) << '\n';
    } else {
      print_report(report);
    }
  });

  struct KillOptions {
    std::string node;
    bool power = false;
    bool process = false;
    std::string daemon;
  };
  auto kill = std::make_shared<KillOptions>();
  CLI::App* kill_command =
      lab->add_subcommand("kill", "Cut a node's links (--power) or kill its daemons (--process)");
  kill_command->add_option("node", kill->node, "The node")->required();
  auto* power = kill_command->add_flag("--power", kill->power,
                                       "Cut its links: peers see silence, not resets");
  auto* process = kill_command->add_flag("--process", kill->process,
                                         "Kill its daemons (SIGKILL, like a crash)");
  power->excludes(process);
  kill_command
      ->add_option("--daemon", kill->daemon, "With --process: only this daemon (etcd, hearthd)")
      ->needs(process);
  kill_command->callback([kill, &exit_code] {
    if (!kill->power && !kill->process) {
      std::cerr << "error: say how: --power (cut its links) or --process (kill its daemons)\n";
      exit_code = kExitUsage;
      return;
    }
    auto mode = kill->power ? lab::KillMode::power : lab::KillMode::process;
    if (auto s = lab::lab_kill(kill->node, mode, kill->daemon, std::cout); !s)
      fail(s.error(), exit_code);
  });

  auto revive_node = std::make_shared<std::string>();
  CLI::App* revive =
      lab->add_subcommand("revive", "Restore a node's links and start its stopped daemons");
  revive->add_option("node", *revive_node, "The node")->required();
  revive->callback([revive_node, &exit_code] {
    if (auto s = lab::lab_revive(*revive_node, std::cout); !s) fail(s.error(), exit_code);
  });

  struct ChaosOptions {
    int faults = 10;
    std::uint64_t seed = 0;
    bool seed_given = false;
    int bound = 0;
    int settle_timeout = 120;
  };
  auto chaos = std::make_shared<ChaosOptions>();
  CLI::App* chaos_command = lab->add_subcommand(
      "chaos",
      "Random faults (power cuts, kills, partitions, pauses, a disk loss) with clients recording, "
      "then a checker's verdict; exit 1 on a violation");
  chaos_command->add_option("--faults", chaos->faults, "How many faults (default 10)")
      ->check(CLI::PositiveNumber);
  chaos_command
      ->add_option("--seed", chaos->seed,
                   "The schedule's seed (default: from the clock; printed, to replay a run)")
      ->each([chaos](const std::string&) { chaos->seed_given = true; });
  chaos_command
      ->add_option("--bound", chaos->bound,
                   "Seconds a service may go without answering (default: the failover bound, 10)")
      ->check(CLI::PositiveNumber);
  chaos_command
      ->add_option("--settle-timeout", chaos->settle_timeout,
                   "Seconds to wait for the cluster to settle after each fault (default 120)")
      ->check(CLI::PositiveNumber);
  chaos_command->callback([chaos, &exit_code] {
    lab::LabReport report;
    if (auto s = lab::lab_report(report); !s) {
      fail(s.error(), exit_code);
      return;
    }
    auto spec = load_spec_or_report(report.state.spec_path, false, exit_code);
    if (!spec) return;
    lab::ChaosOptions options;
    options.faults = chaos->faults;
    options.seed = chaos->seed_given
                       ? chaos->seed
                       : static_cast<std::uint64_t>(
                             std::chrono::system_clock::now().time_since_epoch().count()) %
                             1000000;
    if (chaos->bound > 0) options.bounds.service_outage = std::chrono::seconds(chaos->bound);
    options.settle_timeout = std::chrono::seconds(chaos->settle_timeout);
    auto outcome = lab::lab_chaos(*spec, options, std::cout);
    if (!outcome) {
      fail(Error{outcome.error().message + " (seed " + std::to_string(options.seed) + ")"},
           exit_code);
      return;
    }
    print_chaos(*outcome, options.faults);
    if (!lab::all_passed(outcome->verdicts)) exit_code = kExitFailed;
  });

  struct ExecOptions {
    std::string name;
    std::vector<std::string> command;
  };
  auto exec = std::make_shared<ExecOptions>();
  CLI::App* exec_command =
      lab->add_subcommand("exec", "Run a command inside a node or a client: exec NAME -- CMD...");
  exec_command->add_option("name", exec->name, "A node (r510) or a client (home)")->required();
  exec_command->add_option("command", exec->command, "The command and its arguments, after --")
      ->required();
  exec_command->callback([exec, &exit_code] {
    auto code = lab::lab_exec(exec->name, exec->command);
    if (!code) {
      fail(code.error(), exit_code);
      return;
    }
    exit_code = *code;
  });
}

}  // namespace hearth::cli
