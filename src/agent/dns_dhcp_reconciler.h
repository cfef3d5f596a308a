#pragma once
// The arbiter's DNS and DHCP: a reconciler that runs in hearthd on the arbiter only.
//
//   desired   the dnsmasq configuration rendered from plan(spec in force)
//   (engines/dnsmasq_config.h) observed  what the server saved and runs (DnsDhcpServer::saved(),
//   running()) apply     DnsDhcpServer::apply(desired): restarts dnsmasq only when the text changed
//   or it died
//
// NO QUORUM NEEDED. The server keeps the last configuration it applied on disk, with its spec
// revision; at hearthd's start start_saved() serves that copy at once, before etcd is even asked.
// A spec in force that is OLDER than the saved copy (hearthd restarted and still runs the
// bootstrap --spec file, revision 0, because etcd has no quorum) does not replace it: the saved
// copy is kept until the cluster's spec revision catches up. A spec that cannot be rendered or a
// server that refuses it leaves the running server as it is.
// Not thread-safe: one thread drives it.

#include <cstdint>
#include <optional>

#include "common/result.h"
#include "engines/dnsmasq.h"
#include "engines/dnsmasq_config.h"
#include "spec/spec.h"

namespace hearth::agent {

// The configuration the arbiter should run for `spec` (REQUIRES: validated) at `spec_revision`:
// plan(spec) with no observed state, rendered. Fails when the plan or the rendering fails.
Result<DnsDhcpConfig> desired_dns_dhcp(const Spec& spec, std::int64_t spec_revision,
                                       const DnsmasqFiles& files);

class DnsDhcpReconciler {
 public:
  DnsDhcpReconciler(DnsDhcpServer& server, DnsmasqFiles files);

  // At hearthd's start, before anything needs etcd: starts the server from its saved copy when
  // there is one. Returns the revision it serves, or nullopt when nothing was ever saved (the
  // first reconcile() will start it). Fails when the saved copy does not start.
  Result<std::optional<std::int64_t>> start_saved();

  // One step (every control tick): makes the server run the configuration of `spec` at
  // `spec_revision` (REQUIRES: the two belong together), or keep the saved copy when that is
  // newer (see above). Nothing is restarted when the configuration is unchanged and running.
  Status reconcile(const Spec& spec, std::int64_t spec_revision);

 private:
  DnsDhcpServer& server_;
  DnsmasqFiles files_;
  // The last rendering, by revision: a revision's text never changes, so it is rendered once.
  std::optional<DnsDhcpConfig> rendered_;
  std::optional<std::int64_t> announced_stale_;  // saved revision already reported as newer
};

}  // namespace hearth::agent
