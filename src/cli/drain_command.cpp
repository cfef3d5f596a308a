// hearth drain NODE [--no-wait] [--timeout S] [--check [--json]]   hearth undrain NODE
// Drain: no service is placed on NODE any more, and those running there are handed over to the
// other server (the old node stops each one before the new one starts it; see
// docs/operations.md, "Maintenance: drain"). By default waits until nothing runs on NODE.
// Undrain: NODE may get services again; nothing moves back unless a service prefers NODE.

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli/api_client.h"
#include "cli/command.h"
#include "cli/output.h"

namespace hearth::cli {
namespace {

using json = nlohmann::ordered_json;

std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The services still on `node` (active or releasing), except those that stay because they fit
// nowhere else; those are returned in `stuck` with their reason.
std::set<std::string> services_on(const json& status, const std::string& node,
                                  std::map<std::string, std::string>& stuck) {
  std::set<std::string> on;
  stuck.clear();
  if (!status["assignments"].is_array()) return on;
  for (const auto& a : status["assignments"]) {
    if (text_of(a, "node") != node) continue;
    std::string reason = text_of(a, "reason");
    if (text_of(a, "state") == "active" && reason.rfind("stays on ", 0) == 0) {
      stuck[text_of(a, "service")] = reason;
      continue;
    }
    on.insert(text_of(a, "service"));
  }
  return on;
}

std::string where_now(const json& status, const std::string& service) {
  for (const auto& a : status["assignments"]) {
    if (text_of(a, "service") != service) continue;
    if (text_of(a, "state") == "unplaced") return "unplaced: " + text_of(a, "reason");
    return "now on " + text_of(a, "node");
  }
  return "no longer in the spec";
}

void run_drain(const ApiOptions& api, const std::string& node, bool drain, bool wait,
               double timeout_s, int& exit_code) {
  std::string action = drain ? "drain" : "undrain";
  auto done = [](const HttpResponse& r) {
    return r.status == 200 || r.status == 400 || r.status == 404;
  };
  auto answer = call_api(api, "POST", "/v1/nodes/" + node + "/" + action, "", done);
  if (!answer) {
    std::cerr << paint(std::cerr, Colour::red, "error: ") << answer.error().message << '\n';
    exit_code = kExitFailed;
    return;
  }
  json body = json::parse(answer->response.body, nullptr, false);
  if (answer->response.status != 200) {
    std::string message = body.is_object() ? text_of(body, "error") : answer->response.body;
    std::cerr << paint(std::cerr, Colour::red, "error: ") << answer->from << " answered "
              << answer->response.status << ": " << message << '\n';
    exit_code = answer->response.status == 404 || answer->response.status == 400 ? kExitUsage
                                                                                 : kExitFailed;
    return;
  }
  bool changed = body.is_object() && body.value("changed", false);
  if (!drain) {
    std::cout << node << (changed ? " undrained" : " was not drained")
              << ": it may get services again (only services that prefer it move back)\n";
    exit_code = kExitOk;
    return;
  }
  std::cout << node << (changed ? " drained" : " was already drained")
            << ": no service is placed there; running ones are handed over\n";
  exit_code = kExitOk;
  if (!wait) return;

  auto has_quorum = [](const HttpResponse& r) {
    if (r.status != 200) return false;
    json s = json::parse(r.body, nullptr, false);
    return s.is_object() && s["quorum"].is_object() && s["quorum"].value("ok", false);
  };
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  std::set<std::string> previous;
  bool first = true;
  std::map<std::string, std::string> stuck;
  json status;
  while (true) {
    auto state = call_api(api, "GET", "/v1/status", "", has_quorum);
    if (state && state->response.status == 200) {
      status = json::parse(state->response.body, nullptr, false);
      if (status.is_object()) {
        std::set<std::string> on = services_on(status, node, stuck);
        double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (first && !on.empty()) {
          std::cout << "waiting for " << on.size() << " service" << (on.size() == 1 ? "" : "s")
                    << " to move off " << node << "...\n";
        }
        for (const auto& service : previous) {
          if (!on.contains(service) && !stuck.contains(service)) {
            char after[32];
            std::snprintf(after, sizeof after, "%.1f", elapsed);
            std::cout << "  " << service << ": " << where_now(status, service) << " (after "
                      << after << " s)\n";
          }
        }
        std::cout.flush();
        previous = on;
        first = false;
        if (on.empty()) break;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::cerr << paint(std::cerr, Colour::red, "error: ") << "after " << timeout_s
                << " s these services still run on " << node << ":";
      for (const auto& s : previous) std::cerr << ' ' << s;
      std::cerr << "\n(the drain stays in force; `hearth status` shows each one's state)\n";
      exit_code = kExitFailed;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  for (const auto& [service, reason] : stuck) {
    std::cout << paint(std::cout, Colour::yellow, "  " + service + " stays: ") << reason << '\n';
  }
  if (stuck.empty()) {
    std::cout << paint(std::cout, Colour::green, "done") << ": no service runs on " << node
              << '\n';
  } else {
    std::cout << "done, except the services above: they fit on no other server\n";
    exit_code = kExitFailed;
  }
}

// hearth drain NODE --check: the preflight alone (GET /v1/nodes/NODE/drain-preflight, the same
// one the web UI shows before its drain button); nothing changes.
void run_preflight(const ApiOptions& api, const std::string& node, bool as_json, int& exit_code) {
  auto done = [](const HttpResponse& r) { return r.status == 200 || r.status == 404; };
  auto answer = call_api(api, "GET", "/v1/nodes/" + node + "/drain-preflight", "", done);
  if (!answer) {
    std::cerr << paint(std::cerr, Colour::red, "error: ") << answer.error().message << '\n';
    exit_code = kExitFailed;
    return;
  }
  json body = json::parse(answer->response.body, nullptr, false);
  if (answer->response.status != 200 || !body.is_object()) {
    std::string message = body.is_object() ? text_of(body, "error") : answer->response.body;
    std::cerr << paint(std::cerr, Colour::red, "error: ") << answer->from << " answered "
              << answer->response.status << ": " << message << '\n';
    exit_code = answer->response.status == 404 ? kExitUsage : kExitFailed;
    return;
  }
  bool ok = body.value("ok", false);
  exit_code = ok ? kExitOk : kExitFailed;
  if (as_json) {
    std::cout << body.dump(2) << '\n';
    return;
  }
  std::cout << "Draining " << node << ":\n";
  if (body["checks"].is_array()) {
    for (const auto& c : body["checks"]) {
      bool passed = c.value("ok", false);
      std::cout << "  " << paint(std::cout, passed ? Colour::green : Colour::red,
                                 passed ? "ok    " : "FAIL  ")
                << text_of(c, "check") << ": " << text_of(c, "detail") << '\n';
    }
  }
  if (body["services"].is_array() && !body["services"].empty()) {
    std::cout << "Services:\n";
    for (const auto& s : body["services"]) {
      std::string to = s["to"].is_string() ? "-> " + s["to"].get<std::string>() : "stops";
      std::cout << "  " << text_of(s, "service") << ' ' << to << " (" << text_of(s, "reason")
                << ")\n";
    }
  }
  std::cout << (ok ? "Every check passes: `hearth drain " + node + "` to do it.\n"
                   : std::string("Not every check passes (see above).\n"));
}

}  // namespace

void add_drain_commands(CLI::App& app, int& exit_code) {
  struct Options {
    std::string node;
    ApiOptions api;
    bool no_wait = false;
    double timeout = 60;
    bool check = false;
    bool json = false;
  };
  auto drain = std::make_shared<Options>();
  CLI::App* drain_command = app.add_subcommand(
      "drain", "Move every service off a node (maintenance); nothing is placed there until undrain");
  drain_command->add_option("NODE", drain->node, "The server to drain")->required();
  add_api_options(drain_command, drain->api);
  drain_command->add_flag("--no-wait", drain->no_wait,
                          "Return at once instead of waiting for the services to move");
  drain_command->add_option("--timeout", drain->timeout, "Seconds to wait (default 60)")
      ->check(CLI::Range(1.0, 3600.0));
  drain_command->add_flag("--check", drain->check,
                          "Only show the preflight (quorum, volumes in sync, room for every "
                          "service elsewhere) and drain nothing; exit 1 when a check fails");
  drain_command->add_flag("--json", drain->json, "With --check: the preflight as JSON");
  drain_command->callback([drain, &exit_code] {
    if (drain->check) return run_preflight(drain->api, drain->node, drain->json, exit_code);
    run_drain(drain->api, drain->node, true, !drain->no_wait, drain->timeout, exit_code);
  });

  auto undrain = std::make_shared<Options>();
  CLI::App* undrain_command = app.add_subcommand(
      "undrain", "Let a drained node get services again (only those preferring it move back)");
  undrain_command->add_option("NODE", undrain->node, "The server to undrain")->required();
  add_api_options(undrain_command, undrain->api);
  undrain_command->callback([undrain, &exit_code] {
    run_drain(undrain->api, undrain->node, false, false, 0, exit_code);
  });
}

}  // namespace hearth::cli
