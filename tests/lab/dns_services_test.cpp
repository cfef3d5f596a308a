// Scenario lab_dns_services: every service name resolves to the address its service actually
// holds. Lab up with the example spec (homepage fixed at 10.1.2.130; notes and whoami take the
// first two pool addresses, .128 and .129); then a spec without notes and with whoami before
// homepage is applied. Nothing is renumbered (whoami keeps .129), and the arbiter's DNS must say
// so: it serves the leader's stored decision, not a plan of its own (which would hand the freed
// .128 to whoami). Checked with the services running, and again after whoami's server loses power
// and whoami fails over to the other server.
//
// "Holds" is read from the machine, not from hearth: the address inside the service's network
// namespace on the node that runs it, and the page the service serves there.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <string>

#include "common/file.h"
#include "lab_fixture.h"
#include "volume_helpers.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDnsServer = "10.1.3.24";  // the arbiter on `home` (planner's choice)

// The example spec without `notes`, and with `whoami` moved before `homepage`.
std::string spec_without_notes_reordered() {
  std::string text = read_text_file(example_spec());
  auto homepage = text.find("  homepage:\n");
  auto notes = text.find("  notes:\n");
  auto whoami = text.find("  whoami:\n");
  auto end = text.find("\n# Encrypted");
  if (homepage == std::string::npos || notes == std::string::npos ||
      whoami == std::string::npos || end == std::string::npos || !(homepage < notes) ||
      !(notes < whoami) || !(whoami < end)) {
    ADD_FAILURE() << "the example spec no longer lists homepage, notes, whoami in this order";
    return "";
  }
  std::string reordered = text.substr(0, homepage) + text.substr(whoami, end + 1 - whoami) +
                          text.substr(homepage, notes - homepage) + text.substr(end + 1);
  std::string path = "/tmp/hearth_lab_dns_services_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << reordered;
  return path;
}

// `dig +short` from the home client: the A records, space separated ("" for none).
std::string resolve(const LabUp& lab, const std::string& service) {
  auto done = lab.exec("home", {"dig", "+short", "@" + std::string(kDnsServer),
                                service + ".home.arpa", "A", "+time=2", "+tries=2"},
                       20s);
  std::string out = done.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

// Where the service runs and the address its namespace holds there ("" when nowhere).
struct Held {
  std::string node, address;
};
Held held_by(const LabUp& lab, const std::string& service) {
  for (const char* node : {"r510", "r530"}) {
    auto addr = lab.exec(node, {"ip", "-n", "hearth-svc-" + service, "-4", "-o", "addr", "show",
                                "dev", "eth0"});
    std::smatch m;
    if (addr.succeeded() && std::regex_search(addr.out, m, std::regex("inet ([0-9.]+)/"))) {
      return {node, m[1]};
    }
  }
  return {};
}

std::string page_at(const LabUp& lab, const std::string& address, int port) {
  auto got = lab.exec("home",
                      {"curl", "-sS", "-m", "2", "http://" + address + ":" + std::to_string(port) + "/"},
                      5s);
  return got.succeeded() ? got.out : "";
}

struct Named {
  std::string service;
  int port;
};

// Every name resolves to the address its service holds, and that address serves the service.
// Waits (the services may still be starting or moving); returns a description of what was seen.
bool names_match(const LabUp& lab, const std::vector<Named>& services, std::string& seen) {
  seen.clear();
  bool all = true;
  for (const auto& s : services) {
    Held held = held_by(lab, s.service);
    std::string resolved = resolve(lab, s.service);
    std::string page = held.address.empty() ? "" : page_at(lab, held.address, s.port);
    bool ok = !held.address.empty() && resolved == held.address &&
              page == "hello from " + s.service + "\n";
    seen += s.service + ": DNS '" + resolved + "', held '" + held.address + "' on '" +
            held.node + "', page '" + page + "'\n";
    all = all && ok;
  }
  return all;
}

TEST(DnsServices, EveryNameResolvesToTheAddressItsServiceHolds) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  ASSERT_TRUE(wait_until([&] { return volume_ready(lab, "r510", "appdata"); }, 180s, 500ms))
      << "appdata was never mounted on both servers";
  for (const char* node : {"r510", "r530"}) {
    for (const char* service : {"homepage", "notes", "whoami"}) {
      std::string dir = std::string(kMountRoot) + "appdata/" + service;
      auto made = lab.exec(node, {"sh", "-c",
                                  "mkdir -p " + dir + " && echo hello from " + service + " > " +
                                      dir + "/index.html"});
      ASSERT_TRUE(made.succeeded()) << made.describe() << made.err;
    }
  }

  std::string seen;
  const std::vector<Named> all = {{"homepage", 80}, {"notes", 80}, {"whoami", 8080}};
  ASSERT_TRUE(wait_until([&] { return names_match(lab, all, seen); }, 90s, 500ms))
      << "with the example spec:\n" << seen;
  std::cout << "example spec:\n" << seen;
  const std::string whoami_address = held_by(lab, "whoami").address;
  EXPECT_EQ(whoami_address, "10.1.2.129");

  // notes (.128, the first pool address) goes; whoami comes first now. It keeps .129, and DNS
  // must follow it.
  std::string changed = spec_without_notes_reordered();
  ASSERT_FALSE(changed.empty());
  auto applied = lab.apply(changed);
  ::unlink(changed.c_str());
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  const std::vector<Named> left = {{"whoami", 8080}, {"homepage", 80}};
  auto converged = wait_until(
      [&] {
        return held_by(lab, "notes").node.empty() && resolve(lab, "notes").empty() &&
               names_match(lab, left, seen);
      },
      60s, 500ms);
  ASSERT_TRUE(converged) << "after removing notes and reordering:\n"
                         << seen << "notes: DNS '" << resolve(lab, "notes") << "', held on '"
                         << held_by(lab, "notes").node << "'\n"
                         << read_text_file(lab.state().find_node("elitedesk")->log_dir +
                                           "/hearthd.log");
  std::cout << "without notes, reordered (" << converged->count() << " ms):\n" << seen;
  EXPECT_EQ(held_by(lab, "whoami").address, whoami_address) << "whoami was renumbered";
  // Stable, not a passing moment: a few looks later it still holds.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(names_match(lab, left, seen)) << seen;

  // whoami's server loses power: whoami fails over, keeps its address, and DNS still matches.
  const std::string from = held_by(lab, "whoami").node;
  ASSERT_FALSE(from.empty());
  lab.kill_power(from);
  auto failed_over = wait_until(
      [&] {
        Held held = held_by(lab, "whoami");
        return !held.node.empty() && held.node != from && names_match(lab, left, seen);
      },
      60s, 500ms);
  ASSERT_TRUE(failed_over) << "after " << from << " lost power:\n" << seen;
  std::cout << "after " << from << " lost power (" << failed_over->count() << " ms):\n" << seen;
  EXPECT_EQ(held_by(lab, "whoami").address, whoami_address);
}

}  // namespace
}  // namespace hearth::lab::testing
