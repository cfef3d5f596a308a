#pragma once
// IPv4 addresses, networks (CIDR) and inclusive address ranges, as plain values.
// Parsing is strict: dotted quads of decimal octets without leading zeros; anything else fails.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hearth {

struct Ipv4 {
  std::uint32_t value = 0;  // host byte order

  static std::optional<Ipv4> parse(std::string_view text);
  std::string str() const;
  auto operator<=>(const Ipv4&) const = default;
};

struct Cidr {
  Ipv4 network;        // the address with host bits cleared
  int prefix_length = 0;

  // Accepts "10.1.2.0/24". Host bits must be zero ("10.1.2.5/24" fails).
  static std::optional<Cidr> parse(std::string_view text);
  std::string str() const;
  std::uint32_t mask() const;
  bool contains(Ipv4 address) const;
  Ipv4 first() const { return network; }
  Ipv4 last() const;
  bool overlaps(const Cidr& other) const;
  auto operator<=>(const Cidr&) const = default;
};

// An inclusive range of addresses, "10.1.2.128-10.1.2.191".
struct Ipv4Range {
  Ipv4 first;
  Ipv4 last;

  // Fails on syntax; a reversed range parses (first > last) so the validator can say so.
  static std::optional<Ipv4Range> parse(std::string_view text);
  std::string str() const;
  bool reversed() const { return first > last; }
  bool contains(Ipv4 address) const { return first <= address && address <= last; }
  bool overlaps(const Ipv4Range& other) const {
    return first <= other.last && other.first <= last;
  }
  std::uint64_t size() const { return reversed() ? 0 : std::uint64_t{last.value} - first.value + 1; }
  auto operator<=>(const Ipv4Range&) const = default;
};

}  // namespace hearth
