// DnsmasqServer against the real dnsmasq, on 127.0.0.1 with a free port and a temporary
// directory (DNS only: no DHCP, nothing leaves loopback). Skipped when dnsmasq or dig is missing,
// which as root is a failure (tests/support/skip_rule.h: scripts/install-deps installs them).
#include "engines/dnsmasq.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../free_port.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;

class DnsmasqServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!find_program("dnsmasq") || !find_program("dig"))
      GTEST_SKIP() << "dnsmasq or dig is not installed";
    std::string pattern =
        (std::filesystem::temp_directory_path() / "hearth-dnsmasq-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    layout_.dir = root_ + "/dnsmasq";
    port_ = hearth::testing::free_loopback_udp_and_tcp_port();
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!root_.empty()) std::filesystem::remove_all(root_, ignored);
  }

  // A DNS-only configuration on 127.0.0.1:port_ answering NAME.test.arpa with ADDRESS (with the pid
  // file of `layout`, by default the test's).
  std::string config(const std::string& name, const std::string& address,
                     const DnsmasqLayout* layout = nullptr) const {
    return "keep-in-foreground\n" + std::string(::geteuid() == 0 ? "user=root\n" : "") +
           "pid-file=" + (layout ? layout : &layout_)->pid_file() +
           "\nlog-facility=-\nno-resolv\nno-hosts\nbind-interfaces\n"
           "listen-address=127.0.0.1\nport=" +
           std::to_string(port_) + "\nlocal=/test.arpa/\nhost-record=" + name + ".test.arpa," +
           address + "\n";
  }

  std::string resolve(const std::string& name) const {
    auto done = run({.argv = {"dig", "@127.0.0.1", "-p", std::to_string(port_), "+short", "+time=1",
                              "+tries=2", name},
                     .timeout = 10s});
    if (!done || !done->succeeded()) return "(dig failed)";
    std::string out = done->out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  // A dnsmasq just started answers once it has bound its port,
  // which on a loaded machine can take longer than one dig. Gives up after ~10 s.
  std::string resolve_when_up(const std::string& name) const {
    std::string answer;
    for (int attempt = 0; attempt < 20; ++attempt) {
      answer = resolve(name);
      if (answer != "(dig failed)" && !answer.empty()) break;
      std::this_thread::sleep_for(250ms);
    }
    return answer;
  }

  std::string root_;
  DnsmasqLayout layout_;
  int port_ = 0;
};

TEST_F(DnsmasqServerTest, ServesSavesAndKeepsTheSameProcessForTheSameText) {
  DnsmasqServer server(layout_);
  EXPECT_FALSE(server.saved().has_value());
  Status started = server.apply({config("a", "192.0.2.1"), 1});
  ASSERT_TRUE(started.ok()) << started.error().message;
  pid_t first = server.pid();
  EXPECT_GT(first, 0);
  EXPECT_EQ(resolve_when_up("a.test.arpa"), "192.0.2.1");
  EXPECT_EQ(resolve("unknown.test.arpa"), "");  // authoritative: NXDOMAIN, nothing forwarded

  ASSERT_TRUE(server.apply({config("a", "192.0.2.1"), 2}).ok());
  EXPECT_EQ(server.pid(), first);
  EXPECT_EQ(server.saved()->spec_revision, 2);
  EXPECT_EQ(server.saved()->text, config("a", "192.0.2.1"));
}

TEST_F(DnsmasqServerTest, RestartsWhenTheTextChanges) {
  DnsmasqServer server(layout_);
  ASSERT_TRUE(server.apply({config("a", "192.0.2.1"), 1}).ok());
  pid_t first = server.pid();
  ASSERT_TRUE(server.apply({config("b", "192.0.2.2"), 2}).ok());
  EXPECT_NE(server.pid(), first);
  EXPECT_FALSE(process_running(first));
  EXPECT_EQ(resolve_when_up("b.test.arpa"), "192.0.2.2");
  EXPECT_EQ(resolve("a.test.arpa"), "");
}

