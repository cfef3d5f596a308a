#include "spec/validate.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "spec/disk_fit.h"
#include "spec/units.h"
#include "spec/values.h"

namespace hearth {
namespace {

std::string path_of(std::string_view section, const std::string& name, std::string_view key = {}) {
  std::string path;
  path.reserve(section.size() + name.size() + key.size() + 2);
  path += section;
  path += '.';
  path += name;
  if (!key.empty()) {
    path += '.';
    path += key;
  }
  return path;
}

std::string indexed(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// An address or range that something of the spec claims for itself.
struct Claim {
  enum class Kind {
    node_address,
    storage_address,
    gateway,
    dhcp_range,
    reservation,
    pool,
    service
  };
  Kind kind;
  Ipv4Range range;
  std::string owner;  // node, network, reservation or service name
  std::string path;
  Position position;
  std::size_t sequence = 0;  // order of discovery, for ties of unknown positions

  bool single() const { return range.first == range.last; }
  bool before(const Claim& other) const {
    return std::tie(position, sequence) < std::tie(other.position, other.sequence);
  }

  std::string text() const { return single() ? range.first.str() : range.str(); }

  std::string describe() const {
    switch (kind) {
      case Kind::node_address:
        return "node " + owner + "'s address " + text();
      case Kind::storage_address:
        return "node " + owner + "'s storage_address " + text();
      case Kind::gateway:
        return "the gateway of network " + owner + " (" + text() + ")";
      case Kind::dhcp_range:
        return "the DHCP range of network " + owner + " (" + text() + ")";
      case Kind::reservation:
        return "DHCP reservation " + owner + " (" + text() + ")";
      case Kind::pool:
        return "the service_ips of network " + owner + " (" + text() + ")";
      case Kind::service:
        return "service " + owner + "'s address " + text();
    }
    return text();
  }
};

class Validator {
 public:
  Validator(const Spec& spec, const std::unordered_set<std::string>& unusable)
      : spec_(spec), unusable_(unusable) {}

  std::vector<Diagnostic> run() {
    for (std::size_t i = 0; i < spec_.networks.size(); ++i)
      network_index_.emplace(spec_.networks[i].name, i);
    for (std::size_t i = 0; i < spec_.nodes.size(); ++i)
      node_index_.emplace(spec_.nodes[i].name, i);
    for (std::size_t i = 0; i < spec_.volumes.size(); ++i)
      volume_index_.emplace(spec_.volumes[i].name, i);
    roles();
    network_flags();
    vlans();
    network_overlaps();
    node_addresses();
    network_addresses();
    service_addresses();
    address_overlaps();
    service_pools();
    service_references();
    service_resources();
    volume_pins();
    volume_fit();
    backup_references();
    dns_upstream();
    dns_names();
    return std::move(diagnostics_);
  }

 private:
  // ---- reporting

  bool usable(const std::string& path) const {
    if (unusable_.empty()) return true;
    std::string prefix = path;
    while (true) {
      if (unusable_.count(prefix) != 0) return false;
      std::size_t cut = prefix.find_last_of(".[");
      if (cut == std::string::npos) return unusable_.count("") == 0;  // "": the whole file
      prefix.resize(cut);
    }
  }

  // usable(section, name, key), without building the path when nothing is unusable.
  bool usable(std::string_view section, const std::string& name, std::string_view key = {}) const {
    return unusable_.empty() || usable(path_of(section, name, key));
  }

  Position position_of(const std::string& path) const { return spec_.source.find(path); }

  // Entries keyed by name ("services.homepage") are reported at their key, not their value.
  Position key_position_of(const std::string& path) const {
    Position key = spec_.source.find(path + "#key");
    return key.line > 0 ? key : spec_.source.find(path);
  }

  void report(const std::string& path, std::string message) {
    diagnostics_.push_back(Diagnostic{spec_.file, position_of(path), path, std::move(message)});
  }
  void report_at_key(const std::string& path, std::string message) {
    diagnostics_.push_back(Diagnostic{spec_.file, key_position_of(path), path, std::move(message)});
  }

  // "no network named 'x'; did you mean 'y'?" The candidates are sorted once per index, and
  // suggestions are skipped for huge indexes (the scan would cost too much per error).
  std::string unknown(const char* kind, const std::string& name,
                      const std::unordered_map<std::string, std::size_t>& index) {
    std::string message = "no " + std::string(kind) + " named '" + name + "'";
    if (index.size() > 1000) return message;
    std::vector<std::string>& names = sorted_names_[&index];
    if (names.empty()) {
      for (const auto& entry : index) names.push_back(entry.first);
      std::sort(names.begin(), names.end());
    }
    if (auto suggestion = closest_match(name, names)) {
      message += "; did you mean '" + *suggestion + "'?";
    }
    return message;
  }

  const Network* network(const std::string& name) const {
    auto it = network_index_.find(name);
    return it == network_index_.end() ? nullptr : &spec_.networks[it->second];
  }
  const Node* node(const std::string& name) const {
    auto it = node_index_.find(name);
    return it == node_index_.end() ? nullptr : &spec_.nodes[it->second];
  }
  // A network whose CIDR can be used for membership checks.
  const Network* network_with_cidr(const std::string& name) const {
    const Network* found = network(name);
    if (found == nullptr || !usable("networks", found->name, "cidr")) return nullptr;
    return found;
  }

  // ---- rules

  void roles() {
    if (!usable("nodes")) return;
    const Node* first_arbiter = nullptr;
    std::size_t servers = 0;
    for (const Node& n : spec_.nodes) {
      std::string role_path = path_of("nodes", n.name, "role");
      if (!usable(role_path)) return;  // a node of unknown role: counts would mislead
      if (n.role == NodeRole::server) {
        ++servers;
      } else if (first_arbiter == nullptr) {
        first_arbiter = &n;
      } else {
        report(role_path, "a second arbiter: exactly one node has role arbiter, and " +
                              first_arbiter->name + " already has it");
      }
    }
    if (first_arbiter == nullptr) {
      report_at_key("nodes",
                    "no arbiter: exactly one node needs role: arbiter (a small third "
                    "machine whose vote keeps quorum when a server dies)");
    }
    if (servers < 2) {
      report_at_key("nodes",
                    "needs at least two nodes with role: server, found " + std::to_string(servers));
    }
  }

  void network_flags() {
    if (!usable("networks")) return;
    const Network* management = nullptr;
    const Network* storage = nullptr;
    bool flags_known = true;
    for (const Network& n : spec_.networks) {
      std::string management_path = path_of("networks", n.name, "management");
      std::string storage_path = path_of("networks", n.name, "storage");
      flags_known = flags_known && usable(management_path) && usable("networks", n.name);
      if (n.management) {
        if (management == nullptr) {
          management = &n;
        } else {
          report(management_path, "only one network can be the management network, and " +
                                      management->name + " already is");
        }
      }
      if (n.storage && usable(storage_path)) {
        if (storage == nullptr) {
          storage = &n;
        } else {
          report(storage_path, "only one network can be the storage network, and " + storage->name +
                                   " already is");
        }
      }
    }
    if (management == nullptr && flags_known) {
      report_at_key("networks",
                    "no management network: exactly one network needs "
                    "management: true (the nodes' address live there)");
    }
  }

  void vlans() {
    std::unordered_map<int, const Network*> seen;
    for (const Network& n : spec_.networks) {
      if (!n.vlan) continue;
      auto [first, inserted] = seen.emplace(*n.vlan, &n);
      if (!inserted) {
        report(path_of("networks", n.name, "vlan"), "VLAN " + std::to_string(*n.vlan) +
                                                        " is already used by network " +
                                                        first->second->name);
      }
    }
  }

  void network_overlaps() {
    struct Item {
      const Network* network;
      std::string path;
      Position position;
      std::size_t sequence;
    };
    std::vector<Item> items;
    for (const Network& n : spec_.networks) {
      std::string path = path_of("networks", n.name, "cidr");
      if (!usable(path)) continue;
      items.push_back({&n, path, position_of(path), items.size()});
    }
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      return std::tie(a.network->cidr.network.value, a.sequence) <
             std::tie(b.network->cidr.network.value, b.sequence);
    });
    const Item* widest = nullptr;  // the earlier-starting network that reaches furthest
    std::unordered_set<const Item*> reported;
    for (const Item& item : items) {
      const Cidr& cidr = item.network->cidr;
      if (widest != nullptr && cidr.first() <= widest->network->cidr.last()) {
        bool item_later =
            std::tie(widest->position, widest->sequence) < std::tie(item.position, item.sequence);
        const Item& later = item_later ? item : *widest;
        const Item& earlier = item_later ? *widest : item;
        if (reported.insert(&later).second)
          report(later.path, later.network->cidr.str() + " overlaps network " +
                                 earlier.network->name + " (" + earlier.network->cidr.str() + ")");
      }
      if (widest == nullptr || cidr.last() > widest->network->cidr.last()) widest = &item;
    }
  }

