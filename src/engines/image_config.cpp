#include "engines/image_config.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hearth {
namespace {

using json = nlohmann::json;

Result<std::vector<std::string>> strings(const json& config, const char* key) {
  std::vector<std::string> out;
  if (!config.contains(key) || config[key].is_null()) return out;
  if (!config[key].is_array()) return Error{std::string(key) + " is not a list of strings"};
  for (const auto& item : config[key]) {
    if (!item.is_string()) return Error{std::string(key) + " is not a list of strings"};
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::uint32_t> number(const std::string& text) {
  std::uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

// The entry of `name` in a passwd/group style text: its fields split at ':'.
// A trailing empty field (a group without members) is not returned, hence at least 3 fields.
std::optional<std::vector<std::string>> find_entry(const std::string& text,
                                                   const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream parts(line);
    while (std::getline(parts, field, ':')) fields.push_back(field);
    if (fields.size() >= 3 && fields[0] == name) return fields;
  }
  return std::nullopt;
}

}  // namespace

Result<ImageConfig> parse_image_config(const std::string& json_text) {
  json document = json::parse(json_text, nullptr, false);
  if (!document.is_object()) return Error{"the image config is not a JSON object"};
  ImageConfig out;
  if (!document.contains("config") || document["config"].is_null()) return out;
  const json& config = document["config"];
  if (!config.is_object()) return Error{"the image config's \"config\" is not an object"};
  auto entrypoint = strings(config, "Entrypoint");
  if (!entrypoint) return Error{"the image config's " + entrypoint.error().message};
  auto cmd = strings(config, "Cmd");
  if (!cmd) return Error{"the image config's " + cmd.error().message};
  auto env = strings(config, "Env");
  if (!env) return Error{"the image config's " + env.error().message};
  out.entrypoint = std::move(*entrypoint);
  out.cmd = std::move(*cmd);
  out.env = std::move(*env);
  if (config.contains("WorkingDir") && config["WorkingDir"].is_string()) {
    out.workdir = config["WorkingDir"].get<std::string>();
  }
  if (config.contains("User") && config["User"].is_string()) {
    out.user = config["User"].get<std::string>();
  }
  return out;
}

Result<ContainerProcess> container_process(const Service& service, const ImageConfig* image,
                                           const std::string& passwd, const std::string& group) {
  ContainerProcess process;
  // Arguments: docker/podman semantics. An entrypoint given in the spec drops the image's
  // command too (the image's command was written for the image's entrypoint).
  std::vector<std::string> entrypoint;
  std::vector<std::string> command = service.command;
  if (service.entrypoint) {
    entrypoint = *service.entrypoint;
  } else if (image != nullptr) {
    entrypoint = image->entrypoint;
    if (command.empty()) command = image->cmd;
  }
  process.args = entrypoint;
  process.args.insert(process.args.end(), command.begin(), command.end());
  if (process.args.empty()) {
    return Error{"service " + service.name +
                 " has no command: its image sets no entrypoint or command, so the spec must "
                 "give `command`"};
  }

  // Environment: PATH first (the image's or the default), then the image's, then the spec's,
  // a later value of a name replacing an earlier one in place.
  process.env = {kDefaultPath};
  auto set = [&process](const std::string& entry) {
    std::string name = entry.substr(0, entry.find('='));
    for (auto& existing : process.env) {
      if (existing.compare(0, name.size() + 1, name + "=") == 0) {
        existing = entry;
        return;
      }
    }
    process.env.push_back(entry);
  };
  if (image != nullptr) {
    for (const auto& entry : image->env) {
      if (entry.find('=') != std::string::npos) set(entry);
    }
  }
  for (const auto& [name, value] : service.env) set(name + "=" + value);

  std::string workdir = !service.workdir.empty()                      ? service.workdir
                        : image != nullptr && !image->workdir.empty() ? image->workdir
                                                                      : "/";
  if (workdir.front() != '/') workdir = "/" + workdir;  // docker treats it as from the root
  process.cwd = workdir;

  std::string user = !service.user.empty() ? service.user : image != nullptr ? image->user : "";
  if (user.empty()) return process;
  auto colon = user.find(':');
  std::string user_part = user.substr(0, colon);
  std::string group_part = colon == std::string::npos ? "" : user.substr(colon + 1);
  if (auto uid = number(user_part)) {
    process.uid = *uid;
    // A numeric uid without a group: the account's primary group when /etc/passwd has it, else 0
    // (as podman does).
    std::istringstream lines(passwd);
    std::string line;
    while (std::getline(lines, line)) {
      std::vector<std::string> fields;
      std::string field;
      std::istringstream parts(line);
      while (std::getline(parts, field, ':')) fields.push_back(field);
      if (fields.size() >= 4 && number(fields[2]) == uid) {
        if (auto gid = number(fields[3])) process.gid = *gid;
        break;
      }
    }
  } else {
    auto entry = find_entry(passwd, user_part);
    if (!entry || entry->size() < 4) {
      return Error{"service " + service.name + " runs as user '" + user_part +
                   "', which the image's /etc/passwd does not have"};
    }
    auto named_uid = number((*entry)[2]);
    auto named_gid = number((*entry)[3]);
    if (!named_uid || !named_gid) {
      return Error{"the image's /etc/passwd entry of '" + user_part + "' has no numeric uid/gid"};
    }
    process.uid = *named_uid;
    process.gid = *named_gid;
  }
  if (!group_part.empty()) {
    if (auto gid = number(group_part)) {
      process.gid = *gid;
    } else {
      auto entry = find_entry(group, group_part);
      auto named_gid = entry ? number((*entry)[2]) : std::nullopt;
      if (!named_gid) {
        return Error{"service " + service.name + " runs as group '" + group_part +
                     "', which the image's /etc/group does not have"};
      }
      process.gid = *named_gid;
    }
  }
  return process;
}

}  // namespace hearth
