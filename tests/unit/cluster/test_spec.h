#pragma once
// A small valid-looking spec built in code (no loader needed): two servers and an arbiter.

#include "spec/spec.h"

namespace hearth::cluster::testing {

inline Node test_node(std::string name, NodeRole role, const char* address) {
  Node node;
  node.name = std::move(name);
  node.role = role;
  node.address = *Ipv4::parse(address);
  return node;
}

inline Spec three_node_spec() {
  Spec spec;
  spec.file = "homelab.yaml";
  spec.cluster.name = "homecentr";
  spec.cluster.domain = "home.arpa";
  spec.nodes.push_back(test_node("r510", NodeRole::server, "10.1.2.17"));
  spec.nodes.push_back(test_node("r530", NodeRole::server, "10.1.2.22"));
  spec.nodes.push_back(test_node("elitedesk", NodeRole::arbiter, "10.1.2.26"));
  Network services;
  services.name = "services";
  services.cidr = *Cidr::parse("10.1.2.0/24");
  services.management = true;
  spec.networks.push_back(services);
  return spec;
}

}  // namespace hearth::cluster::testing
