#pragma once
// A GET /v1/status JSON of the example cluster (examples/homelab.yaml) for the web UI's and the
// metrics' tests, as hearthd's status() builds it; tests change what they look at.

#include <nlohmann/json.hpp>

namespace hearth::api::testing {

inline nlohmann::json example_status() {
  return nlohmann::json::parse(R"({
    "cluster": "homecentr", "observed_by": "r510", "observed_at": 1700000010000,
    "quorum": {"ok": true, "members_up": 3, "members": 3, "error": ""},
    "stale": false,
    "members": [
      {"name": "r510", "endpoint": "http://10.1.2.17:2379", "up": true, "etcd_leader": true, "error": ""},
      {"name": "r530", "endpoint": "http://10.1.2.22:2379", "up": true, "etcd_leader": false, "error": ""},
      {"name": "elitedesk", "endpoint": "http://10.1.2.26:2379", "up": true, "etcd_leader": false, "error": ""}],
    "leader": {"node": "r510", "since": 1700000000000, "lease": "694d7a8f00000001"},
    "spec": {"revision": 4, "applied_at": 1700000001000, "applied_by": "root@laptop via r510"},
    "nodes": [
      {"name": "r510", "role": "server", "address": "10.1.2.17", "state": "alive", "since": 1700000000000, "version": "0.1.0", "started_at": 1699999990000},
      {"name": "r530", "role": "server", "address": "10.1.2.22", "state": "alive", "since": 1700000000000, "version": "0.1.0", "started_at": 1699999990000},
      {"name": "elitedesk", "role": "arbiter", "address": "10.1.2.26", "state": "alive", "since": 1700000000000, "version": "0.1.0", "started_at": 1699999990000}],
    "services": [
      {"name": "homepage", "node": "r510", "address": "10.1.2.130", "state": "running", "restarts": 1, "since": 1700000002000,
       "last_probe": {"ok": true, "at": 1700000009000, "message": "HTTP 200", "duration_ms": 3}, "error": ""},
      {"name": "whoami", "node": "r530", "address": "10.1.2.128", "state": "running", "restarts": 0, "since": 1700000002000,
       "last_probe": null, "error": ""},
      {"name": "notes", "node": "", "address": "", "state": "not running", "restarts": 0, "since": null,
       "last_probe": null, "error": ""}],
    "assignments": [
      {"service": "homepage", "node": "r510", "address": "10.1.2.130", "state": "active", "since": 1700000001500, "reason": "prefers r510"},
      {"service": "whoami", "node": "r530", "address": "10.1.2.128", "state": "active", "since": 1700000001500, "reason": "least loaded"},
      {"service": "notes", "node": null, "address": null, "state": "pending", "since": null, "reason": "not assigned yet"}],
    "drained": [],
    "this_node": {"name": "r510", "lease": "694d7a8f00000001", "lease_held": true, "fenced": false, "fence_count": 2,
                  "leader": true, "last_renewal_ms_ago": 120, "last_error": "", "spec_revision": 4, "spec_file": "/etc/hearth/homelab.yaml"},
    "volumes": [
      {"name": "appdata", "state": "started",
       "bricks": [{"node": "r510", "brick": "/srv/hearth/bricks/hdd1/appdata", "role": "data", "up": true, "total": 100, "free": 50},
                  {"node": "r530", "brick": "/srv/hearth/bricks/ssd1/appdata", "role": "data", "up": true, "total": 100, "free": 50},
                  {"node": "elitedesk", "brick": "/srv/hearth/arbiter/appdata", "role": "arbiter", "up": true, "total": 10, "free": 5}],
       "mounts": [{"node": "r510", "path": "/var/lib/hearth/volumes/appdata", "state": "mounted"},
                  {"node": "r530", "path": "/var/lib/hearth/volumes/appdata", "state": "mounted"}],
       "heal": {"pending": 0, "split_brain": 0, "age_ms": 300},
       "size": {"total": 1000, "used": 250, "free": 750}, "observed_ms_ago": 200, "stale": false}]
  })");
}

}  // namespace hearth::api::testing
