#include "agent/node_links_reconciler.h"

#include "common/log.h"
#include "plan/node_links.h"

namespace hearth::agent {

NodeLinksReconciler::NodeLinksReconciler(NodeLinks& links, std::string node, int recheck_every)
    : links_(links), node_(std::move(node)), recheck_every_(recheck_every) {}

Status NodeLinksReconciler::reconcile(const Spec& spec) {
  auto desired = plan_node_links(spec, node_);
  if (!desired) return desired.error();
  bool due = !made_ || *made_ != *desired || ++steps_since_check_ >= recheck_every_;
  if (!due) return ok_status();

  steps_since_check_ = 0;
  Status first = ok_status();
  for (const NodeLink& link : *desired) {
    if (Status made = links_.ensure(link); !made && first) first = made;
  }
  if (!first) {
    made_.reset();  // try every link again next step
    return first;
  }
  if (!made_ || *made_ != *desired) {
    log::info("links: " + std::to_string(desired->size()) + " VLAN interfaces in place");
  }
  made_ = std::move(*desired);
  return ok_status();
}

}  // namespace hearth::agent
