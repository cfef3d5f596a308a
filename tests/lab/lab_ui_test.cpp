// Scenario lab_ui: the web UI in a real browser against the lab. Debian's chromium, headless,
// driven by playwright-core (npm, installed by this test into <build>/lab-ui from
// tests/lab/ui/package-lock.json; it downloads no browser), runs inside the arbiter's namespaces,
// a machine of the management network, and opens the arbiter's own UI:
//   a wrong token is refused; the right one logs in; three nodes and every service are shown;
//   r510's power is cut and the page, never reloaded, shows r510 dead and its services on r530;
//   r510 is revived, then drained from the page by keyboard, its preflight shown first; logout.
// The browser half is tests/lab/ui/ui_scenario.mjs; this half cuts and revives the power when it
// asks (marker files) and checks it passed. Screenshots land in <build>/lab-ui/screenshots.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/clock.h"
#include "common/file.h"
#include "lab_fixture.h"
#include "volume_helpers.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kWorkDir = std::string(HEARTH_BINARY_DIR) + "/lab-ui";
const std::string kSourceDir = std::string(HEARTH_SOURCE_DIR) + "/tests/lab/ui";

// playwright-core, as pinned by the lock file, in kWorkDir/node_modules (npm ci: exactly the
// locked version; skipped when that version is already there).
void install_playwright() {
  fs::create_directories(kWorkDir);
  for (const char* file : {"package.json", "package-lock.json", "ui_scenario.mjs"}) {
    fs::copy_file(kSourceDir + "/" + file, kWorkDir + "/" + file,
                  fs::copy_options::overwrite_existing);
  }
  auto lock = nlohmann::json::parse(read_text_file(kWorkDir + "/package-lock.json"));
  std::string wanted = lock["packages"]["node_modules/playwright-core"]["version"];
  std::string installed_file = kWorkDir + "/node_modules/playwright-core/package.json";
  if (fs::exists(installed_file) &&
      nlohmann::json::parse(read_text_file(installed_file))["version"] == wanted) {
    return;
  }
  Command npm;
  npm.argv = {"npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"};
  npm.cwd = kWorkDir;
  npm.err = Output::merge;
  npm.timeout = 10min;  // a hang
  auto done = run(npm);
  ASSERT_TRUE(done.ok()) << done.error().message << " (nodejs and npm: scripts/install-deps)";
  ASSERT_TRUE(done->succeeded()) << "npm ci in " << kWorkDir << ":\n" << done->out;
}

bool wait_for_file(const std::string& path, Child& browser) {
  auto deadline = std::chrono::steady_clock::now() + 10min;  // a hang
  while (!fs::exists(path)) {
    if (!browser.running() || std::chrono::steady_clock::now() > deadline) return false;
    if (browser.wait_for(20ms)) return fs::exists(path);
  }
  return true;
}

TEST(Ui, ABrowserFollowsAFailoverAndDrainsWithAPreflight) {
  for (const char* program : {"/usr/bin/chromium", "/usr/bin/node"}) {
    ASSERT_EQ(::access(program, X_OK), 0) << program << " is missing: scripts/install-deps";
  }
  ASSERT_NO_FATAL_FAILURE(install_playwright());
  const std::string markers = kWorkDir + "/markers";
  const std::string screenshots = kWorkDir + "/screenshots";
  fs::remove_all(markers);
  fs::create_directories(markers);
  fs::create_directories(screenshots);

  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  // The example's web services serve files of the volume appdata: put them there (through a
  // server's mount, once hearthd has mounted it) so their health checks pass.
  ASSERT_TRUE(wait_until([&] { return volume_ready(lab, "r510", "appdata"); }, 180s, 500ms))
      << "appdata was never mounted";
  for (const char* dir : {"homepage", "notes", "whoami"}) {
    std::string path = std::string("/var/lib/hearth/volumes/appdata/") + dir;
    auto made = lab.exec(
        "r510", {"sh", "-c", "mkdir -p " + path + " && echo hello > " + path + "/index.html"});
    ASSERT_TRUE(made.succeeded()) << made.err;
  }
  const LabNode& arbiter = *lab.state().find_node("elitedesk");
  const std::string url =
      "http://" + arbiter.address.str() + ":" + std::to_string(arbiter.api_port);

  Command command;
  command.argv = {hearth_binary(), "lab", "exec", "elitedesk", "--", "env", "HEARTH_UI_URL=" + url,
                  // Inside the node: its own data directory (the token is never on a command line).
                  "HEARTH_UI_TOKEN_FILE=/var/lib/hearth/api-token", "HEARTH_UI_MARKERS=" + markers,
                  "HEARTH_UI_SCREENSHOTS=" + screenshots, "HOME=" + kWorkDir, "node",
                  kWorkDir + "/ui_scenario.mjs"};
  command.out = Output::file;
  command.err = Output::merge;
  command.output_file = kWorkDir + "/browser.log";
  fs::remove(kWorkDir + "/browser.log");
  auto started = Child::start(command);
  ASSERT_TRUE(started.ok()) << started.error().message;
  Child browser = std::move(*started);
  auto log = [] { return read_text_file(kWorkDir + "/browser.log"); };

  ASSERT_TRUE(wait_for_file(markers + "/kill.ready", browser))
      << "the browser never got to the power cut:\n"
      << log();
  std::int64_t cut_at = system_clock().wall_ms();
  lab.kill_power("r510");
  std::ofstream(markers + "/kill.done") << cut_at;

  ASSERT_TRUE(wait_for_file(markers + "/revive.ready", browser))
      << "the page never showed the failover:\n"
      << log();
  lab.revive("r510");
  std::ofstream(markers + "/revive.done") << system_clock().wall_ms();

  auto ended = browser.wait_for(10min);  // a hang
  ASSERT_TRUE(ended.has_value()) << "the browser never finished:\n" << log();
  std::cout << log();
  EXPECT_EQ(ended->exit_code, 0) << log();
  EXPECT_NE(log().find("UI_SCENARIO_PASSED"), std::string::npos);
  for (const char* shot :
       {"login-refused", "cluster", "cluster-phone", "failover", "drain-preflight", "drained"}) {
    EXPECT_TRUE(fs::exists(screenshots + "/" + shot + ".png")) << shot;
  }
}

}  // namespace
}  // namespace hearth::lab::testing
