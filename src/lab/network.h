#pragma once
// The lab's network, made from a LabState with `ip` inside the lab's own namespaces only:
// nothing is ever added to the caller's (root) network namespace.

#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "lab/lab_state.h"

namespace hearth::lab {

// Creates whatever of the network is missing: every namespace (loopback up), the bridges in the
// switch, the veth pairs with their addresses, default routes, forwarding in the router only.
// Idempotent: completes a half-made network.
Status build_network(const LabState& state);

// Deletes the lab's network namespaces that exist (their veths and bridges go with them).
// REQUIRES: no process is left in them (else they linger until those exit).
Status delete_network(const LabState& state);

// The state of one link as seen from the switch.
struct LinkStatus {
  const LabLink* link = nullptr;
  bool exists = false;     // both ends are present
  bool switch_up = false;  // the switch's end is administratively up (not cut)
};

// The state of every link of the lab, in the order of state.links.
std::vector<LinkStatus> link_status(const LabState& state);

// Cuts (down) or restores (up) every switch port of `owner`'s links: a cut node's peers see
// silence (frames to and from it are dropped), not resets, and its processes keep running.
Status set_links(const LabState& state, const std::string& owner, bool up);

}  // namespace hearth::lab