  void add_claim(Claim::Kind kind, Ipv4Range range, const std::string& owner, std::string path) {
    Claim claim{kind, range, owner, std::move(path), {}, claims_.size()};
    claim.position = position_of(claim.path);
    claims_.push_back(std::move(claim));
  }

  // `role` + the network's name names it in messages, e.g. "the management network " + "lan".
  void check_inside(const std::string& path, Ipv4Range range, const Network& network,
                    const char* role) {
    const Cidr& cidr = network.cidr;
    if (cidr.contains(range.first) && cidr.contains(range.last) && !range.contains(cidr.first()) &&
        !range.contains(cidr.last())) {
      return;
    }
    const std::string what = role + network.name;
    bool single = range.first == range.last;
    std::string text = single ? range.first.str() : "range " + range.str();
    if (!cidr.contains(range.first) || !cidr.contains(range.last)) {
      report(path,
             text + (single ? " is outside " : " is not inside ") + what + " (" + cidr.str() + ")");
    } else if (range.contains(cidr.first())) {
      report(path, (single ? text + " is" : text + " includes " + cidr.first().str() + ",") +
                       " the network address of " + what + " (" + cidr.str() + ")");
    } else if (range.contains(cidr.last())) {
      report(path, (single ? text + " is" : text + " includes " + cidr.last().str() + ",") +
                       " the broadcast address of " + what + " (" + cidr.str() + ")");
    }
  }

