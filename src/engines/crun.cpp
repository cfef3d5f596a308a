#include "engines/crun.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/process.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;

constexpr auto kCommandTimeout = 10s;

ContainerInfo::Status parse_status(const std::string& text) {
  using S = ContainerInfo::Status;
  if (text == "creating") return S::creating;
  if (text == "created") return S::created;
  if (text == "running") return S::running;
  if (text == "stopped") return S::stopped;
  if (text == "paused") return S::paused;
  return S::unknown;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Status check(const Result<Completed>& done, const std::string& what) {
  if (!done) return Error{what + ": " + done.error().message};
  if (!done->succeeded()) {
    std::string detail = trimmed(done->err.empty() ? done->out : done->err);
    return Error{what + ": crun " + done->describe() + (detail.empty() ? "" : ": " + detail)};
  }
  return ok_status();
}

}  // namespace

const char* to_string(ContainerInfo::Status status) {
  switch (status) {
    case ContainerInfo::Status::creating:
      return "creating";
    case ContainerInfo::Status::created:
      return "created";
    case ContainerInfo::Status::running:
      return "running";
    case ContainerInfo::Status::stopped:
      return "stopped";
    case ContainerInfo::Status::paused:
      return "paused";
    case ContainerInfo::Status::unknown:
      break;
  }
  return "unknown";
}

CrunRuntime::CrunRuntime(std::string state_dir, std::string program)
    : state_dir_(std::move(state_dir)), program_(std::move(program)) {}

std::vector<std::string> CrunRuntime::argv(std::vector<std::string> args) const {
  args.insert(args.begin(), {program_, "--root", state_dir_});
  return args;
}

Result<std::vector<ContainerInfo>> CrunRuntime::list() {
  auto done = hearth::run({.argv = argv({"list", "--format", "json"}), .timeout = kCommandTimeout});
  if (auto s = check(done, "cannot list the containers"); !s) return s.error();
  std::vector<ContainerInfo> containers;
  try {
    auto parsed = nlohmann::json::parse(done->out);
    for (const auto& entry : parsed) {
      ContainerInfo info;
      info.id = entry.at("id").get<std::string>();
      info.status = parse_status(entry.value("status", ""));
      info.pid = entry.value("pid", 0);
      containers.push_back(std::move(info));
    }
  } catch (const std::exception& error) {
    return Error{"cannot read crun's list of containers: " + std::string(error.what())};
  }
  std::sort(containers.begin(), containers.end(),
            [](const ContainerInfo& a, const ContainerInfo& b) { return a.id < b.id; });
  return containers;
}

Status CrunRuntime::run(const std::string& id, const std::string& bundle_dir,
                        const std::string& log_file) {
  // The container inherits crun's stdout and stderr: both go to the log file, opened in append
  // mode, so the log can be truncated (rotated) under the running container.
  Command command{.argv = argv({"run", "--detach", "--bundle", bundle_dir, id}),
                  .out = Output::file,
                  .err = Output::merge,
                  .output_file = log_file,
                  .timeout = kCommandTimeout};
  auto done = hearth::run(command);
  if (!done) return Error{"cannot start container " + id + ": " + done.error().message};
  if (!done->succeeded()) {
    (void)remove(id);  // a half-made container must not block the next attempt
    return Error{"cannot start container " + id + ": crun " + done->describe() +
                 " (its messages are in " + log_file + ")"};
  }
  return ok_status();
}

Status CrunRuntime::kill(const std::string& id, int signal) {
  auto done =
      hearth::run({.argv = argv({"kill", id, std::to_string(signal)}), .timeout = kCommandTimeout});
  return check(done, "cannot signal container " + id);
}

Status CrunRuntime::remove(const std::string& id) {
  auto done = hearth::run({.argv = argv({"delete", "--force", id}), .timeout = kCommandTimeout});
  return check(done, "cannot remove container " + id);
}

}  // namespace hearth
