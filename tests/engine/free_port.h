#pragma once
// Loopback ports for tests that start a real server (etcd, dnsmasq) on 127.0.0.1.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace hearth::testing {

// Binds a socket of `type` (SOCK_STREAM, SOCK_DGRAM) to 127.0.0.1:`port` (0: the kernel picks)
// and closes it again; the port it got, or 0 when the bind failed.
inline int bind_loopback(int type, int port) {
  int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  socklen_t length = sizeof address;
  int bound = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    bound = ntohs(address.sin_port);
  }
  ::close(fd);
  return bound;
}

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick); 0 when none.
inline int free_loopback_port() { return bind_loopback(SOCK_STREAM, 0); }

// A loopback port free for UDP and for TCP alike a moment ago (dnsmasq binds both); 0 when none.
inline int free_loopback_udp_and_tcp_port() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    int port = bind_loopback(SOCK_DGRAM, 0);
    if (port != 0 && bind_loopback(SOCK_STREAM, port) == port) return port;
  }
  return 0;
}

}  // namespace hearth::testing