  void node_addresses() {
    const Network* management = spec_.management_network();
    if (management != nullptr && !usable("networks", management->name, "cidr")) {
      management = nullptr;
    }
    const Network* storage = spec_.storage_network();
    bool storage_known = storage == nullptr || usable("networks", storage->name, "cidr");
    bool storage_flags_known =
        std::all_of(spec_.networks.begin(), spec_.networks.end(),
                    [&](const Network& n) { return usable("networks", n.name, "storage"); });
    const Node* with_storage = nullptr;
    const Node* without_storage = nullptr;
    for (const Node& n : spec_.nodes) {
      std::string address_path = path_of("nodes", n.name, "address");
      if (usable(address_path)) {
        add_claim(Claim::Kind::node_address, {n.address, n.address}, n.name, address_path);
        if (management != nullptr) {
          check_inside(address_path, {n.address, n.address}, *management,
                       "the management network ");
        }
      }
      std::string storage_path = path_of("nodes", n.name, "storage_address");
      if (!usable(storage_path)) continue;
      if (!n.storage_address) {
        if (without_storage == nullptr) without_storage = &n;
        continue;
      }
      if (with_storage == nullptr) with_storage = &n;
      add_claim(Claim::Kind::storage_address, {*n.storage_address, *n.storage_address}, n.name,
                storage_path);
      if (storage == nullptr) {
        if (storage_flags_known)
          report(storage_path, "storage_address needs a network with storage: true");
      } else if (storage_known) {
        check_inside(storage_path, {*n.storage_address, *n.storage_address}, *storage,
                     "the storage network ");
      }
    }
    if (with_storage != nullptr && without_storage != nullptr && storage != nullptr) {
      for (const Node& n : spec_.nodes) {
        if (n.storage_address || !usable("nodes", n.name, "storage_address")) continue;
        report_at_key(path_of("nodes", n.name),
                      "has no storage_address, but " + with_storage->name +
                          " has one: give every node a storage_address, or none");
      }
    }
  }

