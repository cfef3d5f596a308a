// hearth plan -f FILE [--json]: what applying the spec would make, computed offline (no cluster).

#include <iostream>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/spec_input.h"
#include "common/strings.h"
#include "engines/nftables_config.h"
#include "plan/plan.h"
#include "plan/plan_json.h"
#include "plan/quantities.h"
#include "spec/units.h"
#include "spec/values.h"

namespace hearth::cli {
namespace {

std::string describe_brick(const Brick& brick) {
  return brick.node + ":" + brick.disk + " " + brick.path;
}

void print_volumes(const Plan& plan) {
  std::cout << paint(std::cout, Colour::bold, "Volumes") << " (replica 3 arbiter 1)\n";
  Table table({"VOLUME", "SIZE", "DATA BRICK", "DATA BRICK", "ARBITER BRICK"});
  for (const VolumePlan& volume : plan.volumes) {
    table.add_row({volume.volume, format_size(volume.size), describe_brick(volume.data[0]),
                   describe_brick(volume.data[1]),
                   describe_brick(volume.arbiter) + " (" + format_size(volume.arbiter.size) + ")"});
  }
  if (table.empty()) std::cout << "  none\n"; else table.print(std::cout, "  ");
}

void print_services(const Spec& spec, const Plan& plan) {
  std::cout << paint(std::cout, Colour::bold, "Services") << '\n';
  Table table({"SERVICE", "NODE", "ADDRESS", "NETWORK", "PORTS", "WHY"});
  for (const ServicePlan& service : plan.services) {
    std::vector<std::string> ports;
    for (const Port& port : spec.find_service(service.name)->ports) ports.push_back(format_port(port));
    std::string node = service.node ? *service.node : paint(std::cout, Colour::red, "none");
    table.add_row({service.name, node,
                   service.address.str() + " (" + std::string(name_of(service.address_source)) + ")",
                   service.network, join(ports, " "), service.reason});
  }
  if (table.empty()) std::cout << "  none\n"; else table.print(std::cout, "  ");

  Table servers({"SERVER", "SERVICES", "CPUS REQUESTED", "MEMORY REQUESTED"});
  for (const NodeLoad& load : plan.servers) {
    servers.add_row({load.node, std::to_string(load.services),
                     format_cpus(load.cpus_used) + " of " + format_cpus(load.cpus_capacity),
                     format_size(load.memory_used) + " of " + format_size(load.memory_capacity)});
  }
  std::cout << '\n';
  servers.print(std::cout, "  ");
}

void print_dns_dhcp(const Plan& plan) {
  std::vector<std::string> upstream;
  for (Ipv4 address : plan.dns.upstream) upstream.push_back(address.str());
  std::cout << paint(std::cout, Colour::bold, "DNS") << " for " << plan.dns.domain << ", served by "
            << plan.dns.server << "; other names forwarded to "
            << (upstream.empty() ? "nobody" : join(upstream, ", ")) << '\n';
  Table records({"NAME", "ADDRESS", "FROM"});
  for (const DnsEntry& entry : plan.dns.records) {
    records.add_row({entry.name, entry.address.str(), std::string(name_of(entry.source))});
  }
  records.print(std::cout, "  ");

  std::cout << '\n' << paint(std::cout, Colour::bold, "DHCP") << ", served by " << plan.dns.server << '\n';
  Table scopes({"NETWORK", "RANGE", "LEASE", "ROUTER", "DNS SERVER", "RESERVATIONS"});
  for (const DhcpScope& scope : plan.dhcp) {
    std::vector<std::string> reservations;
    for (const DhcpReservation& r : scope.reservations) {
      reservations.push_back(r.name + " " + r.mac + " " + r.address.str());
    }
    scopes.add_row({scope.network, scope.range.str(), format_duration(scope.lease),
                    scope.router ? scope.router->str() : "none", scope.dns_server.str(),
                    reservations.empty() ? "-" : join(reservations, ", ")});
  }
  if (scopes.empty()) std::cout << "  none\n"; else scopes.print(std::cout, "  ");
}

void print_firewall(const Plan& plan) {
  std::cout << paint(std::cout, Colour::bold, "Firewall") << ": each service accepts only these; "
            << "everything else to its address is dropped\n";
  Table services({"SERVICE", "ADDRESS", "PORTS", "FROM"});
  for (const ServiceFirewall& rule : plan.firewall.services) {
    std::vector<std::string> ports, sources;
    for (const Port& port : rule.ports) ports.push_back(format_port(port));
    for (const Cidr& cidr : rule.allowed_sources) sources.push_back(cidr.str());
    services.add_row({rule.service, rule.address.str(), ports.empty() ? "none" : join(ports, " "),
                      join(sources, ", ")});
  }
  if (services.empty()) std::cout << "  no services\n"; else services.print(std::cout, "  ");

  std::cout << "\n  Nodes: hearth's own ports are accepted only from\n";
  Table nodes({"NODE", "RULE", "PORTS", "FROM"});
  for (const NodeFirewall& node : plan.firewall.nodes) {
    for (const NodeFirewallRule& rule : node.rules) {
      std::vector<std::string> ports, sources;
      for (const PortRange& range : rule.ports) ports.push_back(format_port_range(range));
      for (const Cidr& cidr : rule.allowed_sources) sources.push_back(cidr.str());
      nodes.add_row({node.node, rule.name, join(ports, " "), join(sources, ", ")});
    }
  }
  nodes.print(std::cout, "  ");
}

// The exact rulesets hearthd applies (engines/nftables_config.h), each one a file `nft -f` takes.
void print_nftables(const Plan& plan) {
  for (const NodeFirewall& node : plan.firewall.nodes) {
    std::cout << "# node " << node.node << ": in the node's own network namespace\n"
              << render_node_ruleset(node) << '\n';
  }
  for (const ServiceFirewall& service : plan.firewall.services) {
    std::cout << "# service " << service.service << " (" << service.address.str()
              << "): in the service's network namespace\n"
              << render_service_ruleset(service) << '\n';
  }
}

}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string file;
    bool json = false;
    bool nftables = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "plan", "What applying the spec would make: bricks, placements, addresses, DNS, DHCP, firewall");
  command->add_option("-f,--file", options->file, "The spec file")->required();
  command->add_flag("--json", options->json, "Machine-readable output (docs/plan-json.md)");
  command->add_flag("--nft", options->nftables,
                    "Print the exact nftables rulesets of every node and service instead")
      ->excludes("--json");
  command->callback([options, &exit_code] {
    auto spec = load_spec_or_report(options->file, options->json, exit_code);
    if (!spec) return;
    Result<Plan> planned = plan(*spec, ObservedState{});
    if (!planned) {
      std::cerr << paint(std::cerr, Colour::red, "error: ") << options->file << ": "
                << planned.error().message << '\n';
      exit_code = kExitFailed;
      return;
    }
    if (options->json) {
      std::cout << to_json(*planned).dump(2) << '\n';
      return;
    }
    if (options->nftables) {
      print_nftables(*planned);
      return;
    }
    std::cout << "Plan for cluster " << spec->cluster.name << " (" << options->file
              << "), computed offline: nothing allocated yet\n\n";
    print_volumes(*planned);
    std::cout << '\n';
    print_services(*spec, *planned);
    std::cout << '\n';
    print_dns_dhcp(*planned);
    std::cout << '\n';
    print_firewall(*planned);
  });
}

}  // namespace hearth::cli
