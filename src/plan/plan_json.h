#pragma once
// The JSON form of a Plan and of a WhatIfReport, for `--json`. Every field of the structs is
// present, keys in a fixed order; docs/plan-json.md documents each one.

#include <nlohmann/json.hpp>

#include "plan/plan.h"
#include "plan/what_if.h"

namespace hearth {

nlohmann::ordered_json to_json(const Plan& plan);
nlohmann::ordered_json to_json(const WhatIfReport& report);

}  // namespace hearth
