#include "spec/spec.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "spec/yaml_document.h"

namespace hearth {
namespace {

template <typename T>
const T* find_by_name(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Disk* Node::find_disk(const std::string& disk_name) const { return find_by_name(disks, disk_name); }

Position SourceMap::find(const std::string& key_path) const {
  if (!root_) return {};
  std::string_view rest = key_path;
  bool want_key = rest.ends_with("#key");
  if (want_key) rest.remove_suffix(4);

  const yaml::Node* node = root_.get();
  Position found;         // value position of the longest resolved prefix
  Position key_position;  // key position of the last step, when it was a map entry
  bool resolved_by_key = false;
  while (!rest.empty()) {
    if (node->is_sequence() && rest.front() == '[') {
      std::size_t close = rest.find(']');
      std::size_t index = 0;
      auto [end, error] = std::from_chars(rest.data() + 1, rest.data() + close, index);
      if (close == std::string_view::npos || error != std::errc{} ||
          end != rest.data() + close || index >= node->items.size()) {
        return found;
      }
      node = &node->items[index];
      found = node->position;
      resolved_by_key = false;
      rest.remove_prefix(close + 1);
    } else if (node->is_map()) {
      // The longest key that the path continues with (a key may itself contain '.').
      const yaml::Entry* match = nullptr;
      for (const yaml::Entry& entry : node->entries) {
        const std::string& key = entry.key;
        if (entry.duplicate || !rest.starts_with(key)) continue;
        if (rest.size() > key.size() && rest[key.size()] != '.' && rest[key.size()] != '[') continue;
        if (match == nullptr || key.size() > match->key.size()) match = &entry;
      }
      if (match == nullptr) return found;
      node = &match->value;
      found = node->position;
      key_position = match->key_position;
      resolved_by_key = true;
      rest.remove_prefix(match->key.size());
    } else {
      return found;
    }
    if (!rest.empty() && rest.front() == '.') rest.remove_prefix(1);
  }
  return want_key && resolved_by_key ? key_position : found;
}

const Node* Spec::find_node(const std::string& name) const { return find_by_name(nodes, name); }
const Network* Spec::find_network(const std::string& name) const { return find_by_name(networks, name); }
const Volume* Spec::find_volume(const std::string& name) const { return find_by_name(volumes, name); }
const Service* Spec::find_service(const std::string& name) const { return find_by_name(services, name); }
const Registry* Spec::find_registry(const std::string& host) const {
  auto it = std::find_if(registries.begin(), registries.end(),
                         [&](const Registry& r) { return r.host == host; });
  return it == registries.end() ? nullptr : &*it;
}

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
