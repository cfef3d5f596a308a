#pragma once
// What draining a server would do, checked before anybody clicks (GET
// /v1/nodes/NODE/drain-preflight, the UI's drain dialog, `hearth drain NODE --check`). Pure:
// from the spec in force and the status JSON of GET /v1/status, no I/O.
//
// A drain is for maintenance: the node is emptied, then usually stopped. So the checks ask
// whether the cluster stays whole without it:
//   quorum       quorum holds now, and would still hold with this node's etcd member down
//   volumes      every volume in sync: no entries to heal, no split-brain, every brick on the
//                other nodes up (their copies are complete without this node's)
//   room         every service on the node has a place on another live, undrained server
//                (the what-if placement of plan/what_if.h with the node gone)
// Each check is ok or not with a sentence for people; the drain is advised only when all pass
// ("ok"). The services list says where each service of the node would go.
//
// {"node", "ok", "checks": [{"check", "ok", "detail"}], "services": [{"service", "from",
//  "to", "outcome": "moves"|"stays"|"stops", "reason"}]}
// or {"node", "error"} for a node that is not a server of the spec.

#include <nlohmann/json.hpp>
#include <string>

#include "spec/spec.h"

namespace hearth::api {

nlohmann::ordered_json drain_preflight(const Spec& spec, const std::string& node,
                                       const nlohmann::json& status);

}  // namespace hearth::api
