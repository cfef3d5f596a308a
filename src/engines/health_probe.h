#pragma once
// Health probes of a service (the spec's `health`), made from inside the service's own network
// namespace to the service address: a macvlan service cannot be reached from its node's own
// address, and probing inside checks what a client needs (the address is up and the port answers)
// without depending on the path through the switch.
//   tcp:  a connection to ADDRESS:PORT is accepted within the timeout;
//   http: `GET PATH HTTP/1.0` answers with a status 200-399 within the timeout.
// No process is started: a thread enters the namespace just to open the socket.

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/ipv4.h"
#include "spec/spec.h"

namespace hearth {

struct ProbeResult {
  bool ok = false;
  std::string message;  // "HTTP 200", "connection refused", "timed out after 500 ms", ...
  std::int64_t took_ms = 0;
};

// Contract of a prober. Thread-safe.
class HealthProber {
 public:
  virtual ~HealthProber() = default;
  // REQUIRES: check.port != 0. Never takes much longer than check.timeout.
  virtual ProbeResult probe(const std::string& netns_path, Ipv4 address,
                            const HealthCheck& check) = 0;
};

class NetnsHealthProber final : public HealthProber {
 public:
  ProbeResult probe(const std::string& netns_path, Ipv4 address, const HealthCheck& check) override;
};

// The status code of an HTTP response's status line ("HTTP/1.1 200 OK"); 0 when not one.
int parse_http_status(const std::string& response);

// True when a /proc/PID/net/tcp (or tcp6) table lists a socket in the LISTEN state: someone in
// that network namespace still accepts connections.
bool lists_tcp_listener(const std::string& proc_net_tcp);

// Whether anyone in the network namespace of process `pid` accepts TCP connections (from
// /proc/PID/net/tcp and tcp6); false when the process is gone.
bool accepts_tcp_connections(pid_t pid);

}  // namespace hearth
