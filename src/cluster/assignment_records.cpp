#include "cluster/assignment_records.h"

#include <nlohmann/json.hpp>

#include "cluster/record_json.h"

namespace hearth::cluster {
namespace {

using nlohmann::json;

using record_json::get_int;
using record_json::get_string;
using record_json::parse_object;

}  // namespace

const char* to_string(AssignmentState state) {
  return state == AssignmentState::releasing ? "releasing" : "active";
}

std::string Assignment::to_json() const {
  json out{{"service", service},
           {"node", node},
           {"address", address.str()},
           {"since", since},
           {"by", by},
           {"state", to_string(state)}};
  if (state == AssignmentState::releasing) out["to"] = to;
  if (!reason.empty()) out["reason"] = reason;
  return out.dump();
}

Result<Assignment> Assignment::parse(const std::string& text) {
  auto object = parse_object(text, "assignment");
  if (!object) return object.error();
  Assignment a;
  a.service = get_string(*object, "service");
  if (a.service.empty()) return Error{"stored assignment has no service: " + text.substr(0, 120)};
  a.node = get_string(*object, "node");
  auto address = Ipv4::parse(get_string(*object, "address"));
  if (!address) return Error{"stored assignment of " + a.service + " has no valid address"};
  a.address = *address;
  a.since = get_int(*object, "since");
  a.by = get_string(*object, "by");
  std::string state = get_string(*object, "state");
  if (state.empty() || state == "active") {
    a.state = AssignmentState::active;
  } else if (state == "releasing") {
    a.state = AssignmentState::releasing;
  } else {
    return Error{"stored assignment of " + a.service + " has an unknown state '" + state + "'"};
  }
  a.to = get_string(*object, "to");
  a.reason = get_string(*object, "reason");
  return a;
}

std::string DrainRecord::to_json() const {
  return json{{"node", node}, {"since", since}, {"by", by}}.dump();
}

Result<DrainRecord> DrainRecord::parse(const std::string& text) {
  auto object = parse_object(text, "drain record");
  if (!object) return object.error();
  DrainRecord record;
  record.node = get_string(*object, "node");
  record.since = get_int(*object, "since");
  record.by = get_string(*object, "by");
  return record;
}

std::string ReleaseRecord::to_json() const {
  return json{{"service", service},
              {"node", node},
              {"address", address.str()},
              {"revision", revision},
              {"at", at}}
      .dump();
}

Result<ReleaseRecord> ReleaseRecord::parse(const std::string& text) {
  auto object = parse_object(text, "release record");
  if (!object) return object.error();
  ReleaseRecord record;
  record.service = get_string(*object, "service");
  record.node = get_string(*object, "node");
  if (record.service.empty() || record.node.empty()) {
    return Error{"stored release record has no service or node: " + text.substr(0, 120)};
  }
  auto address = Ipv4::parse(get_string(*object, "address"));
  if (address) record.address = *address;
  record.revision = get_int(*object, "revision");
  record.at = get_int(*object, "at");
  return record;
}

}  // namespace hearth::cluster
