#pragma once
// The one HTTP client of hearth (libcurl underneath): the etcd v3 JSON gateway, the hearth API
// from the CLI, health checks. Plain HTTP/1.1, one request per call, no proxies (the cluster's
// addresses are always reached directly, whatever http_proxy says).
// Thread-safety: http_request may be called from any number of threads at once.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace hearth {

struct HttpRequest {
  std::string method = "GET";                                // "GET", "POST", "PUT", "DELETE"
  std::string url;                                           // "http://127.0.0.1:2379/v3/kv/range"
  std::vector<std::pair<std::string, std::string>> headers;  // {"Authorization", "Bearer ..."}
  std::string body;                                          // sent as is (for POST/PUT)
  // The whole exchange (connect, send, receive) must finish within this.
  std::chrono::milliseconds timeout{5000};
};

struct HttpResponse {
  int status = 0;            // 200, 401, 503, ...
  std::string content_type;  // as sent by the server, may be empty
  std::string body;
};

// Performs the request. Any HTTP status is a response (check `status`); fails only when no
// response came: bad URL, connection refused, timeout, reset. The error names the method, the URL
// and the reason ("POST http://127.0.0.1:2379/v3/kv/put: timed out after 1000 ms").
Result<HttpResponse> http_request(const HttpRequest& request);

}  // namespace hearth
