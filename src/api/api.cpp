#include "api/api.h"

#include <httplib.h>

#include "api/metrics.h"
#include "api/token.h"
#include "api/ui.h"
#include "common/log.h"
#include "spec/image_reference.h"
#include "spec/load.h"

namespace hearth::api {
namespace {

using nlohmann::ordered_json;

ApiResponse error_response(int status, const std::string& message) {
  return {status, ordered_json{{"error", message}}.dump()};
}

}  // namespace

ApiHandler::ApiHandler(ControlPlane& control, std::string token)
    : control_(control), token_(std::move(token)) {}

ApiResponse ApiHandler::handle(const ApiRequest& request) {
  const std::string prefix = "Bearer ";
  bool authorized = request.authorization.compare(0, prefix.size(), prefix) == 0 &&
                    tokens_equal(request.authorization.substr(prefix.size()), token_);
  if (!authorized) {
    log::warn("API: refused " + request.method + " " + request.path + " from " + request.peer +
              (request.authorization.empty() ? ": no token" : ": wrong token"));
    return error_response(401,
                          "unauthorized: send 'Authorization: Bearer <token>'; the token is "
                          "in the data directory's api-token file on the node (root only)");
  }
  if (request.path == "/v1/status") {
    if (request.method != "GET") return error_response(405, "use GET for /v1/status");
    auto status = control_.status();
    if (!status) return error_response(503, status.error().message);
    return {200, status->dump()};
  }
  if (request.path == "/metrics") {
    if (request.method != "GET") return error_response(405, "use GET for /metrics");
    auto text = control_.metrics();
    if (!text) return error_response(503, text.error().message);
    return {200, *text, kMetricsContentType};
  }
  if (request.path == "/v1/spec") {
    if (request.method != "POST") return error_response(405, "use POST for /v1/spec");
    return apply(request);
  }
  const std::string volumes = "/v1/volumes/";
  if (request.path.compare(0, volumes.size(), volumes) == 0) {
    std::string rest = request.path.substr(volumes.size());
    auto slash = rest.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
      return error_response(404, "use POST /v1/volumes/<NAME>/<ACTION>");
    }
    if (request.method != "POST") return error_response(405, "use POST for " + request.path);
    auto arguments = nlohmann::json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
    if (!arguments.is_object()) return error_response(400, "the body must be a JSON object");
    log::info("API: " + request.path + " from " + request.peer);
    auto done = control_.volume_action(rest.substr(0, slash), rest.substr(slash + 1), arguments);
    if (!done) return error_response(400, done.error().message);
    return {200, done->dump()};
  }
  if (request.path.rfind("/v1/nodes/", 0) == 0) return drain(request);
  return error_response(404, "no such endpoint: " + request.method + " " + request.path +
                                 " (there are GET /v1/status, POST /v1/spec, POST "
                                 "/v1/nodes/NODE/drain and POST /v1/nodes/NODE/undrain, GET "
                                 "/v1/nodes/NODE/drain-preflight, POST "
                                 "/v1/volumes/<NAME>/<ACTION>, GET /metrics)");
}

ApiResponse ApiHandler::drain(const ApiRequest& request) {
  // /v1/nodes/<node>/drain | /v1/nodes/<node>/undrain
  std::string rest = request.path.substr(std::string("/v1/nodes/").size());
  auto slash = rest.find('/');
  std::string node = slash == std::string::npos ? rest : rest.substr(0, slash);
  std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!node.empty() && action == "drain-preflight") {
    if (request.method != "GET") return error_response(405, "use GET for " + request.path);
    auto preflight = control_.drain_preflight(node);
    if (!preflight) return error_response(503, preflight.error().message);
    if (preflight->contains("error")) return {404, preflight->dump()};
    return {200, preflight->dump()};
  }
  if (node.empty() || (action != "drain" && action != "undrain")) {
    return error_response(404, "no such endpoint: " + request.method + " " + request.path +
                                   " (use POST /v1/nodes/NODE/drain or /undrain, GET "
                                   "/v1/nodes/NODE/drain-preflight)");
  }
  if (request.method != "POST") return error_response(405, "use POST for " + request.path);
  bool drained = action == "drain";
  std::string by = request.applied_by.empty() ? "api" : request.applied_by;
  if (by.size() > 200) by.resize(200);
  auto outcome = control_.set_drained(node, drained, by);
  if (!outcome) {
    return error_response(503, "no quorum: the cluster cannot store the " + action + " now (" +
                                   outcome.error().message + "); nothing changed");
  }
  switch (*outcome) {
    case ControlPlane::DrainOutcome::unknown_node:
      return error_response(404, "no node '" + node + "' in the spec");
    case ControlPlane::DrainOutcome::arbiter:
      return error_response(400, node + " is the arbiter: it runs no services, so there is "
                                        "nothing to " + action);
    case ControlPlane::DrainOutcome::changed:
    case ControlPlane::DrainOutcome::unchanged:
      break;
  }
  log::info("API: " + action + " " + node + " by " + by +
            (*outcome == ControlPlane::DrainOutcome::unchanged ? " (already so)" : ""));
  return {200, ordered_json{{"node", node},
                            {"drained", drained},
                            {"changed", *outcome == ControlPlane::DrainOutcome::changed}}
                   .dump()};
}