  void network_addresses() {
    for (const Network& n : spec_.networks) {
      bool cidr_known = usable("networks", n.name, "cidr");
      auto claim = [&](Claim::Kind kind, Ipv4Range range, const std::string& owner,
                       const std::string& path) {
        if (!usable(path)) return;
        add_claim(kind, range, owner, path);
        if (cidr_known) check_inside(path, range, n, "network ");
      };
      if (n.gateway) {
        claim(Claim::Kind::gateway, {*n.gateway, *n.gateway}, n.name,
              path_of("networks", n.name, "gateway"));
      }
      if (n.service_ips) {
        claim(Claim::Kind::pool, *n.service_ips, n.name,
              path_of("networks", n.name, "service_ips"));
      }
      if (!n.dhcp) continue;
      std::string dhcp_path = path_of("networks", n.name, "dhcp");
      claim(Claim::Kind::dhcp_range, n.dhcp->range, n.name, dhcp_path + ".range");
      std::unordered_map<std::string, const DhcpReservation*> macs;
      for (const DhcpReservation& r : n.dhcp->reservations) {
        std::string path = dhcp_path + ".reservations." + r.name;
        claim(Claim::Kind::reservation, {r.address, r.address}, r.name, path + ".address");
        if (r.mac.empty() || !usable(path + ".mac")) continue;
        auto [first, inserted] = macs.emplace(r.mac, &r);
        if (!inserted) {
          report(path + ".mac", "MAC " + r.mac + " already has reservation " + first->second->name +
                                    " in this network");
        }
      }
    }
  }

  void service_addresses() {
    for (const Service& s : spec_.services) {
      if (!s.address) continue;
      std::string path = path_of("services", s.name, "address");
      if (!usable(path)) continue;
      add_claim(Claim::Kind::service, {*s.address, *s.address}, s.name, path);
      if (!usable("services", s.name, "network")) continue;
      if (const Network* n = network_with_cidr(s.network)) {
        check_inside(path, {*s.address, *s.address}, *n, "the service's network ");
      }
    }
  }

  // Nothing may share an address or overlap, except that fixed service addresses may lie in
  // service_ips (the pools): pools are checked apart, against everything but service addresses.
  void address_overlaps() {
    std::vector<const Claim*> exclusive;
    std::vector<const Claim*> pools;
    for (const Claim& c : claims_) (c.kind == Claim::Kind::pool ? pools : exclusive).push_back(&c);
    auto by_start = [](const Claim* a, const Claim* b) {
      return std::tie(a->range.first, a->position, a->sequence) <
             std::tie(b->range.first, b->position, b->sequence);
    };
    std::sort(exclusive.begin(), exclusive.end(), by_start);
    std::sort(pools.begin(), pools.end(), by_start);
    sweep(exclusive);
    sweep(pools);
    // reaching[i]: of the non-service claims exclusive[0..i), the one that ends last.
    std::vector<const Claim*> reaching(exclusive.size() + 1, nullptr);
    for (std::size_t i = 0; i < exclusive.size(); ++i) {
      const Claim* c = exclusive[i];
      reaching[i + 1] = reaching[i];
      if (c->kind != Claim::Kind::service &&
          (reaching[i] == nullptr || c->range.last > reaching[i]->range.last)) {
        reaching[i + 1] = c;
      }
    }
    for (const Claim* pool : pools) {
      auto it =
          std::lower_bound(exclusive.begin(), exclusive.end(), pool->range.first,
                           [](const Claim* c, Ipv4 address) { return c->range.first < address; });
      const Claim* before = reaching[static_cast<std::size_t>(it - exclusive.begin())];
      if (before != nullptr && before->range.last >= pool->range.first) conflict(*pool, *before);
      for (; it != exclusive.end() && (*it)->range.first <= pool->range.last; ++it) {
        if ((*it)->kind != Claim::Kind::service) conflict(*pool, **it);
      }
    }
  }

  // Reports each claim that overlaps one starting before it. REQUIRES: sorted by start.
  void sweep(const std::vector<const Claim*>& sorted) {
    const Claim* widest = nullptr;  // of the claims so far, the one that ends last
    for (const Claim* claim : sorted) {
      if (widest != nullptr && claim->range.first <= widest->range.last) conflict(*claim, *widest);
      if (widest == nullptr || claim->range.last > widest->range.last) widest = claim;
    }
  }

  // Reports the later of two overlapping claims, once per claim.
  void conflict(const Claim& a, const Claim& b) {
    const Claim& later = a.before(b) ? b : a;
    const Claim& earlier = a.before(b) ? a : b;
    if (!reported_.insert(later.sequence).second) return;
    std::string message;
    if (later.single()) {
      message = later.text() + (earlier.single() ? " is already used by " : " is inside ") +
                earlier.describe();
    } else {
      message = "range " + later.text() + (earlier.single() ? " includes " : " overlaps ") +
                earlier.describe();
    }
    report(later.path, message);
  }

