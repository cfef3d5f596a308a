#pragma once
// Every key hearth keeps in etcd, in one place (docs/architecture.md, "Keys"). The records stored
// under them are defined beside the code that writes them (named on the right).
//
//   /hearth/nodes/<node>              NodeRecord (records.h), on the node's lease: exists iff alive
//   /hearth/node-history/<node>       NodeHistoryRecord (records.h): alive/dead since when (leader)
//   /hearth/leader                    LeaderRecord (records.h), on the leader's lease
//   /hearth/spec                      StoredSpec (records.h): the applied spec, the newest revision
//   /hearth/spec-history/<rev>        StoredSpec: every applied revision (zero-padded, sorts by number)
//   /hearth/plan                      StoredPlan (stored_plan.h): the leader's decision (DNS, DHCP)
//   /hearth/assignments/<service>     Assignment (assignments.h): service -> node, address (leader)
//   /hearth/drained/<node>            DrainRecord (assignments.h): drain / undrain
//   /hearth/released/<service>        ReleaseRecord (assignments.h), on the releasing node's lease
//   /hearth/service-status/<service>  ServiceStatusRecord (service_status.h), on the runner's lease
//   /hearth/volume-mounts/<node>      NodeMounts (agent/volume_status.h), on the server's lease
//   /hearth/volume-deletions/<volume> a deletion in progress (agent/volume_admin.h)

#include <cstdint>
#include <string>

namespace hearth::cluster::keys {

inline constexpr const char* kNodesPrefix = "/hearth/nodes/";
inline constexpr const char* kNodeHistoryPrefix = "/hearth/node-history/";
inline constexpr const char* kLeader = "/hearth/leader";
inline constexpr const char* kSpec = "/hearth/spec";
inline constexpr const char* kSpecHistoryPrefix = "/hearth/spec-history/";
inline constexpr const char* kPlan = "/hearth/plan";
inline constexpr const char* kAssignmentsPrefix = "/hearth/assignments/";
inline constexpr const char* kDrainedPrefix = "/hearth/drained/";
inline constexpr const char* kReleasedPrefix = "/hearth/released/";
inline constexpr const char* kServiceStatusPrefix = "/hearth/service-status/";
inline constexpr const char* kVolumeMountsPrefix = "/hearth/volume-mounts/";
inline constexpr const char* kVolumeDeletionsPrefix = "/hearth/volume-deletions/";

inline std::string node(const std::string& name) { return kNodesPrefix + name; }
inline std::string node_history(const std::string& name) { return kNodeHistoryPrefix + name; }
std::string spec_history(std::int64_t revision);
inline std::string assignment(const std::string& service) { return kAssignmentsPrefix + service; }
inline std::string drained(const std::string& node) { return kDrainedPrefix + node; }
inline std::string released(const std::string& service) { return kReleasedPrefix + service; }
inline std::string service_status(const std::string& service) {
  return kServiceStatusPrefix + service;
}
inline std::string volume_mounts(const std::string& node) { return kVolumeMountsPrefix + node; }
inline std::string volume_deletion(const std::string& volume) {
  return kVolumeDeletionsPrefix + volume;
}

}  // namespace hearth::cluster::keys
