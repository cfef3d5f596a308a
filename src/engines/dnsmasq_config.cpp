#include "engines/dnsmasq_config.h"

#include <algorithm>
#include <string_view>

#include "spec/values.h"

namespace hearth {
namespace {

// What may appear in a path of the configuration: absolute, printable, and none of the characters
// dnsmasq's parser gives a meaning to (',' separates values, '#' starts a comment, quotes and
// backslashes are unquoted, whitespace is trimmed).
bool is_safe_path(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.size() > 4096) return false;
  return std::all_of(path.begin(), path.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != ',' && c != '#' && c != '"' && c != '\'' && c != '\\';
  });
}

// "aa:bb:cc:dd:ee:ff", lowercase: the loader's normal form, and nothing else.
bool is_normal_mac(std::string_view mac) {
  if (mac.size() != 17) return false;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    char c = mac[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

// A value as it may appear in an error message: quoted, with control characters made visible.
std::string shown(std::string_view value) {
  std::string text = "'";
  for (char c : value.substr(0, 80)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      text += "\\n";
    } else if (u < 0x20 || u == 0x7f) {
      text += "\\x" + std::string(1, "0123456789abcdef"[u >> 4]) + "0123456789abcdef"[u & 15];
    } else {
      text += c;
    }
  }
  if (value.size() > 80) text += "...";
  return text + "'";
}

Error refused(const std::string& what, std::string_view value, const std::string& rule) {
  return Error{"cannot render the dnsmasq configuration: " + what + " " + shown(value) +
               " is not " + rule +
               "; nothing was changed (the spec loader should have refused it: report a bug)"};
}

// A fully qualified name of the cluster domain: DNS labels joined by dots, inside `domain`.
bool is_name_in(std::string_view name, std::string_view domain) {
  return is_dns_name(name) && name.size() > domain.size() + 1 &&
         name.substr(name.size() - domain.size()) == domain &&
         name[name.size() - domain.size() - 1] == '.';
}

const char* source_name(DnsSource source) {
  switch (source) {
    case DnsSource::node:
      return "node";
    case DnsSource::service:
      return "service";
    case DnsSource::reservation:
      return "DHCP reservation";
    case DnsSource::record:
      return "dns.records entry";
  }
  return "record";
}

// Lease time in whole seconds, rounded up (dnsmasq itself raises anything below 2 minutes).
std::string lease_seconds(Milliseconds lease) {
  Milliseconds seconds = (std::max<Milliseconds>(lease, 0) + 999) / 1000;
  return std::to_string(std::max<Milliseconds>(seconds, 120));
}

}  // namespace

Result<std::string> render_dnsmasq_config(const DnsPlan& dns, const std::vector<DhcpScope>& dhcp,
                                          const DnsmasqFiles& files) {
  if (!is_dns_name(dns.domain)) return refused("the cluster domain", dns.domain, "a DNS name");
  if (!is_safe_path(files.lease_file)) {
    return refused("the lease file", files.lease_file,
                   "an absolute path without ',', '#', quotes or spaces");
  }
  if (!is_safe_path(files.pid_file)) {
    return refused("the pid file", files.pid_file,
                   "an absolute path without ',', '#', quotes or spaces");
  }
  if (dns.listen.empty()) {
    return Error{
        "cannot render the dnsmasq configuration: the arbiter has no address to listen on; "
        "nothing was changed"};
  }

  std::string text;
  auto line = [&text](std::string_view content) {
    text += content;
    text += '\n';
  };
  line("# dnsmasq configuration of the arbiter" +
       (is_dns_label(dns.server) ? " " + dns.server : std::string()) +
       ", written by hearthd from the spec: do not edit, it is rewritten on every change.");
  line("# Run it by hand (as root, on the arbiter) with: dnsmasq --conf-file=THIS_FILE");
  line("keep-in-foreground");
  line("user=root");
  line("pid-file=" + files.pid_file);
  line("log-facility=-");
  line("no-resolv");
  line("no-hosts");
  line("no-poll");
  line("bind-interfaces");
  for (Ipv4 address : dns.listen) line("listen-address=" + address.str());

  line("");
  line("# DNS: the cluster domain is answered here only; everything else goes upstream.");
  line("domain-needed");
  line("bogus-priv");
  line("domain=" + dns.domain);
  line("local=/" + dns.domain + "/");
  for (Ipv4 upstream : dns.upstream) line("server=" + upstream.str());
  for (const DnsEntry& entry : dns.records) {
    if (!is_name_in(entry.name, dns.domain)) {
      return refused(std::string("the DNS name of a ") + source_name(entry.source), entry.name,
                     "a name of DNS labels inside the cluster domain " + dns.domain);
    }
    line("host-record=" + entry.name + "," + entry.address.str());
  }

  if (!dhcp.empty()) {
    line("");
    line("# DHCP: one scope per network with a range; leases survive restarts in the lease file.");
    line("dhcp-leasefile=" + files.lease_file);
    line("dhcp-authoritative");
  }
  for (const DhcpScope& scope : dhcp) {
    if (!is_dns_label(scope.network))
      return refused("the network name", scope.network, "a DNS label");
    if (!is_dns_name(scope.domain)) {
      return refused("the domain of network " + scope.network, scope.domain, "a DNS name");
    }
    const std::string tag = "tag:" + scope.network + ",";
    line("");
    line("# network " + scope.network + " (" + scope.cidr.str() + ")");
    line("dhcp-range=set:" + scope.network + "," + scope.range.first.str() + "," +
         scope.range.last.str() + "," + Ipv4{scope.cidr.mask()}.str() + "," +
         lease_seconds(scope.lease));
    // Without a gateway, no router at all (dnsmasq would otherwise offer its own address).
    line("dhcp-option=" + tag + "option:router" + (scope.router ? "," + scope.router->str() : ""));
    line("dhcp-option=" + tag + "option:dns-server," + scope.dns_server.str());
    line("dhcp-option=" + tag + "option:domain-name," + scope.domain);
    for (const DhcpReservation& reservation : scope.reservations) {
      if (!is_dns_label(reservation.name)) {
        return refused("the name of a DHCP reservation of network " + scope.network,
                       reservation.name, "a DNS label");
      }
      if (!is_normal_mac(reservation.mac)) {
        return refused("the MAC of DHCP reservation " + reservation.name, reservation.mac,
                       "a MAC address like 3c:52:82:00:00:05");
      }
      line("dhcp-host=" + reservation.mac + "," + reservation.address.str() + "," +
           reservation.name);
    }
  }
  return text;
}

}  // namespace hearth
