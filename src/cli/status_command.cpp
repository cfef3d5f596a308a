// hearth status [--json] [--watch] [--api URL] [--token-file PATH] [--node NAME]
// The cluster as a hearthd sees it (GET /v1/status): nodes alive/dead and since when, quorum,
// the leader, the applied spec revision, and each service (node, address, state, restarts,
// last probe). Exit 0 with quorum, 1 without (or when unreachable).

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/volume_output.h"
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

long long number_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<long long>() : 0;
}

std::string local_clock(long long wall_ms) {
  std::time_t seconds = static_cast<std::time_t>(wall_ms / 1000);
  std::tm parts{};
  localtime_r(&seconds, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%H:%M:%S", &parts);
  return buffer;
}

// "5m12s (12:01:03)": how long ago, and the local time.
std::string since(long long observed_at, const json& value) {
  if (!value.is_number()) return "-";
  long long at = value.get<long long>();
  return human_duration(observed_at - at) + " (" + local_clock(at) + ")";
}

// How a service runs, as the node running it reports it (status["services"]): its state
// (coloured), restarts and last probe, with the reason when it does not run.
struct RuntimeColumns {
  std::string state = "-", restarts = "-", probe = "-";
};
RuntimeColumns runtime_columns(std::ostream& out, const json& service, long long now) {
  RuntimeColumns c;
  std::string state = text_of(service, "state");
  Colour colour = Colour::red;
  if (state == "running") {
    colour = Colour::green;
  } else if (state == "starting" || state == "restarting" || state == "waiting") {
    colour = Colour::yellow;
  }
  c.state = paint(out, colour, state);
  c.restarts = std::to_string(number_of(service, "restarts"));
  if (service["last_probe"].is_object()) {
    const json& p = service["last_probe"];
    c.probe = std::string(p.value("ok", false) ? "ok" : "FAILED") + " " +
              human_duration(now - number_of(p, "at")) + " ago: " + text_of(p, "message");
  }
  if (!text_of(service, "error").empty() && state != "running") {
    c.probe += " (" + text_of(service, "error") + ")";
  }
  return c;
}

// Where each service is assigned (the leader's decision), the unplaced ones with their reason,
// and the drained nodes.
void print_assignments(std::ostream& out, const json& status, long long now) {
  const json& assignments = status["assignments"];
  if (assignments.is_array() && !assignments.empty()) {
    out << '\n';
    std::map<std::string, json> reports;
    if (status["services"].is_array()) {
      for (const auto& r : status["services"]) reports[text_of(r, "name")] = r;
    }
    Table table({"SERVICE", "NODE", "ADDRESS", "ASSIGNED", "SINCE", "STATE", "RESTARTS",
                 "LAST PROBE"});
    std::vector<std::string> notes;
    for (const auto& a : assignments) {
      std::string state = text_of(a, "state");
      std::string node = a["node"].is_string() ? a["node"].get<std::string>() : "-";
      std::string assigned = state;
      if (state == "active") {
        assigned = paint(out, Colour::green, "active");
      } else if (state == "releasing") {
        assigned = paint(out, Colour::yellow, "moving to " + (text_of(a, "to").empty() ? std::string("nowhere") : text_of(a, "to")));
      } else if (state == "unplaced") {
        assigned = paint(out, Colour::red, "UNPLACED");
      }
      std::string address = a["address"].is_string() ? a["address"].get<std::string>() : "-";
      RuntimeColumns runtime;
      auto report = reports.find(text_of(a, "service"));
      if (report != reports.end()) {
        runtime = runtime_columns(out, report->second, now);
        std::string on = text_of(report->second, "node");
        if (!on.empty() && on != node) runtime.state += " on " + on;
      }
      table.add_row({text_of(a, "service"), node, address, assigned, since(now, a["since"]),
                     runtime.state, runtime.restarts, runtime.probe});
      if (state == "unplaced" || state == "pending" ||
          text_of(a, "reason").rfind("stays on ", 0) == 0) {
        notes.push_back(text_of(a, "service") + ": " + text_of(a, "reason"));
      }
    }
    table.print(out);
    for (const auto& note : notes) out << paint(out, Colour::yellow, "  " + note) << '\n';
  }
  const json& drained = status["drained"];
  if (drained.is_array()) {
    for (const auto& d : drained) {
      out << paint(out, Colour::yellow, "drained  ") << text_of(d, "node") << ", since "
          << since(now, d["since"]) << " by " << text_of(d, "by")
          << " (no services placed there; `hearth undrain " << text_of(d, "node") << "`)\n";
    }
  }
}

// Per image service: its pinned digest and, per server, whether the image is staged there.
void print_images(std::ostream& out, const json& images) {
  if (!images.is_array() || images.empty()) return;
  out << '\n';
  std::vector<std::string> servers;
  for (const auto& [name, state] : images[0]["servers"].items()) servers.push_back(name);
  std::vector<std::string> headers = {"SERVICE", "IMAGE", "DIGEST"};
  for (const auto& server : servers) headers.push_back(server);
  Table table(headers);
  std::vector<std::string> notes;
  for (const auto& image : images) {
    std::string digest = text_of(image, "digest");
    std::vector<std::string> row = {text_of(image, "service"), text_of(image, "image"),
                                    digest.empty() ? "(not pinned)" : digest.substr(0, 19)};
    for (const auto& server : servers) {
      const json& state = image["servers"][server];
      std::string name = text_of(state, "state");
      if (name == "ready") {
        row.push_back(paint(out, Colour::green, "ready"));
      } else if (name == "failed") {
        bool transient = state.value("transient", false);
        row.push_back(paint(out, Colour::red, transient ? "retrying" : "FAILED"));
        notes.push_back(text_of(image, "service") + " on " + server + ": " +
                        text_of(state, "error") +
                        (transient ? " (transient; attempt " +
                                         std::to_string(number_of(state, "failures") + 1) +
                                         " in " + human_duration(number_of(state, "retry_in_ms")) +
                                         ")"
                                   : " (permanent)"));
      } else {
        row.push_back(paint(out, Colour::yellow, name.empty() ? "unknown" : name));
      }
    }
    table.add_row(row);
  }
  table.print(out);
  for (const auto& note : notes) out << paint(out, Colour::yellow, "  " + note) << '\n';
}

void print_status(std::ostream& out, const json& status, const std::string& from) {
  long long now = number_of(status, "observed_at");
  const json& quorum = status["quorum"];
  bool has_quorum = quorum.value("ok", false);
  std::string counts = std::to_string(number_of(quorum, "members_up")) + "/" +
                       std::to_string(number_of(quorum, "members"));

  out << paint(out, Colour::bold, "cluster " + text_of(status, "cluster")) << "   seen by "
      << text_of(status, "observed_by") << " (" << from << ")\n";
  if (has_quorum) {
    out << "quorum   " << paint(out, Colour::green, "ok") << ", " << counts << " etcd members up\n";
  } else {
    out << "quorum   " << paint(out, Colour::red, "NO QUORUM") << ", " << counts
        << " etcd members up: the cluster cannot change (no apply, no failover) until a "
           "majority is back\n";
  }
  const json& leader = status["leader"];
  if (leader.is_object()) {
    out << "leader   " << text_of(leader, "node") << ", since " << since(now, leader["since"])
        << (has_quorum ? "" : paint(out, Colour::yellow, "  (last known)")) << '\n';
  } else {
    out << "leader   " << paint(out, Colour::yellow, "none") << '\n';
  }
  const json& spec = status["spec"];
  if (spec.is_object()) {
    out << "spec     revision " << number_of(spec, "revision") << ", applied "
        << since(now, spec["applied_at"]) << " by " << text_of(spec, "applied_by") << '\n';
  } else {
    out << "spec     none applied yet (nodes run their bootstrap file; `hearth apply -f FILE`)\n";
  }
  if (status.value("stale", false)) {
    out << paint(out, Colour::yellow,
                 "stale    the nodes below are this node's last copy; they may be out of date")
        << '\n';
  }
  out << '\n';

  std::map<std::string, json> members;
  if (status["members"].is_array()) {
    for (const auto& m : status["members"]) members[text_of(m, "name")] = m;
  }
  Table table({"NODE", "ROLE", "ADDRESS", "STATE", "SINCE", "ETCD", "VERSION"});
  for (const auto& node : status["nodes"]) {
    bool alive = text_of(node, "state") == "alive";
    std::string etcd = "?";
    auto member = members.find(text_of(node, "name"));
    if (member != members.end()) {
      bool up = member->second.value("up", false);
      etcd = up ? (member->second.value("etcd_leader", false) ? "up (leader)" : "up")
                : paint(out, Colour::red, "down");
    }
    table.add_row({text_of(node, "name"), text_of(node, "role"), text_of(node, "address"),
                   alive ? paint(out, Colour::green, "alive") : paint(out, Colour::red, "dead"),
                   since(now, node["since"]), etcd,
                   text_of(node, "version").empty() ? "-" : text_of(node, "version")});
  }
  table.print(out);
  if (status.contains("volumes")) print_volumes(out, status["volumes"]);
  if (status.contains("images")) print_images(out, status["images"]);
  print_assignments(out, status, now);

  // Before the leader has assigned anything: how the services run, as their nodes report it.
  bool assigned = status["assignments"].is_array() && !status["assignments"].empty();
  if (!assigned && status["services"].is_array() && !status["services"].empty()) {
    out << '\n';
    Table services({"SERVICE", "NODE", "ADDRESS", "STATE", "RESTARTS", "LAST PROBE"});
    for (const auto& service : status["services"]) {
      RuntimeColumns runtime = runtime_columns(out, service, now);
      services.add_row({text_of(service, "name"),
                        text_of(service, "node").empty() ? "-" : text_of(service, "node"),
                        text_of(service, "address").empty() ? "-" : text_of(service, "address"),
                        runtime.state, runtime.restarts, runtime.probe});
    }
    services.print(out);
  }

  const json& self = status["this_node"];
  if (self.is_object() && (self.value("fenced", false) || !self.value("lease_held", true))) {
    out << '\n'
        << paint(
               out, Colour::yellow,
               text_of(self, "name") + " holds no lease right now" +
                   (self.value("fenced", false) ? " (fenced: its services are stopped)" : "") +
                   (text_of(self, "last_error").empty() ? "" : ": " + text_of(self, "last_error")))
        << '\n';
  }
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  struct Options {
    ApiOptions api;
    bool json = false;
    bool watch = false;
    double interval = 1.0;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "status", "Nodes alive/dead and since when, quorum, leader, spec revision");
  add_api_options(command, options->api);
  command->add_flag("--json", options->json, "Machine-readable output (the API's JSON)");
  command->add_flag("--watch", options->watch, "Refresh until interrupted (Ctrl-C)");
  command->add_option("--interval", options->interval, "Seconds between refreshes with --watch")
      ->check(CLI::Range(0.2, 3600.0));
  command->callback([options, &exit_code] {
    auto has_quorum = [](const HttpResponse& r) {
      if (r.status != 200) return false;
      json body = json::parse(r.body, nullptr, false);
      return body.is_object() && body["quorum"].is_object() && body["quorum"].value("ok", false);
    };
    bool terminal = isatty(STDOUT_FILENO) == 1;
    do {
      auto answer = call_api(options->api, "GET", "/v1/status", "", has_quorum);
      if (options->watch && terminal && !options->json) std::cout << "\033[H\033[2J";
      if (!answer) {
        std::cerr << paint(std::cerr, Colour::red, "error: ") << answer.error().message << '\n';
        exit_code = kExitFailed;
      } else if (answer->response.status != 200) {
        json body = json::parse(answer->response.body, nullptr, false);
        std::string message = body.is_object() ? text_of(body, "error") : answer->response.body;
        std::cerr << paint(std::cerr, Colour::red, "error: ") << answer->from << " answered "
                  << answer->response.status << ": " << message << '\n';
        exit_code = kExitFailed;
      } else {
        json status = json::parse(answer->response.body, nullptr, false);
        if (!status.is_object()) {
          std::cerr << "error: " << answer->from << " sent a status that is not JSON\n";
          exit_code = kExitFailed;
        } else {
          if (options->json) {
            std::cout << (options->watch ? status.dump() : status.dump(2)) << '\n';
          } else {
            print_status(std::cout, status, answer->from);
          }
          exit_code = status["quorum"].value("ok", false) ? kExitOk : kExitFailed;
        }
      }
      std::cout.flush();
      if (options->watch) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds(static_cast<long long>(options->interval * 1000)));
      }
    } while (options->watch);
  });
}

}  // namespace hearth::cli