  // Services without a fixed address take one from their network's service_ips.
  void service_pools() {
    struct Pool {
      std::unordered_set<std::uint32_t> fixed;  // fixed service addresses inside service_ips
      std::vector<const Service*> needing;      // services that need an address from it
    };
    std::map<std::string, Pool> pools;  // by network name
    for (const Service& s : spec_.services) {
      if (!usable("services", s.name, "network") || !usable("services", s.name, "address")) {
        continue;
      }
      const Network* n = network(s.network);
      if (n == nullptr || !usable("networks", n->name, "service_ips")) continue;
      Pool& pool = pools[n->name];
      if (!s.address) {
        pool.needing.push_back(&s);
      } else if (n->service_ips && n->service_ips->contains(*s.address)) {
        pool.fixed.insert(s.address->value);
      }
    }
    for (const auto& [name, pool] : pools) {
      const Network& n = *network(name);
      if (!n.service_ips) {
        for (const Service* s : pool.needing) {
          report(path_of("services", s->name, "network"),
                 "network " + n.name +
                     " has no service_ips to take an address from: give the "
                     "service an address, or give network " +
                     n.name + " service_ips");
        }
        continue;
      }
      std::uint64_t free = n.service_ips->size() - pool.fixed.size();
      if (pool.needing.size() <= free) continue;
      const Service* first_without = pool.needing[free];
      report(path_of("services", first_without->name, "network"),
             "no free address left in the service_ips of network " + n.name + " (" +
                 n.service_ips->str() + ": " + std::to_string(n.service_ips->size()) +
                 " addresses, " + std::to_string(pool.fixed.size()) + " fixed); " +
                 std::to_string(pool.needing.size()) + " services need one, this one and " +
                 std::to_string(pool.needing.size() - free - 1) + " after it find none");
    }
  }

  void service_references() {
    bool networks_known = usable("networks");
    bool volumes_known = usable("volumes");
    bool nodes_known = usable("nodes");
    for (const Service& s : spec_.services) {
      if (networks_known && !s.network.empty() && network(s.network) == nullptr &&
          usable("services", s.name, "network")) {
        report(path_of("services", s.name, "network"),
               unknown("network", s.network, network_index_));
      }
      for (std::size_t i = 0; networks_known && i < s.allow_from.size(); ++i) {
        const AllowedSource& source = s.allow_from[i];
        if (source.cidr || network(source.network) != nullptr) continue;
        if (!usable("services", s.name, "allow_from")) break;
        report(indexed(path_of("services", s.name, "allow_from"), i),
               unknown("network", source.network, network_index_) +
                   " (allow_from takes network names or CIDRs)");
      }
      for (std::size_t i = 0; volumes_known && i < s.volumes.size(); ++i) {
        if (volume_index_.count(s.volumes[i].volume) != 0) continue;
        if (!usable("services", s.name, "volumes")) break;
        report(indexed(path_of("services", s.name, "volumes"), i),
               unknown("volume", s.volumes[i].volume, volume_index_));
      }
      if (s.prefer && nodes_known) {
        const Node* preferred = node(*s.prefer);
        bool is_arbiter = preferred != nullptr && preferred->role == NodeRole::arbiter &&
                          usable("nodes", preferred->name, "role");
        if ((preferred == nullptr || is_arbiter) && usable("services", s.name, "prefer")) {
          report(path_of("services", s.name, "prefer"),
                 preferred == nullptr ? unknown("node", *s.prefer, node_index_)
                                      : preferred->name +
                                            " is the arbiter, which runs no "
                                            "services; prefer a server");
        }
      }
    }
  }

  void service_resources() {
    std::vector<const Node*> servers;
    for (const Node& n : spec_.nodes) {
      if (n.role != NodeRole::server || !usable("nodes", n.name, "role") ||
          !usable("nodes", n.name, "capacity")) {
        continue;
      }
      servers.push_back(&n);
    }
    if (servers.empty()) return;
    const Node* largest =
        *std::max_element(servers.begin(), servers.end(), [](const Node* a, const Node* b) {
          return std::tie(a->capacity.memory, a->capacity.cpus) <
                 std::tie(b->capacity.memory, b->capacity.cpus);
        });
    for (const Service& s : spec_.services) {
      const Resources& need = s.resources;
      if (need.cpus == 0 && need.memory == 0) continue;
      if (!usable("services", s.name, "resources")) continue;
      bool fits = std::any_of(servers.begin(), servers.end(), [&](const Node* n) {
        return n->capacity.cpus >= need.cpus && n->capacity.memory >= need.memory;
      });
      if (fits) continue;
      std::string path = path_of("services", s.name, "resources");
      std::string needs = need.cpus > 0 ? format_cpus(need.cpus) + " cpus" : "";
      if (need.memory > 0)
        needs += (needs.empty() ? "" : " and ") + format_size(need.memory) + " of memory";
      report(path, "needs " + needs + ", more than any one server has (largest: " + largest->name +
                       " with " + format_cpus(largest->capacity.cpus) + " cpus and " +
                       format_size(largest->capacity.memory) + ")");
    }
  }

