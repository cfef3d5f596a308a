#include "cluster/records.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cluster/keys.h"
#include "cluster/record_json.h"

namespace hearth::cluster {
namespace {

using nlohmann::json;

using record_json::get_int;
using record_json::get_string;
using record_json::parse_object;

LeaseId parse_lease_hex(const std::string& text) {
  if (text.empty() || text.size() > 16) return 0;
  std::uint64_t value = 0;
  for (char c : text) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return 0;
    value = value * 16 + static_cast<std::uint64_t>(digit);
  }
  return static_cast<LeaseId>(value);
}

}  // namespace

std::string keys::spec_history(std::int64_t revision) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%010lld", static_cast<long long>(revision));
  return kSpecHistoryPrefix + std::string(buffer);
}

std::string lease_hex(LeaseId lease) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%llx",
                static_cast<unsigned long long>(static_cast<std::uint64_t>(lease)));
  return buffer;
}

std::string NodeRecord::to_json() const {
  return json{{"name", name},
              {"role", role},
              {"address", address},
              {"started_at", started_at},
              {"registered_at", registered_at},
              {"version", version},
              {"lease", lease_hex(lease)}}
      .dump();
}

Result<NodeRecord> NodeRecord::parse(const std::string& text) {
  auto object = parse_object(text, "node record");
  if (!object) return object.error();
  NodeRecord record;
  record.name = get_string(*object, "name");
  if (record.name.empty()) return Error{"stored node record has no name: " + text.substr(0, 120)};
  record.role = get_string(*object, "role");
  record.address = get_string(*object, "address");
  record.started_at = get_int(*object, "started_at");
  record.registered_at = get_int(*object, "registered_at");
  record.version = get_string(*object, "version");
  record.lease = parse_lease_hex(get_string(*object, "lease"));
  return record;
}

std::string LeaderRecord::to_json() const {
  return json{{"node", node}, {"lease", lease_hex(lease)}, {"since", since}}.dump();
}

Result<LeaderRecord> LeaderRecord::parse(const std::string& text) {
  auto object = parse_object(text, "leader record");
  if (!object) return object.error();
  LeaderRecord record;
  record.node = get_string(*object, "node");
  if (record.node.empty()) return Error{"stored leader record has no node: " + text.substr(0, 120)};
  record.lease = parse_lease_hex(get_string(*object, "lease"));
  record.since = get_int(*object, "since");
  return record;
}

std::string NodeHistoryRecord::to_json() const {
  return json{{"state", alive ? "alive" : "dead"}, {"since", since}, {"observed_by", observed_by}}
      .dump();
}

Result<NodeHistoryRecord> NodeHistoryRecord::parse(const std::string& text) {
  auto object = parse_object(text, "node history");
  if (!object) return object.error();
  std::string state = get_string(*object, "state");
  if (state != "alive" && state != "dead") {
    return Error{"stored node history has no valid state: " + text.substr(0, 120)};
  }
  NodeHistoryRecord record;
  record.alive = state == "alive";
  record.since = get_int(*object, "since");
  record.observed_by = get_string(*object, "observed_by");
  return record;
}

std::string StoredSpec::to_json() const {
  json out{{"revision", revision},
           {"text", text},
           {"applied_at", applied_at},
           {"applied_by", applied_by}};
  if (!images.empty()) out["images"] = images;  // absent in records of before image pins
  return out.dump();
}

Result<StoredSpec> StoredSpec::parse(const std::string& text) {
  auto object = parse_object(text, "spec");
  if (!object) return object.error();
  StoredSpec spec;
  spec.revision = get_int(*object, "revision");
  if (spec.revision <= 0) return Error{"stored spec has no valid revision"};
  spec.text = get_string(*object, "text");
  spec.applied_at = get_int(*object, "applied_at");
  spec.applied_by = get_string(*object, "applied_by");
  if (object->contains("images") && (*object)["images"].is_object()) {
    for (const auto& [reference, digest] : (*object)["images"].items()) {
      if (digest.is_string()) spec.images[reference] = digest.get<std::string>();
    }
  }
  return spec;
}

}  // namespace hearth::cluster
