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

TEST_F(NodeServiceHostTest, AServiceThatStillAcceptsTakesNewConnectionsUntilTheGraceIsOver) {
  // This test process stands for the container: it listens, as a PID 1 that ignores SIGTERM.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in loopback{};
  loopback.sin_family = AF_INET;
  loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&loopback), sizeof loopback), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  runtime_.containers = {{"hearth-homepage", ContainerInfo::Status::running, ::getpid()}};
  std::vector<std::string> journal;
  runtime_.journal = &journal;
  networks_.journal = &journal;
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(host_.stop("homepage", std::chrono::milliseconds(300)));
  ::close(listener);
  EXPECT_GE(networks_.refused_at - asked, std::chrono::milliseconds(300))
      << "it still accepted: new connections reach it for the whole grace";
  EXPECT_EQ(journal, (std::vector<std::string>{
                         "kill hearth-homepage", "refuse new connections homepage",
                         "remove container hearth-homepage", "remove address homepage"}));
}

}  // namespace
}  // namespace hearth::agent
