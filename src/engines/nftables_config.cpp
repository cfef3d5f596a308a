#include "engines/nftables_config.h"

#include <cctype>

#include "common/strings.h"

namespace hearth {
namespace {

const char* protocol_name(Protocol protocol) { return protocol == Protocol::udp ? "udp" : "tcp"; }

std::string source_set(const std::vector<Cidr>& sources) {
  std::vector<std::string> items;
  items.reserve(sources.size());
  for (const Cidr& cidr : sources) items.push_back(cidr.str());
  return "{ " + join(items, ", ") + " }";
}

std::string port_text(const PortRange& range) {
  std::string text = std::to_string(range.first);
  if (range.last != range.first) text += "-" + std::to_string(range.last);
  return text;
}

// Rule names and service names are fixed words or validated DNS labels; this keeps a comment
// harmless even for a Spec that did not come from the loader.
std::string comment(const std::string& text) {
  std::string safe;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') safe += c;
  }
  return " comment \"" + safe + "\"";
}

// The create-if-missing + delete + define sequence that replaces a table in one transaction.
std::string table(const char* name, const std::string& chain_body) {
  std::string text;
  text += "table inet " + std::string(name) + " {}\n";
  text += "delete table inet " + std::string(name) + "\n";
  text += "table inet " + std::string(name) + " {\n";
  text += chain_body;
  text += "}\n";
  return text;
}

}  // namespace

std::string render_node_ruleset(const NodeFirewall& firewall) {
  std::string body;
  body += "  chain input {\n";
  body += "    type filter hook input priority filter; policy accept;\n";
  body += "    iifname \"lo\" accept\n";
  body += "    ct state established,related accept\n";
  for (const NodeFirewallRule& rule : firewall.rules) {
    for (const PortRange& range : rule.ports) {
      std::string match = std::string(protocol_name(range.protocol)) + " dport " + port_text(range);
      if (!rule.allowed_sources.empty()) {
        body += "    ip saddr " + source_set(rule.allowed_sources) + " " + match + " accept" +
                comment(rule.name) + "\n";
      }
      body += "    " + match + " drop" + comment(rule.name) + "\n";
    }
  }
  body += "  }\n";
  return table(kNodeFirewallTable, body);
}

std::string render_service_ruleset(const ServiceFirewall& firewall) {
  std::string body;
  body += "  chain input {\n";
  body += "    type filter hook input priority filter; policy drop;\n";
  body += "    iifname \"lo\" accept\n";
  body += "    ct state established,related accept\n";
  if (!firewall.allowed_sources.empty()) {
    for (Protocol protocol : {Protocol::tcp, Protocol::udp}) {
      std::vector<std::string> ports;
      for (const Port& port : firewall.ports) {
        if (port.protocol == protocol) ports.push_back(std::to_string(port.number));
      }
      if (ports.empty()) continue;
      body += "    ip saddr " + source_set(firewall.allowed_sources) + " " + protocol_name(protocol) +
              " dport { " + join(ports, ", ") + " } accept" + comment(firewall.service) + "\n";
    }
  }
  body += "  }\n";
  return table(kServiceFirewallTable, body);
}

}  // namespace hearth
