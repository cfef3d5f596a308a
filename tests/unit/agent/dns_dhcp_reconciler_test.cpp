#include "agent/dns_dhcp_reconciler.h"

#include <gtest/gtest.h>

#include "plan/plan.h"
#include "spec/load.h"

namespace hearth::agent {
namespace {

const DnsmasqFiles kFiles{"/var/lib/hearth/dnsmasq/dnsmasq.leases",
                          "/var/lib/hearth/dnsmasq/dnsmasq.pid"};

// Keeps DnsDhcpServer's contract in memory: a saved copy, and a "process" that runs a text.
class FakeDnsDhcpServer final : public DnsDhcpServer {
 public:
  std::optional<DnsDhcpConfig> saved() const override { return saved_; }
  Status apply(const DnsDhcpConfig& config) override {
    ++applies;
    if (refuse) return Error{"refused"};
    if (running_ && running_text_ == config.text) {
      saved_ = config;
      return ok_status();
    }
    if (fail_start) return Error{"cannot start"};
    saved_ = config;
    running_ = true;
    running_text_ = config.text;
    ++starts;
    return ok_status();
  }
  bool running() override { return running_; }
  void stop() override { running_ = false; }

  void crash() { running_ = false; }  // dnsmasq died
  void preload(DnsDhcpConfig config) { saved_ = std::move(config); }
  const std::string& running_text() const { return running_text_; }

  int applies = 0;
  int starts = 0;  // starts and restarts: each one a (short) outage
  bool refuse = false;
  bool fail_start = false;

 private:
  std::optional<DnsDhcpConfig> saved_;
  bool running_ = false;
  std::string running_text_;
};

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return std::move(*loaded.spec);
}

Spec with_record(const char* name, const char* address) {
  Spec spec = example_spec();
  spec.dns.records.push_back(DnsRecord{name, *Ipv4::parse(address)});
  return spec;
}

// The leader's decision for `spec` at `revision`, as the arbiter reads it from etcd.
cluster::StoredPlan decided(const Spec& spec, std::int64_t revision) {
  auto planned = plan(spec, ObservedState{});
  EXPECT_TRUE(planned.ok());
  return cluster::StoredPlan::from(*planned, revision, "r510", 0);
}

bool serves(const FakeDnsDhcpServer& server, const std::string& line) {
  return server.running_text().find(line + "\n") != std::string::npos;
}

TEST(DnsDhcpReconciler, StartSavedDoesNothingWhenNothingWasEverSaved) {
  FakeDnsDhcpServer server;
  DnsDhcpReconciler reconciler(server, kFiles);
  auto started = reconciler.start_saved();
  ASSERT_TRUE(started.ok());
  EXPECT_FALSE(started->has_value());
  EXPECT_EQ(server.applies, 0);
  EXPECT_FALSE(server.running());
}

TEST(DnsDhcpReconciler, StartSavedServesTheSavedCopyWithoutASpec) {
  FakeDnsDhcpServer server;
  server.preload({"saved text\n", 7});
  DnsDhcpReconciler reconciler(server, kFiles);
  auto started = reconciler.start_saved();
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->value_or(-1), 7);
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.running_text(), "saved text\n");
}

TEST(DnsDhcpReconciler, StartSavedReportsAFailedStart) {
  FakeDnsDhcpServer server;
  server.preload({"saved text\n", 7});
  server.fail_start = true;
  DnsDhcpReconciler reconciler(server, kFiles);
  auto started = reconciler.start_saved();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("spec revision 7"), std::string::npos);
}

TEST(DnsDhcpReconciler, FirstStartServesTheFirstDecision) {
  FakeDnsDhcpServer server;
  DnsDhcpReconciler reconciler(server, kFiles);
  ASSERT_TRUE(reconciler.reconcile(decided(example_spec(), 0)).ok());
  EXPECT_EQ(server.starts, 1);
  EXPECT_TRUE(serves(server, "host-record=nas.home.arpa,10.1.2.40"));
  EXPECT_EQ(server.saved()->spec_revision, 0);
  EXPECT_EQ(server.saved()->text, desired_dns_dhcp(decided(example_spec(), 0), kFiles)->text);
}

TEST(DnsDhcpReconciler, AnUnchangedConfigurationIsNeverRestarted) {
  FakeDnsDhcpServer server;
  DnsDhcpReconciler reconciler(server, kFiles);
  Spec spec = example_spec();
  for (int tick = 0; tick < 5; ++tick) ASSERT_TRUE(reconciler.reconcile(decided(spec, 3)).ok());
  EXPECT_EQ(server.starts, 1);
  // A new revision that changes nothing DNS or DHCP serves (a volume grows): no restart either,
  // but the saved copy now carries the new revision.
  spec.volumes[0].size *= 2;
  ASSERT_TRUE(reconciler.reconcile(decided(spec, 4)).ok());
  EXPECT_EQ(server.starts, 1);
  EXPECT_EQ(server.saved()->spec_revision, 4);
}

