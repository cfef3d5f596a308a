#pragma once
// The JSON form of a Plan and of a WhatIfReport, for `--json`. Every field of the structs is
// present (absent optionals as null), keys in a fixed order; docs/plan-json.md documents each one.
// The enum names below are the ones the JSON uses; tables for people should use them too.

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

#include "plan/plan.h"
#include "plan/what_if.h"

namespace hearth {

nlohmann::ordered_json to_json(const Plan& plan);
nlohmann::ordered_json to_json(const WhatIfReport& report);

// The "dns" and "dhcp" members of to_json(Plan), alone; the leader stores them in its decision
// (cluster/stored_plan.h) and the arbiter reads them back with the parsers. A parser fails on
// anything it cannot read back exactly, naming the field.
nlohmann::ordered_json to_json(const DnsPlan& dns);
nlohmann::ordered_json to_json(const std::vector<DhcpScope>& scopes);
Result<DnsPlan> dns_plan_from_json(const nlohmann::json& json);
Result<std::vector<DhcpScope>> dhcp_scopes_from_json(const nlohmann::json& json);

std::string_view name_of(PlacementDecision decision);  // "kept", "returned", "preferred", "least_loaded", "unplaced"
std::string_view name_of(AddressSource source);        // "fixed", "kept", "allocated"
std::string_view name_of(DnsSource source);            // "node", "service", "reservation", "record"
std::string_view name_of(VolumeState state);           // "healthy", "degraded", "read_only", "unavailable"
std::string_view name_of(ServiceOutcome outcome);      // "stays", "moves", "stops", "not_running"
// "2379/tcp", "49152-60999/tcp" (single ports: format_port() of spec/values.h)
std::string format_port_range(const PortRange& range);

}  // namespace hearth
