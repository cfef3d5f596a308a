#pragma once
// The values the control plane stores under its keys (keys.h), as JSON objects. Parsing is
// tolerant of extra fields (a newer hearthd may add some) and strict about the ones it needs.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "cluster/kv_store.h"
#include "common/result.h"

namespace hearth::cluster {

// What a live hearthd says about itself, under /hearth/nodes/<name>.
struct NodeRecord {
  std::string name;
  std::string role;                // "server" | "arbiter"
  std::string address;             // management address
  std::int64_t started_at = 0;     // wall ms: when this hearthd process started
  std::int64_t registered_at = 0;  // wall ms: when it registered with its current lease
  std::string version;             // hearthd's version
  LeaseId lease = 0;

  std::string to_json() const;
  static Result<NodeRecord> parse(const std::string& json);
};

// Who leads, under /hearth/leader (attached to the leader's lease).
struct LeaderRecord {
  std::string node;
  LeaseId lease = 0;
  std::int64_t since = 0;  // wall ms: when it won the election

  std::string to_json() const;
  static Result<LeaderRecord> parse(const std::string& json);
};

// A node's last observed transition, under /hearth/node-history/<name>.
struct NodeHistoryRecord {
  bool alive = false;
  std::int64_t since = 0;   // wall ms
  std::string observed_by;  // the leader that recorded it

  std::string to_json() const;
  static Result<NodeHistoryRecord> parse(const std::string& json);
};

// An applied spec, under /hearth/spec (the newest) and /hearth/spec-history/<revision>.
struct StoredSpec {
  std::int64_t revision = 0;    // 1, 2, 3, ... one per apply that changed the text
  std::string text;             // the YAML exactly as applied
  std::int64_t applied_at = 0;  // wall ms
  std::string applied_by;       // who applied it ("root@laptop via r510")
  // The digest each image reference of `text` runs (cluster/image_pins.h), decided at apply.
  std::map<std::string, std::string> images = {};

  std::string to_json() const;
  static Result<StoredSpec> parse(const std::string& json);
};

// "694d7a8f00000001": how leases are shown to people (etcdctl shows them the same way).
std::string lease_hex(LeaseId lease);

}  // namespace hearth::cluster
