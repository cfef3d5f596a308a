#pragma once
// Making a node's VLAN interfaces (plan/node_links.h) on its trunk link, with `ip`.

#include <string>
#include <vector>

#include "common/result.h"
#include "plan/node_links.h"

namespace hearth {

// Contract: where the node's links are made. Thread-safe: every call is separate commands.
class NodeLinks {
 public:
  virtual ~NodeLinks() = default;
  // Makes `link` exist as a VLAN interface of the trunk, up, holding its address (if it has one;
  // other addresses on it are left alone). Idempotent. Fails, touching nothing, when an interface
  // of that name exists but is something else (not a VLAN, another id, another trunk): it is not
  // hearth's to change.
  virtual Status ensure(const NodeLink& link) = 0;
};

// `ip` in the caller's network namespace, or in another through `prefix` (an argv prefix).
class IpVlanLinks final : public NodeLinks {
 public:
  explicit IpVlanLinks(std::string trunk, std::vector<std::string> prefix = {});
  Status ensure(const NodeLink& link) override;

 private:
  Result<std::string> ip(std::vector<std::string> arguments) const;
  std::string trunk_;
  std::vector<std::string> prefix_;
};

// What `ip -d -j link show dev NAME` says of an existing interface, when it is a VLAN of `trunk`
// with id `vlan`: empty. Otherwise why it is not (for the error). Pure.
std::string vlan_mismatch(const std::string& ip_link_json, const std::string& trunk, int vlan);

}  // namespace hearth
