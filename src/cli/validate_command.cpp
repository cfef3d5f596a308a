// hearth validate -f FILE [--json]: exit 0 when the spec is valid, else every error in file order.

#include <iostream>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/spec_input.h"

namespace hearth::cli {

void add_validate_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string file;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("validate", "Check a spec; print every error with file:line:col");
  command->add_option("-f,--file", options->file, "The spec file")->required();
  command->add_flag("--json", options->json, "Machine-readable output");
  command->callback([options, &exit_code] {
    auto spec = load_spec_or_report(options->file, options->json, exit_code);
    if (!spec) return;
    if (options->json) {
      std::cout << diagnostics_to_json({}).dump(2) << '\n';
      return;
    }
    std::cout << paint(std::cout, Colour::green, "valid") << ": " << options->file << " — "
              << spec->nodes.size() << " nodes, " << spec->networks.size() << " networks, "
              << spec->volumes.size() << " volumes, " << spec->services.size() << " services, "
              << spec->backups.size() << (spec->backups.size() == 1 ? " backup\n" : " backups\n");
  });
}

}  // namespace hearth::cli
