// hearth image import FILE [--data-dir DIR]
// Air gap: loads an OCI archive (oci-archive) or a docker-archive (docker save) into a server's
// image store (engines/image_store.h) and prints its digest, which a service then names as
// REGISTRY/NAME@DIGEST: a staged digest is never pulled. Run it on each server; with a lab
// running (and no --data-dir) it imports into every server of the lab.

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/output.h"
#include "engines/image_store.h"
#include "lab/lab.h"
#include "lab/layout.h"
#include "lab/system.h"

namespace hearth::cli {

void add_image_command(CLI::App& app, int& exit_code) {
  CLI::App* image = app.add_subcommand("image", "A server's image store (air gap: import)");
  image->require_subcommand(1);
  struct Options {
    std::string file;
    std::string data_dir;
  };
  auto options = std::make_shared<Options>();
  CLI::App* import = image->add_subcommand(
      "import", "Load an OCI archive or docker-archive into the servers' image stores");
  import->add_option("file", options->file, "The archive (oci-archive or docker save output)")
      ->required();
  import->add_option("--data-dir", options->data_dir,
                     "hearthd's data directory on this server (default /var/lib/hearth; with a "
                     "lab running and no --data-dir: every server of the lab)");
  import->callback([options, &exit_code] {
    std::error_code error;
  std::string file = std::filesystem::absolute(options->file, error).string();
  if (!std::filesystem::is_regular_file(file, error)) {
    std::cerr << paint(std::cerr, Colour::red, "error: ") << options->file << " is not a file\n";
    exit_code = kExitUsage;
    return;
  }
  if (options->data_dir.empty()) {
    if (auto lab = lab::read_lab_state(); lab.ok()) {
      // Each server imports in its own mount namespace (its data directory is its own).
      exit_code = kExitOk;
      for (const auto& node : lab->nodes) {
        if (node.role != "server") continue;
        std::cout << node.name << ": " << std::flush;
        auto done = lab::lab_exec(node.name, {lab::self_executable(), "image", "import", file,
                                              "--data-dir", lab::kNodeDataDir});
        if (!done || *done != 0) {
          if (!done) std::cerr << "error: " << done.error().message << '\n';
          exit_code = kExitFailed;
        }
      }
      return;
    }
  }
  std::string data_dir = options->data_dir.empty() ? "/var/lib/hearth" : options->data_dir;
  SkopeoImageStore store(data_dir + "/images");
  auto imported = store.import_archive(file);
  if (!imported) {
    std::cerr << paint(std::cerr, Colour::red, "error: ") << imported.error().message << '\n';
    exit_code = kExitFailed;
    return;
  }
  std::cout << "imported " << imported->digest << " (name it as REGISTRY/NAME@" << imported->digest
            << "; kept " << kImportedGraceHours << " h, then only while a spec uses it)\n";
  exit_code = kExitOk;
});
}  // namespace hearth::cli

}  // namespace hearth::cli
