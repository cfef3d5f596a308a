#include "engines/service_network.h"

#include <gtest/gtest.h>

#include "engines/health_probe.h"

namespace hearth {
namespace {

// `ip -j addr show` of a lab node (trimmed to the fields that matter).
const char* const kLabNode = R"([
  {"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
  {"ifindex":2,"ifname":"services","addr_info":[{"family":"inet","local":"10.1.2.17","prefixlen":24},
                                                {"family":"inet6","local":"fe80::1","prefixlen":64}]},
  {"ifindex":3,"ifname":"storage","addr_info":[{"family":"inet","local":"10.1.7.17","prefixlen":24}]},
  {"ifindex":4,"ifname":"home","addr_info":[]},
  {"ifindex":5,"ifname":"vlan30"}
])";

Cidr cidr(const char* text) { return *Cidr::parse(text); }

TEST(FindNetworkInterface, TheInterfaceHoldingAnAddressInTheNetwork) {
  EXPECT_EQ(find_network_interface(kLabNode, cidr("10.1.2.0/24"), "mgmt"), "services");
  EXPECT_EQ(find_network_interface(kLabNode, cidr("10.1.7.0/24"), "storage"), "storage");
}

TEST(FindNetworkInterface, ElseTheInterfaceNamedAfterTheNetwork) {
  EXPECT_EQ(find_network_interface(kLabNode, cidr("10.1.3.0/24"), "home"), "home");
}

TEST(FindNetworkInterface, AnAddressWinsOverAName) {
  EXPECT_EQ(find_network_interface(kLabNode, cidr("10.1.2.0/24"), "home"), "services");
}

TEST(FindNetworkInterface, NoneWhenNeither) {
  EXPECT_EQ(find_network_interface(kLabNode, cidr("10.1.5.0/24"), "toxic"), std::nullopt);
  EXPECT_EQ(find_network_interface("not json", cidr("10.1.2.0/24"), "services"), std::nullopt);
  EXPECT_EQ(find_network_interface("[]", cidr("10.1.2.0/24"), "services"), std::nullopt);
}

TEST(FindNetworkInterface, Ipv6AddressesDoNotCount) {
  const char* v6 = R"([{"ifname":"eth9","addr_info":[{"family":"inet6","local":"10.1.2.5"}]}])";
  EXPECT_EQ(find_network_interface(v6, cidr("10.1.2.0/24"), "services"), std::nullopt);
}

TEST(ParseHttpStatus, StatusLines) {
  EXPECT_EQ(parse_http_status("HTTP/1.1 200 OK\r\n"), 200);
  EXPECT_EQ(parse_http_status("HTTP/1.0 404 Not Found\r\n\r\n"), 404);
  EXPECT_EQ(parse_http_status("HTTP/1.1 302\r\n"), 302);
  EXPECT_EQ(parse_http_status("HTTP/1.1 200"), 200);
  EXPECT_EQ(parse_http_status(""), 0);
  EXPECT_EQ(parse_http_status("SSH-2.0-OpenSSH\r\n"), 0);
  EXPECT_EQ(parse_http_status("HTTP/1.1 2000 x\r\n"), 0);
  EXPECT_EQ(parse_http_status("HTTP/1.1 20x OK\r\n"), 0);
  EXPECT_EQ(parse_http_status("HTTP/1.1 099 x\r\n"), 0);
}

TEST(ListsTcpListener, ALineInTheListenState) {
  std::string header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n";
  std::string listening =
      "   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
      "0 1594 1 0000000000000000 100 0 0 10 0\n";
  std::string established =
      "   1: 8202010A:0050 0203010A:C350 01 00000000:00000000 00:00000000 00000000     0        "
      "0 1600 1 0000000000000000 20 4 30 10 -1\n";
  EXPECT_TRUE(lists_tcp_listener(header + established + listening));
  EXPECT_FALSE(lists_tcp_listener(header + established)) << "connections only: nobody accepts";
  EXPECT_FALSE(lists_tcp_listener(header));
  EXPECT_FALSE(lists_tcp_listener(""));
  EXPECT_FALSE(lists_tcp_listener(listening)) << "the first line is the header, never a socket";
}

TEST(AcceptsTcpConnections, FalseForAProcessThatDoesNotExist) {
  EXPECT_FALSE(accepts_tcp_connections(0x3fffffff));
}

}  // namespace
}  // namespace hearth
