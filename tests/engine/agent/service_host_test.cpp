// NodeServiceHost::stop (agent/service_host.h) against a real TCP listener: this test process
// stands for the container, listening on 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../unit/agent/service_host_fakes.h"

namespace hearth::agent {
namespace {

using testing::NodeServiceHostTest;

// A TCP listener on 127.0.0.1 (a port of the kernel's choice), closed with the object.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in loopback{};
    loopback.sin_family = AF_INET;
    loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listening_ = fd_ >= 0 &&
                 ::bind(fd_, reinterpret_cast<sockaddr*>(&loopback), sizeof loopback) == 0 &&
                 ::listen(fd_, 1) == 0;
  }
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  bool listening() const { return listening_; }

 private:
  int fd_ = -1;
  bool listening_ = false;
};

TEST_F(NodeServiceHostTest, AServiceThatStillAcceptsTakesNewConnectionsUntilItExits) {
  // This test process stands for the container: it listens, as a PID 1 that serves on after
  // SIGTERM; it exits after two exit checks that find it running.
  Listener listener;
  ASSERT_TRUE(listener.listening());
  runtime_.containers = {{"hearth-homepage", ContainerInfo::Status::running, ::getpid()}};
  runtime_.exits_after_checks = 2;
  std::vector<std::string> journal;
  runtime_.journal = &journal;
  networks_.journal = &journal;
  ASSERT_TRUE(host_.stop("homepage", testing::kGraceOfAHang));
  EXPECT_EQ(journal,
            (std::vector<std::string>{
                "kill hearth-homepage", "exited hearth-homepage", "refuse new connections homepage",
                "remove container hearth-homepage", "remove address homepage"}))
      << "it still accepted: new connections reach it until it has exited";
}

TEST_F(NodeServiceHostTest, AServiceThatStillAcceptsTakesNewConnectionsUntilTheGraceIsOver) {
  // The same, but it never exits: new connections reach it for the whole grace (the grace is the
  // input here, and a stop cannot refuse before it, however loaded the machine).
  Listener listener;
  ASSERT_TRUE(listener.listening());
  runtime_.containers = {{"hearth-homepage", ContainerInfo::Status::running, ::getpid()}};
  std::vector<std::string> journal;
  runtime_.journal = &journal;
  networks_.journal = &journal;
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(host_.stop("homepage", std::chrono::milliseconds(300)));
  EXPECT_GE(networks_.refused_at - asked, std::chrono::milliseconds(300))
      << "it still accepted: new connections reach it for the whole grace";
  EXPECT_EQ(journal, (std::vector<std::string>{
                         "kill hearth-homepage", "refuse new connections homepage",
                         "remove container hearth-homepage", "remove address homepage"}));
}

}  // namespace
}  // namespace hearth::agent