TEST(DnsDhcpReconciler, ANewRevisionThatChangesDnsRestartsOnce) {
  FakeDnsDhcpServer server;
  DnsDhcpReconciler reconciler(server, kFiles);
  ASSERT_TRUE(reconciler.reconcile(decided(example_spec(), 3)).ok());
  Spec changed = with_record("printer", "10.1.2.41");
  for (int tick = 0; tick < 3; ++tick) ASSERT_TRUE(reconciler.reconcile(decided(changed, 4)).ok());
  EXPECT_EQ(server.starts, 2);
  EXPECT_TRUE(serves(server, "host-record=printer.home.arpa,10.1.2.41"));
  EXPECT_EQ(server.saved()->spec_revision, 4);
}

TEST(DnsDhcpReconciler, RestartOfHearthdWithoutQuorumKeepsTheNewerSavedCopy) {
  FakeDnsDhcpServer server;
  {
    DnsDhcpReconciler before(server, kFiles);
    ASSERT_TRUE(before.reconcile(decided(with_record("printer", "10.1.2.41"), 9)).ok());
  }
  server.crash();  // hearthd (and, say, the machine) restarted
  DnsDhcpReconciler after(server, kFiles);
  ASSERT_TRUE(after.start_saved().ok());
  EXPECT_EQ(server.starts, 2);
  // No quorum: the local etcd member still has an older decision, which lacks the record.
  for (int tick = 0; tick < 3; ++tick) ASSERT_TRUE(after.reconcile(decided(example_spec(), 0)).ok());
  EXPECT_EQ(server.starts, 2);
  EXPECT_TRUE(serves(server, "host-record=printer.home.arpa,10.1.2.41"));
  EXPECT_EQ(server.saved()->spec_revision, 9);
  // dnsmasq dies meanwhile: the saved copy is started again.
  server.crash();
  ASSERT_TRUE(after.reconcile(decided(example_spec(), 0)).ok());
  EXPECT_EQ(server.starts, 3);
  EXPECT_TRUE(serves(server, "host-record=printer.home.arpa,10.1.2.41"));
  // The cluster's decision arrives (same revision): same text, nothing restarted.
  ASSERT_TRUE(after.reconcile(decided(with_record("printer", "10.1.2.41"), 9)).ok());
  EXPECT_EQ(server.starts, 3);
}

TEST(DnsDhcpReconciler, ADeadServerIsStartedAgainWithTheSameConfiguration) {
  FakeDnsDhcpServer server;
  DnsDhcpReconciler reconciler(server, kFiles);
  ASSERT_TRUE(reconciler.reconcile(decided(example_spec(), 2)).ok());
  std::string text = server.running_text();
  server.crash();
  ASSERT_TRUE(reconciler.reconcile(decided(example_spec(), 2)).ok());
  EXPECT_EQ(server.starts, 2);
  EXPECT_EQ(server.running_text(), text);
}

TEST(DnsDhcpReconciler, ASpecThatCannotBeRenderedKeepsThePreviousConfiguration) {
  FakeDnsDhcpServer server;
  DnsDhcpReconciler reconciler(server, kFiles);
  ASSERT_TRUE(reconciler.reconcile(decided(example_spec(), 2)).ok());
  std::string text = server.running_text();
  Spec hostile = with_record("x\nserver=6.6.6.6", "10.1.2.41");
  Status status = reconciler.reconcile(decided(hostile, 3));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("keep the previous configuration (spec revision 2)"),
            std::string::npos)
      << status.error().message;
  EXPECT_EQ(server.running_text(), text);
  EXPECT_EQ(server.saved()->spec_revision, 2);
  EXPECT_EQ(server.starts, 1);
  // ...and restarts that previous configuration if dnsmasq dies meanwhile.
  server.crash();
  EXPECT_FALSE(reconciler.reconcile(decided(hostile, 3)).ok());
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.running_text(), text);
}

TEST(DnsDhcpReconciler, ARefusedConfigurationIsRetriedOnTheNextTick) {
  FakeDnsDhcpServer server;
  DnsDhcpReconciler reconciler(server, kFiles);
  server.refuse = true;
  EXPECT_FALSE(reconciler.reconcile(decided(example_spec(), 1)).ok());
  EXPECT_FALSE(server.running());
  server.refuse = false;
  EXPECT_TRUE(reconciler.reconcile(decided(example_spec(), 1)).ok());
  EXPECT_TRUE(server.running());
}

TEST(DnsDhcpReconciler, DesiredConfigurationCarriesTheRevisionAndTheFiles) {
  auto desired = desired_dns_dhcp(decided(example_spec(), 12), kFiles);
  ASSERT_TRUE(desired.ok()) << desired.error().message;
  EXPECT_EQ(desired->spec_revision, 12);
  EXPECT_NE(desired->text.find("dhcp-leasefile=" + kFiles.lease_file + "\n"), std::string::npos);
  EXPECT_NE(desired->text.find("pid-file=" + kFiles.pid_file + "\n"), std::string::npos);
}

}  // namespace
}  // namespace hearth::agent
