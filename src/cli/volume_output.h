#pragma once
// The volumes section of `hearth status` (the "volumes" array of GET /v1/status,
// agent/volume_status.h): one row per brick and per volume bricks up, mounts, heal, space.

#include <nlohmann/json.hpp>
#include <ostream>

namespace hearth::cli {

void print_volumes(std::ostream& out, const nlohmann::ordered_json& volumes);

}  // namespace hearth::cli
