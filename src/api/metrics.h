#pragma once
// GET /metrics: the cluster as this node sees it, in the Prometheus text exposition format
// (version 0.0.4), for Prometheus and Grafana (docs/operations.md, "Metrics").
//
// Two sources:
//  - the status JSON of GET /v1/status (cluster/cluster_status.h plus "volumes"): nodes, quorum,
//    leader, services, volumes; rendered at each scrape;
//  - what only this hearthd measures or counts over time (NodeMetrics): lease renewal latency,
//    leader changes and failovers seen by the status watcher (api/status_feed.h).
//
// Names follow Prometheus' conventions: the hearth_ prefix, base units (seconds, bytes), _total
// for counters; labels are low-cardinality (node, service, volume, brick, state from a fixed set).

#include <atomic>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hearth::api {

// A cumulative histogram with fixed upper bounds (seconds). Thread-safe.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  struct Snapshot {
    std::vector<double> upper_bounds;   // ascending, without +Inf
    std::vector<std::uint64_t> counts;  // per bound, cumulative (le); the last is +Inf = count
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> upper_bounds_;
  std::vector<std::uint64_t> counts_;  // not cumulative; one more than bounds (+Inf)
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// What this hearthd measures itself. Thread-safe (each member is).
struct NodeMetrics {
  NodeMetrics();
  Histogram lease_renewal_seconds;  // each successful renewal's round trip
  std::atomic<std::uint64_t> lease_renewal_failures{0};
  std::atomic<std::uint64_t> leader_changes{0};  // the leader seen by this node changed
  std::atomic<std::uint64_t> failovers{0};       // a service moved off a dead node
  Histogram failover_seconds;  // from the node's death to the service running elsewhere
  std::atomic<std::uint64_t> status_failures{0};  // the status watcher could not read the status
};

// The whole /metrics body. `status`: the GET /v1/status JSON, or null when this node could not
// read it (then only this node's own metrics and hearth_status_up 0 are given). `node`: this
// node's name; `version`: hearthd's.
std::string render_metrics(const nlohmann::json& status, const NodeMetrics& metrics,
                           const std::string& node, const std::string& version);

// The content type of the body above.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace hearth::api