TEST_F(DnsmasqServerTest, StartsAgainAfterItDied) {
  DnsmasqServer server(layout_);
  ASSERT_TRUE(server.apply({config("a", "192.0.2.1"), 1}).ok());
  pid_t first = server.pid();
  ::kill(first, SIGKILL);
  // Dead once it is a zombie (the server, its parent, has not reaped it yet).
  auto dead = [&] {
    auto info = inspect_process(first);
    return !info || info->state == 'Z';
  };
  for (auto deadline = std::chrono::steady_clock::now() + 60s;
       !dead() && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(dead()) << "dnsmasq outlived SIGKILL";
  EXPECT_FALSE(server.running());
  ASSERT_TRUE(server.apply({config("a", "192.0.2.1"), 1}).ok());
  EXPECT_NE(server.pid(), first);
  EXPECT_EQ(resolve_when_up("a.test.arpa"), "192.0.2.1");
}

TEST_F(DnsmasqServerTest, ARefusedConfigurationChangesNothing) {
  DnsmasqServer server(layout_);
  ASSERT_TRUE(server.apply({config("a", "192.0.2.1"), 1}).ok());
  pid_t first = server.pid();
  Status refused = server.apply({"no-such-option=1\n", 2});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("refuses the configuration of spec revision 2"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(server.pid(), first);
  EXPECT_EQ(server.saved()->spec_revision, 1);
  EXPECT_EQ(server.saved()->text, config("a", "192.0.2.1"));
  EXPECT_EQ(resolve_when_up("a.test.arpa"), "192.0.2.1");
}

TEST_F(DnsmasqServerTest, ReplacesADnsmasqLeftRunningByACrashedHearthd) {
  {
    DnsmasqServer server(layout_);
    ASSERT_TRUE(server.apply({config("a", "192.0.2.1"), 5}).ok());
  }  // stopped: start a "leftover" from the saved copy, as a crashed hearthd would leave it
  auto leftover = start_daemon({.argv = {"dnsmasq", "--conf-file=" + layout_.config_file()},
                                .out = Output::discard,
                                .err = Output::discard});
  ASSERT_TRUE(leftover.ok()) << leftover.error().message;
  ASSERT_EQ(resolve_when_up("a.test.arpa"), "192.0.2.1");

  DnsmasqServer server(layout_);
  auto saved = server.saved();
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->spec_revision, 5);
  ASSERT_TRUE(server.apply(*saved).ok());
  EXPECT_NE(server.pid(), *leftover);
  EXPECT_FALSE(process_running(*leftover));
  EXPECT_EQ(resolve_when_up("a.test.arpa"), "192.0.2.1");
}

TEST_F(DnsmasqServerTest, AFailedStartSaysWhyAndBacksOff) {
  DnsmasqLayout other{root_ + "/other"};
  DnsmasqServer holder(other);
  Status held = holder.apply({config("a", "192.0.2.1", &other), 1});  // holds the port
  ASSERT_TRUE(held.ok()) << held.error().message;

  DnsmasqServer server(layout_);
  Status failed = server.apply({config("b", "192.0.2.2"), 1});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("right after starting"), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("Address already in use"), std::string::npos)
      << failed.error().message;
  Status again = server.apply({config("b", "192.0.2.2"), 1});
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("next try in"), std::string::npos) << again.error().message;
}

TEST_F(DnsmasqServerTest, StopAndDestructionLeaveNothingRunning) {
  pid_t pid = 0;
  {
    DnsmasqServer server(layout_);
    ASSERT_TRUE(server.apply({config("a", "192.0.2.1"), 1}).ok());
    pid = server.pid();
    server.stop();
    EXPECT_FALSE(server.running());
    EXPECT_FALSE(process_running(pid));
    ASSERT_TRUE(server.apply({config("a", "192.0.2.1"), 1}).ok());
    pid = server.pid();
  }
  EXPECT_FALSE(process_running(pid));
  // The leases file's directory and the saved copy stay.
  EXPECT_TRUE(std::filesystem::exists(layout_.config_file()));
}

}  // namespace
}  // namespace hearth
