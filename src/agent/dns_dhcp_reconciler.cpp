#include "agent/dns_dhcp_reconciler.h"

#include "common/log.h"
#include "plan/plan.h"

namespace hearth::agent {

Result<DnsDhcpConfig> desired_dns_dhcp(const Spec& spec, std::int64_t spec_revision,
                                       const DnsmasqFiles& files) {
  auto planned = plan(spec, ObservedState{});
  if (!planned) {
    return Error{"cannot plan DNS and DHCP for spec revision " + std::to_string(spec_revision) +
                 ": " + planned.error().message};
  }
  auto text = render_dnsmasq_config(planned->dns, planned->dhcp, files);
  if (!text) return text.error();
  return DnsDhcpConfig{std::move(*text), spec_revision};
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

Status DnsDhcpReconciler::reconcile(const Spec& spec, std::int64_t spec_revision) {
  // Observe.
  std::optional<DnsDhcpConfig> saved = server_.saved();

  // Desired.
  if (saved && spec_revision < saved->spec_revision) {
    if (announced_stale_ != saved->spec_revision) {
      log::info("DNS and DHCP: keeping the saved configuration of spec revision " +
                std::to_string(saved->spec_revision) +
                " while this node follows the older revision " + std::to_string(spec_revision) +
                " (waiting for the cluster's spec)");
      announced_stale_ = saved->spec_revision;
    }
    return server_.apply(*saved);  // starts it again if it died; nothing otherwise
  }
  if (!rendered_ || rendered_->spec_revision != spec_revision) {
    auto desired = desired_dns_dhcp(spec, spec_revision, files_);
    if (!desired) {
      // Keep serving what was served: a spec that cannot be rendered never takes DNS away.
      if (saved && !server_.running()) (void)server_.apply(*saved);
      return Error{desired.error().message + " DNS and DHCP keep the previous configuration" +
                   (saved ? " (spec revision " + std::to_string(saved->spec_revision) + ")" : "") +
                   "."};
    }
    rendered_ = std::move(*desired);
    bool changed = !saved || saved->text != rendered_->text;
    log::info("DNS and DHCP: spec revision " + std::to_string(spec_revision) +
              (changed ? " changes the configuration" : " leaves the configuration unchanged"));
  }

  // Apply the difference (the server restarts dnsmasq only for a different text, or a dead one).
  return server_.apply(*rendered_);
}

}  // namespace hearth::agent
