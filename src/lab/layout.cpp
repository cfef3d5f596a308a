#include "lab/layout.h"

#include <algorithm>
#include <map>
#include <set>

#include "plan/addresses.h"

namespace hearth::lab {
namespace {

bool valid_interface_name(const std::string& name) {
  if (name.empty() || name.size() > 15 || name == "lo") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// The usable addresses of a network: without its network and broadcast addresses (up to /30).
Ipv4Range usable(const Cidr& cidr) {
  Ipv4Range range{cidr.first(), cidr.last()};
  if (cidr.prefix_length <= 30) {
    range.first.value += 1;
    range.last.value -= 1;
  }
  return range;
}

// Addresses of the spec inside `network` that nobody else may take, and ranges that are handed out.
struct Taken {
  std::set<Ipv4> addresses;
  std::vector<Ipv4Range> ranges;

  bool contains(Ipv4 address) const {
    if (addresses.count(address)) return true;
    return std::any_of(ranges.begin(), ranges.end(),
                       [&](const Ipv4Range& range) { return range.contains(address); });
  }
};

Taken taken_in(const Spec& spec, const Network& network) {
  Taken taken;
  auto add = [&](Ipv4 address) {
    if (network.cidr.contains(address)) taken.addresses.insert(address);
  };
  for (const auto& node : spec.nodes) {
    add(node.address);
    if (node.storage_address) add(*node.storage_address);
  }
  for (const auto& other : spec.networks) {
    if (other.gateway) add(*other.gateway);
    if (other.dhcp) {
      for (const auto& reservation : other.dhcp->reservations) add(reservation.address);
    }
  }
  for (const auto& record : spec.dns.records) add(record.address);
  for (const auto& service : spec.services) {
    if (service.address) add(*service.address);
  }
  if (network.dhcp) taken.ranges.push_back(network.dhcp->range);
  if (network.service_ips) taken.ranges.push_back(*network.service_ips);
  return taken;
}

std::string path_join(const std::string& dir, const std::string& name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::size_t depth(const std::string& path) {
  return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
}

// "/a/b" is inside "/a" (and inside itself).
bool inside(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

bool normalized_absolute(const std::string& path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') return false;
  std::size_t begin = 1;
  while (begin <= path.size()) {
    auto end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(begin, end - begin);
    if (part.empty() || part == "." || part == "..") return false;
    begin = end + 1;
  }
  return true;
}

}  // namespace

std::string interface_name(const std::string& network, std::size_t index) {
  return valid_interface_name(network) ? network : "net_" + std::to_string(index);
}

Result<Ipv4> arbiter_address_on(const Spec& spec, const Network& network) {
  auto planned = plan_arbiter_addresses(spec);
  if (!planned) return planned.error();
  for (const auto& entry : *planned) {
    if (entry.network == network.name) return entry.address;
  }
  return Error{"network " + network.name +
               " has no DHCP range: the arbiter has no address of its own there"};
}

Result<Ipv4> client_address_on(const Spec& spec, const Network& network) {
  Taken taken = taken_in(spec, network);
  if (network.dhcp) {
    auto arbiter = arbiter_address_on(spec, network);
    if (!arbiter) return arbiter.error();
    taken.addresses.insert(*arbiter);
  }
  Ipv4Range range = usable(network.cidr);
  for (std::uint64_t value = range.first.value; value <= range.last.value; ++value) {
    Ipv4 candidate{static_cast<std::uint32_t>(value)};
    if (!taken.contains(candidate)) return candidate;
  }
  return Error{"network " + network.name + " (" + network.cidr.str() +
               ") has no free address for the lab's client outside its DHCP range, service_ips "
               "and the spec's addresses; shrink the DHCP range"};
}

std::string lab_hosts_file(const LabState& state) {
  std::string text =
      "# hearth lab: every address of every node (the lab's nodes ask no DNS server)\n";
  text += "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  for (const auto& node : state.nodes) {
    for (const auto& link : state.links) {
      if (link.owner != node.name) continue;
      text += link.address.str() + "\t" +
              (link.address == node.address ? node.name : node.name + "-" + link.network) + "\n";
    }
  }
  return text;
}

std::string lab_resolv_conf() {
  return "# hearth lab: names come from /etc/hosts; no DNS server outside the lab is asked\n"
         "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";
}

Result<std::vector<LabMount>> node_mounts(const Node& node, const std::string& host_dir,
                                          const std::string& images_dir) {
  std::vector<LabMount> mounts = {
      {"", "/run", false},
      {path_join(host_dir, "etc"), kNodeSpecDir, false},
      {path_join(host_dir, "hearth"), kNodeDataDir, false},
      {path_join(host_dir, "etcd"), "/var/lib/etcd", false},
      {path_join(host_dir, "glusterd"), "/var/lib/glusterd", false},
      {path_join(host_dir, "glusterfs-log"), "/var/log/glusterfs", false},
      {path_join(host_dir, "log"), kNodeLogDir, false},
      {path_join(images_dir, "busybox"), kBusyboxImage, true},
  };
  const std::vector<std::string> reserved = {"/proc", "/sys", "/dev"};
  std::size_t standard = mounts.size();
  for (const auto& disk : node.disks) {
    std::string where = "nodes." + node.name + ".disks." + disk.name + ".path (" + disk.path + ")";
    if (!normalized_absolute(disk.path)) {
      return Error{where + ": the lab needs a normalized absolute path"};
    }
    for (const auto& dir : reserved) {
      if (inside(disk.path, dir))
        return Error{where + ": the lab cannot mount a disk inside " + dir};
    }
    for (std::size_t i = 0; i < mounts.size(); ++i) {
      if (mounts[i].target == disk.path) {
        return Error{where + ": the lab already mounts " +
                     (i < standard ? std::string("its own directory") : "another disk") +
                     " there; use another path"};
      }
      // A disk may hold the image's directory (it is mounted on top), not system directories.
      if (i < standard && mounts[i].target != kBusyboxImage &&
          inside(mounts[i].target, disk.path)) {
        return Error{where + ": the lab cannot mount a disk over " + mounts[i].target +
                     "; use a deeper path such as /srv/hearth/" + disk.name};
      }
    }
    mounts.push_back({path_join(path_join(host_dir, "disks"), disk.name), disk.path, false});
  }
  std::stable_sort(mounts.begin(), mounts.end(), [](const LabMount& a, const LabMount& b) {
    return depth(a.target) < depth(b.target);
  });
  return mounts;
}

std::vector<LabDaemon> node_daemons(const LabState& state, const LabNode& node) {
  std::string pids = path_join(node.host_dir, "pids");
  std::vector<LabDaemon> daemons;
  daemons.push_back({"etcd",
                     {state.hearth_binary, "etcd-exec", "-f", node.spec_path, "--node", node.name,
                      "--data-dir", path_join(node.data_dir, "etcd")},
                     path_join(node.log_dir, "etcd.log"),
                     path_join(pids, "etcd.pid")});
  // glusterd in the foreground (-N), so the lab's pid file is its PID; it starts the brick and
  // self-heal processes of the node itself.
  daemons.push_back({"glusterd",
                     {"glusterd", "-N", "--log-file=/var/log/glusterfs/glusterd.log"},
                     path_join(node.log_dir, "glusterd.log"),
                     path_join(pids, "glusterd.pid")});
  daemons.push_back({"hearthd",
                     {state.hearthd_binary, "--node", node.name, "--spec", node.spec_path,
                      "--data-dir", node.data_dir},
                     path_join(node.log_dir, "hearthd.log"),
                     path_join(pids, "hearthd.pid")});
  return daemons;
}

std::vector<std::string> node_command_prefix(const LabNode& node) {
  return {"nsenter", "--net=/run/netns/" + node.netns, "--mount=" + node.mount_ns_path,
          "--uts=" + node.uts_ns_path, "--"};
}

std::vector<std::string> netns_command_prefix(const std::string& netns) {
  return {"nsenter", "--net=/run/netns/" + netns, "--"};
}

Result<LabState> plan_lab(const Spec& spec, const std::string& spec_path,
                          const LabPrograms& programs, const std::string& root) {
  LabState state;
  state.spec_path = spec_path;
  state.ns_dir = path_join(root, "ns");
  state.images_dir = path_join(root, "images");
  state.hearth_binary = programs.hearth;
  state.hearthd_binary = programs.hearthd;
  state.switch_netns = std::string(kNamespacePrefix) + "switch";
  state.router_netns = std::string(kNamespacePrefix) + "router";

  const Network* management = spec.management_network();
  const Network* storage = spec.storage_network();
  if (!management)
    return Error{"the spec has no management network (this is a bug: it passed validation)"};

  // Who owns each namespace, to name the clash if two would share one.
  std::map<std::string, std::string> owners;
  auto claim = [&](const std::string& netns, const std::string& owner) -> Status {
    auto [it, inserted] = owners.emplace(netns, owner);
    if (!inserted) {
      return Error{"the lab cannot build this spec: " + it->second + " and " + owner +
                   " would both be namespace " + netns + "; rename one of them"};
    }
    state.namespaces.push_back(netns);
    return ok_status();
  };
  if (auto s = claim(state.switch_netns, "the lab's switch"); !s) return s.error();
  if (auto s = claim(state.router_netns, "the lab's router"); !s) return s.error();

  std::map<std::string, std::size_t> network_index;
  for (std::size_t j = 0; j < spec.networks.size(); ++j) {
    network_index[spec.networks[j].name] = j;
    state.bridges.push_back({spec.networks[j].name, interface_name(spec.networks[j].name, j)});
  }
  std::size_t endpoint = 0;
  auto add_link = [&](const std::string& owner, const std::string& netns, const Network& network,
                      Ipv4 address) {
    std::size_t j = network_index.at(network.name);
    state.links.push_back(LabLink{owner, netns, network.name, interface_name(network.name, j),
                                  "v" + std::to_string(endpoint) + "_" + std::to_string(j),
                                  state.bridges[j].name, address, network.cidr.prefix_length});
  };

  for (const auto& node : spec.nodes) {
    LabNode lab_node;
    lab_node.name = node.name;
    lab_node.role = node.role == NodeRole::arbiter ? "arbiter" : "server";
    lab_node.netns = kNamespacePrefix + node.name;
    if (auto s = claim(lab_node.netns, "node " + node.name); !s) return s.error();
    lab_node.mount_ns_path = path_join(state.ns_dir, node.name + ".mnt");
    lab_node.uts_ns_path = path_join(state.ns_dir, node.name + ".uts");
    lab_node.host_dir = path_join(path_join(root, "nodes"), node.name);
    lab_node.data_dir = kNodeDataDir;
    lab_node.host_data_dir = path_join(lab_node.host_dir, "hearth");
    lab_node.address = node.address;
    lab_node.api_port = kHearthdApiPort;
    lab_node.spec_path = path_join(kNodeSpecDir, base_name(spec_path));
    lab_node.log_dir = path_join(lab_node.host_dir, "log");
    auto mounts = node_mounts(node, lab_node.host_dir, state.images_dir);
    if (!mounts) return mounts.error();
    lab_node.mounts = std::move(*mounts);

    std::set<std::string> networks_joined;
    add_link(node.name, lab_node.netns, *management, node.address);
    networks_joined.insert(management->name);
    if (storage && node.storage_address) {
      add_link(node.name, lab_node.netns, *storage, *node.storage_address);
      networks_joined.insert(storage->name);
    }
    if (node.role == NodeRole::arbiter) {
      for (const auto& network : spec.networks) {
        if (!network.dhcp || networks_joined.count(network.name)) continue;
        auto address = arbiter_address_on(spec, network);
        if (!address) return address.error();
        add_link(node.name, lab_node.netns, network, *address);
      }
    }
    if (management->gateway) state.routes.push_back({lab_node.netns, *management->gateway});
    state.nodes.push_back(std::move(lab_node));
    ++endpoint;
  }

  for (const auto& network : spec.networks) {
    if (network.gateway) add_link("router", state.router_netns, network, *network.gateway);
  }
  ++endpoint;

  for (const auto& network : spec.networks) {
    if (!network.dhcp || network.management) continue;
    LabClient client{network.name, kNamespacePrefix + network.name};
    if (auto s = claim(client.netns, "the client of network " + network.name); !s) return s.error();
    auto address = client_address_on(spec, network);
    if (!address) return address.error();
    add_link(client.name, client.netns, network, *address);
    if (network.gateway) state.routes.push_back({client.netns, *network.gateway});
    state.clients.push_back(std::move(client));
    ++endpoint;
  }
  return state;
}

}  // namespace hearth::lab
