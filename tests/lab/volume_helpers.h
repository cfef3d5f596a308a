#pragma once
// Helpers of the volume scenarios (lab_volumes, lab_volume_failures): what hearthd says about the
// volumes (the "volumes" of `hearth status --json`), and gluster's own word from inside a node.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "engines/gluster.h"
#include "lab_fixture.h"

namespace hearth::lab::testing {

inline constexpr const char* kMountRoot =
    "/var/lib/hearth/volumes/";  // hearthd --data-dir in the lab

inline nlohmann::json volume_in(const nlohmann::json& status, const std::string& volume) {
  if (!status.is_object() || !status["volumes"].is_array()) return nullptr;
  for (const auto& v : status["volumes"]) {
    if (v.value("name", "") == volume) return v;
  }
  return nullptr;
}

inline int bricks_up(const nlohmann::json& volume) {
  int up = 0;
  if (volume.is_object()) {
    for (const auto& b : volume["bricks"])
      up += b["up"].is_boolean() && b["up"].get<bool>() ? 1 : 0;
  }
  return up;
}

inline bool mounted_alive_on(const nlohmann::json& volume, const std::string& node) {
  if (!volume.is_object()) return false;
  for (const auto& m : volume["mounts"]) {
    if (m.value("node", "") == node && m.value("state", "") == "alive") return true;
  }
  return false;
}

// Started, three bricks up, alive mounts on both servers: as `node`'s hearthd sees it.
inline bool volume_ready(const LabUp& lab, const std::string& node, const std::string& volume) {
  auto v = volume_in(lab.cluster_status(node), volume);
  return v.is_object() && v.value("state", "") == "Started" && bricks_up(v) == 3 &&
         mounted_alive_on(v, "r510") && mounted_alive_on(v, "r530");
}

// The brick directory of `volume` on `node` ("host:/path" -> "/path"), from hearthd's status.
inline std::string brick_dir(const LabUp& lab, const std::string& volume, const std::string& node) {
  auto v = volume_in(lab.cluster_status("r530"), volume);
  if (!v.is_object()) v = volume_in(lab.cluster_status("elitedesk"), volume);
  if (!v.is_object()) return "";
  for (const auto& b : v["bricks"]) {
    if (b.value("node", "") != node) continue;
    std::string id = b.value("brick", "");
    return id.substr(id.find(':') + 1);
  }
  return "";
}

// gluster's heal summary of `volume`, asked on `node`; nullopt when gluster does not answer.
inline std::optional<GlusterHealSummary> heal_summary(const LabUp& lab, const std::string& node,
                                                      const std::string& volume) {
  auto done = lab.exec(
      node, {"gluster", "--mode=script", "--xml", "volume", "heal", volume, "info", "summary"});
  auto summary = parse_heal_summary(done.out);
  if (!summary) return std::nullopt;
  return *summary;
}

// Every connected brick reports zero pending and zero split-brain entries (3 bricks connected).
inline bool healed(const LabUp& lab, const std::string& node, const std::string& volume) {
  auto summary = heal_summary(lab, node, volume);
  if (!summary || summary->bricks.size() != 3) return false;
  for (const auto& b : summary->bricks) {
    if (!b.connected || b.pending != 0 || b.split_brain != 0) return false;
  }
  return true;
}

// "name checksum" of every regular file of a brick (gluster's .glusterfs excluded), sorted.
inline std::map<std::string, std::string> brick_checksums(const LabUp& lab, const std::string& node,
                                                          const std::string& dir) {
  auto done = lab.exec(node, {"sh", "-c",
                              "cd '" + dir +
                                  "' && find . -path ./.glusterfs -prune -o -type f -print0 | "
                                  "sort -z | xargs -0 -r md5sum"});
  std::map<std::string, std::string> sums;
  std::istringstream lines(done.out);
  for (std::string sum, name; lines >> sum >> name;) sums[name] = sum;
  return sums;
}

}  // namespace hearth::lab::testing