  static std::string format_cpus(double cpus) {
    std::string text = std::to_string(cpus);
    while (!text.empty() && text.back() == '0') text.pop_back();
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
  }

  void volume_pins() {
    for (const Volume& v : spec_.volumes) {
      std::string disks_path = path_of("volumes", v.name, "disks");
      if (v.pinned_disks.empty() || !usable(disks_path) || !usable("nodes")) continue;
      if (v.pinned_disks.size() != 2) {
        report(disks_path, "pin exactly two servers, one disk on each; found " +
                               std::to_string(v.pinned_disks.size()));
      }
      for (const auto& [node_name, disk_name] : v.pinned_disks) {
        std::string pin_path = disks_path + "." + node_name;
        const Node* pinned = node(node_name);
        if (pinned == nullptr) {
          report_at_key(pin_path, unknown("node", node_name, node_index_));
          continue;
        }
        if (pinned->role == NodeRole::arbiter) {
          report_at_key(pin_path,
                        node_name +
                            " is the arbiter: pins name the two servers that "
                            "hold the data bricks (the arbiter brick is placed by itself)");
          continue;
        }
        if (pinned->find_disk(disk_name) == nullptr) {
          std::string message = "node " + node_name + " has no disk '" + disk_name + "'";
          std::vector<std::string> names;
          for (const Disk& d : pinned->disks) names.push_back(d.name);
          if (auto suggestion = closest_match(disk_name, names)) {
            message += "; did you mean '" + *suggestion + "'?";
          } else if (!names.empty()) {
            message += " (its disks:";
            for (const std::string& name : names) message += " " + name;
            message += ")";
          }
          report(pin_path, message);
        }
      }
    }
  }

  // Whether a path under `prefix` that contains `part`, or a whole entry of it ("nodes.r510"),
  // failed to parse.
  bool any_unusable_under(std::string_view prefix, std::string_view part = {}) const {
    for (const std::string& path : unusable_) {
      if (!path.starts_with(prefix)) continue;
      if (part.empty() || path.find(part) != std::string::npos) return true;
      if (std::count(path.begin(), path.end(), '.') <= 1) return true;
    }
    return false;
  }

  void volume_fit() {
    if (spec_.volumes.empty()) return;
    // Sizes or roles that failed to parse would make the arithmetic wrong: fit once they are fixed.
    if (any_unusable_under("volumes") || any_unusable_under("nodes", ".disks") ||
        any_unusable_under("nodes", ".role")) {
      return;
    }
    std::size_t servers = spec_.servers().size();
    DiskFit fit = fit_volumes(spec_);
    for (const VolumeBricks& bricks : fit.volumes) {
      switch (bricks.problem) {
        case FitProblem::none:
        case FitProblem::bad_pins:  // volume_pins() says what is wrong with them
          break;
        case FitProblem::pinned_disk_full:
          report(path_of("volumes", bricks.volume, "disks") + "." + bricks.problem_node,
                 bricks.message);
          break;
        case FitProblem::no_data_room:
          if (servers >= 2) report(path_of("volumes", bricks.volume, "size"), bricks.message);
          break;
        case FitProblem::no_arbiter_room:
          if (spec_.arbiter() != nullptr) {
            report(path_of("volumes", bricks.volume, "size"), bricks.message);
          }
          break;
      }
    }
  }

  void backup_references() {
    for (const Backup& b : spec_.backups) {
      std::string volumes_path = path_of("backups", b.name, "volumes");
      if (!usable(volumes_path) || !usable("volumes")) continue;
      for (std::size_t i = 0; i < b.volumes.size(); ++i) {
        if (volume_index_.count(b.volumes[i]) == 0) {
          report(indexed(volumes_path, i), unknown("volume", b.volumes[i], volume_index_));
        }
      }
    }
  }

