#pragma once
// How each service runs, as the node running it reports it, for `hearth status`:
//
//   /hearth/service-status/<service>   ServiceStatusRecord, attached to the reporting node's lease
//
// Written by the node that runs the service (agent/service_reconciler.h, through hearthd) when
// something changes, at most every few seconds for probe times; attached to that node's lease, so
// a dead or fenced node's reports vanish with it. A node that stops running a service deletes the
// key if it still holds its own report.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/keys.h"
#include "cluster/kv_store.h"
#include "common/result.h"

namespace hearth::cluster {

inline constexpr const char* kServiceStatusPrefix = keys::kServiceStatusPrefix;
inline std::string service_status_key(const std::string& service) {
  return keys::service_status(service);
}

struct ServiceStatusRecord {
  std::string service;
  std::string node;
  std::string address;
  std::string state;  // "starting", "running", "unhealthy", "restarting", "failed", "fenced"
  int restarts = 0;
  std::int64_t since = 0;  // wall ms, in this state since
  struct Probe {
    bool ok = false;
    std::int64_t at = 0;  // wall ms
    std::string message;
    std::int64_t duration_ms = 0;  // how long it took to answer (or fail)
  };
  std::optional<Probe> last_probe;
  std::string error;
  std::int64_t updated_at = 0;  // wall ms

  std::string to_json() const;
  static Result<ServiceStatusRecord> parse(const std::string& json);
};

// Every report in the store (serializable read: answers without quorum); unreadable values are
// skipped.
Result<std::vector<ServiceStatusRecord>> read_service_statuses(KeyValueStore& store,
                                                               Consistency consistency);

}  // namespace hearth::cluster
