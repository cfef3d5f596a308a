#pragma once
// The arbiter's dnsmasq configuration, rendered from the plan (plan/dns_dhcp.h). Pure: no I/O.
//
// What it says (docs/operations.md, "DNS and DHCP on the arbiter"):
//   - DHCP on every network with a range: the range and lease time, the gateway as the router
//     (no router option when the network has no gateway), the arbiter's address on that network
//     as the DNS server, the cluster domain, and the static reservations by MAC, with their names;
//   - DNS for the cluster domain: an A record (and its PTR) for every node, service, reservation
//     and dns.records entry; authoritative (local=/DOMAIN/): an unknown name in the domain is
//     NXDOMAIN, never forwarded; every other name forwarded to dns.upstream only (no-resolv,
//     no-hosts: the machine's /etc/resolv.conf and /etc/hosts are never read);
//   - bind-interfaces on exactly the arbiter's addresses (DnsPlan::listen);
//   - its own lease file, pid file and log (stderr) under the paths given: dnsmasq stays in the
//     foreground as root, supervised by hearthd (engines/dnsmasq.h).
//
// Nothing of the spec can add a line: every value is rendered from a typed field (addresses) or
// checked here again, whatever the loader already checked (names must be DNS labels, the domain a
// DNS name, MACs "aa:bb:cc:dd:ee:ff", paths absolute and free of newlines, '#', ',' and quotes).
// A value that fails the check fails the whole rendering: no partial configuration is produced.

#include <string>
#include <vector>

#include "common/result.h"
#include "plan/dns_dhcp.h"

namespace hearth {

struct DnsmasqFiles {
  std::string lease_file;  // absolute; dhcp-leasefile=, kept across restarts and config changes
  std::string pid_file;    // absolute; pid-file=
};

// The configuration file's full text, deterministic (the same inputs give the same bytes, so an
// unchanged plan never restarts dnsmasq). Fails, naming the offending value and where it came
// from, when a value could inject configuration (see above) or when there is nothing to listen on.
Result<std::string> render_dnsmasq_config(const DnsPlan& dns, const std::vector<DhcpScope>& dhcp,
                                          const DnsmasqFiles& files);

}  // namespace hearth
