#pragma once
// The spec: one YAML file that describes the whole home cluster (see docs/spec.md).
// These structs are the parsed, typed form. Maps of the file that are keyed by name become
// vectors in file order; names are unique (the loader enforces it).
// A Spec returned by load_spec() has passed every validation rule.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "common/ipv4.h"
#include "spec/diagnostic.h"

namespace hearth {

namespace yaml {
struct Node;
}

using Bytes = std::uint64_t;
using Milliseconds = std::int64_t;

struct ClusterSettings {
  std::string name;
  std::string domain;  // DNS zone served by the arbiter, e.g. "home.arpa"
};

enum class NodeRole { server, arbiter };

struct Disk {
  std::string name;  // e.g. "hdd1"; unique within its node
  std::string path;  // absolute directory where this disk's bricks live
  Bytes size = 0;
};

struct Capacity {
  double cpus = 0;
  Bytes memory = 0;
};

struct Node {
  std::string name;  // a DNS label
  NodeRole role = NodeRole::server;
  Ipv4 address;                          // on the management network
  std::optional<Ipv4> storage_address;   // on the storage network
  Capacity capacity;
  std::vector<Disk> disks;

  const Disk* find_disk(const std::string& disk_name) const;
};

struct DhcpReservation {
  std::string name;  // a DNS label: becomes NAME.DOMAIN
  std::string mac;   // normalised to lowercase "aa:bb:cc:dd:ee:ff"
  Ipv4 address;
};

inline constexpr Milliseconds kDefaultDhcpLease = 12LL * 3600 * 1000;

struct Dhcp {
  Ipv4Range range;
  Milliseconds lease = kDefaultDhcpLease;
  std::vector<DhcpReservation> reservations;
};

struct Network {
  std::string name;
  Cidr cidr;
  std::optional<int> vlan;  // 1..4094
  std::optional<Ipv4> gateway;
  bool management = false;  // exactly one network; nodes' `address` live here
  bool storage = false;     // at most one network; nodes' `storage_address` live here
  std::optional<Ipv4Range> service_ips;
  std::optional<Dhcp> dhcp;
};

struct DnsRecord {
  std::string name;  // a DNS label within the cluster domain
  Ipv4 address;
};

struct DnsSettings {
  std::vector<Ipv4> upstream;
  std::vector<DnsRecord> records;
};

struct Volume {
  std::string name;
  Bytes size = 0;
  // Optional pins: node name -> disk name on that node, for the data bricks.
  std::map<std::string, std::string> pinned_disks;
};

enum class Protocol { tcp, udp };

struct Port {
  std::uint16_t number = 0;
  Protocol protocol = Protocol::tcp;
  auto operator<=>(const Port&) const = default;
};

// One entry of `volumes:` in a service: "volume[/subdir]:mountpoint[:ro]".
struct VolumeMount {
  std::string volume;
  std::string subdir;      // relative, may be empty; never contains ".."
  std::string mountpoint;  // absolute path inside the container
  bool read_only = false;
};

enum class HealthKind { http, tcp };

struct HealthCheck {
  HealthKind kind = HealthKind::http;
  std::string http_path;  // for http; starts with '/'
  std::uint16_t port = 0;
  Milliseconds interval = 1000;
  Milliseconds timeout = 500;
};

struct Resources {
  double cpus = 0;   // requested; 0 when not given
  Bytes memory = 0;  // requested and enforced as the cgroup limit; 0 when not given
};

// A source allowed to reach a service: a network of the spec (by name) or a literal CIDR.
struct AllowedSource {
  std::string network;       // set when a network name was given
  std::optional<Cidr> cidr;  // set when a CIDR was given
};

struct Service {
  std::string name;  // a DNS label: becomes NAME.DOMAIN
  std::string rootfs;  // exactly one of rootfs / image is set
  std::string image;   // REGISTRY/NAME[:TAG][@sha256:DIGEST] as written (spec/image_reference.h)
  // The digest `image` was pinned to when the spec was applied (cluster/image_pins.h); set on a
  // spec the cluster runs, empty in a spec just loaded from a file.
  std::string image_digest;
  // With an image, each of these left unset comes from the image's config: `entrypoint` replaces
  // the image's entrypoint (and, as with podman, drops the image's command), `command` replaces
  // the image's command. With a rootfs, `command` is the whole command line.
  std::optional<std::vector<std::string>> entrypoint;
  std::vector<std::string> command;
  std::string user;     // "uid[:gid]" or "name[:group]"; empty: the image's, else root
  std::string workdir;  // absolute; empty: the image's, else /
  std::vector<std::pair<std::string, std::string>> env;  // in file order
  std::string network;
  std::optional<Ipv4> address;  // fixed address; otherwise allocated from service_ips
  std::vector<Port> ports;
  std::vector<AllowedSource> allow_from;  // empty: only the service's own network
  std::vector<VolumeMount> volumes;
  std::optional<HealthCheck> health;
  Resources resources;
  std::optional<std::string> prefer;  // soft placement: a server's name
};

// "daily HH:MM" | "hourly" | "every N{m,h}"
struct BackupSchedule {
  enum class Kind { daily, hourly, every } kind = Kind::daily;
  int hour = 0;
  int minute = 0;
  Milliseconds every = 0;
};

struct Retention {
  int last = 0;
  int hourly = 0;
  int daily = 0;
  int weekly = 0;
  int monthly = 0;
  int yearly = 0;
};

struct Backup {
  std::string name;
  std::vector<std::string> volumes;
  std::string repository;     // restic repository: azure:..., s3:..., or an absolute local path
  std::string password_file;  // absolute path
  std::string azure_account;   // azure: repositories only: the storage account's name
  std::string azure_key_file;  // azure: repositories only: absolute path of the account key
  BackupSchedule schedule;
  Retention keep;
};

// How to reach one image registry (`registries:` in the spec), keyed by its host[:port] as
// image references write it.
struct Registry {
  std::string host;       // "ghcr.io", "10.1.9.2:5000"
  std::string auth_file;  // absolute; a containers-auth.json readable by root only (0600); or ""
  bool insecure = false;  // plain HTTP or an unverified certificate (a lab registry)
};

// Where each key of the file was, found by key path ("services.homepage.address") when a message
// needs it. Holds the parsed YAML tree rather than a table of every position: positions are only
// ever needed for errors, and a table of them was most of the cost of loading a large spec.
class SourceMap {
 public:
  SourceMap() = default;  // knows no positions
  explicit SourceMap(std::shared_ptr<const yaml::Node> root) : root_(std::move(root)) {}

  // The position of the value at `key_path` ("services.homepage.ports[0]"), or with a "#key"
  // suffix the position of that map entry's key. A path that does not resolve all the way gives
  // the value position of its longest resolvable prefix; {0,0} when nothing resolves.
  Position find(const std::string& key_path) const;

 private:
  std::shared_ptr<const yaml::Node> root_;
};

struct Spec {
  std::string file;  // the file name as given, for messages
  ClusterSettings cluster;
  std::vector<Node> nodes;
  std::vector<Network> networks;
  DnsSettings dns;
  std::vector<Volume> volumes;
  std::vector<Service> services;
  std::vector<Backup> backups;
  std::vector<Registry> registries;
  SourceMap source;

  const Node* find_node(const std::string& name) const;
  const Network* find_network(const std::string& name) const;
  const Volume* find_volume(const std::string& name) const;
  const Service* find_service(const std::string& name) const;
  const Registry* find_registry(const std::string& host) const;  // nullptr: defaults
  const Node* arbiter() const;  // the one arbiter
  std::vector<const Node*> servers() const;
  const Network* management_network() const;
  const Network* storage_network() const;  // nullptr when the spec has none
};

}  // namespace hearth
