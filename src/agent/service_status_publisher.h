#pragma once
// Publishes what the service reconciler reports (ServiceReconciler::status()) under
// /hearth/service-status/<service> (cluster/service_status.h), on this node's lease, for
// `hearth status`. Writes a report when it changes (state, restarts, address, error, probe result)
// and otherwise refreshes it every kRefresh (probe times); deletes the key of a service this node
// no longer runs, if the key still holds this node's last report. Not thread-safe: one thread.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "agent/service_reconciler.h"
#include "cluster/kv_store.h"
#include "cluster/service_status.h"
#include "common/clock.h"

namespace hearth::agent {

class ServiceStatusPublisher {
 public:
  static constexpr std::chrono::seconds kRefresh{5};

  ServiceStatusPublisher(cluster::KeyValueStore& store, Clock& clock, std::string node);

  // `lease`: this node's lease (0: none held; nothing is written).
  Status publish(const std::vector<ServiceRuntimeStatus>& statuses, cluster::LeaseId lease);

 private:
  struct Published {
    cluster::ServiceStatusRecord record;
    std::string json;
    cluster::LeaseId lease = 0;
    Clock::TimePoint at{};
  };

  cluster::KeyValueStore& store_;
  Clock& clock_;
  std::string node_;
  std::map<std::string, Published> published_;
};

// The record of one service's status as this node reports it.
cluster::ServiceStatusRecord to_record(const ServiceRuntimeStatus& status, const std::string& node,
                                       std::int64_t now_ms);

}  // namespace hearth::agent
