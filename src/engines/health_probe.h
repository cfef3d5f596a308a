#pragma once
// Health probes of a service (the spec's `health`), made from inside the service's own network
// namespace to the service address: a macvlan service cannot be reached from its node's own
// address, and probing inside checks what a client needs (the address is up and the port answers)
// without depending on the path through the switch.
//   tcp:  a connection to ADDRESS:PORT is accepted within the timeout;
//   http: `GET PATH HTTP/1.0` answers with a status 200-399 within the timeout.
// No process is started: a thread enters the namespace just to open the socket.

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

}  // namespace hearth
