// hearth what-if -f FILE --fail r510[,r530][,r510:hdd1] [--json]: what the cluster does when these
// nodes or disks fail, computed from the spec alone.

#include <iostream>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/spec_input.h"
#include "plan/plan_json.h"
#include "plan/what_if.h"

namespace hearth::cli {
namespace {

Colour colour_of(VolumeState state) {
  switch (state) {
    case VolumeState::healthy: return Colour::green;
    case VolumeState::degraded: return Colour::yellow;
    case VolumeState::read_only:
    case VolumeState::unavailable: return Colour::red;
  }
  return Colour::none;
}

Colour colour_of(ServiceOutcome outcome) {
  switch (outcome) {
    case ServiceOutcome::stays: return Colour::green;
    case ServiceOutcome::moves: return Colour::yellow;
    case ServiceOutcome::stops:
    case ServiceOutcome::not_running: return Colour::red;
  }
  return Colour::none;
}

std::string describe_failures(const Failures& failures) {
  std::string text;
  for (const std::string& node : failures.nodes) text += (text.empty() ? "" : ", ") + node;
  for (const DiskRef& disk : failures.disks) {
    text += (text.empty() ? "disk " : ", disk ") + disk.node + ":" + disk.disk;
  }
  return text;
}

void print_report(const WhatIfReport& report) {
  auto& out = std::cout;
  out << "What if " << describe_failures(report.failures) << " fail"
      << (report.failures.nodes.size() + report.failures.disks.size() == 1 ? "s" : "") << "?\n\n";

  const QuorumReport& quorum = report.quorum;
  out << paint(out, Colour::bold, "Quorum") << ": "
      << (quorum.kept ? paint(out, Colour::green, "kept") : paint(out, Colour::red, "lost")) << " ("
      << quorum.alive << "/" << quorum.voters << " voters alive, " << quorum.needed << " needed)";
  if (!quorum.kept) out << ": every node fences itself and stops its services; `hearth apply` is refused";
  out << "\n\n";

  out << paint(out, Colour::bold, "Volumes") << '\n';
  Table volumes({"VOLUME", "STATE", "BRICKS DOWN", "WHY"});
  for (const VolumeReport& volume : report.volumes) {
    std::string down;
    for (const BrickReport& brick : volume.bricks) {
      if (!brick.up) down += (down.empty() ? "" : ", ") + brick.brick.node + ":" + brick.brick.disk;
    }
    volumes.add_row({volume.volume,
                     paint(out, colour_of(volume.state), std::string(name_of(volume.state))),
                     down.empty() ? "-" : down, volume.reason});
  }
  if (volumes.empty()) out << "  none\n"; else volumes.print(out, "  ");

  out << '\n' << paint(out, Colour::bold, "Services") << '\n';
  Table services({"SERVICE", "OUTCOME", "FROM", "TO", "WHY"});
  for (const ServiceReport& service : report.services) {
    services.add_row({service.service,
                      paint(out, colour_of(service.outcome), std::string(name_of(service.outcome))),
                      service.from.value_or("-"), service.to.value_or("-"), service.reason});
  }
  if (services.empty()) out << "  none\n"; else services.print(out, "  ");

  out << '\n' << paint(out, Colour::bold, "DNS and DHCP") << ": "
      << (report.dns_dhcp.served ? paint(out, Colour::green, "served")
                                 : paint(out, Colour::red, "down"))
      << " — " << report.dns_dhcp.reason << '\n';
}

}  // namespace

void add_what_if_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string file;
    std::string fail;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "what-if", "What happens when nodes or disks fail: quorum, volumes, services, DNS/DHCP");
  command->add_option("-f,--file", options->file, "The spec file")->required();
  command->add_option("--fail", options->fail, "Nodes and disks that fail: r510[,r530][,r510:hdd1]")
      ->required();
  command->add_flag("--json", options->json, "Machine-readable output (docs/plan-json.md)");
  command->callback([options, &exit_code] {
    auto spec = load_spec_or_report(options->file, options->json, exit_code);
    if (!spec) return;
    Result<Failures> failures = parse_failures(*spec, options->fail);
    if (!failures) {
      std::cerr << paint(std::cerr, Colour::red, "error: ") << "--fail: " << failures.error().message
                << '\n';
      exit_code = kExitUsage;
      return;
    }
    Result<WhatIfReport> report = what_if(*spec, *failures);
    if (!report) {
      std::cerr << paint(std::cerr, Colour::red, "error: ") << options->file << ": "
                << report.error().message << '\n';
      exit_code = kExitFailed;
      return;
    }
    if (options->json) {
      std::cout << to_json(*report).dump(2) << '\n';
    } else {
      print_report(*report);
    }
  });
}

}  // namespace hearth::cli