  void dns_upstream() {
    if (!usable("dns.upstream")) return;
    std::unordered_set<std::uint32_t> seen;
    for (std::size_t i = 0; i < spec_.dns.upstream.size(); ++i) {
      Ipv4 address = spec_.dns.upstream[i];
      std::string path = indexed("dns.upstream", i);
      bool multicast = (address.value >> 28) == 0xE;
      if (address.value == 0 || address.value == 0xFFFFFFFF || multicast) {
        report(path, address.str() + " cannot be a DNS server (not a unicast address)");
      } else if (!seen.insert(address.value).second) {
        report(path, address.str() + " is listed twice");
      }
    }
  }

  // Nodes, services, DHCP reservations and DNS records all become NAME.DOMAIN.
  void dns_names() {
    enum class Owner { node, service, reservation, record };
    struct Name {
      Owner owner;
      const std::string* name;
      const std::string* network = nullptr;  // for reservations
      std::size_t sequence = 0;
    };
    auto path = [](const Name& n) {
      switch (n.owner) {
        case Owner::node:
          return path_of("nodes", *n.name);
        case Owner::service:
          return path_of("services", *n.name);
        case Owner::reservation:
          return path_of("networks", *n.network, "dhcp.reservations." + *n.name);
        case Owner::record:
          return "dns.records." + *n.name;
      }
      return std::string();
    };
    auto describe = [](const Name& n) {
      switch (n.owner) {
        case Owner::node:
          return "node " + *n.name;
        case Owner::service:
          return "service " + *n.name;
        case Owner::reservation:
          return "DHCP reservation " + *n.name + " of network " + *n.network;
        case Owner::record:
          return "DNS record " + *n.name;
      }
      return std::string();
    };
    std::unordered_map<std::string_view, Name> first;
    first.reserve(spec_.nodes.size() + spec_.services.size() + spec_.dns.records.size());
    std::size_t sequence = 0;
    auto add = [&](Name name) {
      name.sequence = sequence++;
      auto [it, inserted] = first.emplace(*name.name, name);
      if (inserted) return;
      // Report the one later in the file; the earlier one stays the owner of the name.
      std::string it_path = path(it->second);
      std::string name_path = path(name);
      Position it_position = key_position_of(it_path);
      Position name_position = key_position_of(name_path);
      bool new_is_later =
          std::tie(it_position, it->second.sequence) < std::tie(name_position, name.sequence);
      const Name& later = new_is_later ? name : it->second;
      const Name& earlier = new_is_later ? it->second : name;
      std::string fqdn =
          *name.name + (spec_.cluster.domain.empty() ? "" : "." + spec_.cluster.domain);
      diagnostics_.push_back(
          Diagnostic{spec_.file, new_is_later ? name_position : it_position,
                     new_is_later ? name_path : it_path,
                     "the DNS name " + fqdn + " is already taken by " + describe(earlier) +
                         " (nodes, services, DHCP reservations and DNS records share one zone)"});
      if (&later == &it->second) it->second = name;
    };
    for (const Node& n : spec_.nodes) add({Owner::node, &n.name});
    for (const Service& s : spec_.services) add({Owner::service, &s.name});
    for (const Network& n : spec_.networks) {
      if (!n.dhcp) continue;
      for (const DhcpReservation& r : n.dhcp->reservations)
        add({Owner::reservation, &r.name, &n.name});
    }
    for (const DnsRecord& r : spec_.dns.records) add({Owner::record, &r.name});
  }

  const Spec& spec_;
  const std::unordered_set<std::string>& unusable_;
  std::vector<Diagnostic> diagnostics_;
  std::unordered_map<std::string, std::size_t> network_index_;
  std::unordered_map<std::string, std::size_t> node_index_;
  std::unordered_map<std::string, std::size_t> volume_index_;
  std::unordered_map<const void*, std::vector<std::string>> sorted_names_;
  std::vector<Claim> claims_;
  std::unordered_set<std::size_t> reported_;
};

}  // namespace

std::vector<Diagnostic> validate_spec(const Spec& spec) {
  static const std::unordered_set<std::string> kNothingUnusable;
  return Validator(spec, kNothingUnusable).run();
}

std::vector<Diagnostic> validate_spec(const Spec& spec,
                                      const std::unordered_set<std::string>& unusable) {
  return Validator(spec, unusable).run();
}

}  // namespace hearth
