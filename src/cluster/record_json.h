#pragma once
// Reading the JSON values the control plane stores (records.h, assignments.h): tolerant of extra
// and missing fields (a missing string is "", a missing number 0); the callers check what they need.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace hearth::cluster::record_json {

// `text` as a JSON object, or an error naming `what` ("node record") and the start of the text.
inline Result<nlohmann::json> parse_object(const std::string& text, const char* what) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Error{std::string("stored ") + what + " is not a JSON object: " + text.substr(0, 120)};
  }
  return parsed;
}

inline std::string get_string(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline std::int64_t get_int(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace hearth::cluster::record_json
