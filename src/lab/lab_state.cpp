#include "lab/lab_state.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hearth::lab {
namespace {

using Json = nlohmann::ordered_json;

std::string ip(const Ipv4& address) { return address.str(); }

Ipv4 parse_ip(const Json& value, const char* key) {
  auto text = value.at(key).get<std::string>();
  auto address = Ipv4::parse(text);
  if (!address) throw std::invalid_argument(std::string(key) + ": not an IPv4 address: " + text);
  return *address;
}

Json to_json(const LabMount& mount) {
  return Json{{"source", mount.source}, {"target", mount.target}, {"read_only", mount.read_only}};
}

Json to_json(const LabNode& node) {
  Json mounts = Json::array();
  for (const auto& mount : node.mounts) mounts.push_back(to_json(mount));
  return Json{{"name", node.name},
              {"role", node.role},
              {"netns", node.netns},
              {"mount_ns_path", node.mount_ns_path},
              {"uts_ns_path", node.uts_ns_path},
              {"host_dir", node.host_dir},
              {"data_dir", node.data_dir},
              {"host_data_dir", node.host_data_dir},
              {"address", ip(node.address)},
              {"api_port", node.api_port},
              {"spec_path", node.spec_path},
              {"log_dir", node.log_dir},
              {"mounts", mounts}};
}

Json to_json(const LabLink& link) {
  return Json{{"owner", link.owner},
              {"netns", link.netns},
              {"network", link.network},
              {"interface", link.interface},
              {"switch_port", link.switch_port},
              {"bridge", link.bridge},
              {"address", ip(link.address)},
              {"prefix_length", link.prefix_length}};
}

LabNode node_from_json(const Json& json) {
  LabNode node;
  node.name = json.at("name").get<std::string>();
  node.role = json.at("role").get<std::string>();
  node.netns = json.at("netns").get<std::string>();
  node.mount_ns_path = json.at("mount_ns_path").get<std::string>();
  node.uts_ns_path = json.at("uts_ns_path").get<std::string>();
  node.host_dir = json.at("host_dir").get<std::string>();
  node.data_dir = json.at("data_dir").get<std::string>();
  node.host_data_dir = json.at("host_data_dir").get<std::string>();
  node.address = parse_ip(json, "address");
  node.api_port = json.at("api_port").get<int>();
  node.spec_path = json.at("spec_path").get<std::string>();
  node.log_dir = json.at("log_dir").get<std::string>();
  for (const auto& mount : json.at("mounts")) {
    node.mounts.push_back(LabMount{mount.at("source").get<std::string>(),
                                   mount.at("target").get<std::string>(),
                                   mount.at("read_only").get<bool>()});
  }
  return node;
}

LabLink link_from_json(const Json& json) {
  LabLink link;
  link.owner = json.at("owner").get<std::string>();
  link.netns = json.at("netns").get<std::string>();
  link.network = json.at("network").get<std::string>();
  link.interface = json.at("interface").get<std::string>();
  link.switch_port = json.at("switch_port").get<std::string>();
  link.bridge = json.at("bridge").get<std::string>();
  link.address = parse_ip(json, "address");
  link.prefix_length = json.at("prefix_length").get<int>();
  return link;
}

Json to_json(const LabState& state) {
  Json nodes = Json::array();
  for (const auto& node : state.nodes) nodes.push_back(to_json(node));
  Json clients = Json::array();
  for (const auto& client : state.clients) {
    clients.push_back(Json{{"name", client.name}, {"netns", client.netns}});
  }
  Json bridges = Json::array();
  for (const auto& bridge : state.bridges) {
    bridges.push_back(Json{{"network", bridge.network}, {"name", bridge.name}});
  }
  Json links = Json::array();
  for (const auto& link : state.links) links.push_back(to_json(link));
  Json routes = Json::array();
  for (const auto& route : state.routes) {
    routes.push_back(Json{{"netns", route.netns}, {"via", ip(route.via)}});
  }
  return Json{{"spec_path", state.spec_path},
              {"nodes", nodes},
              {"clients", clients},
              {"namespaces", state.namespaces},
              {"switch_netns", state.switch_netns},
              {"router_netns", state.router_netns},
              {"bridges", bridges},
              {"links", links},
              {"routes", routes},
              {"ns_dir", state.ns_dir},
              {"images_dir", state.images_dir},
              {"hearth_binary", state.hearth_binary},
              {"hearthd_binary", state.hearthd_binary}};
}

LabState state_from_json(const Json& json) {
  LabState state;
  state.spec_path = json.at("spec_path").get<std::string>();
  for (const auto& node : json.at("nodes")) state.nodes.push_back(node_from_json(node));
  for (const auto& client : json.at("clients")) {
    state.clients.push_back(
        LabClient{client.at("name").get<std::string>(), client.at("netns").get<std::string>()});
  }
  state.namespaces = json.at("namespaces").get<std::vector<std::string>>();
  state.switch_netns = json.at("switch_netns").get<std::string>();
  state.router_netns = json.at("router_netns").get<std::string>();
  for (const auto& bridge : json.at("bridges")) {
    state.bridges.push_back(
        LabBridge{bridge.at("network").get<std::string>(), bridge.at("name").get<std::string>()});
  }
  for (const auto& link : json.at("links")) state.links.push_back(link_from_json(link));
  for (const auto& route : json.at("routes")) {
    state.routes.push_back(LabRoute{route.at("netns").get<std::string>(), parse_ip(route, "via")});
  }
  state.ns_dir = json.at("ns_dir").get<std::string>();
  state.images_dir = json.at("images_dir").get<std::string>();
  state.hearth_binary = json.at("hearth_binary").get<std::string>();
  state.hearthd_binary = json.at("hearthd_binary").get<std::string>();
  return state;
}

}  // namespace

const LabNode* LabState::find_node(const std::string& name) const {
  for (const auto& node : nodes) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

const LabClient* LabState::find_client(const std::string& name) const {
  for (const auto& client : clients) {
    if (client.name == name) return &client;
  }
  return nullptr;
}

std::vector<const LabLink*> LabState::links_of(const std::string& owner) const {
  std::vector<const LabLink*> result;
  for (const auto& link : links) {
    if (link.owner == owner) result.push_back(&link);
  }
  return result;
}

Result<LabState> read_lab_state(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return Error{"no lab is up (" + path + " does not exist)"};
    return Error{"cannot read the lab state " + path + ": " + std::strerror(errno)};
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    return state_from_json(Json::parse(text.str()));
  } catch (const std::exception& error) {
    return Error{
        "the lab state " + path + " is damaged (" + error.what() +
        "); remove the lab's namespaces by hand (ip netns list | grep hearth-) and the file"};
  }
}

Status write_lab_state(const LabState& state, const std::string& path) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << to_json(state).dump(2) << '\n';
    out.flush();
    if (!out) {
      return Error{"cannot write the lab state " + temporary + ": " + std::strerror(errno)};
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    std::remove(temporary.c_str());
    return Error{"cannot write the lab state " + path + ": " + std::strerror(error)};
  }
  return ok_status();
}

}  // namespace hearth::lab
