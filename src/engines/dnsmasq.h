#pragma once
// The arbiter's DNS and DHCP server: an interface the reconciler drives
// (agent/dns_dhcp_reconciler.h), and its real implementation, dnsmasq supervised by hearthd.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/process.h"
#include "common/result.h"

namespace hearth {

// A configuration the server runs, with the spec revision it was rendered from (0: the
// bootstrap --spec file).
struct DnsDhcpConfig {
  std::string text;  // the full dnsmasq configuration (engines/dnsmasq_config.h)
  std::int64_t spec_revision = 0;
  bool operator==(const DnsDhcpConfig&) const = default;
};

// Contract of a DNS/DHCP server. Not thread-safe: one caller (the reconciler's thread).
class DnsDhcpServer {
 public:
  virtual ~DnsDhcpServer() = default;

  // The configuration last given to apply() that the server accepted, as kept on disk: it
  // survives restarts of hearthd (and of the machine). Nullopt when none was ever applied, or when
  // the saved copy cannot be read (the error is logged).
  virtual std::optional<DnsDhcpConfig> saved() const = 0;

  // Makes the server run `config`, saving it first (atomically: a crash leaves the old or the new
  // copy, never a mix):
  //   - the same text already running: nothing is restarted (only the revision is saved);
  //   - a different text, or the server not running (never started, or it died): the server is
  //     (re)started with it. DHCP leases are kept across restarts.
  // Fails, naming the cause, when the configuration is refused (then the running server and the
  // saved copy are left as they were) or the server cannot start or exits at once (e.g. an address
  // to listen on does not exist); a failed start is retried by the next apply(), not sooner than
  // a back-off (up to 30 s) after the last failure, and fails at once meanwhile.
  virtual Status apply(const DnsDhcpConfig& config) = 0;

  // True while the server runs (it has not exited since it was started).
  virtual bool running() = 0;

  // Stops the server (SIGTERM, then SIGKILL). No-op when it does not run. The saved copy stays.
  virtual void stop() = 0;
};

// Where the real server keeps its files, all in one directory of hearthd's data dir:
//   dnsmasq.conf      the configuration (the saved copy; dnsmasq reads it)
//   spec-revision     the spec revision it was rendered from
//   dnsmasq.leases    the DHCP leases (never removed: a config change keeps every lease)
//   dnsmasq.pid       written by dnsmasq
//   dnsmasq.log       dnsmasq's output (it logs to stderr), appended
struct DnsmasqLayout {
  std::string dir;  // absolute, e.g. /var/lib/hearth/dnsmasq

  std::string config_file() const { return dir + "/dnsmasq.conf"; }
  std::string revision_file() const { return dir + "/spec-revision"; }
  std::string lease_file() const { return dir + "/dnsmasq.leases"; }
  std::string pid_file() const { return dir + "/dnsmasq.pid"; }
  std::string log_file() const { return dir + "/dnsmasq.log"; }
};

// dnsmasq as a child of this process: `dnsmasq --conf-file=DIR/dnsmasq.conf` (the configuration
// keeps it in the foreground). A dnsmasq left running from this directory by a previous hearthd
// (one that crashed: dnsmasq outlives it, so DNS and DHCP go on) is stopped before the first start
// (found by its pid file and checked by its command line). Destroying the object stops dnsmasq.
class DnsmasqServer final : public DnsDhcpServer {
 public:
  // `program`: the dnsmasq binary (looked up in PATH without a '/').
  explicit DnsmasqServer(DnsmasqLayout layout, std::string program = "dnsmasq");
  ~DnsmasqServer() override;
  DnsmasqServer(const DnsmasqServer&) = delete;
  DnsmasqServer& operator=(const DnsmasqServer&) = delete;

  std::optional<DnsDhcpConfig> saved() const override;
  Status apply(const DnsDhcpConfig& config) override;
  bool running() override;
  void stop() override;

  // The PID of the running dnsmasq; 0 when none.
  pid_t pid() const;

 private:
  Status start();
  void stop_leftover();
  Status save(const DnsDhcpConfig& config, bool text_too);

  DnsmasqLayout layout_;
  std::string program_;
  std::optional<Child> child_;
  std::optional<std::string> running_text_;  // what child_ was started with
  bool leftover_checked_ = false;
  int failures_ = 0;  // consecutive failed starts or deaths, for the back-off
  std::chrono::steady_clock::time_point next_start_{};
  std::chrono::steady_clock::time_point started_at_{};
};

}  // namespace hearth
