// Scenario lab_dns_dhcp: the arbiter keeps the network alive. From the `home` client: a DHCP lease
// in the home range with the right router and DNS server; the reservation's MAC gets its fixed
// address; DNS answers nodes, services, reservations and dns.records, refuses unknown names of the
// domain, and forwards other names to the lab's upstream resolver (never the internet). A record
// added by `hearth apply` is served within seconds, and the leases are kept. Then with
// BOTH servers power-cut, and across a crash and restart of the arbiter's hearthd without quorum:
// new leases and DNS answers still work. Reviving the servers needs nothing done by hand.
//
// DHCP clients are busybox udhcpc on macvlan interfaces made inside the client namespace, with an
// event script that only adds the address there and never writes /etc/resolv.conf.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "common/file.h"
#include "lab/upstream_dns.h"
#include "lab_fixture.h"
#include "plan/plan.h"
#include "spec/load.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

long elapsed_ms(SteadyClock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - since).count());
}

struct Lease {
  std::string ip, router, dns, domain;
  long took_ms = -1;  // from starting udhcpc to the lease
  std::string log;    // udhcpc's output, for messages
};

std::map<std::string, std::string> parse_fields(const std::string& line) {
  std::map<std::string, std::string> fields;
  std::istringstream in(line);
  for (std::string word; in >> word;) {
    auto eq = word.find('=');
    if (eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return fields;
}

class DnsDhcp : public ::testing::Test {
 protected:
  void SetUp() override {
    struct stat info {};
    ASSERT_NE(::stat(kLabStateFile, &info), 0)
        << "a lab is already up: run `hearth lab down` first";
    dir_ = "/tmp/hearth_lab_dns_dhcp_" + std::to_string(::getpid());
    ::mkdir(dir_.c_str(), 0700);
    script_ = dir_ + "/udhcpc.script";
    // Only the client namespace's interface is touched: no resolv.conf, no hostname, no routes
    // beyond the default one the client already has.
    std::ofstream(script_) << "#!/bin/sh\n"
                              "case \"$1\" in\n"
                              "  bound|renew)\n"
                              "    ip addr replace \"$ip/${mask:-24}\" dev \"$interface\"\n"
                              "    echo \"ip=$ip router=$router dns=$dns domain=$domain "
                              "lease=$lease\" > \"$LEASE_OUT\"\n"
                              "    ;;\n"
                              "esac\n"
                              "exit 0\n";
    ::chmod(script_.c_str(), 0755);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  // A fresh DHCP client in `client`: a macvlan on its link with `mac`, then udhcpc on it.
  Lease lease(const LabUp& lab, const std::string& client, const std::string& name,
              const std::string& mac) {
    Lease result;
    const LabLink* link = lab.state().links_of(client).at(0);
    Completed made = lab.exec(client, {"ip", "link", "add", name, "link", link->interface,
                                       "address", mac, "type", "macvlan", "mode", "bridge"});
    EXPECT_TRUE(made.succeeded()) << made.err;
    Completed up = lab.exec(client, {"ip", "link", "set", name, "up"});
    EXPECT_TRUE(up.succeeded()) << up.err;
    std::string out = dir_ + "/" + name + ".lease";
    auto start = SteadyClock::now();
    Completed done = lab.exec(client,
                              {"env", "LEASE_OUT=" + out, "busybox", "udhcpc", "-f", "-q", "-n",
                               "-t", "10", "-T", "2", "-i", name, "-s", script_},
                              60s);
    result.log = done.out + done.err;
    auto fields = parse_fields(read_text_file(out));
    if (done.succeeded() && fields.count("ip")) result.took_ms = elapsed_ms(start);
    result.ip = fields["ip"];
    result.router = fields["router"];
    result.dns = fields["dns"];
    result.domain = fields["domain"];
    return result;
  }

  // `dig @server NAME` from `client`: the answer's addresses ("" for none), status and query time.
  struct Answer {
    std::string addresses;
    std::string status;
    long query_ms = -1;
    std::string raw;
  };
  Answer dig(const LabUp& lab, const std::string& client, const std::string& server,
             const std::string& name) {
    Completed done = lab.exec(client, {"dig", "@" + server, name, "A", "+time=2", "+tries=2"}, 20s);
    Answer answer;
    answer.raw = done.out;
    std::smatch m;
    if (std::regex_search(done.out, m, std::regex("status: ([A-Z]+)"))) answer.status = m[1];
    if (std::regex_search(done.out, m, std::regex("Query time: ([0-9]+) msec")))
      answer.query_ms = std::stol(m[1]);
    std::regex a_record("\\sIN\\s+A\\s+([0-9.]+)");
    for (auto it = std::sregex_iterator(done.out.begin(), done.out.end(), a_record);
         it != std::sregex_iterator(); ++it) {
      answer.addresses += (answer.addresses.empty() ? "" : " ") + (*it)[1].str();
    }
    return answer;
  }

  static std::string address_of(const LabUp& lab, const std::string& owner,
                                const std::string& network) {
    for (const LabLink* link : lab.state().links_of(owner)) {
      if (link->network == network) return link->address.str();
    }
    ADD_FAILURE() << owner << " has no link on network " << network;
    return "";
  }

  pid_t dnsmasq_pid(const LabUp& lab) const {
    const LabNode* arbiter = lab.state().find_node("elitedesk");
    std::ifstream in(arbiter->host_data_dir + "/dnsmasq/dnsmasq.pid");
    long pid = 0;
    in >> pid;
    return pid > 0 && process_running(static_cast<pid_t>(pid)) ? static_cast<pid_t>(pid) : 0;
  }

  std::string dir_, script_;
};

TEST_F(DnsDhcp, TheArbiterKeepsTheNetworkAlive) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  std::cout << "lab up took " << lab.took().count() << " ms\n";
  EXPECT_NE(lab.output().find("upstream DNS"), std::string::npos) << lab.output();

  LoadResult loaded = load_spec_file(example_spec());
  ASSERT_TRUE(loaded.ok());
  auto planned = plan(*loaded.spec, ObservedState{});
  ASSERT_TRUE(planned.ok());
  const std::string dns_server = address_of(lab, "elitedesk", "home");  // the planner's choice
  EXPECT_EQ(dns_server, "10.1.3.24");

  // DNS answers once the arbiter's hearthd runs dnsmasq.
  auto ready = wait_until(
      [&] { return dig(lab, "home", dns_server, "nas.home.arpa").addresses == "10.1.2.40"; }, 60s,
      250ms);
  ASSERT_TRUE(ready) << "dnsmasq never answered; the arbiter's hearthd log:\n"
                     << read_text_file(lab.state().find_node("elitedesk")->log_dir +
                                       "/hearthd.log");
  std::cout << "DNS answered " << ready->count() << " ms after lab up returned\n";

  // A lease in the home range, with the gateway as router and the arbiter as DNS server.
  Lease first = lease(lab, "home", "dhcp1", "02:00:00:00:00:01");
  ASSERT_GE(first.took_ms, 0) << first.log;
  std::cout << "lease " << first.ip << " in " << first.took_ms << " ms\n";
  auto ip = Ipv4::parse(first.ip);
  ASSERT_TRUE(ip.has_value()) << first.ip;
  EXPECT_TRUE(Ipv4Range::parse("10.1.3.25-10.1.3.254")->contains(*ip)) << first.ip;
  EXPECT_EQ(first.router, "10.1.3.1");
  EXPECT_EQ(first.dns, dns_server);
  EXPECT_EQ(first.domain, "home.arpa");

  // The reservation's MAC gets its fixed address.
  Lease reserved = lease(lab, "home", "laserjet", "3c:52:82:00:00:05");
  ASSERT_GE(reserved.took_ms, 0) << reserved.log;
  EXPECT_EQ(reserved.ip, "10.1.3.5");

  // Names: nodes, services (the planner's addresses), the reservation, dns.records.
  std::map<std::string, std::string> expected = {{"r510.home.arpa", "10.1.2.17"},
                                                 {"r530.home.arpa", "10.1.2.22"},
                                                 {"elitedesk.home.arpa", "10.1.2.26"},
                                                 {"laserjet.home.arpa", "10.1.3.5"},
                                                 {"nas.home.arpa", "10.1.2.40"}};
  for (const auto& service : planned->services)
    expected[service.name + ".home.arpa"] = service.address.str();
  long slowest = 0;
  for (const auto& [name, address] : expected) {
    Answer answer = dig(lab, "home", dns_server, name);
    EXPECT_EQ(answer.addresses, address) << name << ":\n" << answer.raw;
    slowest = std::max(slowest, answer.query_ms);
  }
  std::cout << expected.size() << " names answered, slowest query " << slowest << " ms\n";
  // Authoritative for the domain: an unknown name there is NXDOMAIN, not forwarded.
  EXPECT_EQ(dig(lab, "home", dns_server, "nosuch.home.arpa").status, "NXDOMAIN");
  // Anything else goes to dns.upstream, which in the lab is the router's resolver.
  Answer outside = dig(lab, "home", dns_server, kOutsideTestName);
  EXPECT_EQ(outside.addresses, kOutsideTestAddress) << outside.raw;
  std::cout << "forwarded " << kOutsideTestName << " in " << outside.query_ms << " ms\n";
  std::string upstream_log = read_text_file(std::string(kLabRoot) + "/router/upstream-dns.log");
  EXPECT_NE(upstream_log.find(std::string("query[A] ") + kOutsideTestName + " from 10.1.2.26"),
            std::string::npos)
      << upstream_log;
  EXPECT_EQ(dig(lab, "home", dns_server, "example.com").addresses, "");

  // A live change: `hearth apply` of a spec with one more record. dnsmasq serves it within
  // seconds, and the leases it handed out are kept.
  auto change = SteadyClock::now();
  Completed applied = lab.apply(example_spec_variant(1));
  ASSERT_TRUE(applied.succeeded()) << applied.out << applied.err;
  auto served = wait_until(
      [&] { return dig(lab, "home", dns_server, "lab-test-1.home.arpa").addresses == "10.1.2.61"; },
      30s, 200ms);
  ASSERT_TRUE(served) << read_text_file(lab.state().find_node("elitedesk")->log_dir +
                                        "/hearthd.log");
  std::cout << "applied a new record: answered " << elapsed_ms(change)
            << " ms after `hearth apply` began\n";
  std::string kept =
      read_text_file(lab.state().find_node("elitedesk")->host_data_dir + "/dnsmasq/dnsmasq.leases");
  EXPECT_NE(kept.find(first.ip), std::string::npos) << kept;
  EXPECT_NE(kept.find("10.1.3.5"), std::string::npos) << kept;
  EXPECT_EQ(dig(lab, "home", dns_server, "nas.home.arpa").addresses, "10.1.2.40");

  // Both servers lose power: no quorum anywhere. DHCP and DNS go on.
  pid_t served_by = dnsmasq_pid(lab);
  ASSERT_GT(served_by, 0);
  lab.kill_power("r510");
  lab.kill_power("r530");
  auto cut = SteadyClock::now();
  Lease without_servers = lease(lab, "home", "dhcp2", "02:00:00:00:00:02");
  ASSERT_GE(without_servers.took_ms, 0) << without_servers.log;
  std::cout << "with both servers cut: lease " << without_servers.ip << " in "
            << without_servers.took_ms << " ms\n";
  EXPECT_NE(without_servers.ip, first.ip);
  EXPECT_EQ(dig(lab, "home", dns_server, "homepage.home.arpa").addresses, "10.1.2.130");
  EXPECT_EQ(dig(lab, "home", dns_server, kOutsideTestName).addresses, kOutsideTestAddress);
  std::this_thread::sleep_for(3s);  // past the lease TTL and the fence: still the same dnsmasq
  EXPECT_EQ(dnsmasq_pid(lab), served_by) << "dnsmasq was restarted by the loss of quorum";
  std::cout << "no quorum for " << elapsed_ms(cut) << " ms, dnsmasq untouched\n";

  // The arbiter's hearthd (and etcd) crash and come back, still without quorum: dnsmasq serves
  // from the saved copy, under the new hearthd.
  lab.kill_process("elitedesk");
  EXPECT_EQ(dig(lab, "home", dns_server, "r510.home.arpa").addresses, "10.1.2.17")
      << "the orphaned dnsmasq keeps serving while hearthd is down";
  auto restart = SteadyClock::now();
  lab.revive("elitedesk");
  auto replaced = wait_until(
      [&] {
        pid_t now = dnsmasq_pid(lab);
        return now > 0 && now != served_by;
      },
      30s, 100ms);
  ASSERT_TRUE(replaced) << read_text_file(lab.state().find_node("elitedesk")->log_dir +
                                          "/hearthd.log");
  auto answering = wait_until(
      [&] { return dig(lab, "home", dns_server, "nas.home.arpa").addresses == "10.1.2.40"; }, 30s,
      100ms);
  ASSERT_TRUE(answering);
  std::cout << "arbiter's hearthd restarted without quorum: dnsmasq serving again "
            << elapsed_ms(restart) << " ms after revive began\n";
  const std::string hearthd_log_file = lab.state().find_node("elitedesk")->log_dir + "/hearthd.log";
  EXPECT_TRUE(wait_until(
      [&] {
        return read_text_file(hearthd_log_file)
                   .find("serving the saved configuration of spec revision 2") != std::string::npos;
      },
      10s))
      << read_text_file(hearthd_log_file);
  Lease after_restart = lease(lab, "home", "dhcp3", "02:00:00:00:00:03");
  ASSERT_GE(after_restart.took_ms, 0) << after_restart.log;
  EXPECT_EQ(dig(lab, "home", dns_server, "laserjet.home.arpa").addresses, "10.1.3.5");
  // The leases handed out before the restart are still known.
  std::string leases =
      read_text_file(lab.state().find_node("elitedesk")->host_data_dir + "/dnsmasq/dnsmasq.leases");
  EXPECT_NE(leases.find(first.ip), std::string::npos) << leases;
  EXPECT_NE(leases.find(without_servers.ip), std::string::npos) << leases;

  // The servers come back: the cluster heals by itself; DNS and DHCP were never disturbed.
  pid_t before_revival = dnsmasq_pid(lab);
  lab.revive("r510");
  lab.revive("r530");
  auto healed = wait_until(
      [&] {
        Completed status = hearth({"status", "--json", "--node", "elitedesk"}, 10s);
        auto json = nlohmann::json::parse(status.out, nullptr, false);
        return json.is_object() && json.contains("quorum") && json["quorum"].value("ok", false);
      },
      60s, 500ms);
  EXPECT_TRUE(healed) << "quorum did not come back";
  Lease healed_lease = lease(lab, "home", "dhcp4", "02:00:00:00:00:04");
  EXPECT_GE(healed_lease.took_ms, 0) << healed_lease.log;
  EXPECT_EQ(dig(lab, "home", dns_server, "whoami.home.arpa").addresses,
            expected["whoami.home.arpa"]);
  EXPECT_EQ(dnsmasq_pid(lab), before_revival) << "an unchanged configuration restarted dnsmasq";
}

}  // namespace
}  // namespace hearth::lab::testing
