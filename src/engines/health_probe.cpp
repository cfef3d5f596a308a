#include "engines/health_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>

#include "common/file.h"

namespace hearth {
namespace {

using Clock = std::chrono::steady_clock;

// A socket created inside the network namespace at `netns_path` (the socket stays in it; only a
// short-lived thread changes namespace). Returns -1 with `error` set on failure.
int socket_in_netns(const std::string& netns_path, std::string& error) {
  int fd = -1;
  std::thread([&] {
    int ns = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
      error = "cannot open " + netns_path + ": " + std::strerror(errno);
      return;
    }
    if (::setns(ns, CLONE_NEWNET) != 0) {
      error = "cannot enter " + netns_path + ": " + std::strerror(errno);
      ::close(ns);
      return;
    }
    ::close(ns);
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) error = std::string("cannot create a socket: ") + std::strerror(errno);
  }).join();
  return fd;
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  while (true) {
    int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return false;
  }
}

ProbeResult check_once(const std::string& netns_path, Ipv4 address, const HealthCheck& check,
                       Clock::time_point deadline) {
  std::string error;
  int fd = socket_in_netns(netns_path, error);
  if (fd < 0) return {false, error, 0};
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(check.port);
  target.sin_addr.s_addr = htonl(address.value);
  std::string where = address.str() + ":" + std::to_string(check.port);
  std::string timed_out =
      "no answer from " + where + " within " + std::to_string(check.timeout) + " ms";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0 &&
      errno != EINPROGRESS) {
    return {false, "cannot connect to " + where + ": " + std::strerror(errno), 0};
  }
  if (!wait_for(fd, POLLOUT, deadline)) return {false, timed_out, 0};
  int so_error = 0;
  socklen_t length = sizeof so_error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
  if (so_error != 0)
    return {false, "cannot connect to " + where + ": " + std::strerror(so_error), 0};
  if (check.kind == HealthKind::tcp) return {true, "tcp " + where + " accepted", 0};

  std::string request = "GET " + check.http_path + " HTTP/1.0\r\nHost: " + address.str() +
                        "\r\nUser-Agent: hearth-health\r\nConnection: close\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (!wait_for(fd, POLLOUT, deadline)) return {false, timed_out, 0};
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return {false, "cannot send the request to " + where + ": " + std::strerror(errno), 0};
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buffer[512];
  while (response.find("\r\n") == std::string::npos && response.size() < 4096) {
    if (!wait_for(fd, POLLIN, deadline)) return {false, timed_out, 0};
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return {false, "cannot read the answer of " + where + ": " + std::strerror(errno), 0};
    }
    if (n == 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  int status = parse_http_status(response);
  if (status == 0) return {false, "no HTTP answer from " + where + check.http_path, 0};
  bool ok = status >= 200 && status < 400;
  return {ok, "HTTP " + std::to_string(status) + " from " + where + check.http_path, 0};
}

}  // namespace

int parse_http_status(const std::string& response) {
  // "HTTP/1.x NNN ..."
  if (response.compare(0, 5, "HTTP/") != 0) return 0;
  auto space = response.find(' ');
  if (space == std::string::npos || space + 4 > response.size()) return 0;
  int code = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    char c = response[i];
    if (c < '0' || c > '9') return 0;
    code = code * 10 + (c - '0');
  }
  if (space + 4 < response.size() && response[space + 4] != ' ' && response[space + 4] != '\r') {
    return 0;
  }
  return code >= 100 ? code : 0;
}

bool lists_tcp_listener(const std::string& proc_net_tcp) {
  // "  sl  local_address rem_address   st ...": the 4th field of each row; 0A is TCP_LISTEN.
  std::istringstream rows(proc_net_tcp);
  std::string row;
  std::getline(rows, row);  // the header
  while (std::getline(rows, row)) {
    std::istringstream fields(row);
    std::string slot, local, remote, state;
    if (fields >> slot >> local >> remote >> state && state == "0A") return true;
  }
  return false;
}

bool accepts_tcp_connections(pid_t pid) {
  for (const char* table : {"tcp", "tcp6"}) {
    if (lists_tcp_listener(read_text_file("/proc/" + std::to_string(pid) + "/net/" + table))) {
      return true;
    }
  }
  return false;
}

ProbeResult NetnsHealthProber::probe(const std::string& netns_path, Ipv4 address,
                                     const HealthCheck& check) {
  auto started = Clock::now();
  auto deadline = started + std::chrono::milliseconds(check.timeout);
  ProbeResult result = check_once(netns_path, address, check, deadline);
  result.took_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  return result;
}

}  // namespace hearth
