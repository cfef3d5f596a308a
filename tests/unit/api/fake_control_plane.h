#pragma once
// A ControlPlane (api/api.h) for the API's tests: answers from its fields and records the calls.

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "api/api.h"

namespace hearth::api::testing {

inline const std::string kToken(64, 'a');

inline std::string example_spec() {
  std::ifstream in(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class FakeControlPlane final : public ControlPlane {
 public:
  Result<nlohmann::ordered_json> status() override {
    if (!etcd_answers) return Error{"the local etcd member does not answer"};
    return nlohmann::ordered_json{{"cluster", "homecentr"}, {"quorum", {{"ok", true}}}};
  }
  Result<Applied> apply(const std::string& text, const std::string& applied_by,
                        const std::map<std::string, std::string>& images) override {
    ++applies;
    last_images = images;
    last_text = text;
    last_applied_by = applied_by;
    if (!quorum) return Error{"etcd: POST http://127.0.0.1:2379/v3/kv/range: timed out"};
    Applied applied;
    applied.spec.revision = 7;
    applied.spec.applied_at = 1234;
    applied.spec.applied_by = applied_by;
    return applied;
  }
  // Pins every image to a digest made of 'f' (refresh: of 'e'), as a registry would.
  Result<std::map<std::string, std::string>> pin_images(const Spec& spec, bool refresh) override {
    std::map<std::string, std::string> pins;
    for (const auto& service : spec.services) {
      if (!service.image.empty()) pins[service.image] = "sha256:" + std::string(64, refresh ? 'e' : 'f');
    }
    return pins;
  }
  Result<nlohmann::ordered_json> volume_action(const std::string& volume, const std::string& action,
                                               const nlohmann::json& arguments) override {
    last_volume_action = volume + " " + action + " " + arguments.dump();
    if (action != "delete") return Error{"no volume action '" + action + "'"};
    return nlohmann::ordered_json{{"volume", volume}, {"deleted", true}};
  }
  Result<DrainOutcome> set_drained(const std::string& node, bool drained,
                                   const std::string& by) override {
    ++drains;
    last_drain = node + (drained ? " drained by " : " undrained by ") + by;
    if (!quorum) return Error{"etcd: timed out"};
    if (node == "elitedesk") return DrainOutcome::arbiter;
    if (node != "r510" && node != "r530") return DrainOutcome::unknown_node;
    return drained ? DrainOutcome::changed : DrainOutcome::unchanged;
  }
  Result<std::string> metrics() override {
    if (!etcd_answers) return Error{"no status yet"};
    return std::string("hearth_quorum 1\n");
  }
  Result<nlohmann::ordered_json> drain_preflight(const std::string& node) override {
    if (!etcd_answers) return Error{"the local etcd member does not answer"};
    if (node != "r510" && node != "r530") {
      return nlohmann::ordered_json{{"node", node}, {"error", "no node '" + node + "'"}};
    }
    return nlohmann::ordered_json{{"node", node}, {"ok", true}};
  }
  bool etcd_answers = true;
  bool quorum = true;
  int applies = 0;
  std::string last_volume_action;
  int drains = 0;
  std::string last_drain;
  std::string last_text, last_applied_by;
  std::map<std::string, std::string> last_images;
};

}  // namespace hearth::api::testing
