#include "engines/service_network.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/process.h"
#include "common/strings.h"
#include "engines/nftables.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;

constexpr const char* kNetnsDir = "/run/netns";

std::string netns_name(const std::string& service) { return kServiceNetnsPrefix + service; }

bool netns_exists(const std::string& name) {
  struct stat info {};
  return ::stat((std::string(kNetnsDir) + "/" + name).c_str(), &info) == 0;
}

Status step(const std::vector<std::string>& argv, const std::string& what) {
  auto done = run({.argv = argv, .timeout = 10s});
  if (!done) return Error{what + ": " + done.error().message};
  if (!done->succeeded()) {
    std::string detail = done->err;
    while (!detail.empty() && detail.back() == '\n') detail.pop_back();
    return Error{what + ": `" + join(argv, " ") + "` " + done->describe() +
                 (detail.empty() ? "" : ": " + detail)};
  }
  return ok_status();
}

}  // namespace

std::optional<std::string> find_network_interface(const std::string& ip_addr_json, const Cidr& cidr,
                                                  const std::string& network_name) {
  std::optional<std::string> by_name;
  try {
    for (const auto& link : nlohmann::json::parse(ip_addr_json)) {
      std::string name = link.value("ifname", "");
      if (name == network_name) by_name = name;
      if (!link.contains("addr_info")) continue;
      for (const auto& info : link["addr_info"]) {
        if (info.value("family", "") != "inet") continue;
        auto address = Ipv4::parse(info.value("local", ""));
        if (address && cidr.contains(*address)) return name;
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return by_name;
}

std::string MacvlanServiceNetworks::netns_path(const std::string& service) const {
  return std::string(kNetnsDir) + "/" + netns_name(service);
}

Result<std::vector<std::string>> MacvlanServiceNetworks::list() {
  std::vector<std::string> services;
  DIR* dir = ::opendir(kNetnsDir);
  if (dir == nullptr) {
    if (errno == ENOENT) return services;
    return Error{std::string("cannot list ") + kNetnsDir + ": " + std::strerror(errno)};
  }
  std::string prefix = kServiceNetnsPrefix;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) {
      services.push_back(name.substr(prefix.size()));
    }
  }
  ::closedir(dir);
  std::sort(services.begin(), services.end());
  return services;
}

Result<std::string> MacvlanServiceNetworks::interface_on(const Cidr& cidr,
                                                         const std::string& network_name) {
  auto done = run({.argv = {"ip", "-j", "addr", "show"}, .timeout = 10s});
  if (!done || !done->succeeded()) {
    return Error{"cannot list this node's interfaces (ip -j addr show): " +
                 (done ? done->describe() + " " + done->err : done.error().message)};
  }
  auto found = find_network_interface(done->out, cidr, network_name);
  if (!found) {
    return Error{"this node has no interface on network " + network_name + " (" + cidr.str() +
                 "): none holds an address in it and none is named '" + network_name + "'"};
  }
  return *found;
}

Status MacvlanServiceNetworks::create(const ServiceNetworkConfig& config) {
  std::string name = netns_name(config.service);
  std::string where = "the network of service " + config.service;
  if (netns_exists(name)) {
    if (auto s = remove(config.service); !s) return s;
  }
  if (auto s = step({"ip", "netns", "add", name}, "cannot create " + where); !s) return s;
  std::vector<std::vector<std::string>> steps = {
      {"ip", "link", "add", kServiceInterface, "link", config.parent, "netns", name, "type",
       "macvlan", "mode", "bridge"},
      {"ip", "-n", name, "addr", "add",
       config.address.str() + "/" + std::to_string(config.prefix_length), "dev", kServiceInterface},
      {"ip", "-n", name, "link", "set", "lo", "up"},
  };
  for (const auto& argv : steps) {
    if (auto s = step(argv, "cannot set up " + where); !s) {
      (void)remove(config.service);
      return s;
    }
  }
  return ok_status();
}

Status MacvlanServiceNetworks::expose(const ServiceNetworkConfig& config) {
  std::string name = netns_name(config.service);
  std::string where = "cannot make the address of service " + config.service + " reachable";
  if (auto s = step({"ip", "-n", name, "link", "set", kServiceInterface, "up"}, where); !s) {
    return s;
  }
  if (config.gateway) {
    // `replace`: exposing twice is harmless.
    if (auto s = step(
            {"ip", "-n", name, "route", "replace", "default", "via", config.gateway->str()}, where);
        !s) {
      return s;
    }
  }
  auto started =
      start_daemon({.argv = {"nsenter", "--net=" + netns_path(config.service), "--", "arping", "-q",
                             "-U", "-c", "2", "-I", kServiceInterface, config.address.str()},
                    .out = Output::discard,
                    .err = Output::discard});
  if (!started) {
    log::warn("cannot announce " + config.address.str() + " of service " + config.service +
              " (gratuitous ARP): " + started.error().message);
  }
  return ok_status();
}

Status MacvlanServiceNetworks::refuse_new_connections(const std::string& service) {
  // Before the service's own table (priority 0): its accept rules cannot let a new one through.
  static const char* const kRuleset =
      "table inet hearth_stopping {\n"
      "  chain input {\n"
      "    type filter hook input priority -10; policy accept;\n"
      "    ct state new drop\n"
      "  }\n"
      "}\n";
  Status applied = NftTarget({"nsenter", "--net=" + netns_path(service), "--"}).apply(kRuleset);
  if (!applied) {
    return Error{"cannot refuse new connections to service " + service + ": " +
                 applied.error().message};
  }
  return applied;
}

Status MacvlanServiceNetworks::remove(const std::string& service) {
  std::string name = netns_name(service);
  if (!netns_exists(name)) return ok_status();
  // The address first: deleting the namespace frees it only once no process holds it any more.
  (void)run({.argv = {"ip", "-n", name, "link", "del", kServiceInterface}, .timeout = 10s});
  return step({"ip", "netns", "delete", name}, "cannot remove the network of service " + service);
}

}  // namespace hearth
