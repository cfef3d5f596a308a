#include "cluster/service_status.h"

#include <nlohmann/json.hpp>

#include "cluster/malformed_records.h"

namespace hearth::cluster {

using nlohmann::json;

std::string ServiceStatusRecord::to_json() const {
  nlohmann::ordered_json out;
  out["service"] = service;
  out["node"] = node;
  out["address"] = address;
  out["state"] = state;
  out["restarts"] = restarts;
  out["since"] = since;
  if (last_probe) {
    out["last_probe"] = {
        {"ok", last_probe->ok}, {"at", last_probe->at}, {"message", last_probe->message}};
  } else {
    out["last_probe"] = nullptr;
  }
  out["error"] = error;
  out["updated_at"] = updated_at;
  return out.dump();
}

Result<ServiceStatusRecord> ServiceStatusRecord::parse(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Error{"stored service status is not a JSON object: " + text.substr(0, 120)};
  }
  auto string_of = [&](const json& object, const char* name) {
    auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto int_of = [&](const json& object, const char* name) -> std::int64_t {
    auto it = object.find(name);
    return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
  };
  ServiceStatusRecord record;
  record.service = string_of(parsed, "service");
  record.node = string_of(parsed, "node");
  record.state = string_of(parsed, "state");
  if (record.service.empty() || record.node.empty() || record.state.empty()) {
    return Error{"stored service status lacks service, node or state: " + text.substr(0, 120)};
  }
  record.address = string_of(parsed, "address");
  record.restarts = static_cast<int>(int_of(parsed, "restarts"));
  record.since = int_of(parsed, "since");
  if (auto it = parsed.find("last_probe"); it != parsed.end() && it->is_object()) {
    Probe probe;
    auto ok = it->find("ok");
    probe.ok = ok != it->end() && ok->is_boolean() && ok->get<bool>();
    probe.at = int_of(*it, "at");
    probe.message = string_of(*it, "message");
    record.last_probe = probe;
  }
  record.error = string_of(parsed, "error");
  record.updated_at = int_of(parsed, "updated_at");
  return record;
}

Result<std::vector<ServiceStatusRecord>> read_service_statuses(KeyValueStore& store,
                                                               Consistency consistency) {
  auto range = store.get_prefix(kServiceStatusPrefix, consistency);
  if (!range) return range.error();
  std::vector<ServiceStatusRecord> records;
  for (const auto& kv : range->kvs) {
    if (auto record = ServiceStatusRecord::parse(kv.value)) {
      records.push_back(std::move(*record));
    } else {
      report_malformed_record("service status", kv, record.error().message);
    }
  }
  return records;
}

}  // namespace hearth::cluster
