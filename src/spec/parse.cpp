#include "spec/parse.h"

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <set>

#include "spec/image_reference.h"
#include "spec/units.h"
#include "spec/values.h"

namespace hearth {
namespace {

using yaml::child_path;

// A key or name for a message, shortened: a hostile file may have megabyte-long keys.
std::string shown(const std::string& text) {
  constexpr std::size_t kShown = 64;
  return text.size() <= kShown ? text : text.substr(0, kShown) + "...";
}
using yaml::item_path;


class Builder;

// The entries of one map of the file that has a fixed set of keys (a node, a service, ...).
// Unknown keys are reported when it is made; values are read with get()/require().
class Fields {
 public:
  // `where` is the position of the map's own key, where "missing key" errors point.
  Fields(Builder& builder, const yaml::Node& map, std::string path, Position where,
         std::initializer_list<const char*> known);

  const yaml::Node* get(std::string_view key) const;
  // Reports a missing key, unless an unknown key of the map looked like a typo of it.
  const yaml::Node* require(std::string_view key);
  // Whether the map had keys that are not known (already reported): checks that a key is there
  // ("keeps nothing", "needs one of") are skipped, as the unknown key may be the one meant.
  bool had_unknown_keys() const { return !typos_.empty() || unknown_; }
  std::string path(std::string_view key) const { return child_path(path_, key); }
  const std::string& path() const { return path_; }
  Position where() const { return where_; }

 private:
  Builder& builder_;
  const yaml::Node& map_;
  std::string path_;
  Position where_;
  std::vector<std::string> typos_;  // known keys that an unknown key was close to
  bool unknown_ = false;
};

class Builder {
 public:
  Builder(const std::string& file, BuiltSpec& out) : file_(file), out_(out) {}

  void error(const std::string& path, Position position, std::string message) {
    out_.errors.push_back(Diagnostic{file_, position, path, std::move(message)});
    out_.unusable.insert(path);
  }
  void mark_unusable(const std::string& path) { out_.unusable.insert(path); }
  bool is_unusable(const std::string& path) const { return out_.unusable.count(path) != 0; }

  // ---- shapes

  // A map, or nullptr after reporting what was found instead. Null (an empty value) is an empty
  // map when `empty_ok`.
  bool expect_map(const yaml::Node& node, const std::string& path, const char* what) {
    if (node.is_map()) return true;
    error(path, node.position, std::string("expected ") + what + ", found " + yaml::describe(node));
    return false;
  }

  // Calls `each(name, value, path, key_position)` for the entries of a map keyed by name,
  // reporting names that are not DNS labels. `kind` is e.g. "node" for messages.
  void for_each_named(const yaml::Node& node, const std::string& path, const char* kind,
                      const std::function<void(const std::string&, const yaml::Node&,
                                               const std::string&, Position)>& each) {
    if (node.is_null()) return;
    if (!node.is_map()) {
      std::string message = std::string("expected a map of ") + kind + "s keyed by name, found " +
                            yaml::describe(node);
      if (node.is_sequence()) message += " (write 'NAME:' entries, not '- ' items)";
      error(path, node.position, message);
      return;
    }
    for (const yaml::Entry& entry : node.entries) {
      if (entry.duplicate) continue;
      std::string entry_path = child_path(path, entry.key);
      if (!is_dns_label(entry.key)) {
        error(entry_path, entry.key_position,
              "'" + shown(entry.key) + "' is not a valid " + kind + " name: " + kDnsLabelRule);
      }
      each(entry.key, entry.value, entry_path, entry.key_position);
    }
  }

  // ---- scalars

  std::optional<std::string> text(const yaml::Node* node, const std::string& path,
                                  const char* what = "a string") {
    if (node == nullptr) return std::nullopt;
    if (!node->is_scalar()) {
      error(path, node->position,
            std::string("expected ") + what + ", found " + yaml::describe(*node));
      return std::nullopt;
    }
    return node->scalar;
  }

