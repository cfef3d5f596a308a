// hearth apply -f FILE [--refresh-images] [--api URL] [--token-file PATH] [--node NAME]
// Validates the spec here first (an invalid spec changes nothing anywhere), then stores it in the
// cluster through a hearthd (POST /v1/spec), which pins every image tag to a digest (a tag the
// stored revision pinned keeps its digest unless --refresh-images); every hearthd then follows
// the new revision and runs exactly those digests.

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/api_client.h"
#include "cli/command.h"
#include "cli/output.h"
#include "cli/spec_input.h"

namespace hearth::cli {

void add_apply_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string file;
    bool refresh_images = false;
    ApiOptions api;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command =
      app.add_subcommand("apply", "Store the spec in the cluster; every hearthd converges to it");
  command->add_option("-f,--file", options->file, "The spec file")->required();
  command->add_flag("--refresh-images", options->refresh_images,
                    "Resolve every image tag at its registry again (a tag keeps the digest it "
                    "was pinned to otherwise)");
  add_api_options(command, options->api);
  command->callback([options, &exit_code] {
    auto spec = load_spec_or_report(options->file, false, exit_code);
    if (!spec) {
      std::cerr << "nothing was applied\n";
      return;
    }
    std::ifstream in(options->file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();

    // Through the first node that can store it (with a lab: another node if one has no quorum).
    auto stored = [](const HttpResponse& r) { return r.status == 200 || r.status == 400; };
    options->api.timeout = std::chrono::seconds(180);  // resolving tags may wait for registries
    if (options->refresh_images) {
      options->api.extra_headers.emplace_back("X-Hearth-Refresh-Images", "yes");
    }
    auto answer = call_api(options->api, "POST", "/v1/spec", text.str(), stored);
    if (!answer) {
      std::cerr << paint(std::cerr, Colour::red, "error: ") << answer.error().message
                << "\nnothing was applied\n";
      exit_code = kExitFailed;
      return;
    }
    nlohmann::json body = nlohmann::json::parse(answer->response.body, nullptr, false);
    auto text_of = [&body](const char* key) {
      return body.is_object() && body.contains(key) && body[key].is_string()
                 ? body[key].get<std::string>()
                 : std::string();
    };
    switch (answer->response.status) {
      case 200: {
        long long revision = body.value("revision", 0LL);
        if (body.value("unchanged", false)) {
          std::cout << "unchanged: the cluster already runs this spec (revision " << revision
                    << ")\n";
        } else {
          std::cout << paint(std::cout, Colour::green, "applied") << ": " << options->file
                    << " is spec revision " << revision << " (through " << answer->from << ")\n";
        }
        if (body.is_object() && body["images"].is_object()) {
          for (const auto& [reference, digest] : body["images"].items()) {
            if (digest.is_string()) {
              std::cout << "  image " << reference << " -> " << digest.get<std::string>() << '\n';
            }
          }
        }
        exit_code = kExitOk;
        return;
      }
      case 400: {
        // The server's loader disagrees with ours (e.g. another hearth version): show its errors.
        std::cerr << paint(std::cerr, Colour::red, "error: ") << text_of("error") << '\n';
        if (body.is_object() && body["errors"].is_array()) {
          for (const auto& e : body["errors"]) {
            std::cerr << "  " << options->file << ":" << e.value("line", 0) << ":"
                      << e.value("column", 0) << ": " << e.value("path", std::string()) << ": "
                      << e.value("message", std::string()) << '\n';
          }
        }
        exit_code = kExitFailed;
        return;
      }
      case 401:
        std::cerr << paint(std::cerr, Colour::red, "error: ") << answer->from
                  << " refused the token (401); pass the node's api-token file with "
                     "--token-file\nnothing was applied\n";
        exit_code = kExitFailed;
        return;
      default:
        std::cerr << paint(std::cerr, Colour::red, "error: ") << answer->from << " answered "
                  << answer->response.status << ": "
                  << (text_of("error").empty() ? answer->response.body : text_of("error")) << '\n';
        exit_code = kExitFailed;
        return;
    }
  });
}

}  // namespace hearth::cli
