#include "lab/upstream_dns.h"

#include <algorithm>
#include <thread>

#include "common/process.h"
#include "lab/system.h"

namespace hearth::lab {
namespace {

void add_once(std::vector<Ipv4>& list, Ipv4 address) {
  if (std::find(list.begin(), list.end(), address) == list.end()) list.push_back(address);
}

std::string joined(const std::vector<Ipv4>& addresses) {
  std::string text;
  for (Ipv4 address : addresses) text += (text.empty() ? "" : ", ") + address.str();
  return text;
}

}  // namespace

LabUpstreamDns plan_lab_upstream_dns(const Spec& spec, const std::string& dir) {
  LabUpstreamDns upstream;
  upstream.dir = dir;
  for (Ipv4 address : spec.dns.upstream) {
    bool gateway = false, inside = false;
    for (const Network& network : spec.networks) {
      inside = inside || network.cidr.contains(address);
      gateway = gateway || network.gateway == address;
    }
    if (gateway) {
      add_once(upstream.listen, address);
    } else if (inside) {
      add_once(upstream.unanswered, address);
    } else {
      add_once(upstream.emulated, address);
      add_once(upstream.listen, address);
    }
  }
  for (const Network& network : spec.networks) {
    if (network.management && network.gateway) add_once(upstream.listen, *network.gateway);
  }
  std::string& c = upstream.config;
  c += "# The lab's stand-in for the internet's DNS resolvers (hearth lab, "
       "src/lab/upstream_dns.h).\n";
  c += "keep-in-foreground\nuser=root\npid-file=" + upstream.pid_file() + "\n";
  c += "log-facility=-\nlog-queries\nno-resolv\nno-hosts\nno-poll\nbind-interfaces\n";
  for (Ipv4 address : upstream.listen) c += "listen-address=" + address.str() + "\n";
  c += "host-record=" + std::string(kOutsideTestName) + "," + kOutsideTestAddress + "\n";
  return upstream;
}

Status start_lab_upstream_dns(const LabState& state, const LabUpstreamDns& upstream,
                              std::ostream& out) {
  if (upstream.listen.empty()) {
    out << "  upstream DNS: the spec has no upstream and no management gateway; no lab resolver\n";
    return ok_status();
  }
  for (Ipv4 address : upstream.emulated) {
    if (auto s = run_step(
            {"ip", "-n", state.router_netns, "addr", "replace", address.str() + "/32", "dev", "lo"},
            "cannot put the upstream DNS address " + address.str() + " on the lab's router");
        !s) {
      return s;
    }
  }
  if (auto s = make_dirs(upstream.dir, 0755); !s) return s;
  if (auto s = write_text_file(upstream.config_file(), upstream.config); !s) return s;
  auto started = start_daemon({.argv = {"nsenter", "--net=/run/netns/" + state.router_netns,
                                        "dnsmasq", "--conf-file=" + upstream.config_file()},
                               .out = Output::file,
                               .err = Output::merge,
                               .output_file = upstream.log_file()});
  if (!started)
    return Error{"cannot start the lab's upstream DNS resolver: " + started.error().message};
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (!process_running(*started)) {
    return Error{"the lab's upstream DNS resolver (dnsmasq in " + state.router_netns +
                 ") exited at once; see " + upstream.log_file()};
  }
  out << "  upstream DNS " << joined(upstream.listen) << ": answered inside the lab by the router ("
      << kOutsideTestName << " -> " << kOutsideTestAddress
      << " only; nothing leaves the machine)\n";
  if (!upstream.unanswered.empty()) {
    out << "  note: the upstream DNS address" << (upstream.unanswered.size() > 1 ? "es " : " ")
        << joined(upstream.unanswered)
        << " lie in a network of the spec; nothing in the lab answers there\n";
  }
  return ok_status();
}

}  // namespace hearth::lab