  std::optional<std::string> nonempty_text(const yaml::Node* node, const std::string& path,
                                           const char* what = "a string") {
    auto value = text(node, path, what);
    if (value && value->empty()) {
      error(path, node->position, "must not be empty");
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::string> name(const yaml::Node* node, const std::string& path,
                                  const char* kind) {
    auto value = text(node, path, (std::string("a ") + kind + " name").c_str());
    if (value && !is_dns_label(*value)) {
      error(path, node->position,
            "'" + *value + "' is not a valid " + kind + " name: " + kDnsLabelRule);
      return std::nullopt;
    }
    return value;
  }

  std::optional<Ipv4> address(const yaml::Node* node, const std::string& path) {
    auto value = text(node, path, "an IPv4 address");
    if (!value) return std::nullopt;
    auto address = Ipv4::parse(*value);
    if (!address) {
      error(path, node->position,
            "'" + *value + "' is not an IPv4 address (expected e.g. 10.1.2.17)");
    }
    return address;
  }

  std::optional<Cidr> cidr(const yaml::Node* node, const std::string& path) {
    auto value = text(node, path, "a network in CIDR notation");
    if (!value) return std::nullopt;
    if (auto cidr = Cidr::parse(*value)) return cidr;
    error(path, node->position, cidr_problem(*value));
    return std::nullopt;
  }

  static std::string cidr_problem(const std::string& value) {
    std::size_t slash = value.find('/');
    if (slash != std::string::npos) {
      auto address = Ipv4::parse(std::string_view(value).substr(0, slash));
      auto prefix = Cidr::parse("0.0.0.0" + value.substr(slash));  // validates the prefix alone
      if (address && prefix) {
        Cidr network{Ipv4{}, prefix->prefix_length};
        network.network = Ipv4{address->value & network.mask()};
        return "'" + value + "' has host bits set; did you mean " + network.str() + "?";
      }
    }
    return "'" + value + "' is not a network in CIDR notation (expected e.g. 10.1.2.0/24)";
  }

  std::optional<Ipv4Range> range(const yaml::Node* node, const std::string& path) {
    auto value = text(node, path, "an address range");
    if (!value) return std::nullopt;
    auto range = Ipv4Range::parse(*value);
    if (!range) {
      error(path, node->position,
            "'" + *value + "' is not an address range (expected e.g. 10.1.2.128-10.1.2.191)");
      return std::nullopt;
    }
    if (range->reversed()) {
      error(path, node->position,
            "range '" + *value + "' is reversed: " + range->first.str() + " comes after " +
                range->last.str());
      return std::nullopt;
    }
    return range;
  }

  std::optional<bool> boolean(const yaml::Node* node, const std::string& path) {
    auto value = text(node, path, "true or false");
    if (!value) return std::nullopt;
    if (*value == "true" || *value == "True" || *value == "TRUE") return true;
    if (*value == "false" || *value == "False" || *value == "FALSE") return false;
    error(path, node->position, "expected true or false, found '" + *value + "'");
    return std::nullopt;
  }

  template <typename T>
  std::optional<T> quantity(const yaml::Node* node, const std::string& path, const char* what,
                            Result<T> (*parse)(std::string_view)) {
    auto value = text(node, path, what);
    if (!value) return std::nullopt;
    auto parsed = parse(*value);
    if (!parsed) {
      error(path, node->position, parsed.error().message);
      return std::nullopt;
    }
    return parsed.value();
  }

  std::optional<Bytes> size(const yaml::Node* node, const std::string& path, bool positive) {
    auto value = quantity<std::uint64_t>(node, path, "a size like 512MiB", parse_size);
    if (value && positive && *value == 0) {
      error(path, node->position, "must be larger than 0");
      return std::nullopt;
    }
    return value;
  }

  std::optional<Milliseconds> duration(const yaml::Node* node, const std::string& path) {
    auto value = quantity<std::int64_t>(node, path, "a duration like 500ms", parse_duration);
    if (value && *value == 0) {
      error(path, node->position, "must be longer than 0ms");
      return std::nullopt;
    }
    return value;
  }

  std::optional<double> decimal(const yaml::Node* node, const std::string& path, bool positive) {
    auto value = quantity<double>(node, path, "a number", parse_decimal);
    if (value && positive && *value <= 0) {
      error(path, node->position, "must be larger than 0");
      return std::nullopt;
    }
    return value;
  }

  std::optional<int> count(const yaml::Node* node, const std::string& path) {
    return quantity<int>(node, path, "a whole number", parse_count);
  }

  std::optional<std::string> absolute_path(const yaml::Node* node, const std::string& path) {
    auto value = text(node, path, "an absolute path");
    if (value && !is_absolute_path(*value)) {
      error(path, node->position,
            "'" + *value + "' must be an absolute path without '.', '..' or empty parts");
      return std::nullopt;
    }
    return value;
  }

  // Calls `each(item, path)` for a list's items; null is an empty list.
  void for_each_item(const yaml::Node* node, const std::string& path, const char* example,
                     const std::function<void(const yaml::Node&, const std::string&)>& each) {
    if (node == nullptr || node->is_null()) return;
    if (!node->is_sequence()) {
      error(path, node->position,
            std::string("expected a list, e.g. ") + example + ", found " + yaml::describe(*node));
      return;
    }
    std::size_t errors_before = out_.errors.size();
    for (std::size_t i = 0; i < node->items.size(); ++i) each(node->items[i], item_path(path, i));
    // Items that failed are left out of the Spec, so later indexes would not match the file.
    if (out_.errors.size() != errors_before) mark_unusable(path);
  }

  const std::string& file() const { return file_; }

 private:
  const std::string& file_;
  BuiltSpec& out_;
};

Fields::Fields(Builder& builder, const yaml::Node& map, std::string path, Position where,
               std::initializer_list<const char*> known)
    : builder_(builder), map_(map), path_(std::move(path)), where_(where) {
  for (const yaml::Entry& entry : map_.entries) {
    if (entry.duplicate) continue;
    bool is_known =
        std::any_of(known.begin(), known.end(), [&](const char* key) { return entry.key == key; });
    if (is_known) continue;
    std::string message = "unknown key '" + shown(entry.key) + "'";
    unknown_ = true;
    if (entry.key == "<<") {
      message = "YAML merge keys (<<) are not supported; write the keys out";
    } else if (auto suggestion = closest_match(entry.key, {known.begin(), known.end()})) {
      message += "; did you mean '" + *suggestion + "'?";
      typos_.push_back(*suggestion);
    } else {
      message += " (known keys:";
      for (const char* key : known) message += std::string(" ") + key;
      message += ")";
    }
    builder_.error(child_path(path_, entry.key), entry.key_position, message);
  }
}

const yaml::Node* Fields::get(std::string_view key) const {
  const yaml::Entry* entry = map_.find(key);
  return entry == nullptr ? nullptr : &entry->value;
}

const yaml::Node* Fields::require(std::string_view key) {
  const yaml::Node* value = get(key);
  if (value == nullptr) {
    if (std::find(typos_.begin(), typos_.end(), key) != typos_.end()) {
      builder_.mark_unusable(path(key));
    } else {
      builder_.error(path(key), where_, "required key '" + std::string(key) + "' is missing");
    }
  }
  return value;
}

class SpecBuilder {
 public:
  SpecBuilder(const std::string& file, BuiltSpec& out) : b_(file, out), spec_(out.spec) {}

  void build(const yaml::Node& root) {
    if (!root.is_map()) {
      b_.error("", root.position,
               "the top level of a spec must be a map with the sections cluster, nodes, "
               "networks, dns, volumes, services and backups; found " +
                   yaml::describe(root));
      return;
    }
    Fields top(b_, root, "", root.position,
               {"cluster", "nodes", "networks", "dns", "volumes", "services", "backups",
                "registries"});
    if (const yaml::Node* node = top.require("cluster")) cluster(*node);
    if (const yaml::Node* node = top.require("nodes")) nodes(*node);
    if (const yaml::Node* node = top.require("networks")) networks(*node);
    if (const yaml::Node* node = top.get("dns")) dns(*node);
    if (const yaml::Node* node = top.get("volumes")) volumes(*node);
    if (const yaml::Node* node = top.get("services")) services(*node);
    if (const yaml::Node* node = top.get("backups")) backups(*node);
    if (const yaml::Node* node = top.get("registries")) registries(*node);
  }

 private:
  void cluster(const yaml::Node& node) {
    if (!b_.expect_map(node, "cluster", "a map with name and domain")) return;
    Fields f(b_, node, "cluster", node.position, {"name", "domain"});
    if (auto name = b_.name(f.require("name"), f.path("name"), "cluster"))
      spec_.cluster.name = *name;
    if (auto domain = b_.text(f.require("domain"), f.path("domain"), "a DNS domain")) {
      if (is_dns_name(*domain)) {
        spec_.cluster.domain = *domain;
      } else {
        b_.error(f.path("domain"), f.get("domain")->position,
                 "'" + *domain +
                     "' is not a valid DNS domain: labels of lowercase letters, "
                     "digits and hyphens joined by dots, e.g. home.arpa");
      }
    }
  }

  void nodes(const yaml::Node& node) {
    b_.for_each_named(
        node, "nodes", "node",
        [&](const std::string& name, const yaml::Node& value, const std::string& path,
            Position key) {
          Node& out = spec_.nodes.emplace_back();
          out.name = name;
          if (!b_.expect_map(value, path, "a map with role, address, capacity and disks")) {
            b_.mark_unusable(path);
            return;
          }
          Fields f(b_, value, path, key,
                   {"role", "address", "storage_address", "capacity", "disks"});
          bool is_server = false;
          if (auto role = b_.text(f.require("role"), f.path("role"), "server or arbiter")) {
            if (*role == "server") {
              out.role = NodeRole::server;
              is_server = true;
            } else if (*role == "arbiter") {
              out.role = NodeRole::arbiter;
            } else {
              b_.error(f.path("role"), f.get("role")->position,
                       "unknown role '" + *role + "' (use server or arbiter)");
            }
          }
          if (auto address = b_.address(f.require("address"), f.path("address")))
            out.address = *address;
          if (const yaml::Node* storage = f.get("storage_address")) {
            if (auto address = b_.address(storage, f.path("storage_address"))) {
              out.storage_address = *address;
            } else {
              b_.mark_unusable(f.path("storage_address"));
            }
          }
          const yaml::Node* capacity = f.get("capacity");
          if (capacity == nullptr && is_server && !f.had_unknown_keys()) {
            b_.error(f.path("capacity"), key,
                     "required key 'capacity' is missing (a server needs { cpus, memory })");
          }
          if (capacity != nullptr &&
              b_.expect_map(*capacity, f.path("capacity"), "a map with cpus and memory")) {
            Fields c(b_, *capacity, f.path("capacity"), key, {"cpus", "memory"});
            if (auto cpus = b_.decimal(c.require("cpus"), c.path("cpus"), true))
              out.capacity.cpus = *cpus;
            if (auto memory = b_.size(c.require("memory"), c.path("memory"), true)) {
              out.capacity.memory = *memory;
            }
          }
          if (const yaml::Node* disks = f.get("disks")) {
            b_.for_each_named(*disks, f.path("disks"), "disk",
                              [&](const std::string& disk_name, const yaml::Node& disk_value,
                                  const std::string& disk_path, Position disk_key) {
                                disk(out, disk_name, disk_value, disk_path, disk_key);
                              });
          }
        });
  }

  void disk(Node& node, const std::string& name, const yaml::Node& value, const std::string& path,
            Position key) {
    Disk& out = node.disks.emplace_back();
    out.name = name;
    if (!b_.expect_map(value, path, "a map with path and size")) {
      b_.mark_unusable(path);
      return;
    }
    Fields f(b_, value, path, key, {"path", "size"});
    if (auto disk_path = b_.absolute_path(f.require("path"), f.path("path"))) out.path = *disk_path;
    if (auto size = b_.size(f.require("size"), f.path("size"), true)) out.size = *size;
  }

  void networks(const yaml::Node& node) {
    b_.for_each_named(
        node, "networks", "network",
        [&](const std::string& name, const yaml::Node& value, const std::string& path,
            Position key) {
          Network& out = spec_.networks.emplace_back();
          out.name = name;
          if (!b_.expect_map(value, path, "a map with cidr and optional vlan, gateway, dhcp...")) {
            b_.mark_unusable(path);
            return;
          }
          Fields f(b_, value, path, key,
                   {"cidr", "vlan", "gateway", "management", "storage", "service_ips", "dhcp"});
          if (auto cidr = b_.cidr(f.require("cidr"), f.path("cidr"))) {
            if (cidr->prefix_length > 30) {
              b_.error(f.path("cidr"), f.get("cidr")->position,
                       cidr->str() + " is too small for a network: use a prefix of /30 or shorter");
            } else {
              out.cidr = *cidr;
            }
          }
          if (const yaml::Node* vlan = f.get("vlan")) {
            if (auto number = b_.count(vlan, f.path("vlan"))) {
              if (*number < 1 || *number > 4094) {
                b_.error(f.path("vlan"), vlan->position,
                         "VLAN " + std::to_string(*number) + " is out of range (1..4094)");
              } else {
                out.vlan = *number;
              }
            }
          }
          if (const yaml::Node* gateway = f.get("gateway")) {
            out.gateway = b_.address(gateway, f.path("gateway"));
          }
          if (const yaml::Node* flag = f.get("management")) {
            out.management = b_.boolean(flag, f.path("management")).value_or(false);
          }
          if (const yaml::Node* flag = f.get("storage")) {
            out.storage = b_.boolean(flag, f.path("storage")).value_or(false);
          }
          if (const yaml::Node* pool = f.get("service_ips")) {
            out.service_ips = b_.range(pool, f.path("service_ips"));
          }
          if (const yaml::Node* dhcp_node = f.get("dhcp"))
            dhcp(out, *dhcp_node, f.path("dhcp"), key);
        });
  }

  void dhcp(Network& network, const yaml::Node& value, const std::string& path, Position key) {
    if (!b_.expect_map(value, path, "a map with range and optional lease and reservations")) return;
    Dhcp& out = network.dhcp.emplace();
    Fields f(b_, value, path, key, {"range", "lease", "reservations"});
    if (auto range = b_.range(f.require("range"), f.path("range"))) out.range = *range;
    if (const yaml::Node* lease = f.get("lease")) {
      if (auto ms = b_.duration(lease, f.path("lease"))) {
        constexpr Milliseconds kMinimumLease = 2 * 60 * 1000;  // dnsmasq's minimum
        if (*ms < kMinimumLease) {
          b_.error(f.path("lease"), lease->position,
                   "lease " + format_duration(*ms) + " is too short (at least 2m)");
        } else {
          out.lease = *ms;
        }
      }
    }
    if (const yaml::Node* reservations = f.get("reservations")) {
      b_.for_each_named(
          *reservations, f.path("reservations"), "reservation",
          [&](const std::string& name, const yaml::Node& entry, const std::string& entry_path,
              Position entry_key) { reservation(out, name, entry, entry_path, entry_key); });
    }
  }

  void reservation(Dhcp& dhcp, const std::string& name, const yaml::Node& value,
                   const std::string& path, Position key) {
    DhcpReservation& out = dhcp.reservations.emplace_back();
    out.name = name;
    if (!b_.expect_map(value, path, "a map with mac and address")) {
      b_.mark_unusable(path);
      return;
    }
    Fields f(b_, value, path, key, {"mac", "address"});
    if (auto mac = b_.text(f.require("mac"), f.path("mac"), "a MAC address")) {
      if (auto normal = normalize_mac(*mac)) {
        out.mac = *normal;
      } else {
        b_.error(f.path("mac"), f.get("mac")->position,
                 "'" + *mac +
                     "' is not a MAC address (expected six hex pairs, e.g. "
                     "3c:52:82:00:00:05)");
      }
    }
    if (auto address = b_.address(f.require("address"), f.path("address"))) out.address = *address;
  }

  void dns(const yaml::Node& node) {
    if (node.is_null()) return;
    if (!b_.expect_map(node, "dns", "a map with upstream and records")) return;
    Fields f(b_, node, "dns", node.position, {"upstream", "records"});
    b_.for_each_item(f.get("upstream"), f.path("upstream"), "[1.1.1.1, 1.0.0.1]",
                     [&](const yaml::Node& item, const std::string& path) {
                       if (auto address = b_.address(&item, path))
                         spec_.dns.upstream.push_back(*address);
                     });
    if (const yaml::Node* records = f.get("records")) {
      b_.for_each_named(
          *records, f.path("records"), "DNS record",
          [&](const std::string& name, const yaml::Node& value, const std::string& path, Position) {
            DnsRecord& record = spec_.dns.records.emplace_back();
            record.name = name;
            if (auto address = b_.address(&value, path)) record.address = *address;
          });
    }
  }

  void volumes(const yaml::Node& node) {
    b_.for_each_named(
        node, "volumes", "volume",
        [&](const std::string& name, const yaml::Node& value, const std::string& path,
            Position key) {
          Volume& out = spec_.volumes.emplace_back();
          out.name = name;
          if (!b_.expect_map(value, path, "a map with size and optional disks")) {
            b_.mark_unusable(path);
            return;
          }
          Fields f(b_, value, path, key, {"size", "disks"});
          if (auto size = b_.size(f.require("size"), f.path("size"), true)) out.size = *size;
          const yaml::Node* disks = f.get("disks");
          if (disks == nullptr || disks->is_null()) return;
          if (!b_.expect_map(
                  *disks, f.path("disks"),
                  "a map of server name to disk name, e.g. { r510: hdd2, r530: hdd1 }")) {
            return;
          }
          for (const yaml::Entry& entry : disks->entries) {
            if (entry.duplicate) continue;
            std::string pin_path = child_path(f.path("disks"), entry.key);
            if (auto disk = b_.name(&entry.value, pin_path, "disk"))
              out.pinned_disks[entry.key] = *disk;
          }
        });
  }

  void services(const yaml::Node& node) {
    b_.for_each_named(
        node, "services", "service",
        [&](const std::string& name, const yaml::Node& value, const std::string& path,
            Position key) {
          Service& out = spec_.services.emplace_back();
          out.name = name;
          if (!b_.expect_map(value, path, "a map with rootfs or image, network, ports...")) {
            b_.mark_unusable(path);
            return;
          }
          service(out, value, path, key);
        });
  }

  void service(Service& out, const yaml::Node& value, const std::string& path, Position key) {
    Fields f(b_, value, path, key,
             {"rootfs", "image", "entrypoint", "command", "user", "workdir", "env", "network",
              "address", "ports", "allow_from", "volumes", "health", "resources", "prefer"});
    const yaml::Node* rootfs = f.get("rootfs");
    const yaml::Node* image = f.get("image");
    if (rootfs != nullptr && image != nullptr) {
      const yaml::Node* later = rootfs->position < image->position ? image : rootfs;
      std::string later_key = later == image ? "image" : "rootfs";
      b_.error(f.path(later_key), later->position,
               "rootfs and image are exclusive: give exactly one of them");
    } else if (rootfs == nullptr && image == nullptr && !f.had_unknown_keys()) {
      b_.error(path, key, "needs exactly one of rootfs (a root file system directory) or image");
    }
    if (rootfs != nullptr) {
      if (auto dir = b_.absolute_path(rootfs, f.path("rootfs"))) out.rootfs = *dir;
    }
    if (image != nullptr) {
      if (auto ref = b_.nonempty_text(image, f.path("image"), "an image reference")) {
        if (auto parsed = parse_image_reference(*ref); !parsed) {
          b_.error(f.path("image"), image->position, parsed.error().message);
        } else {
          out.image = *ref;
        }
      }
    }
    if (const yaml::Node* entrypoint = f.get("entrypoint")) {
      out.entrypoint.emplace();
      b_.for_each_item(entrypoint, f.path("entrypoint"), "[/init, --config, /config]",
                       [&](const yaml::Node& item, const std::string& item_path) {
                         if (auto arg = b_.text(&item, item_path, "a string"))
                           out.entrypoint->push_back(*arg);
                       });
    }
    b_.for_each_item(f.get("command"), f.path("command"), "[httpd, -f, -p, \"80\"]",
                     [&](const yaml::Node& item, const std::string& item_path) {
                       if (auto arg = b_.text(&item, item_path, "a string"))
                         out.command.push_back(*arg);
                     });
    if (const yaml::Node* user = f.get("user")) {
      if (auto text = b_.nonempty_text(user, f.path("user"), "uid[:gid] or name[:group]")) {
        if (auto s = check_user(*text); !s) {
          b_.error(f.path("user"), user->position, s.error().message);
        } else {
          out.user = *text;
        }
      }
    }
    if (const yaml::Node* workdir = f.get("workdir")) {
      if (auto dir = b_.absolute_path(workdir, f.path("workdir"))) out.workdir = *dir;
    }
    if (rootfs != nullptr && image == nullptr && f.get("command") == nullptr &&
        f.get("entrypoint") == nullptr &&
        !f.had_unknown_keys()) {
      b_.error(f.path("command"), key,
               "required key 'command' is missing (a service with rootfs has no default command)");
    }
    if (const yaml::Node* env = f.get("env"); env != nullptr && !env->is_null()) {
      if (b_.expect_map(*env, f.path("env"), "a map of variable name to value")) {
        for (const yaml::Entry& entry : env->entries) {
          if (entry.duplicate) continue;
          std::string var_path = child_path(f.path("env"), entry.key);
          if (!is_env_name(entry.key)) {
            b_.error(var_path, entry.key_position,
                     "'" + entry.key +
                         "' is not a valid environment variable name "
                         "(letters, digits and '_', not starting with a digit)");
            continue;
          }
          if (entry.value.is_null()) {
            out.env.emplace_back(entry.key, "");
          } else if (auto text = b_.text(&entry.value, var_path, "a string")) {
            out.env.emplace_back(entry.key, *text);
          }
        }
      }
    }
    if (auto network = b_.name(f.require("network"), f.path("network"), "network")) {
      out.network = *network;
    }
    if (const yaml::Node* address = f.get("address")) {
      out.address = b_.address(address, f.path("address"));
      if (!out.address) b_.mark_unusable(f.path("address"));
    }
    std::set<Port> seen_ports;
    b_.for_each_item(f.get("ports"), f.path("ports"), "[80/tcp]",
                     [&](const yaml::Node& item, const std::string& item_path) {
                       auto text = b_.text(&item, item_path, "a port like 80/tcp");
                       if (!text) return;
                       auto port = parse_port(*text);
                       if (!port) {
                         b_.error(item_path, item.position, port.error().message);
                       } else if (!seen_ports.insert(*port).second) {
                         b_.error(item_path, item.position,
                                  "port " + format_port(*port) + " is listed twice");
                       } else {
                         out.ports.push_back(*port);
                       }
                     });
    b_.for_each_item(f.get("allow_from"), f.path("allow_from"), "[home, 10.1.9.0/24]",
                     [&](const yaml::Node& item, const std::string& item_path) {
                       auto text = b_.nonempty_text(&item, item_path, "a network name or CIDR");
                       if (!text) return;
                       AllowedSource source;
                       if (text->find('/') != std::string::npos) {
                         source.cidr = Cidr::parse(*text);
                         if (!source.cidr) {
                           b_.error(item_path, item.position, Builder::cidr_problem(*text));
                           return;
                         }
                       } else {
                         source.network = *text;
                       }
                       out.allow_from.push_back(std::move(source));
                     });
    std::set<std::string> mountpoints;
    b_.for_each_item(f.get("volumes"), f.path("volumes"), "[\"appdata/homepage:/data\"]",
                     [&](const yaml::Node& item, const std::string& item_path) {
                       auto text = b_.text(&item, item_path, "a volume mount");
                       if (!text) return;
                       auto mount = parse_volume_mount(*text);
                       if (!mount) {
                         b_.error(item_path, item.position, mount.error().message);
                       } else if (!mountpoints.insert(mount->mountpoint).second) {
                         b_.error(item_path, item.position,
                                  "mountpoint " + mount->mountpoint + " is used twice");
                       } else {
                         out.volumes.push_back(std::move(*mount));
                       }
                     });
    if (const yaml::Node* health_node = f.get("health")) {
      health(out, *health_node, path, key);
    }
    if (const yaml::Node* resources = f.get("resources");
        resources != nullptr && !resources->is_null()) {
      if (b_.expect_map(*resources, f.path("resources"), "a map with cpus and memory")) {
        Fields r(b_, *resources, f.path("resources"), key, {"cpus", "memory"});
        if (const yaml::Node* cpus = r.get("cpus")) {
          out.resources.cpus = b_.decimal(cpus, r.path("cpus"), false).value_or(0);
        }
        if (const yaml::Node* memory = r.get("memory")) {
          out.resources.memory = b_.size(memory, r.path("memory"), false).value_or(0);
        }
      }
    }
    if (const yaml::Node* prefer = f.get("prefer")) {
      out.prefer = b_.name(prefer, f.path("prefer"), "node");
    }
  }

  void health(Service& service, const yaml::Node& value, const std::string& service_path,
              Position key) {
    const std::string path = child_path(service_path, "health");
    if (!b_.expect_map(value, path, "a map with http (and port) or tcp")) return;
    Fields f(b_, value, path, key, {"http", "tcp", "port", "interval", "timeout"});
    HealthCheck check;
    const yaml::Node* http = f.get("http");
    const yaml::Node* tcp = f.get("tcp");
    const yaml::Node* port = f.get("port");
    bool ok = true;
    if (http != nullptr && tcp != nullptr) {
      const yaml::Node* later = http->position < tcp->position ? tcp : http;
      b_.error(f.path(later == tcp ? "tcp" : "http"), later->position,
               "http and tcp are exclusive: a health check is exactly one of them");
      ok = false;
    } else if (http == nullptr && tcp == nullptr && !f.had_unknown_keys()) {
      b_.error(path, value.position,
               "needs exactly one of http (a path, e.g. \"/\") or tcp (a port number)");
      ok = false;
    } else if (http == nullptr && tcp == nullptr) {
      ok = false;
    }
    // With ports that failed to parse, "not one of the service's ports" could be wrong.
    bool ports_known = !b_.is_unusable(child_path(service_path, "ports"));
    auto port_number = [&](const yaml::Node* node,
                           const std::string& node_path) -> std::optional<std::uint16_t> {
      auto number = b_.count(node, node_path);
      if (!number) return std::nullopt;
      if (*number < 1 || *number > 65535) {
        b_.error(node_path, node->position,
                 "port " + std::to_string(*number) + " is out of range (1..65535)");
        return std::nullopt;
      }
      return static_cast<std::uint16_t>(*number);
    };
    auto has_tcp_port = [&](std::uint16_t number) {
      return std::find(service.ports.begin(), service.ports.end(), Port{number, Protocol::tcp}) !=
             service.ports.end();
    };
    if (http != nullptr && ok) {
      check.kind = HealthKind::http;
      if (auto http_path = b_.text(http, f.path("http"), "a URL path like /")) {
        if (http_path->empty() || http_path->front() != '/') {
          b_.error(f.path("http"), http->position,
                   "'" + *http_path + "' is not a URL path: it must start with '/'");
          ok = false;
        } else {
          check.http_path = *http_path;
        }
      } else {
        ok = false;
      }
      if (!ports_known) {
        ok = false;
      } else if (port != nullptr) {
        if (auto number = port_number(port, f.path("port"))) {
          if (has_tcp_port(*number)) {
            check.port = *number;
          } else {
            b_.error(f.path("port"), port->position,
                     "port " + std::to_string(*number) + " is not one of the service's tcp ports");
            ok = false;
          }
        } else {
          ok = false;
        }
      } else {
        std::vector<Port> tcp_ports;
        for (const Port& p : service.ports) {
          if (p.protocol == Protocol::tcp) tcp_ports.push_back(p);
        }
        if (tcp_ports.size() == 1) {
          check.port = tcp_ports.front().number;
        } else {
          b_.error(f.path("port"), value.position,
                   tcp_ports.empty() ? "an http check needs a tcp port, and the service has none"
                                     : "required key 'port' is missing: the service has several "
                                       "tcp ports");
          ok = false;
        }
      }
    }
    if (tcp != nullptr && ok) {
      check.kind = HealthKind::tcp;
      if (port != nullptr) {
        b_.error(f.path("port"), port->position,
                 "port is only for http checks; a tcp check names its port: tcp: N");
        ok = false;
      }
      if (auto number = port_number(tcp, f.path("tcp"))) {
        if (has_tcp_port(*number) || !ports_known) {
          check.port = *number;
        } else {
          b_.error(f.path("tcp"), tcp->position,
                   "port " + std::to_string(*number) + " is not one of the service's tcp ports");
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (const yaml::Node* interval = f.get("interval")) {
      if (auto ms = b_.duration(interval, f.path("interval")))
        check.interval = *ms;
      else
        ok = false;
    }
    if (const yaml::Node* timeout = f.get("timeout")) {
      if (auto ms = b_.duration(timeout, f.path("timeout")))
        check.timeout = *ms;
      else
        ok = false;
    }
    if (ok && check.timeout > check.interval) {
      const yaml::Node* timeout = f.get("timeout");
      b_.error(f.path(timeout != nullptr ? "timeout" : "interval"),
               timeout != nullptr ? timeout->position : f.get("interval")->position,
               "timeout " + format_duration(check.timeout) + " is longer than interval " +
                   format_duration(check.interval));
      ok = false;
    }
    if (ok) service.health = check;
  }

  void registries(const yaml::Node& node) {
    if (node.is_null()) return;
    if (!b_.expect_map(node, "registries",
                       "a map of registry host to { auth_file, insecure }, e.g. "
                       "ghcr.io: { auth_file: /etc/hearth/secrets/ghcr.json }")) {
      return;
    }
    for (const yaml::Entry& entry : node.entries) {
      if (entry.duplicate) continue;
      std::string path = child_path("registries", entry.key);
      // The host as an image reference writes it: check it through one.
      if (auto parsed = parse_image_reference(entry.key + "/probe:latest");
          !parsed || parsed->registry != entry.key) {
        b_.error(path, entry.key_position,
                 "'" + entry.key +
                     "' is not a registry host as image references write it (host with a dot, "
                     "host:port, or localhost)");
        continue;
      }
      Registry& out = spec_.registries.emplace_back();
      out.host = entry.key;
      if (entry.value.is_null()) continue;
      if (!b_.expect_map(entry.value, path, "a map with auth_file and insecure")) continue;
      Fields f(b_, entry.value, path, entry.key_position, {"auth_file", "insecure"});
      if (const yaml::Node* file = f.get("auth_file")) {
        if (auto absolute = b_.absolute_path(file, f.path("auth_file"))) out.auth_file = *absolute;
      }
      if (const yaml::Node* insecure = f.get("insecure")) {
        out.insecure = b_.boolean(insecure, f.path("insecure")).value_or(false);
      }
    }
  }

  void backups(const yaml::Node& node) {
    b_.for_each_named(
        node, "backups", "backup",
        [&](const std::string& name, const yaml::Node& value, const std::string& path,
            Position key) {
          Backup& out = spec_.backups.emplace_back();
          out.name = name;
          if (!b_.expect_map(value, path,
                             "a map with volumes, repository, password_file, schedule, keep")) {
            b_.mark_unusable(path);
            return;
          }
          Fields f(b_, value, path, key,
                   {"volumes", "repository", "password_file", "azure_account", "azure_key_file",
                    "schedule", "keep"});
          const yaml::Node* volumes = f.require("volumes");
          std::set<std::string> seen;
          b_.for_each_item(volumes, f.path("volumes"), "[appdata]",
                           [&](const yaml::Node& item, const std::string& item_path) {
                             auto volume = b_.name(&item, item_path, "volume");
                             if (!volume) return;
                             if (!seen.insert(*volume).second) {
                               b_.error(item_path, item.position,
                                        "volume " + *volume + " is listed twice");
                               return;
                             }
                             out.volumes.push_back(*volume);
                           });
          if (volumes != nullptr &&
              (volumes->is_null() || (volumes->is_sequence() && volumes->items.empty()))) {
            b_.error(f.path("volumes"), volumes->position, "must list at least one volume");
          }
          if (auto repository =
                  b_.text(f.require("repository"), f.path("repository"), "a restic repository")) {
            if (auto status = check_repository(*repository); !status) {
              b_.error(f.path("repository"), f.get("repository")->position, status.error().message);
            } else {
              out.repository = *repository;
            }
          }
          if (auto file = b_.absolute_path(f.require("password_file"), f.path("password_file"))) {
            out.password_file = *file;
          }
          // Azure Blob: the storage account and the file holding its key (restic's
          // AZURE_ACCOUNT_NAME / AZURE_ACCOUNT_KEY); only for azure: repositories.
          bool azure = out.repository.starts_with("azure:");
          const yaml::Node* account = f.get("azure_account");
          const yaml::Node* key_file = f.get("azure_key_file");
          if (azure) {
            if (auto name = b_.text(f.require("azure_account"), f.path("azure_account"),
                                    "the Azure storage account's name")) {
              out.azure_account = *name;
            }
            if (auto file = b_.absolute_path(f.require("azure_key_file"), f.path("azure_key_file"))) {
              out.azure_key_file = *file;
            }
          } else if (!out.repository.empty()) {
            for (const auto& [field, node_of] :
                 {std::pair{"azure_account", account}, std::pair{"azure_key_file", key_file}}) {
              if (node_of != nullptr) {
                b_.error(f.path(field), node_of->position,
                         std::string(field) + " is only for azure: repositories");
              }
            }
          }
          if (auto text = b_.text(f.require("schedule"), f.path("schedule"), "a schedule")) {
            if (auto schedule = parse_schedule(*text)) {
              out.schedule = *schedule;
            } else {
              b_.error(f.path("schedule"), f.get("schedule")->position, schedule.error().message);
            }
          }
          if (const yaml::Node* keep = f.require("keep"))
            retention(out.keep, *keep, f.path("keep"), key);
        });
  }

  void retention(Retention& out, const yaml::Node& value, const std::string& path, Position key) {
    if (!b_.expect_map(value, path, "a map like { daily: 7, weekly: 4, monthly: 6 }")) return;
    Fields f(b_, value, path, key, {"last", "hourly", "daily", "weekly", "monthly", "yearly"});
    bool all_valid = true;
    auto read = [&](const char* key_name, int& field) {
      if (const yaml::Node* node = f.get(key_name)) {
        if (auto number = b_.count(node, f.path(key_name)))
          field = *number;
        else
          all_valid = false;
      }
    };
    read("last", out.last);
    read("hourly", out.hourly);
    read("daily", out.daily);
    read("weekly", out.weekly);
    read("monthly", out.monthly);
    read("yearly", out.yearly);
    bool keeps_something = out.last > 0 || out.hourly > 0 || out.daily > 0 || out.weekly > 0 ||
                           out.monthly > 0 || out.yearly > 0;
    if (all_valid && !keeps_something && !f.had_unknown_keys()) {
      b_.error(path, value.position,
               "keeps nothing: set at least one of last, hourly, daily, weekly, monthly, yearly "
               "above 0");
    }
  }

  Builder b_;
  Spec& spec_;
};

}  // namespace

BuiltSpec build_spec(std::shared_ptr<const yaml::Node> root, const std::string& file_name) {
  BuiltSpec out;
  out.spec.file = file_name;
  out.spec.source = SourceMap(root);
  SpecBuilder(file_name, out).build(*root);
  return out;
}

}  // namespace hearth
