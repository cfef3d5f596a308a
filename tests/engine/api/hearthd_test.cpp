// hearthd end to end, on loopback only: a real etcd (127.0.0.1, free ports, temp dir) and the
// real hearthd binary with the example spec, reached through its API on 127.0.0.1.
// (The node's own management address is not on this machine, so hearthd serves on 127.0.0.1 only.)

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "../cluster/etcd_process.h"
#include "cluster/keys.h"
#include "common/file.h"
#include "common/http_client.h"
#include "common/process.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;
using cluster::testing::EtcdProcess;
using cluster::testing::TempDir;
using nlohmann::json;

// How long a wait may take before it counts as a hang: the events waited for come within seconds.
constexpr auto kHang = 60s;

class HearthdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto reason = EtcdProcess::unavailable_reason(); !reason.empty()) GTEST_SKIP() << reason;
    auto started = EtcdProcess::start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    etcd_ = std::move(*started);
    port_ = cluster::testing::free_loopback_port();
    data_dir_ = dir_.path() + "/data";
    // hearthd runs in the machine's own namespaces here: the spec's disks (where it makes brick
    // directories) are moved into the test's directory, so nothing lands in the real /srv.
    std::string text = read_text_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
    for (auto at = text.find("/srv/hearth/"); at != std::string::npos;
         at = text.find("/srv/hearth/", at + dir_.path().size() + 1)) {
      text.insert(at, dir_.path());
    }
    spec_ = dir_.path() + "/homelab.yaml";
    std::ofstream(spec_) << text;
  }

  Command hearthd_command() const {
    Command command;
    command.argv = {HEARTHD_BINARY, "--node", "r510", "--spec", spec_, "--data-dir", data_dir_,
                    "--api-port", std::to_string(port_), "--etcd", etcd_->endpoint(),
                    // It runs in the machine's own network namespace: hands off its firewall.
                    "--no-firewall"};
    command.out = Output::file;
    command.err = Output::merge;
    command.output_file = dir_.path() + "/hearthd.log";
    return command;
  }

  Child start_hearthd() {
    auto child = Child::start(hearthd_command());
    EXPECT_TRUE(child.ok());
    return std::move(*child);
  }

  HttpResponse call(const std::string& method, const std::string& path,
                    const std::string& body = "", bool with_token = true) {
    HttpRequest request;
    request.method = method;
    request.url = "http://127.0.0.1:" + std::to_string(port_) + path;
    request.body = body;
    request.timeout = 30s;  // a hang: hearthd answers at once, or after its own etcd timeout
    if (with_token) request.headers = {{"Authorization", "Bearer " + token()}};
    auto response = http_request(request);
    return response.ok() ? *response : HttpResponse{0, "", response.error().message};
  }

  std::string token() {
    std::string text = read_text_file(data_dir_ + "/api-token");
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  // Polls GET /v1/status until `ready` holds for it; after kHang, a failure with the last answer.
  json wait_for_status(const std::function<bool(const json&)>& ready) {
    json last;
    auto deadline = std::chrono::steady_clock::now() + kHang;
    while (std::chrono::steady_clock::now() < deadline) {
      HttpResponse response = call("GET", "/v1/status");
      if (response.status == 200) {
        last = json::parse(response.body);
        if (ready(last)) return last;
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "status never got ready; last: " << last.dump(2) << "\nhearthd log:\n"
                  << log();
    return last;
  }

  std::string log() const { return read_text_file(dir_.path() + "/hearthd.log"); }

  // Polls hearthd's log until it contains `text`; false after kHang.
  bool wait_for_log(const std::string& text) const {
    auto deadline = std::chrono::steady_clock::now() + kHang;
    while (log().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }

  bool node_key_exists() {
    cluster::EtcdKeyValueStore store(etcd_->endpoint(), 30s);
    auto got = store.get(cluster::keys::node("r510"), cluster::Consistency::linearizable);
    return got.ok() && got->has_value();
  }

  TempDir dir_;
  std::unique_ptr<EtcdProcess> etcd_;
  int port_ = 0;
  std::string data_dir_, spec_;
};

TEST_F(HearthdTest, RegistersLeadsServesTheApiAndLeavesCleanlyOnSigterm) {
  Child hearthd = start_hearthd();
  json status = wait_for_status([](const json& s) {
    return s["this_node"]["leader"] == true && s["nodes"][0]["state"] == "alive";
  });
  EXPECT_EQ(status["cluster"], "homecentr");
  EXPECT_EQ(status["quorum"]["ok"], true);
  EXPECT_EQ(status["leader"]["node"], "r510");
  EXPECT_EQ(status["nodes"].size(), 3u);
  EXPECT_EQ(status["nodes"][1]["state"], "dead");
  EXPECT_TRUE(status["spec"].is_null());
  EXPECT_EQ(token().size(), 64u);

  EXPECT_EQ(call("GET", "/v1/status", "", false).status, 401);
  EXPECT_EQ(call("POST", "/v1/spec", read_text_file(spec_), false).status, 401);

  HttpResponse applied = call("POST", "/v1/spec", read_text_file(spec_));
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(json::parse(applied.body)["revision"], 1);
  HttpResponse again = call("POST", "/v1/spec", read_text_file(spec_));
  EXPECT_EQ(json::parse(again.body)["unchanged"], true);
  HttpResponse invalid =
      call("POST", "/v1/spec",
           read_text_file(std::string(HEARTH_SOURCE_DIR) + "/tests/data/invalid.yaml"));
  EXPECT_EQ(invalid.status, 400);
  EXPECT_GE(json::parse(invalid.body)["errors"].size(), 1u);
  status = wait_for_status([](const json& s) { return s["this_node"]["spec_revision"] == 1; });
  EXPECT_EQ(status["spec"]["revision"], 1) << "the invalid spec stored nothing";

  // A second hearthd for the same node and data directory refuses to start.
  auto second = run(hearthd_command());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->exit_code, 1);
  EXPECT_NE(log().find("already running"), std::string::npos);

  ASSERT_TRUE(node_key_exists());
  hearthd.signal(SIGTERM);
  auto done = hearthd.wait_for(kHang);
  ASSERT_TRUE(done.has_value()) << "hearthd did not stop after SIGTERM";
  EXPECT_EQ(done->exit_code, 0);
  EXPECT_FALSE(node_key_exists()) << "the lease was revoked: peers see the node leave at once";
}

// The leader assigns every service (the only live server gets them after the initial grace),
// and a drain through the API shows in the status; the arbiter cannot be drained.
TEST_F(HearthdTest, AssignsServicesAndDrainsThroughTheApi) {
  Child hearthd = start_hearthd();
  json status = wait_for_status([](const json& s) {
    if (!s["assignments"].is_array() || s["assignments"].empty()) return false;
    for (const auto& a : s["assignments"]) {
      if (a["state"] != "active") return false;
    }
    return true;
  });
  ASSERT_EQ(status["assignments"].size(), 3u) << "the example's three services";
  for (const auto& a : status["assignments"]) {
    EXPECT_EQ(a["node"], "r510") << a.dump();
    EXPECT_TRUE(a["address"].is_string());
  }
  EXPECT_EQ(status["assignments"][0]["address"], "10.1.2.130") << "homepage's fixed address";

  EXPECT_EQ(call("POST", "/v1/nodes/r510/drain", "", false).status, 401);
  EXPECT_EQ(call("POST", "/v1/nodes/elitedesk/drain").status, 400);
  EXPECT_EQ(call("POST", "/v1/nodes/nope/drain").status, 404);
  HttpResponse drained = call("POST", "/v1/nodes/r510/drain");
  ASSERT_EQ(drained.status, 200) << drained.body;
  EXPECT_EQ(json::parse(drained.body)["changed"], true);
  // r510 is the only live server: everything stays on it, saying why.
  status = wait_for_status([](const json& s) {
    return s["drained"].size() == 1 &&
           s["assignments"][0]["reason"].get<std::string>().rfind("stays on r510", 0) == 0;
  });
  EXPECT_EQ(status["drained"][0]["node"], "r510");
  EXPECT_EQ(status["assignments"][0]["state"], "active");
  HttpResponse undrained = call("POST", "/v1/nodes/r510/undrain");
  ASSERT_EQ(undrained.status, 200);
  status = wait_for_status([](const json& s) { return s["drained"].empty(); });
  EXPECT_TRUE(status["drained"].empty());
}

TEST_F(HearthdTest, FencesWhenEtcdStopsAnsweringAndRejoinsWithANewLease) {
  Child hearthd = start_hearthd();
  json status = wait_for_status([](const json& s) { return s["this_node"]["lease_held"] == true; });
  std::string first_lease = status["this_node"]["lease"];

  ::kill(etcd_->pid(), SIGSTOP);  // etcd hangs: renewals time out
  bool fenced = wait_for_log("FENCED");
  ::kill(etcd_->pid(), SIGCONT);
  EXPECT_TRUE(fenced) << "hearthd never fenced itself while etcd hung:\n" << log();

  status = wait_for_status([](const json& s) {
    return s["this_node"]["lease_held"] == true && s["this_node"]["fence_count"] == 1;
  });
  EXPECT_NE(status["this_node"]["lease"], first_lease);
  EXPECT_EQ(status["this_node"]["fenced"], false);
  hearthd.signal(SIGTERM);
  auto done = hearthd.wait_for(kHang);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->exit_code, 0);
}

TEST_F(HearthdTest, StatusIs503WhenTheLocalEtcdIsGone) {
  Child hearthd = start_hearthd();
  wait_for_status([](const json& s) { return s["this_node"]["lease_held"] == true; });
  etcd_.reset();  // killed and removed
  HttpResponse response = call("GET", "/v1/status");
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find("local etcd member does not answer"), std::string::npos)
      << response.body;
  HttpResponse apply = call("POST", "/v1/spec", read_text_file(spec_));
  EXPECT_EQ(apply.status, 503);
  EXPECT_EQ(json::parse(apply.body)["error"].get<std::string>().rfind("no quorum", 0), 0u);
  hearthd.signal(SIGTERM);
  auto done = hearthd.wait_for(kHang);
  ASSERT_TRUE(done.has_value()) << "hearthd must stop even when etcd is gone";
  EXPECT_EQ(done->exit_code, 0);
}

