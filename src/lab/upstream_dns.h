#pragma once
// The lab's stand-in for the internet's DNS resolvers: the arbiter forwards every name outside the
// cluster domain to dns.upstream, and in the lab those queries must never reach the real internet.
//
// The lab does not rewrite the spec. Its router namespace answers AT the spec's upstream
// addresses: each upstream address that lies outside every network of the spec (1.1.1.1, 1.0.0.1
// in the example) is put on the router's loopback, where a small dnsmasq answers. The nodes'
// default route goes through the router, which has no way out of the lab, so a query for an
// upstream can only ever reach this resolver. It knows ONE name, `outside.test` -> 192.0.2.10
// (TEST-NET-1), refuses everything else, and logs every query (so tests see what was forwarded).
// It also answers on the management network's gateway, to be asked directly.

#include <ostream>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "common/result.h"
#include "lab/lab_state.h"
#include "spec/spec.h"

namespace hearth::lab {

inline constexpr const char* kOutsideTestName = "outside.test";
inline constexpr const char* kOutsideTestAddress = "192.0.2.10";

struct LabUpstreamDns {
  std::vector<Ipv4> emulated;  // upstreams outside every network: put on the router's loopback
  std::vector<Ipv4> listen;    // where the resolver answers (emulated + the router's gateways among
                               // the upstreams + the management gateway), no duplicates
  std::vector<Ipv4> unanswered;  // upstreams inside a network but not a gateway: nothing answers
  std::string dir;               // its files, on the host: upstream-dns.conf, .pid, .log
  std::string config;            // its dnsmasq configuration

  std::string config_file() const { return dir + "/upstream-dns.conf"; }
  std::string log_file() const { return dir + "/upstream-dns.log"; }
  std::string pid_file() const { return dir + "/upstream-dns.pid"; }
};

// Pure: what the router's resolver serves for `spec`, with its files in `dir`.
LabUpstreamDns plan_lab_upstream_dns(const Spec& spec, const std::string& dir);

// Puts the emulated addresses on the router's loopback and starts the resolver in the router
// namespace (a detached dnsmasq; `hearth lab down` stops it with everything else in the lab's
// namespaces). Says what it did on `out`. Fails when dnsmasq does not start.
Status start_lab_upstream_dns(const LabState& state, const LabUpstreamDns& upstream,
                              std::ostream& out);

}  // namespace hearth::lab
