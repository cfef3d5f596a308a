#include "agent/node_firewall_reconciler.h"

#include "common/log.h"
#include "engines/nftables_config.h"
#include "plan/plan.h"

namespace hearth::agent {

Result<std::string> desired_node_ruleset(const Spec& spec, const std::string& node) {
  auto planned = plan(spec, ObservedState{});
  if (!planned) return Error{"cannot plan the node firewall: " + planned.error().message};
  for (const NodeFirewall& firewall : planned->firewall.nodes) {
    if (firewall.node == node) return render_node_ruleset(firewall);
  }
  return Error{"node '" + node + "' is not in the spec in force: no firewall for it"};
}

NodeFirewallReconciler::NodeFirewallReconciler(RulesetTarget& target, std::string node,
                                               int recheck_every)
    : target_(target), node_(std::move(node)), recheck_every_(recheck_every) {}

Status NodeFirewallReconciler::reconcile(const Spec& spec) {
  auto desired = desired_node_ruleset(spec, node_);
  if (!desired) return desired.error();

  bool apply = !applied_ || *applied_ != *desired;
  if (!apply && ++steps_since_check_ >= recheck_every_) {
    steps_since_check_ = 0;
    auto present = target_.has_table(kNodeFirewallTable);
    if (!present) return present.error();
    if (!*present) {
      log::warn("firewall: the table inet " + std::string(kNodeFirewallTable) +
                " was removed by someone else; putting it back");
      apply = true;
    }
  }
  if (!apply) return ok_status();

  if (auto applied = target_.apply(*desired); !applied) {
    applied_.reset();  // unknown state: apply again next step
    return applied;
  }
  if (!applied_) log::info("firewall: hearth's ports are open only to the management and storage networks");
  applied_ = *desired;
  steps_since_check_ = 0;
  return ok_status();
}

}  // namespace hearth::agent
