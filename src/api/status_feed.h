#pragma once
// The cluster's status as a feed: hearthd's status watcher reads GET /v1/status's JSON every
// 500 ms and publishes it here; the web UI's server-sent events (api/ui.h) wait for a new
// version, and /metrics counts what changed between two looks (leader changes, failovers).
//
// What changed between two looks is a pure function (status_changes), so the events timeline
// and the counters are unit-tested on JSON alone. Each event carries the time the cluster
// recorded for it (a node's death as the leader recorded it, an assignment's `since`, a
// service's state `since`), not the time this node happened to look, so a failover reads as its
// steps with their times: node dead, assignment moved, starting, running.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/metrics.h"

namespace hearth::api {

struct StatusEvent {
  std::int64_t at_ms = 0;  // wall ms, as recorded by the cluster (see above)
  std::string kind;        // "node", "leader", "quorum", "assignment", "service", "volume", "drain"
  std::string subject;     // the node, service or volume it is about ("" for the cluster)
  std::string text;        // for people: "r510 is dead", "homepage: r510 -> r530 (r510 is dead)"
  nlohmann::ordered_json to_json() const;
};

struct StatusChanges {
  std::vector<StatusEvent> events;  // in the order of their times
  bool leader_changed = false;
  // One per service that moved off a node that is dead now and runs on its new node: seconds
  // from the node's recorded death to the service's `since` in its new state.
  std::vector<double> failover_seconds;
};

// Compares each look at the status (GET /v1/status JSON) with the one before. Pure: no I/O, no
// clock (times come from the statuses).
class StatusTracker {
 public:
  // What changed since the last look (the first look reports nothing).
  StatusChanges observe(const nlohmann::json& status);

 private:
  nlohmann::json before_;
  std::map<std::string, std::string> last_node_;  // service -> the last node seen running it
};

// The status without what changes at every look (observed_at, ages, probe times): two looks that
// differ only there are the same for people.
nlohmann::json status_for_comparison(const nlohmann::json& status);

class StatusFeed {
 public:
  explicit StatusFeed(NodeMetrics& metrics, std::size_t max_events = 200);

  // A new look at the status (the watcher): counts and records what changed; the version moves
  // on when anything people see changed.
  void publish(const nlohmann::ordered_json& status);
  // The watcher could not read the status: the feed says so (the version moves on once).
  void publish_failure(const std::string& error);

  struct Snapshot {
    std::uint64_t version = 0;  // 0: nothing published yet
    std::string body;           // {"status": <status or null>, "error": "...", "events": [...]}
  };
  Snapshot latest() const;
  // The newest snapshot when its version is above `seen`; waits up to `timeout` for one.
  // nullopt: nothing newer in time, or stop() was called.
  std::optional<Snapshot> wait_newer(std::uint64_t seen, std::chrono::milliseconds timeout);
  // The last status published (null when none, or the last look failed).
  nlohmann::json status() const;
  // Wakes every waiter; wait_newer returns nullopt from now on.
  void stop();
  bool stopped() const;

 private:
  void rebuild_locked();
  NodeMetrics& metrics_;
  std::size_t max_events_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopped_ = false;
  StatusTracker tracker_;
  nlohmann::json status_;      // the last good one
  nlohmann::json comparable_;  // status_for_comparison of it
  std::string error_;          // of the last look, when it failed
  std::deque<StatusEvent> events_;
  Snapshot snapshot_;
};

}  // namespace hearth::api
