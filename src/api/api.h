#pragma once
// hearthd's HTTP API (docs/architecture.md, "API"). Every endpoint needs
// "Authorization: Bearer <token>" (api/token.h); anything else gets 401.
//
//   GET  /v1/status  200 the cluster as this node sees it (cluster/cluster_status.h, to_json)
//                    503 {"error"} when even the local etcd member does not answer
//   POST /v1/spec    body: the spec YAML. Validated first (spec/load.h), then each image tag is
//                    pinned to a digest (cluster/image_pins.h; header "X-Hearth-Refresh-Images:
//                    yes" resolves every tag again instead of keeping the stored revision's pin):
//                    400 {"error", "errors": [{file, line, column, path, message}]}: nothing stored
//                    502 {"error": "cannot resolve ..."}: a tag could not be resolved: nothing stored
//                    503 {"error": "no quorum: ..."}: the cluster cannot store it now
//                    200 {"revision", "applied_at", "applied_by", "unchanged", "images"}
//   POST /v1/volumes/<NAME>/<ACTION>   body: JSON arguments of the action (agent/volume_admin.h):
//                    200 {...} what was done;  400 {"error"} refused or failed
//   POST /v1/nodes/<node>/drain     no service is placed on the node any more; those running
//   POST /v1/nodes/<node>/undrain   there are handed over (cluster/assignments.h)
//                    200 {"node", "drained", "changed"}   404 {"error"}: no such node
//                    400 {"error"}: the arbiter (it runs no services)   503 {"error"}: no quorum
//   GET  /v1/nodes/<node>/drain-preflight   what draining the node would do, checked first
//                    (api/drain_preflight.h): 200 {"node", "ok", "checks", "services"}
//                    404 {"error"}: no such node   503 {"error"}: no status to judge from
//   GET  /metrics    200 the Prometheus text format (api/metrics.h); the same token
//   anything else    404 {"error"}
// The optional header "X-Hearth-Applied-By" names who applies or drains (the CLI sends
// user@host).
//
// ApiHandler is the whole behaviour without sockets (unit-tested); ApiServer puts it on
// cpp-httplib, one listener per address.

#include <atomic>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cluster/records.h"
#include "common/result.h"
#include "spec/spec.h"

namespace hearth::api {

// What the API needs from hearthd.
class ControlPlane {
 public:
  virtual ~ControlPlane() = default;
  // The body of GET /v1/status. Fails when the local etcd member does not answer at all.
  virtual Result<nlohmann::ordered_json> status() = 0;
  // Stores an already validated spec; fails (-> 503) when the cluster cannot store it.
  struct Applied {
    cluster::StoredSpec spec;
    bool unchanged = false;
  };
  // `images`: the pins of its images (from pin_images()).
  virtual Result<Applied> apply(const std::string& text, const std::string& applied_by,
                                const std::map<std::string, std::string>& images) = 0;
  // The digest each image of `spec` (validated) is to run: the stored revision's pins unless
  // `refresh`, else resolved at the registry. The default resolves nothing: it fails for a tag.
  virtual Result<std::map<std::string, std::string>> pin_images(const Spec& spec, bool refresh);
  // An administrative action on a volume ("delete", "replace-brick"), with its JSON arguments.
  virtual Result<nlohmann::ordered_json> volume_action(const std::string& volume,
                                                       const std::string& action,
                                                       const nlohmann::json& arguments) {
    (void)volume, (void)arguments;
    return Error{"this node does not manage volumes (no " + action + ")"};
  }
  // The body of GET /metrics (api/metrics.h).
  virtual Result<std::string> metrics() { return Error{"this node keeps no metrics"}; }
  // GET /v1/nodes/<node>/drain-preflight (api/drain_preflight.h). nullopt-like error kinds are
  // told apart by the outcome: unknown_node -> 404, anything else -> 503.
  virtual Result<nlohmann::ordered_json> drain_preflight(const std::string& node) {
    return Error{"this node cannot judge a drain of " + node};
  }
  // Marks a node drained (or not). Fails (-> 503) when the cluster cannot store it.
  enum class DrainOutcome { changed, unchanged, unknown_node, arbiter };
  virtual Result<DrainOutcome> set_drained(const std::string& node, bool drained,
                                           const std::string& by) = 0;
};

struct ApiRequest {
  std::string method;         // "GET", "POST"
  std::string path;           // "/v1/status"
  std::string authorization;  // the Authorization header, as sent
  std::string applied_by;     // the X-Hearth-Applied-By header, may be empty
  bool refresh_images = false;  // the X-Hearth-Refresh-Images header is "yes"
  std::string body;
  std::string peer;  // the client's address, for the log
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON, unless content_type says otherwise
  std::string content_type = "application/json";
};

inline constexpr std::size_t kMaxSpecBytes = 4 * 1024 * 1024;

class ApiHandler {
 public:
  ApiHandler(ControlPlane& control, std::string token);
  ApiResponse handle(const ApiRequest& request);

 private:
  ApiResponse apply(const ApiRequest& request);
  ApiResponse drain(const ApiRequest& request);
  ControlPlane& control_;
  std::string token_;
};

class UiServer;

// Serves an ApiHandler on address:port (HTTP/1.1). Thread-safe start/stop.
// With a UiServer (api/ui.h), the web UI is served beside the API on the same port, and a
// browser's session cookie stands for the token (writes only with the UI's cross-site checks).
class ApiServer {
 public:
  explicit ApiServer(ApiHandler& handler, UiServer* ui = nullptr);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds (fails at once if it cannot: address not on this machine, port taken) and serves on a
  // thread of its own. Port 0 picks a free port (see port()).
  Status start(const std::string& address, int port);
  int port() const { return port_; }
  void stop();

 private:
  struct Impl;
  ApiHandler& handler_;
  UiServer* ui_ = nullptr;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace hearth::api
