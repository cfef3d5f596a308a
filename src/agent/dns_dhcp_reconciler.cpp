#include "agent/dns_dhcp_reconciler.h"

#include "common/log.h"

namespace hearth::agent {

Result<DnsDhcpConfig> desired_dns_dhcp(const cluster::StoredPlan& decision,
                                       const DnsmasqFiles& files) {
  auto text = render_dnsmasq_config(decision.dns, decision.dhcp, files);
  if (!text) {
    return Error{"cannot serve the decision for spec revision " +
                 std::to_string(decision.spec_revision) + ": " + text.error().message};
  }
  return DnsDhcpConfig{std::move(*text), decision.spec_revision};
}

DnsDhcpReconciler::DnsDhcpReconciler(DnsDhcpServer& server, DnsmasqFiles files)
    : server_(server), files_(std::move(files)) {}

Result<std::optional<std::int64_t>> DnsDhcpReconciler::start_saved() {
  auto saved = server_.saved();
  if (!saved) return std::optional<std::int64_t>{};
  if (auto s = server_.apply(*saved); !s) {
    return Error{"cannot serve DNS and DHCP from the saved configuration (spec revision " +
                 std::to_string(saved->spec_revision) + "): " + s.error().message};
  }
  log::info("DNS and DHCP: serving the saved configuration of spec revision " +
            std::to_string(saved->spec_revision) + " (no quorum needed)");
  return std::optional<std::int64_t>{saved->spec_revision};
}

Status DnsDhcpReconciler::reconcile(const cluster::StoredPlan& decision) {
  const std::int64_t spec_revision = decision.spec_revision;
  // Observe.
  std::optional<DnsDhcpConfig> saved = server_.saved();

  // Desired.
  if (saved && spec_revision < saved->spec_revision) {
    if (announced_stale_ != saved->spec_revision) {
      log::info("DNS and DHCP: keeping the saved configuration of spec revision " +
                std::to_string(saved->spec_revision) +
                " while the decision this node sees is for the older revision " +
                std::to_string(spec_revision) + " (waiting for the cluster's decision)");
      announced_stale_ = saved->spec_revision;
    }
    return server_.apply(*saved);  // starts it again if it died; nothing otherwise
  }
  auto desired = desired_dns_dhcp(decision, files_);
  if (!desired) {
    // Keep serving what was served: a decision that cannot be rendered never takes DNS away.
    if (saved && !server_.running()) (void)server_.apply(*saved);
    return Error{desired.error().message + " DNS and DHCP keep the previous configuration" +
                 (saved ? " (spec revision " + std::to_string(saved->spec_revision) + ")" : "") +
                 "."};
  }
  if (!rendered_ || rendered_->text != desired->text ||
      rendered_->spec_revision != desired->spec_revision) {
    bool changed = !saved || saved->text != desired->text;
    log::info("DNS and DHCP: the decision for spec revision " + std::to_string(spec_revision) +
              (changed ? " changes the configuration" : " leaves the configuration unchanged"));
  }
  rendered_ = std::move(*desired);

  // Apply the difference (the server restarts dnsmasq only for a different text, or a dead one).
  return server_.apply(*rendered_);
}

}  // namespace hearth::agent
