#pragma once
// Where the control plane keeps its state in etcd (docs/architecture.md, "Keys").
//
//   /hearth/nodes/<node>         NodeRecord, attached to the node's lease: exists iff alive
//   /hearth/node-history/<node>  NodeHistoryRecord: alive/dead since when (the leader writes it)
//   /hearth/leader               LeaderRecord, attached to the leader's lease
//   /hearth/spec                 StoredSpec: the applied spec, the newest revision
//   /hearth/spec-history/<rev>   StoredSpec: every applied revision (zero-padded, sorts by number)

#include <cstdint>
#include <string>

namespace hearth::cluster::keys {

inline constexpr const char* kNodesPrefix = "/hearth/nodes/";
inline constexpr const char* kNodeHistoryPrefix = "/hearth/node-history/";
inline constexpr const char* kLeader = "/hearth/leader";
inline constexpr const char* kSpec = "/hearth/spec";
inline constexpr const char* kSpecHistoryPrefix = "/hearth/spec-history/";

inline std::string node(const std::string& name) { return kNodesPrefix + name; }
inline std::string node_history(const std::string& name) { return kNodeHistoryPrefix + name; }
std::string spec_history(std::int64_t revision);

}  // namespace hearth::cluster::keys
