#pragma once
// The arbiter's DNS and DHCP: a reconciler that runs in hearthd on the arbiter only.
//
//   desired   the dnsmasq configuration rendered (engines/dnsmasq_config.h) from the leader's
//             stored decision (cluster/stored_plan.h): DNS names exactly the addresses the
//             assignments hold; the arbiter plans nothing of its own
//   observed  what the server saved and runs (DnsDhcpServer::saved(), running())
//   apply     DnsDhcpServer::apply(desired): restarts dnsmasq only when the text changed or it died
//
// NO QUORUM NEEDED. hearthd reads the decision from the local etcd member (a serializable read,
// answered without quorum), and the server keeps the last configuration it applied on disk, with
// the decision's spec revision; at hearthd's start start_saved() serves that copy at once, before
// etcd is even asked. A decision OLDER than the saved copy (the local member restarted without
// quorum and has not caught up) does not replace it: the saved copy is kept until the cluster's
// decision catches up. A decision that cannot be rendered or a server that refuses it leaves the
// running server as it is. Before the first decision (a new cluster without quorum yet) nothing
// is served.
// Not thread-safe: one thread drives it.

#include <cstdint>
#include <optional>

#include "cluster/stored_plan.h"
#include "common/result.h"
#include "engines/dnsmasq.h"
#include "engines/dnsmasq_config.h"

namespace hearth::agent {

// The configuration the arbiter should run for the stored decision: its DNS and DHCP, rendered,
// with its spec revision. Fails when the rendering fails.
Result<DnsDhcpConfig> desired_dns_dhcp(const cluster::StoredPlan& decision,
                                       const DnsmasqFiles& files);

class DnsDhcpReconciler {
 public:
  DnsDhcpReconciler(DnsDhcpServer& server, DnsmasqFiles files);

  // At hearthd's start, before anything needs etcd: starts the server from its saved copy when
  // there is one. Returns the revision it serves, or nullopt when nothing was ever saved (the
  // first reconcile() will start it). Fails when the saved copy does not start.
  Result<std::optional<std::int64_t>> start_saved();

  // One step (every control tick): makes the server run the configuration of the stored
  // decision, or keep the saved copy when that is newer (see above). Nothing is restarted when
  // the configuration is unchanged and running.
  Status reconcile(const cluster::StoredPlan& decision);

 private:
  DnsDhcpServer& server_;
  DnsmasqFiles files_;
  std::optional<DnsDhcpConfig> rendered_;  // the last rendering (to log each change once)
  std::optional<std::int64_t> announced_stale_;  // saved revision already reported as newer
};

}  // namespace hearth::agent
