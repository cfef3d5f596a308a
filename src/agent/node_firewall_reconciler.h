#pragma once
// A node's own firewall (plan/firewall.h, "per node"): a reconciler that runs in hearthd on every
// node and keeps the table `inet hearth_node` (engines/nftables_config.h) equal to the spec in
// force.
//
//   desired   render_node_ruleset(plan(spec).firewall.nodes[this node])
//   observed  the text it last applied, and whether the table still exists (someone may have run
//             `nft flush ruleset`): checked every `recheck_every` steps, not on each one, since
//             each check runs nft
//   apply     the whole table at once, when the text changed or the table went missing
// Needs no quorum: the bootstrap spec gives a ruleset before etcd answers.
// Not thread-safe: one thread drives it.

#include <optional>
#include <string>

#include "common/result.h"
#include "engines/nftables.h"
#include "spec/spec.h"

namespace hearth::agent {

// The ruleset node `node` should run under `spec` (REQUIRES: validated). Fails when the plan
// fails or the node is not in the spec.
Result<std::string> desired_node_ruleset(const Spec& spec, const std::string& node);

class NodeFirewallReconciler {
 public:
  NodeFirewallReconciler(RulesetTarget& target, std::string node, int recheck_every = 10);

  // One step. Nothing runs when the desired text is the one applied and no recheck is due.
  Status reconcile(const Spec& spec);

 private:
  RulesetTarget& target_;
  std::string node_;
  int recheck_every_;
  int steps_since_check_ = 0;
  std::optional<std::string> applied_;
};

}  // namespace hearth::agent
