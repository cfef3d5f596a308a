#include "api/ui.h"

#include <httplib.h>

#include <algorithm>

#include "api/token.h"
#include "api/ui_assets.h"
#include "common/log.h"

namespace hearth::api {
namespace {

using namespace std::chrono_literals;

std::string trimmed(std::string text) {
  auto not_space = [](unsigned char c) { return c != ' ' && c != '\t' && c != '\n' && c != '\r'; };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

std::string html_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void replace_all(std::string& text, const std::string& what, const std::string& with) {
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

// Every page and asset: nothing but this server's own scripts and styles, never in a frame.
void secure_headers(httplib::Response& out) {
  out.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                 "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri "
                 "'none'");
  out.set_header("X-Content-Type-Options", "nosniff");
  out.set_header("X-Frame-Options", "DENY");
  // same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on a form post,
  // which the cross-site check must refuse.
  out.set_header("Referrer-Policy", "same-origin");
  out.set_header("Cache-Control", "no-store");
}

void redirect(httplib::Response& out, const std::string& to) {
  secure_headers(out);
  out.status = 303;
  out.set_header("Location", to);
}

std::string page(const char* name, const std::string& node, const std::string& error = {}) {
  const UiAsset* asset = find_ui_asset(name);
  if (asset == nullptr) return "missing page " + std::string(name);
  std::string text(asset->data);
  replace_all(text, "{{node}}", html_escaped(node));
  replace_all(text, "{{error}}", html_escaped(error));
  return text;
}

std::string session_cookie(const std::string& value, std::chrono::seconds max_age, bool secure) {
  return std::string(kSessionCookie) + "=" + value +
         "; Path=/; Max-Age=" + std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

bool served_over_tls(const httplib::Request& in) {
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  return in.ssl != nullptr;
#else
  (void)in;
  return false;
#endif
}

RequestOrigin origin_of(const httplib::Request& in) {
  return {in.get_header_value("Origin"), in.get_header_value("Sec-Fetch-Site"),
          in.get_header_value("Host")};
}

}  // namespace

UiSessions::UiSessions(std::string token, Clock& clock, std::chrono::seconds lifetime,
                       std::size_t max_sessions)
    : token_(std::move(token)), clock_(clock), lifetime_(lifetime), max_sessions_(max_sessions) {}

Result<std::string> UiSessions::login(const std::string& token) {
  if (token.empty() || !tokens_equal(trimmed(token), token_)) {
    return Error{"wrong token: use the one in the data directory's api-token file on this node"};
  }
  auto id = generate_token();
  if (!id) return id.error();
  std::lock_guard lock(mutex_);
  auto now = clock_.now();
  std::erase_if(sessions_, [&](const auto& s) { return now - s.second >= lifetime_; });
  while (sessions_.size() >= max_sessions_) {
    auto oldest =
        std::min_element(sessions_.begin(), sessions_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    sessions_.erase(oldest);
  }
  sessions_[*id] = now;
  return *id;
}

void UiSessions::logout(const std::string& session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

bool UiSessions::valid(const std::string& session) {
  if (session.empty()) return false;
  std::lock_guard lock(mutex_);
  // Looked up by comparing every id in constant time: no timing oracle on a session id.
  bool found = false;
  Clock::TimePoint opened{};
  for (const auto& [id, at] : sessions_) {
    if (tokens_equal(id, session)) {
      found = true;
      opened = at;
    }
  }
  return found && clock_.now() - opened < lifetime_;
}

std::string cookie_value(const std::string& cookie_header, const std::string& name) {
  std::size_t start = 0;
  while (start < cookie_header.size()) {
    std::size_t end = cookie_header.find(';', start);
    if (end == std::string::npos) end = cookie_header.size();
    std::string pair = trimmed(cookie_header.substr(start, end - start));
    auto equals = pair.find('=');
    if (equals != std::string::npos && pair.substr(0, equals) == name) {
      return pair.substr(equals + 1);
    }
    start = end + 1;
  }
  return {};
}

Status same_origin(const RequestOrigin& request) {
  if (request.origin.empty() && request.sec_fetch_site.empty()) {
    return Error{"the browser sent neither Origin nor Sec-Fetch-Site"};
  }
  if (!request.sec_fetch_site.empty() && request.sec_fetch_site != "same-origin") {
    return Error{"Sec-Fetch-Site is '" + request.sec_fetch_site + "', not same-origin"};
  }
  if (!request.origin.empty()) {
    auto scheme_end = request.origin.find("://");
    std::string host =
        scheme_end == std::string::npos ? std::string() : request.origin.substr(scheme_end + 3);
    if (host.empty() || host != request.host) {
      return Error{"Origin '" + request.origin + "' is not this server (" + request.host + ")"};
    }
  }
  return ok_status();
}

UiServer::UiServer(std::string token, StatusFeed& feed, std::string node, Clock& clock)
    : token_(token), feed_(feed), node_(std::move(node)), sessions_(std::move(token), clock) {}

std::string UiServer::bearer_for(const httplib::Request& in) {
  std::string session = cookie_value(in.get_header_value("Cookie"), kSessionCookie);
  if (session.empty() || !sessions_.valid(session)) return {};
  if (in.method != "GET" && in.method != "HEAD") {
    if (auto checked = same_origin(origin_of(in)); !checked) {
      log::warn("UI: refused " + in.method + " " + in.path + " from " + in.remote_addr + ": " +
                checked.error().message);
      return {};
    }
    if (in.get_header_value("X-Hearth-UI") != "1") {
      log::warn("UI: refused " + in.method + " " + in.path + " from " + in.remote_addr +
                ": no X-Hearth-UI header");
      return {};
    }
  }
  return "Bearer " + token_;
}

void UiServer::stop() { feed_.stop(); }

void UiServer::add_routes(httplib::Server& server) {
  auto logged_in = [this](const httplib::Request& in) {
    return sessions_.valid(cookie_value(in.get_header_value("Cookie"), kSessionCookie));
  };
  server.Get("/", [](const httplib::Request&, httplib::Response& out) { redirect(out, "/ui/"); });
  server.Get("/ui", [](const httplib::Request&, httplib::Response& out) { redirect(out, "/ui/"); });
  server.Get("/ui/", [this, logged_in](const httplib::Request& in, httplib::Response& out) {
    if (!logged_in(in)) return redirect(out, "/ui/login");
    secure_headers(out);
    out.set_content(page("index.html", node_), "text/html; charset=utf-8");
  });
  server.Get("/ui/login", [this, logged_in](const httplib::Request& in, httplib::Response& out) {
    if (logged_in(in)) return redirect(out, "/ui/");
    secure_headers(out);
    out.set_content(page("login.html", node_), "text/html; charset=utf-8");
  });
  server.Post("/ui/login", [this](const httplib::Request& in, httplib::Response& out) {
    secure_headers(out);
    if (auto checked = same_origin(origin_of(in)); !checked) {
      log::warn("UI: refused a login from " + in.remote_addr + ": " + checked.error().message);
      out.status = 403;
      out.set_content(page("login.html", node_, "refused: " + checked.error().message),
                      "text/html; charset=utf-8");
      return;
    }
    auto session = sessions_.login(in.get_param_value("token"));
    if (!session) {
      log::warn("UI: refused a login from " + in.remote_addr + ": wrong token");
      out.status = 401;
      out.set_content(page("login.html", node_, session.error().message),
                      "text/html; charset=utf-8");
      return;
    }
    log::info("UI: login from " + in.remote_addr);
    out.set_header("Set-Cookie",
                   session_cookie(*session, sessions_.lifetime(), served_over_tls(in)));
    redirect(out, "/ui/");
  });
  server.Post("/ui/logout", [this](const httplib::Request& in, httplib::Response& out) {
    secure_headers(out);
    std::string session = cookie_value(in.get_header_value("Cookie"), kSessionCookie);
    if (bearer_for(in).empty()) {
      out.status = 403;
      out.set_content(R"({"error":"not logged in, or not from this UI's page"})",
                      "application/json");
      return;
    }
    sessions_.logout(session);
    log::info("UI: logout from " + in.remote_addr);
    out.set_header("Set-Cookie", session_cookie("", 0s, served_over_tls(in)));
    out.set_content(R"({"logged_out":true})", "application/json");
  });
  server.Get(R"(/ui/assets/([a-z0-9.-]+))", [](const httplib::Request& in, httplib::Response& out) {
    secure_headers(out);
    const UiAsset* asset = find_ui_asset(in.matches[1].str());
    if (asset == nullptr || asset->name.ends_with(".html")) {
      out.status = 404;
      out.set_content("no such asset", "text/plain");
      return;
    }
    out.set_content(std::string(asset->data), std::string(asset->content_type).c_str());
  });
  server.Get("/ui/events", [this, logged_in](const httplib::Request& in, httplib::Response& out) {
    secure_headers(out);
    if (!logged_in(in)) {
      out.status = 401;
      out.set_content(R"({"error":"log in first: /ui/login"})", "application/json");
      return;
    }
    std::string session = cookie_value(in.get_header_value("Cookie"), kSessionCookie);
    // State of this stream: the version sent last, and when anything was sent last.
    struct Stream {
      std::uint64_t sent = 0;
      std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
      bool first = true;
    };
    auto stream = std::make_shared<Stream>();
    out.set_chunked_content_provider(
        "text/event-stream", [this, session, stream](std::size_t, httplib::DataSink& sink) {
          if (feed_.stopped() || !sessions_.valid(session)) {
            sink.done();
            return true;
          }
          std::string chunk;
          if (stream->first) {
            chunk = "retry: 1000\n\n";  // a lost connection is tried again after 1 s
            stream->first = false;
          }
          std::optional<StatusFeed::Snapshot> newer;
          if (stream->sent == 0 && feed_.latest().version > 0) {
            newer = feed_.latest();
          } else {
            newer = feed_.wait_newer(stream->sent, 1s);
          }
          if (newer) {
            chunk += "event: status\ndata: " + newer->body + "\n\n";
            stream->sent = newer->version;
          } else if (std::chrono::steady_clock::now() - stream->last_write >= 15s) {
            chunk += ": still here\n\n";  // keeps proxies and the browser from timing out
          }
          if (chunk.empty()) return true;
          stream->last_write = std::chrono::steady_clock::now();
          return sink.write(chunk.data(), chunk.size());
        });
  });
}

}  // namespace hearth::api
