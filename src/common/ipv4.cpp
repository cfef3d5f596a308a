#include "common/ipv4.h"

#include <charconv>

namespace hearth {
namespace {

std::optional<std::uint32_t> parse_decimal(std::string_view text, std::uint32_t max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;  // "010" is ambiguous (octal?)
  std::uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Ipv4> Ipv4::parse(std::string_view text) {
  std::uint32_t result = 0;
  for (int octet = 0; octet < 4; ++octet) {
    std::size_t dot = text.find('.');
    bool last = octet == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    auto value = parse_decimal(text.substr(0, dot), 255);
    if (!value) return std::nullopt;
    result = (result << 8) | *value;
    text = last ? std::string_view{} : text.substr(dot + 1);
  }
  return Ipv4{result};
}

std::string Ipv4::str() const {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 255) + "." +
         std::to_string((value >> 8) & 255) + "." + std::to_string(value & 255);
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = Ipv4::parse(text.substr(0, slash));
  auto prefix = parse_decimal(text.substr(slash + 1), 32);
  if (!address || !prefix) return std::nullopt;
  Cidr cidr{*address, static_cast<int>(*prefix)};
  if ((address->value & cidr.mask()) != address->value) return std::nullopt;
  return cidr;
}

std::string Cidr::str() const { return network.str() + "/" + std::to_string(prefix_length); }

std::uint32_t Cidr::mask() const {
  return prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_length);
}

bool Cidr::contains(Ipv4 address) const { return (address.value & mask()) == network.value; }

Ipv4 Cidr::last() const { return Ipv4{network.value | ~mask()}; }

bool Cidr::overlaps(const Cidr& other) const {
  return contains(other.network) || other.contains(network);
}

std::optional<Ipv4Range> Ipv4Range::parse(std::string_view text) {
  std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto first = Ipv4::parse(text.substr(0, dash));
  auto last = Ipv4::parse(text.substr(dash + 1));
  if (!first || !last) return std::nullopt;
  return Ipv4Range{*first, *last};
}

std::string Ipv4Range::str() const { return first.str() + "-" + last.str(); }

}  // namespace hearth
