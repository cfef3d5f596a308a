#include "api/status_feed.h"

#include <algorithm>
#include <set>

#include "cluster/record_json.h"

namespace hearth::api {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
// A missing or mistyped field reads as "" or 0 (find() is end() on a non-object too).
using cluster::record_json::get_int;
using cluster::record_json::get_string;

// name -> entry, for an array of objects keyed by `key`.
std::map<std::string, json> by_name(const json& array, const char* key) {
  std::map<std::string, json> out;
  if (!array.is_array()) return out;
  for (const auto& entry : array) out[get_string(entry, key)] = entry;
  return out;
}

void strip_volatile(json& value) {
  static const std::set<std::string> keys = {
      "observed_at",     "last_renewal_ms_ago", "at",         "age_ms",
      "observed_ms_ago", "duration_ms",         "updated_at", "message"};
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      if (keys.count(it.key())) {
        it = value.erase(it);
      } else {
        strip_volatile(*it);
        ++it;
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value) strip_volatile(item);
  }
}

}  // namespace

ordered_json StatusEvent::to_json() const {
  return {{"at", at_ms}, {"kind", kind}, {"subject", subject}, {"text", text}};
}

json status_for_comparison(const json& status) {
  json copy = status;
  strip_volatile(copy);
  return copy;
}

StatusChanges StatusTracker::observe(const json& after) {
  StatusChanges changes;
  const json before = std::move(before_);
  before_ = after;
  std::int64_t now = get_int(after, "observed_at");
  auto at_or_now = [now](std::int64_t at) { return at > 0 ? at : now; };
  auto nodes_after = by_name(after["nodes"], "name");

  if (before.is_object()) {
    // Quorum.
    bool had = before["quorum"].is_object() && before["quorum"].value("ok", false);
    bool has = after["quorum"].is_object() && after["quorum"].value("ok", false);
    if (had != has) {
      changes.events.push_back(
          {now, "quorum", "",
           has ? "quorum regained" : "quorum lost: " + get_string(after["quorum"], "error")});
    }
    // Nodes.
    auto nodes_before = by_name(before["nodes"], "name");
    for (const auto& [name, node] : nodes_after) {
      auto was = nodes_before.find(name);
      if (was == nodes_before.end()) continue;
      std::string state = get_string(node, "state");
      if (state != get_string(was->second, "state")) {
        changes.events.push_back(
            {at_or_now(get_int(node, "since")), "node", name, name + " is " + state});
      }
    }
    // Leader.
    std::string leader_before = get_string(before["leader"], "node");
    std::string leader_after = get_string(after["leader"], "node");
    if (leader_before != leader_after) {
      changes.leader_changed = true;
      changes.events.push_back(
          {at_or_now(get_int(after["leader"], "since")), "leader", leader_after,
           leader_after.empty()
               ? "no leader (was " + leader_before + ")"
               : leader_after + " leads" +
                     (leader_before.empty() ? std::string() : " (was " + leader_before + ")")});
    }
    // Drains.
    auto drained_before = by_name(before["drained"], "node");
    auto drained_after = by_name(after["drained"], "node");
    for (const auto& [node, d] : drained_after) {
      if (!drained_before.count(node)) {
        changes.events.push_back({at_or_now(get_int(d, "since")), "drain", node,
                                  node + " drained by " + get_string(d, "by")});
      }
    }
    for (const auto& [node, d] : drained_before) {
      if (!drained_after.count(node)) {
        changes.events.push_back({now, "drain", node, node + " undrained"});
      }
    }
    // Assignments.
    auto assigned_before = by_name(before["assignments"], "service");
    for (const auto& [service, a] : by_name(after["assignments"], "service")) {
      auto was = assigned_before.find(service);
      if (was == assigned_before.end()) continue;
      std::string node = get_string(a, "node"), old_node = get_string(was->second, "node");
      std::string state = get_string(a, "state"), old_state = get_string(was->second, "state");
      if (node == old_node && state == old_state) continue;
      std::string text = service + ": ";
      if (state == "releasing") {
        text += "releasing on " + node + " for " + get_string(a, "to");
      } else if (node.empty()) {
        text += state + (old_node.empty() ? "" : " (was on " + old_node + ")");
      } else if (old_node.empty() || old_node == node) {
        text += "assigned to " + node;
      } else {
        text += old_node + " -> " + node;
      }
      std::string reason = get_string(a, "reason");
      if (!reason.empty()) text += " (" + reason + ")";
      changes.events.push_back({at_or_now(get_int(a, "since")), "assignment", service, text});
    }
    // Services as their nodes report them.
    auto services_before = by_name(before["services"], "name");
    for (const auto& [service, s] : by_name(after["services"], "name")) {
      auto was = services_before.find(service);
      if (was == services_before.end()) continue;
      std::string node = get_string(s, "node"), state = get_string(s, "state");
      if (node == get_string(was->second, "node") && state == get_string(was->second, "state")) continue;
      std::string text = service + ": " + state + (node.empty() ? "" : " on " + node);
      std::string error = get_string(s, "error");
      if (!error.empty() && state != "running") text += " (" + error + ")";
      changes.events.push_back({at_or_now(get_int(s, "since")), "service", service, text});
    }
    // Volumes: heal and split-brain appearing or clearing.
    auto volumes_before = by_name(before["volumes"], "name");
    for (const auto& [volume, v] : by_name(after["volumes"], "name")) {
      auto was = volumes_before.find(volume);
      if (was == volumes_before.end()) continue;
      auto count = [](const json& vol, const char* key) -> std::int64_t {
        return vol["heal"].is_object() ? get_int(vol["heal"], key) : 0;
      };
      for (const char* key : {"split_brain", "pending"}) {
        std::int64_t old_count = count(was->second, key), new_count = count(v, key);
        if ((old_count == 0) == (new_count == 0)) continue;
        std::string what =
            std::string(key) == "pending" ? "entries to heal" : "split-brain entries";
        changes.events.push_back(
            {now, "volume", volume,
             volume + ": " +
                 (new_count == 0 ? "no " + what : std::to_string(new_count) + " " + what)});
      }
    }
  }

  // Failovers: a service seen running on a node other than the last one seen running it, whose
  // last node is dead now.
  for (const auto& [service, s] : by_name(after["services"], "name")) {
    std::string node = get_string(s, "node");
    if (node.empty()) continue;
    auto last = last_node_.find(service);
    if (last != last_node_.end() && last->second != node) {
      if (get_string(s, "state") != "running") continue;  // judged once it runs
      auto old_node = nodes_after.find(last->second);
      if (old_node != nodes_after.end() && get_string(old_node->second, "state") == "dead") {
        std::int64_t died = get_int(old_node->second, "since");
        std::int64_t running = get_int(s, "since");
        if (died > 0 && running >= died) {
          changes.failover_seconds.push_back(static_cast<double>(running - died) / 1000.0);
        }
      }
    }
    last_node_[service] = node;
  }

  std::stable_sort(changes.events.begin(), changes.events.end(),
                   [](const StatusEvent& a, const StatusEvent& b) { return a.at_ms < b.at_ms; });
  return changes;
}

