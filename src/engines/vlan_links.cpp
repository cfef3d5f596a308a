#include "engines/vlan_links.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/process.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string vlan_mismatch(const std::string& ip_link_json, const std::string& trunk, int vlan) {
  auto json = nlohmann::json::parse(ip_link_json, nullptr, false);
  if (!json.is_array() || json.empty() || !json[0].is_object()) return "ip gave no description of it";
  const auto& link = json[0];
  std::string kind = link.contains("linkinfo") ? link["linkinfo"].value("info_kind", "") : "";
  if (kind != "vlan") return "it is not a VLAN interface (" + (kind.empty() ? "a plain link" : kind) + ")";
  int id = link["linkinfo"].contains("info_data") ? link["linkinfo"]["info_data"].value("id", -1) : -1;
  if (id != vlan) return "it is VLAN " + std::to_string(id) + ", not " + std::to_string(vlan);
  std::string parent = link.value("link", "");
  if (parent != trunk) return "it is on " + (parent.empty() ? "another link" : parent) + ", not on " + trunk;
  return "";
}

IpVlanLinks::IpVlanLinks(std::string trunk, std::vector<std::string> prefix)
    : trunk_(std::move(trunk)), prefix_(std::move(prefix)) {}

Result<std::string> IpVlanLinks::ip(std::vector<std::string> arguments) const {
  std::vector<std::string> argv = prefix_;
  argv.push_back("ip");
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  auto done = run({.argv = argv, .timeout = 10s});
  if (!done) return done.error();
  if (!done->succeeded()) {
    std::string command;
    for (const auto& a : arguments) command += " " + a;
    return Error{"ip" + command + " failed (" + done->describe() + "): " + trimmed(done->err)};
  }
  return done->out;
}

Status IpVlanLinks::ensure(const NodeLink& link) {
  auto shown = ip({"-d", "-j", "link", "show", "dev", link.interface});
  if (shown) {
    if (std::string why = vlan_mismatch(*shown, trunk_, link.vlan); !why.empty()) {
      return Error{"the interface " + link.interface + " for network " + link.network +
                   " exists but is not hearth's VLAN " + std::to_string(link.vlan) + " on " + trunk_ +
                   ": " + why + "; rename or remove it"};
    }
  } else {
    auto made = ip({"link", "add", "link", trunk_, "name", link.interface, "type", "vlan", "id",
                    std::to_string(link.vlan)});
    if (!made) return Error{"cannot make the VLAN interface for network " + link.network + ": " +
                            made.error().message};
  }
  if (auto up = ip({"link", "set", "dev", link.interface, "up"}); !up) return up.error();
  if (link.address) {
    std::string address = link.address->str() + "/" + std::to_string(link.prefix_length);
    if (auto added = ip({"addr", "replace", address, "dev", link.interface}); !added) {
      return added.error();
    }
  }
  return ok_status();
}

}  // namespace hearth
