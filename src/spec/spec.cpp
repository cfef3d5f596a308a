#include "spec/spec.h"

#include <algorithm>

namespace hearth {
namespace {

template <typename T>
const T* find_by_name(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Disk* Node::find_disk(const std::string& disk_name) const { return find_by_name(disks, disk_name); }

void SourceMap::record(std::string key_path, Position position) {
  positions_.insert_or_assign(std::move(key_path), position);
}

Position SourceMap::find(const std::string& key_path) const {
  std::string path = key_path;
  while (true) {
    if (auto it = positions_.find(path); it != positions_.end()) return it->second;
    std::size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos) return {};
    path.resize(cut);
  }
}

const Node* Spec::find_node(const std::string& name) const { return find_by_name(nodes, name); }
const Network* Spec::find_network(const std::string& name) const { return find_by_name(networks, name); }
const Volume* Spec::find_volume(const std::string& name) const { return find_by_name(volumes, name); }
const Service* Spec::find_service(const std::string& name) const { return find_by_name(services, name); }

const Node* Spec::arbiter() const {
  auto it = std::find_if(nodes.begin(), nodes.end(),
                         [](const Node& node) { return node.role == NodeRole::arbiter; });
  return it == nodes.end() ? nullptr : &*it;
}

std::vector<const Node*> Spec::servers() const {
  std::vector<const Node*> result;
  for (const Node& node : nodes) {
    if (node.role == NodeRole::server) result.push_back(&node);
  }
  return result;
}

const Network* Spec::management_network() const {
  auto it = std::find_if(networks.begin(), networks.end(), [](const Network& n) { return n.management; });
  return it == networks.end() ? nullptr : &*it;
}

const Network* Spec::storage_network() const {
  auto it = std::find_if(networks.begin(), networks.end(), [](const Network& n) { return n.storage; });
  return it == networks.end() ? nullptr : &*it;
}

}  // namespace hearth