StatusFeed::StatusFeed(NodeMetrics& metrics, std::size_t max_events)
    : metrics_(metrics), max_events_(max_events) {}

void StatusFeed::publish(const ordered_json& status) {
  json plain = status;
  StatusChanges changes = tracker_.observe(plain);
  if (changes.leader_changed) metrics_.leader_changes += 1;
  for (double seconds : changes.failover_seconds) {
    metrics_.failovers += 1;
    metrics_.failover_seconds.observe(seconds);
  }
  json comparable = status_for_comparison(plain);
  std::lock_guard lock(mutex_);
  bool changed = comparable != comparable_ || !error_.empty() || snapshot_.version == 0 ||
                 !changes.events.empty();
  for (auto& event : changes.events) events_.push_back(std::move(event));
  while (events_.size() > max_events_) events_.pop_front();
  status_ = std::move(plain);
  comparable_ = std::move(comparable);
  error_.clear();
  if (changed) {
    rebuild_locked();
    changed_.notify_all();
  }
}

void StatusFeed::publish_failure(const std::string& error) {
  metrics_.status_failures += 1;
  std::lock_guard lock(mutex_);
  bool changed = error_.empty() || snapshot_.version == 0;
  error_ = error.empty() ? "unknown error" : error;
  status_ = nullptr;
  comparable_ = nullptr;
  if (changed) {
    rebuild_locked();
    changed_.notify_all();
  }
}

void StatusFeed::rebuild_locked() {
  ordered_json body;
  body["status"] = status_;
  body["error"] = error_;
  body["events"] = ordered_json::array();
  for (const auto& event : events_) body["events"].push_back(event.to_json());
  snapshot_.version += 1;
  snapshot_.body = body.dump();
}

StatusFeed::Snapshot StatusFeed::latest() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::optional<StatusFeed::Snapshot> StatusFeed::wait_newer(std::uint64_t seen,
                                                           std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return stopped_ || snapshot_.version > seen; });
  if (stopped_ || snapshot_.version <= seen) return std::nullopt;
  return snapshot_;
}

json StatusFeed::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void StatusFeed::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  changed_.notify_all();
}

bool StatusFeed::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

}  // namespace hearth::api
