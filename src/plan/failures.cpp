#include "plan/failures.h"

#include <algorithm>

namespace hearth {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string node_names(const Spec& spec) {
  std::string names;
  for (const Node& node : spec.nodes) names += (names.empty() ? "" : ", ") + node.name;
  return names;
}

std::string disk_names(const Node& node) {
  std::string names;
  for (const Disk& disk : node.disks) names += (names.empty() ? "" : ", ") + disk.name;
  return names.empty() ? "none" : names;
}

Error unknown_node(const Spec& spec, std::string_view name) {
  return Error{"unknown node '" + std::string(name) + "'; the nodes are " + node_names(spec)};
}

Error unknown_disk(const Node& node, std::string_view disk) {
  return Error{"node " + node.name + " has no disk '" + std::string(disk) + "'; its disks are " +
               disk_names(node)};
}

template <typename T>
void add_unique(std::vector<T>& items, T item) {
  if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(std::move(item));
}

}  // namespace

Result<Failures> parse_failures(const Spec& spec, std::string_view text) {
  static constexpr const char* kForm = " (expected NODE or NODE:DISK, separated by commas, e.g. r510,r530:hdd1)";
  if (trim(text).empty()) return Error{"no node or disk given" + std::string(kForm)};
  Failures failures;
  std::size_t position = 0;
  int index = 0;
  while (true) {
    std::size_t comma = text.find(',', position);
    std::string_view item =
        trim(text.substr(position, comma == std::string_view::npos ? std::string_view::npos : comma - position));
    ++index;
    if (item.empty()) {
      return Error{"item " + std::to_string(index) + " is empty" + std::string(kForm)};
    }
    std::size_t colon = item.find(':');
    std::string_view node_name = trim(item.substr(0, colon));
    if (node_name.empty()) {
      return Error{"'" + std::string(item) + "' has no node name" + std::string(kForm)};
    }
    const Node* node = spec.find_node(std::string(node_name));
    if (node == nullptr) return unknown_node(spec, node_name);
    if (colon == std::string_view::npos) {
      add_unique(failures.nodes, node->name);
    } else {
      std::string_view disk_name = trim(item.substr(colon + 1));
      if (disk_name.find(':') != std::string_view::npos) {
        return Error{"'" + std::string(item) + "' has more than one ':'" + std::string(kForm)};
      }
      if (disk_name.empty()) {
        return Error{"'" + std::string(item) + "' has no disk name; the disks of " + node->name +
                     " are " + disk_names(*node)};
      }
      if (node->find_disk(std::string(disk_name)) == nullptr) return unknown_disk(*node, disk_name);
      add_unique(failures.disks, DiskRef{node->name, std::string(disk_name)});
    }
    if (comma == std::string_view::npos) break;
    position = comma + 1;
  }
  return failures;
}

Status check_failures(const Spec& spec, const Failures& failures) {
  for (const std::string& name : failures.nodes) {
    if (spec.find_node(name) == nullptr) return unknown_node(spec, name);
  }
  for (const DiskRef& disk : failures.disks) {
    const Node* node = spec.find_node(disk.node);
    if (node == nullptr) return unknown_node(spec, disk.node);
    if (node->find_disk(disk.disk) == nullptr) return unknown_disk(*node, disk.disk);
  }
  return ok_status();
}

}  // namespace hearth