TEST_F(HearthdTest, TheCliAppliesAndShowsTheStatus) {
  Child hearthd = start_hearthd();
  wait_for_status([](const json& s) { return s["this_node"]["leader"] == true; });
  std::vector<std::string> api = {"--api", "http://127.0.0.1:" + std::to_string(port_),
                                  "--token-file", data_dir_ + "/api-token"};
  auto hearth = [&](std::vector<std::string> args) {
    Command command;
    command.argv = {HEARTH_BINARY};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.argv.insert(command.argv.end(), api.begin(), api.end());
    command.env = {"NO_COLOR=1"};
    auto done = run(command);
    EXPECT_TRUE(done.ok());
    return done.ok() ? *done : Completed{};
  };

  auto invalid =
      hearth({"apply", "-f", std::string(HEARTH_SOURCE_DIR) + "/tests/data/invalid.yaml"});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.err.find("nothing was applied"), std::string::npos) << invalid.err;

  auto applied = hearth({"apply", "-f", spec_});
  EXPECT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find("spec revision 1"), std::string::npos) << applied.out;

  auto table = hearth({"status"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("quorum   ok"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("leader   r510"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("spec     revision 1"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("elitedesk  arbiter  10.1.2.26  dead"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("\033["), std::string::npos) << "no colour when not a terminal";

  auto as_json = hearth({"status", "--json"});
  EXPECT_EQ(as_json.exit_code, 0);
  json parsed = json::parse(as_json.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << as_json.out;
  EXPECT_EQ(parsed["spec"]["revision"], 1);
  EXPECT_EQ(parsed["nodes"][0]["state"], "alive");

  // --watch redraws until interrupted: two frames drawn, and still running, until stopped.
  Command watch;
  watch.argv = {HEARTH_BINARY, "status", "--watch", "--interval", "0.3"};
  watch.argv.insert(watch.argv.end(), api.begin(), api.end());
  watch.out = Output::file;
  watch.err = Output::merge;
  watch.output_file = dir_.path() + "/watch.out";
  auto watching = Child::start(watch);
  ASSERT_TRUE(watching.ok()) << watching.error().message;
  auto frames = [&] {
    std::string out = read_text_file(watch.output_file);
    std::size_t count = 0;
    for (std::size_t at = 0; (at = out.find("cluster homecentr", at)) != std::string::npos; ++at) {
      ++count;
    }
    return count;
  };
  std::optional<Completed> ended;
  auto deadline = std::chrono::steady_clock::now() + kHang;
  while (!ended && frames() < 2 && std::chrono::steady_clock::now() < deadline) {
    ended = watching->wait_for(50ms);
  }
  if (!ended) ended = watching->wait_for(0ms);
  EXPECT_GE(frames(), 2u) << read_text_file(watch.output_file);
  EXPECT_FALSE(ended.has_value()) << "--watch ended by itself (" << ended->describe()
                                  << "): " << read_text_file(watch.output_file);
  watching->stop(kHang);

  api[3] = dir_.path() + "/hearthd.log";  // a file that is not the token
  auto refused = hearth({"status"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("401"), std::string::npos) << refused.err;

  hearthd.signal(SIGTERM);
  ASSERT_TRUE(hearthd.wait_for(kHang).has_value());
  api[3] = data_dir_ + "/api-token";
  auto unreachable = hearth({"status"});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.err.find("cannot reach hearthd"), std::string::npos) << unreachable.err;
}

// `hearth etcd-exec` (what hearth-etcd.service and the lab run): validates, then execs etcd with
// the member's flags. Needs no etcd: --print shows the command, --etcd swaps the program.
TEST(EtcdExec, ValidatesThenExecsEtcdWithTheMembersFlags) {
  std::string spec = std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml";
  auto hearth = [](std::vector<std::string> args) {
    Command command;
    command.argv = {HEARTH_BINARY, "etcd-exec"};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    auto done = run(command);
    EXPECT_TRUE(done.ok());
    return done.ok() ? *done : Completed{};
  };
  auto printed =
      hearth({"-f", spec, "--node", "r530", "--data-dir", "/var/lib/hearth/etcd", "--print"});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(printed.out.rfind("etcd --name=r530 --data-dir=/var/lib/hearth/etcd ", 0), 0u)
      << printed.out;
  EXPECT_NE(printed.out.find("--initial-cluster-token=hearth-homecentr"), std::string::npos);

  // exec: the program's PID and output are etcd-exec's own (echo stands in for etcd).
  auto echoed = hearth({"-f", spec, "--node", "r530", "--data-dir", "/d", "--etcd", "/bin/echo"});
  EXPECT_EQ(echoed.exit_code, 0);
  EXPECT_EQ(
      echoed.out.rfind("--name=r530 --data-dir=/d --listen-peer-urls=http://10.1.2.22:2380", 0), 0u)
      << echoed.out;

  auto unknown = hearth({"-f", spec, "--node", "r999", "--data-dir", "/d", "--print"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("'r999' is not in the spec"), std::string::npos) << unknown.err;
  auto relative = hearth({"-f", spec, "--node", "r530", "--data-dir", "etcd", "--print"});
  EXPECT_EQ(relative.exit_code, 2);
  EXPECT_NE(relative.err.find("absolute path"), std::string::npos) << relative.err;
  auto invalid = hearth({"-f", std::string(HEARTH_SOURCE_DIR) + "/tests/data/invalid.yaml",
                         "--node", "r530", "--data-dir", "/d", "--print"});
  EXPECT_EQ(invalid.exit_code, 1) << "an invalid spec starts nothing";
  auto missing =
      hearth({"-f", spec, "--node", "r530", "--data-dir", "/d", "--etcd", "/nonexistent/etcd"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot run /nonexistent/etcd"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace hearth

namespace hearth {
namespace {

// curl, with the response's status line and headers before its body (-i). A POST is sent with
// `--data ""` (Content-Length: 0), as browsers send an empty POST.
Completed curl(const std::vector<std::string>& args) {
  Command command;
  command.argv = {"curl", "-s", "-i", "-m", "30"};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  auto done = run(command);
  return done.ok() ? *done : Completed{};
}

int http_status(const Completed& done) {
  auto space = done.out.find(' ');
  return space == std::string::npos ? 0 : std::atoi(done.out.c_str() + space + 1);
}

std::string header(const Completed& done, const std::string& name) {
  std::string lower = done.out;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  std::string key = "\r\n" + name + ": ";
  std::transform(key.begin(), key.end(), key.begin(), ::tolower);
  auto at = lower.find(key);
  if (at == std::string::npos) return {};
  at += key.size();
  return done.out.substr(at, done.out.find("\r\n", at) - at);
}

// GET /metrics: the token is needed, and what it gives passes `promtool check metrics` (the
// Prometheus project's own linter: format, names, units, _total counters, HELP on each).
TEST_F(HearthdTest, MetricsNeedTheTokenAndPassPromtool) {
  Child hearthd = start_hearthd();
  wait_for_status([](const json& s) { return s["this_node"]["leader"] == true; });
  EXPECT_EQ(call("GET", "/metrics", "", false).status, 401);
  HttpResponse metrics;
  auto deadline = std::chrono::steady_clock::now() + kHang;
  while (std::chrono::steady_clock::now() < deadline) {
    metrics = call("GET", "/metrics");
    if (metrics.body.find("hearth_node_leader{node=\"r510\"} 1") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  for (const char* line : {"hearth_quorum 1", "hearth_node_up{node=\"r510\",role=\"server\"} 1",
                           "hearth_node_up{node=\"r530\",role=\"server\"} 0",
                           "hearth_lease_renewal_duration_seconds_count "}) {
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << " in:\n" << metrics.body;
  }
  std::string file = dir_.path() + "/metrics.txt";
  std::ofstream(file) << metrics.body;
  Command promtool;
  promtool.argv = {"sh", "-c", "promtool check metrics < \"$0\"", file};
  promtool.err = Output::merge;
  auto checked = run(promtool);
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  EXPECT_EQ(checked->exit_code, 0) << "promtool (Debian's prometheus package: "
                                      "scripts/install-deps):\n"
                                   << checked->out << "\non:\n"
                                   << metrics.body;
  EXPECT_EQ(checked->out, "") << "promtool found problems:\n" << checked->out;
}

// The web UI on the API's port: the token logs in once, then a session cookie (HttpOnly,
// SameSite=Strict) stands for it; writes need the UI's own origin and header; the page's events
// stream carries the status; logout ends the session.
TEST_F(HearthdTest, TheUiLogsInWithTheTokenAndGuardsWrites) {
  Child hearthd = start_hearthd();
  wait_for_status([](const json& s) { return s["this_node"]["leader"] == true; });
  const std::string base = "http://127.0.0.1:" + std::to_string(port_);
  const std::string origin = "Origin: " + base;

  Completed page = curl({base + "/ui/"});
  EXPECT_EQ(http_status(page), 303) << page.out;
  EXPECT_EQ(header(page, "Location"), "/ui/login");
  page = curl({base + "/ui/login"});
  EXPECT_EQ(http_status(page), 200);
  EXPECT_NE(page.out.find("API token"), std::string::npos);
  EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);

  Completed wrong =
      curl({"-H", origin, "--data-urlencode", "token=" + std::string(64, 'b'), base + "/ui/login"});
  EXPECT_EQ(http_status(wrong), 401) << wrong.out;
  EXPECT_EQ(header(wrong, "Set-Cookie"), "");
  EXPECT_NE(wrong.out.find("wrong token"), std::string::npos);
  Completed foreign = curl({"-H", "Origin: http://evil.example", "--data-urlencode",
                            "token=" + token(), base + "/ui/login"});
  EXPECT_EQ(http_status(foreign), 403) << "a login posted by another site";
  EXPECT_EQ(header(foreign, "Set-Cookie"), "");

  Completed login =
      curl({"-H", origin, "--data-urlencode", "token=" + token(), base + "/ui/login"});
  ASSERT_EQ(http_status(login), 303) << login.out;
  std::string set_cookie = header(login, "Set-Cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  ASSERT_EQ(cookie.rfind("hearth_session=", 0), 0u) << set_cookie;
  EXPECT_EQ(cookie.find(token()), std::string::npos) << "the cookie is not the token";
  const std::string with_cookie = "Cookie: " + cookie;

  page = curl({"-H", with_cookie, base + "/ui/"});
  EXPECT_EQ(http_status(page), 200);
  EXPECT_NE(page.out.find("/ui/assets/app.js"), std::string::npos);
  EXPECT_EQ(http_status(curl({base + "/ui/assets/app.js"})), 200);
  EXPECT_EQ(http_status(curl({"-H", with_cookie, base + "/v1/status"})), 200);

  // Writes: the cookie alone, a foreign origin, or no UI header are refused (401: as without a
  // token); from the UI's own page it works.
  const std::string drain = base + "/v1/nodes/r510/drain";
  EXPECT_EQ(http_status(curl({"-X", "POST", "--data", "", "-H", with_cookie, drain})), 401);
  EXPECT_EQ(http_status(curl({"-X", "POST", "--data", "", "-H", with_cookie, "-H", origin, drain})),
            401);
  EXPECT_EQ(http_status(curl({"-X", "POST", "--data", "", "-H", with_cookie, "-H",
                              "Origin: http://evil.example", "-H", "X-Hearth-UI: 1", drain})),
            401);
  EXPECT_EQ(http_status(curl({"-X", "POST", "--data", "", "-H", with_cookie, "-H", origin, "-H",
                              "Sec-Fetch-Site: cross-site", "-H", "X-Hearth-UI: 1", drain})),
            401);
  EXPECT_TRUE(
      wait_for_status([](const json& s) { return s["drained"].empty(); })["drained"].empty())
      << "nothing was drained";
  Completed drained = curl({"-X", "POST", "--data", "", "-H", with_cookie, "-H", origin, "-H",
                            "Sec-Fetch-Site: same-origin", "-H", "X-Hearth-UI: 1", drain});
  EXPECT_EQ(http_status(drained), 200) << drained.out;
  wait_for_status([](const json& s) { return s["drained"].size() == 1; });
  Completed preflight = curl({"-H", with_cookie, base + "/v1/nodes/r510/drain-preflight"});
  EXPECT_EQ(http_status(preflight), 200) << preflight.out;
  EXPECT_NE(preflight.out.find("\"checks\""), std::string::npos) << preflight.out;

  // The events stream: the status at once (curl stops reading after 5 s).
  Completed events = curl({"-N", "-m", "5", "-H", with_cookie, base + "/ui/events"});
  EXPECT_EQ(header(events, "Content-Type"), "text/event-stream") << events.out;
  EXPECT_NE(events.out.find("event: status\ndata: {\"status\":{"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find("\"cluster\":\"homecentr\""), std::string::npos) << events.out;
  EXPECT_EQ(http_status(curl({"-N", "-m", "5", base + "/ui/events"})), 401) << "not logged in";

  Completed logout = curl({"-X", "POST", "--data", "", "-H", with_cookie, "-H", origin, "-H",
                           "X-Hearth-UI: 1", base + "/ui/logout"});
  EXPECT_EQ(http_status(logout), 200) << logout.out;
  EXPECT_EQ(http_status(curl({"-H", with_cookie, base + "/v1/status"})), 401);
  EXPECT_EQ(http_status(curl({"-H", with_cookie, base + "/ui/"})), 303);
}

}  // namespace
}  // namespace hearth
