// hearth volume delete NAME --yes-destroy-data
// hearth volume replace-brick NAME NODE DISK|/ABSOLUTE/PATH
// Administrative actions on gluster volumes, done by the hearthd that the API options reach
// (POST /v1/volumes/<NAME>/<ACTION>; agent/volume_admin.h says what each one does).

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "cli/command.h"
#include "cli/output.h"

namespace hearth::cli {
namespace {

using json = nlohmann::ordered_json;

int post_volume_action(const ApiOptions& api, const std::string& volume, const std::string& action,
                       const json& arguments, const std::function<void(const json&)>& print) {
  auto answer = call_api(api, "POST", "/v1/volumes/" + volume + "/" + action, arguments.dump(),
                         [](const HttpResponse& r) { return r.status == 200; });
  if (!answer) {
    std::cerr << paint(std::cerr, Colour::red, "error: ") << answer.error().message << '\n';
    return kExitFailed;
  }
  json body = json::parse(answer->response.body, nullptr, false);
  if (answer->response.status != 200) {
    std::string message =
        body.is_object() ? body.value("error", answer->response.body) : answer->response.body;
    std::cerr << paint(std::cerr, Colour::red, "error: ") << message << '\n';
    return kExitFailed;
  }
  print(body);
  return kExitOk;
}

}  // namespace

void add_volume_command(CLI::App& app, int& exit_code) {
  CLI::App* volume = app.add_subcommand("volume", "Delete a volume or move one of its bricks");
  volume->require_subcommand(1);

  struct DeleteOptions {
    ApiOptions api;
    std::string name;
    bool yes = false;
  };
  auto del = std::make_shared<DeleteOptions>();
  CLI::App* delete_command = volume->add_subcommand(
      "delete", "Destroy a volume the spec no longer names, with the data on all its bricks");
  add_api_options(delete_command, del->api);
  delete_command->add_option("NAME", del->name, "The volume")->required();
  delete_command->add_flag("--yes-destroy-data", del->yes,
                           "Confirm that every copy of its data is destroyed");
  delete_command->callback([del, &exit_code] {
    if (!del->yes) {
      std::cerr << "error: deleting volume " << del->name
                << " destroys every copy of its data; confirm with --yes-destroy-data\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = post_volume_action(
        del->api, del->name, "delete", {{"yes_destroy_data", true}}, [&](const json& b) {
          std::cout << "deleted volume " << del->name << "; each node removes its brick:\n";
          for (const auto& brick : b["bricks"]) {
            std::cout << "  " << brick.value("node", "?") << "  " << brick.value("path", "?")
                      << '\n';
          }
        });
  });

  struct ReplaceOptions {
    ApiOptions api;
    std::string name, node, to;
  };
  auto replace = std::make_shared<ReplaceOptions>();
  CLI::App* replace_command = volume->add_subcommand(
      "replace-brick",
      "Move a volume's brick on a node to another disk (a failed disk replaced), then heal");
  add_api_options(replace_command, replace->api);
  replace_command->add_option("NAME", replace->name, "The volume")->required();
  replace_command->add_option("NODE", replace->node, "The node whose brick moves")->required();
  replace_command
      ->add_option("TO", replace->to,
                   "A disk of that node (from the spec) or an absolute directory")
      ->required();
  replace_command->callback([replace, &exit_code] {
    exit_code = post_volume_action(
        replace->api, replace->name, "replace-brick",
        {{"node", replace->node}, {"to", replace->to}}, [&](const json& b) {
          std::cout << "volume " << replace->name << ": brick " << b.value("old", "?")
                    << " replaced by " << b.value("new", "?") << "; heal " << b.value("heal", "?")
                    << " (hearth status shows the pending entries)\n";
        });
  });
}

}  // namespace hearth::cli
