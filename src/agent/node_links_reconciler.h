#pragma once
// A node's VLAN interfaces on a real install (plan/node_links.h), kept by hearthd when it is
// given the trunk link (`hearthd --trunk IFACE`). The lab links nodes by one veth per network and
// does not use it.
//
//   desired   plan_node_links(spec in force, this node)
//   apply     NodeLinks::ensure() for each: when the desired links change, after a failure, and
//             every `recheck_every` steps (an interface someone removed comes back)
// Interfaces no longer needed are left in place: removing a link under a running service or
// dnsmasq is worse than an idle interface. Not thread-safe: one thread drives it.

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "engines/vlan_links.h"
#include "spec/spec.h"

namespace hearth::agent {

class NodeLinksReconciler {
 public:
  NodeLinksReconciler(NodeLinks& links, std::string node, int recheck_every = 20);

  // One step. Returns the first failure; the other links are still made.
  Status reconcile(const Spec& spec);

 private:
  NodeLinks& links_;
  std::string node_;
  int recheck_every_;
  int steps_since_check_ = 0;
  std::optional<std::vector<NodeLink>> made_;  // all made by the last full pass
};

}  // namespace hearth::agent
