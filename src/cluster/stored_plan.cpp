#include "cluster/stored_plan.h"

#include <nlohmann/json.hpp>

#include "cluster/keys.h"
#include "cluster/record_json.h"
#include "plan/plan_json.h"

namespace hearth::cluster {

StoredPlan StoredPlan::from(const Plan& plan, std::int64_t spec_revision, std::string by,
                            std::int64_t at) {
  StoredPlan stored;
  stored.spec_revision = spec_revision;
  stored.by = std::move(by);
  stored.at = at;
  stored.dns = plan.dns;
  stored.dhcp = plan.dhcp;
  return stored;
}

std::string StoredPlan::content_json() const {
  return nlohmann::ordered_json{{"spec_revision", spec_revision},
                                {"dns", hearth::to_json(dns)},
                                {"dhcp", hearth::to_json(dhcp)}}
      .dump();
}

std::string StoredPlan::to_json() const {
  return nlohmann::ordered_json{{"spec_revision", spec_revision},
                                {"by", by},
                                {"at", at},
                                {"dns", hearth::to_json(dns)},
                                {"dhcp", hearth::to_json(dhcp)}}
      .dump();
}

Result<StoredPlan> StoredPlan::parse(const std::string& text) {
  auto object = record_json::parse_object(text, "plan");
  if (!object) return object.error();
  StoredPlan stored;
  auto revision = object->find("spec_revision");
  if (revision == object->end() || !revision->is_number_integer()) {
    return Error{"the stored plan has no spec_revision"};
  }
  stored.spec_revision = revision->get<std::int64_t>();
  stored.by = record_json::get_string(*object, "by");
  stored.at = record_json::get_int(*object, "at");
  auto dns = dns_plan_from_json(object->value("dns", nlohmann::json()));
  if (!dns) return dns.error();
  stored.dns = std::move(*dns);
  auto dhcp = dhcp_scopes_from_json(object->value("dhcp", nlohmann::json()));
  if (!dhcp) return dhcp.error();
  stored.dhcp = std::move(*dhcp);
  return stored;
}

Result<std::optional<StoredPlan>> read_stored_plan(KeyValueStore& store, Consistency consistency) {
  auto found = store.get(keys::kPlan, consistency);
  if (!found) return Error{"cannot read the stored plan: " + found.error().message};
  if (!found->has_value()) return std::optional<StoredPlan>{};
  auto parsed = StoredPlan::parse((*found)->value);
  if (!parsed) return parsed.error();
  parsed->revision = (*found)->mod_revision;
  return std::optional<StoredPlan>{std::move(*parsed)};
}

}  // namespace hearth::cluster