Result<std::map<std::string, std::string>> ControlPlane::pin_images(const Spec& spec, bool) {
  std::map<std::string, std::string> pins;
  for (const auto& service : spec.services) {
    if (service.image.empty()) continue;
    auto reference = parse_image_reference(service.image);
    if (!reference || !reference->pinned()) {
      return Error{"this node cannot resolve image tags (" + service.image + ")"};
    }
    pins[service.image] = reference->digest;
  }
  return pins;
}

ApiResponse ApiHandler::apply(const ApiRequest& request) {
  if (request.body.size() > kMaxSpecBytes) {
    return error_response(413, "the spec is larger than 4 MiB");
  }
  LoadResult loaded = load_spec_text(request.body, "spec");
  if (!loaded.ok()) {
    ordered_json out;
    out["error"] = "invalid spec: " + std::to_string(loaded.errors.size()) +
                   (loaded.errors.size() == 1 ? " error" : " errors") + "; nothing was applied";
    out["errors"] = ordered_json::array();
    for (const auto& d : loaded.errors) {
      out["errors"].push_back({{"file", d.file},
                               {"line", d.position.line},
                               {"column", d.position.column},
                               {"path", d.key_path},
                               {"message", d.message}});
    }
    return {400, out.dump()};
  }
  std::string applied_by = request.applied_by.empty() ? "api" : request.applied_by;
  if (applied_by.size() > 200) applied_by.resize(200);
  auto images = control_.pin_images(*loaded.spec, request.refresh_images);
  if (!images) {
    return error_response(502, "cannot pin the spec's images: " + images.error().message +
                                   "; nothing was applied");
  }
  auto applied = control_.apply(request.body, applied_by, *images);
  if (!applied) {
    return error_response(503, "no quorum: the cluster cannot store the spec now (" +
                                   applied.error().message +
                                   "); nothing was applied. At least 2 of the 3 etcd members "
                                   "must be up: see `hearth status`");
  }
  return {200, ordered_json{{"revision", applied->spec.revision},
                            {"applied_at", applied->spec.applied_at},
                            {"applied_by", applied->spec.applied_by},
                            {"unchanged", applied->unchanged},
                            {"images", applied->spec.images}}
                   .dump()};
}

struct ApiServer::Impl {
  httplib::Server server;
};

ApiServer::ApiServer(ApiHandler& handler, UiServer* ui)
    : handler_(handler), ui_(ui), impl_(std::make_unique<Impl>()) {}

ApiServer::~ApiServer() { stop(); }

Status ApiServer::start(const std::string& address, int port) {
  auto serve = [this](const httplib::Request& in, httplib::Response& out) {
    ApiRequest request;
    request.method = in.method;
    request.path = in.path;
    request.authorization = in.get_header_value("Authorization");
    // A browser logged in to the UI sends its session cookie instead (checked there).
    if (request.authorization.empty() && ui_ != nullptr) request.authorization = ui_->bearer_for(in);
    request.applied_by = in.get_header_value("X-Hearth-Applied-By");
    request.refresh_images = in.get_header_value("X-Hearth-Refresh-Images") == "yes";
    request.body = in.body;
    request.peer = in.remote_addr;
    ApiResponse response = handler_.handle(request);
    out.status = response.status;
    if (response.status == 401) out.set_header("WWW-Authenticate", "Bearer realm=\"hearth\"");
    out.set_content(response.body, response.content_type.c_str());
  };
  auto& server = impl_->server;
  server.set_payload_max_length(kMaxSpecBytes + 1);
  if (ui_ != nullptr) ui_->add_routes(server);  // before the API's catch-all routes
  server.Get(R"(.*)", serve);
  server.Post(R"(.*)", serve);
  server.Put(R"(.*)", serve);
  server.Delete(R"(.*)", serve);
  if (port == 0) {
    port_ = server.bind_to_any_port(address.c_str());
    if (port_ < 0) port_ = 0;
  } else {
    port_ = server.bind_to_port(address.c_str(), port) ? port : 0;
  }
  if (port_ == 0) {
    return Error{"cannot listen on " + address + ":" + std::to_string(port) +
                 " (is the address on this machine? is the port taken?)"};
  }
  thread_ = std::thread([this] { impl_->server.listen_after_bind(); });
  log::info("API listening on http://" + address + ":" + std::to_string(port_));
  return ok_status();
}

void ApiServer::stop() {
  if (thread_.joinable()) {
    if (ui_ != nullptr) ui_->stop();  // ends the event streams that hold server threads
    impl_->server.stop();
    thread_.join();
  }
}

}  // namespace hearth::api
