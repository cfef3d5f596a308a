#pragma once
// The web UI, served by every hearthd beside its API, on the same port (docs/operations.md,
// "Web UI"):
//
//   GET  /                 -> /ui/
//   GET  /ui/              the cluster page when logged in, else -> /ui/login
//   GET  /ui/login         the login page: it takes the node's API token once
//   POST /ui/login         form field "token": the right token opens a session (a cookie,
//                          HttpOnly, SameSite=Strict, Secure over HTTPS); a wrong one gets 401
//   POST /ui/logout        ends the session
//   GET  /ui/events        server-sent events: "status" with the cluster's status and its events
//                          timeline (api/status_feed.h) at once and at every change
//   GET  /ui/assets/NAME   the page's CSS and JavaScript (built into hearthd: nothing is fetched
//                          from anywhere else)
//
// The page's actions call the API itself (POST /v1/nodes/NODE/drain, ...): with no
// Authorization header, a valid session cookie stands for the token (bearer_for), but for a
// write only when it comes from the UI's own page: same origin by Origin / Sec-Fetch-Site, and
// the header "X-Hearth-UI: 1", which no other site can make a browser send without a CORS
// preflight that hearthd never answers. So one implementation serves the CLI, the API and the UI.

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "api/status_feed.h"
#include "common/clock.h"
#include "common/result.h"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace hearth::api {

inline constexpr const char* kSessionCookie = "hearth_session";

// The sessions of one node's UI, in memory (a restart of hearthd logs everybody out).
// Thread-safe.
class UiSessions {
 public:
  UiSessions(std::string token, Clock& clock,
             std::chrono::seconds lifetime = std::chrono::hours(12), std::size_t max_sessions = 64);
  // A new session (64 hex digits from the kernel's CSPRNG) when `token` is this node's token;
  // fails otherwise. Past max_sessions the oldest session ends.
  Result<std::string> login(const std::string& token);
  void logout(const std::string& session);
  // A session opened by login(), not logged out, younger than `lifetime`.
  bool valid(const std::string& session);
  std::chrono::seconds lifetime() const { return lifetime_; }

 private:
  std::string token_;
  Clock& clock_;
  std::chrono::seconds lifetime_;
  std::size_t max_sessions_;
  std::mutex mutex_;
  std::map<std::string, Clock::TimePoint> sessions_;  // id -> opened at
};

// The value of cookie `name` in a Cookie header ("" when absent).
std::string cookie_value(const std::string& cookie_header, const std::string& name);

// What a browser says about where a request comes from.
struct RequestOrigin {
  std::string origin;          // the Origin header ("" when absent)
  std::string sec_fetch_site;  // the Sec-Fetch-Site header ("" when absent)
  std::string host;            // the Host header
};

// Whether a write carried by a cookie comes from a page of this very server: Sec-Fetch-Site, when
// sent, must be "same-origin"; Origin, when sent, must name this host (any scheme: the same code
// serves HTTP and HTTPS); at least one of them must be sent (every current browser sends Origin
// on a POST). The error says which check failed.
Status same_origin(const RequestOrigin& request);

class UiServer {
 public:
  // `token`: this node's API token; `node`: its name (shown on the pages).
  UiServer(std::string token, StatusFeed& feed, std::string node, Clock& clock = system_clock());
  UiServer(const UiServer&) = delete;
  UiServer& operator=(const UiServer&) = delete;

  // Adds the routes above to a server (before its catch-all routes).
  void add_routes(httplib::Server& server);
  // "Bearer <token>" when the request carries a valid session cookie and, unless it is a GET or
  // HEAD, passes the cross-site checks above; "" otherwise (the API then answers 401).
  std::string bearer_for(const httplib::Request& request);
  // Ends every event stream (at shutdown: they hold server threads).
  void stop();

  UiSessions& sessions() { return sessions_; }

 private:
  std::string token_;
  StatusFeed& feed_;
  std::string node_;
  UiSessions sessions_;
};

}  // namespace hearth::api
