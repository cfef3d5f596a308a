#include "lab/network.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/process.h"
#include "lab/layout.h"
#include "lab/system.h"

namespace hearth::lab {
namespace {

// Names and flags of every link in a namespace ("ip -j link show").
Result<std::map<std::string, std::set<std::string>>> links_in(const std::string& netns) {
  auto text = run_step_output({"ip", "-n", netns, "-j", "link", "show"},
                              "cannot list the links of namespace " + netns);
  if (!text) return text.error();
  std::map<std::string, std::set<std::string>> links;
  try {
    for (const auto& link : nlohmann::json::parse(*text)) {
      std::set<std::string> flags;
      if (link.contains("flags")) {
        for (const auto& flag : link["flags"]) flags.insert(flag.get<std::string>());
      }
      links[link.at("ifname").get<std::string>()] = flags;
    }
  } catch (const std::exception& error) {
    return Error{"cannot read the links of namespace " + netns + ": " + error.what()};
  }
  return links;
}

}  // namespace

Status build_network(const LabState& state) {
  for (const auto& netns : state.namespaces) {
    if (!netns_exists(netns)) {
      if (auto s = run_step({"ip", "netns", "add", netns}, "cannot create namespace " + netns);
          !s) {
        return s;
      }
    }
    if (auto s = run_step({"ip", "-n", netns, "link", "set", "lo", "up"},
                          "cannot bring up loopback in " + netns);
        !s) {
      return s;
    }
  }
  if (auto s = run_step({"nsenter", "--net=/run/netns/" + state.router_netns, "--", "sysctl", "-q",
                         "-w", "net.ipv4.ip_forward=1"},
                        "cannot enable forwarding in the router namespace " + state.router_netns);
      !s) {
    return s;
  }

  auto switch_links = links_in(state.switch_netns);
  if (!switch_links) return switch_links.error();
  for (const auto& bridge : state.bridges) {
    if (!switch_links->count(bridge.name)) {
      // No STP (ports forward at once), no multicast snooping (IPv6 ND, gratuitous ARP and later
      // macvlan service addresses behind a port all just flood like on a dumb switch).
      if (auto s =
              run_step({"ip", "-n", state.switch_netns, "link", "add", bridge.name, "type",
                        "bridge", "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0"},
                       "cannot create the bridge of network " + bridge.network);
          !s) {
        return s;
      }
    }
    if (auto s = run_step({"ip", "-n", state.switch_netns, "link", "set", bridge.name, "up"},
                          "cannot bring up the bridge of network " + bridge.network);
        !s) {
      return s;
    }
  }

  std::map<std::string, std::map<std::string, std::set<std::string>>> owner_links;
  for (const auto& link : state.links) {
    std::string where = link.owner + "'s link to network " + link.network;
    if (!owner_links.count(link.netns)) {
      auto listed = links_in(link.netns);
      if (!listed) return listed.error();
      owner_links[link.netns] = std::move(*listed);
    }
    if (!owner_links[link.netns].count(link.interface)) {
      if (switch_links->count(
              link.switch_port)) {  // a half pair cannot exist, but a stale port can
        if (auto s = run_step({"ip", "-n", state.switch_netns, "link", "del", link.switch_port},
                              "cannot remove the stale switch port of " + where);
            !s) {
          return s;
        }
      }
      if (auto s = run_step({"ip", "-n", link.netns, "link", "add", link.interface, "type", "veth",
                             "peer", "name", link.switch_port, "netns", state.switch_netns},
                            "cannot create " + where);
          !s) {
        return s;
      }
    }
    std::string address = link.address.str() + "/" + std::to_string(link.prefix_length);
    for (const auto& step : std::vector<std::vector<std::string>>{
             {"ip", "-n", state.switch_netns, "link", "set", link.switch_port, "master",
              link.bridge},
             {"ip", "-n", state.switch_netns, "link", "set", link.switch_port, "up"},
             {"ip", "-n", link.netns, "addr", "replace", address, "dev", link.interface},
             {"ip", "-n", link.netns, "link", "set", link.interface, "up"}}) {
      if (auto s = run_step(step, "cannot set up " + where); !s) return s;
    }
  }
  for (const auto& route : state.routes) {
    if (auto s = run_step(
            {"ip", "-n", route.netns, "route", "replace", "default", "via", route.via.str()},
            "cannot add the default route of " + route.netns);
        !s) {
      return s;
    }
  }
  return ok_status();
}

Status delete_network(const LabState& state) {
  // Clients and nodes first, the switch last: each veth pair goes with its owner's namespace.
  for (auto it = state.namespaces.rbegin(); it != state.namespaces.rend(); ++it) {
    if (!netns_exists(*it)) continue;
    if (auto s = run_step({"ip", "netns", "delete", *it}, "cannot delete namespace " + *it); !s)
      return s;
  }
  return ok_status();
}

std::vector<LinkStatus> link_status(const LabState& state) {
  std::vector<LinkStatus> result;
  std::map<std::string, std::set<std::string>> switch_links;
  if (netns_exists(state.switch_netns)) {
    if (auto listed = links_in(state.switch_netns)) switch_links = std::move(*listed);
  }
  std::map<std::string, std::map<std::string, std::set<std::string>>> owner_links;
  for (const auto& link : state.links) {
    if (!owner_links.count(link.netns) && netns_exists(link.netns)) {
      if (auto listed = links_in(link.netns)) owner_links[link.netns] = std::move(*listed);
    }
    LinkStatus status;
    status.link = &link;
    auto port = switch_links.find(link.switch_port);
    bool owner_end = owner_links.count(link.netns) && owner_links[link.netns].count(link.interface);
    status.exists = port != switch_links.end() && owner_end;
    status.switch_up = port != switch_links.end() && port->second.count("UP");
    result.push_back(status);
  }
  return result;
}

Status set_links(const LabState& state, const std::string& owner, bool up) {
  auto links = state.links_of(owner);
  if (links.empty()) return Error{"the lab has no links of " + owner};
  for (const LabLink* link : links) {
    if (auto s = run_step(
            {"ip", "-n", state.switch_netns, "link", "set", link->switch_port, up ? "up" : "down"},
            std::string("cannot ") + (up ? "restore " : "cut ") + owner + "'s link to network " +
                link->network);
        !s) {
      return s;
    }
  }
  return ok_status();
}

}  // namespace hearth::lab
