#include "cli/api_client.h"

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "api/token.h"
#include "lab/lab_state.h"
#include "plan/firewall.h"

namespace hearth::cli {
namespace {

const std::string kDefaultApi = "http://127.0.0.1:" + std::to_string(kHearthApiPort);
constexpr const char* kDefaultTokenFile = "/var/lib/hearth/api-token";

// Moves the calling thread into a network namespace for its lifetime, and back afterwards.
class NetnsGuard {
 public:
  static Result<std::unique_ptr<NetnsGuard>> enter(const std::string& netns) {
    std::string path = "/run/netns/" + netns;
    int original = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0)
      return Error{std::string("cannot open /proc/self/ns/net: ") + std::strerror(errno)};
    int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0) {
      int error = errno;
      ::close(original);
      return Error{"cannot open the lab node's network namespace " + path + ": " +
                   std::strerror(error) + " (is the lab up? `hearth lab status`)"};
    }
    int entered = ::setns(target, CLONE_NEWNET);
    int error = errno;
    ::close(target);
    if (entered != 0) {
      ::close(original);
      return Error{"cannot enter the network namespace " + netns + ": " + std::strerror(error) +
                   (error == EPERM ? " (run as root)" : "")};
    }
    return std::unique_ptr<NetnsGuard>(new NetnsGuard(original));
  }
  ~NetnsGuard() {
    if (::setns(original_, CLONE_NEWNET) != 0) {
      // Staying in a lab namespace would misdirect everything after: give up loudly.
      std::perror("hearth: cannot return to the original network namespace");
      std::abort();
    }
    ::close(original_);
  }
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;

 private:
  explicit NetnsGuard(int original) : original_(original) {}
  int original_;
};

struct Target {
  std::string url;
  std::string token_file;
  std::string netns;  // empty: this namespace
  std::string description;
};

Result<HttpResponse> send(const Target& target, const ApiOptions& options,
                          const std::string& method, const std::string& path,
                          const std::string& body) {
  auto token = api::read_token_file(target.token_file);
  if (!token) return token.error();
  HttpRequest request;
  request.method = method;
  request.url = target.url + path;
  request.body = body;
  request.timeout = options.timeout;
  request.headers = {{"Authorization", "Bearer " + *token},
                     {"X-Hearth-Applied-By", current_user_at_host()}};
  for (const auto& header : options.extra_headers) request.headers.push_back(header);
  if (method == "POST") request.headers.emplace_back("Content-Type", "application/yaml");
  std::unique_ptr<NetnsGuard> guard;
  if (!target.netns.empty()) {
    auto entered = NetnsGuard::enter(target.netns);
    if (!entered) return entered.error();
    guard = std::move(*entered);
  }
  return http_request(request);
}

}  // namespace

void add_api_options(CLI::App* command, ApiOptions& options) {
  command->add_option("--api", options.api,
                      "hearthd's API URL (default " + kDefaultApi +
                          ", or a lab node when a lab runs)");
  command->add_option("--token-file", options.token_file,
                      std::string("The API token (default ") + kDefaultTokenFile + ")");
  command->add_option("--node", options.node,
                      "Ask this lab node (default: the first that answers)");
}

Result<ApiAnswer> call_api(const ApiOptions& options, const std::string& method,
                           const std::string& path, const std::string& body,
                           const std::function<bool(const HttpResponse&)>& good_enough) {
  std::vector<Target> targets;
  std::optional<lab::LabState> lab;
  if (options.api.empty()) {
    if (auto state = lab::read_lab_state(); state.ok()) lab = std::move(*state);
  }
  if (lab) {
    for (const auto& node : lab->nodes) {
      if (!options.node.empty() && node.name != options.node) continue;
      Target t;
      t.url = "http://" + node.address.str() + ":" + std::to_string(node.api_port);
      t.token_file =
          options.token_file.empty()
              ? (std::filesystem::path(node.host_data_dir) / api::kTokenFileName).string()
              : options.token_file;
      t.netns = node.netns;
      t.description = t.url + " (lab node " + node.name + ")";
      targets.push_back(std::move(t));
    }
    if (targets.empty()) {
      std::string names;
      for (const auto& node : lab->nodes) names += (names.empty() ? "" : ", ") + node.name;
      return Error{"the lab has no node '" + options.node + "' (its nodes: " + names + ")"};
    }
  } else {
    if (!options.node.empty()) {
      return Error{"--node names a lab node, but no lab is running (" +
                   std::string(lab::kLabStateFile) + " is missing); use --api for a real cluster"};
    }
    Target t;
    t.url = options.api.empty() ? kDefaultApi : options.api;
    while (!t.url.empty() && t.url.back() == '/') t.url.pop_back();
    t.token_file = options.token_file.empty() ? kDefaultTokenFile : options.token_file;
    t.description = t.url;
    targets.push_back(std::move(t));
  }

  std::optional<ApiAnswer> last;
  std::string failures;
  for (const auto& target : targets) {
    auto response = send(target, options, method, path, body);
    if (!response) {
      failures += "\n  " + target.description + ": " + response.error().message;
      continue;
    }
    last = ApiAnswer{std::move(*response), target.description};
    if (!good_enough || good_enough(last->response)) return *last;
  }
  if (last) return *last;
  return Error{"cannot reach hearthd:" + failures +
               "\nIs hearthd running (systemctl status hearthd, or `hearth lab status`)?"};
}

std::string current_user_at_host() {
  std::string user;
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') user = sudo;
  if (user.empty()) {
    if (passwd* entry = ::getpwuid(::getuid()); entry != nullptr) user = entry->pw_name;
  }
  if (user.empty()) user = "uid" + std::to_string(::getuid());
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown");
  return user + "@" + host;
}

std::string human_duration(long long ms) {
  if (ms < 0) ms = 0;
  long long s = ms / 1000;
  auto two = [](long long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + two(s % 60) + "s";
  if (s < 86400) return std::to_string(s / 3600) + "h" + two(s % 3600 / 60) + "m";
  return std::to_string(s / 86400) + "d" + std::to_string(s % 86400 / 3600) + "h";
}

}  // namespace hearth::cli
