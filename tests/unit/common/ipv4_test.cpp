#include "common/ipv4.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(Ipv4, ParsesDottedQuads) {
  EXPECT_EQ(Ipv4::parse("10.1.2.17")->value, 0x0A010211u);
  EXPECT_EQ(Ipv4::parse("0.0.0.0")->value, 0u);
  EXPECT_EQ(Ipv4::parse("255.255.255.255")->value, 0xFFFFFFFFu);
  EXPECT_EQ(Ipv4::parse("10.1.2.17")->str(), "10.1.2.17");
}

TEST(Ipv4, RejectsEverythingElse) {
  for (const char* bad :
       {"", "10.1.2", "10.1.2.17.5", "10.1.2.256", "10.1.2.017", "10..2.17", "10.1.2.", ".10.1.2",
        "10.1.2.17 ", " 10.1.2.17", "a.b.c.d", "10.1.2.-1", "10.1.2.+1", "4294967296",
        "10.1.2.1/24", "1e1.1.1.1", "99999999999.1.1.1"}) {
    EXPECT_FALSE(Ipv4::parse(bad)) << bad;
  }
}

TEST(Ipv4, OrdersByValue) {
  EXPECT_LT(*Ipv4::parse("10.1.2.9"), *Ipv4::parse("10.1.2.10"));
  EXPECT_LT(*Ipv4::parse("9.255.255.255"), *Ipv4::parse("10.0.0.0"));
}

TEST(Cidr, ParsesNetworks) {
  auto cidr = Cidr::parse("10.1.2.0/24");
  ASSERT_TRUE(cidr);
  EXPECT_EQ(cidr->str(), "10.1.2.0/24");
  EXPECT_EQ(cidr->prefix_length, 24);
  EXPECT_EQ(cidr->mask(), 0xFFFFFF00u);
  EXPECT_EQ(cidr->first().str(), "10.1.2.0");
  EXPECT_EQ(cidr->last().str(), "10.1.2.255");
  EXPECT_EQ(Cidr::parse("0.0.0.0/0")->last().str(), "255.255.255.255");
  EXPECT_EQ(Cidr::parse("0.0.0.0/0")->mask(), 0u);
  EXPECT_EQ(Cidr::parse("10.1.2.17/32")->last().str(), "10.1.2.17");
  EXPECT_EQ(Cidr::parse("10.1.2.17/32")->mask(), 0xFFFFFFFFu);
}

TEST(Cidr, RejectsHostBitsBadPrefixesAndGarbage) {
  for (const char* bad : {"10.1.2.5/24", "10.1.2.0/33", "10.1.2.0/", "10.1.2.0", "10.1.2.0/024",
                          "10.1.2.0/-1", "10.1.2/24", "/24", "10.1.2.0/24/1", "10.1.2.0/2 4"}) {
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
  }
}

TEST(Cidr, ContainsAndOverlaps) {
  Cidr lan = *Cidr::parse("10.1.2.0/24");
  EXPECT_TRUE(lan.contains(*Ipv4::parse("10.1.2.0")));
  EXPECT_TRUE(lan.contains(*Ipv4::parse("10.1.2.255")));
  EXPECT_FALSE(lan.contains(*Ipv4::parse("10.1.3.0")));
  EXPECT_FALSE(lan.contains(*Ipv4::parse("10.1.1.255")));
  EXPECT_TRUE(lan.overlaps(*Cidr::parse("10.1.0.0/16")));
  EXPECT_TRUE(Cidr::parse("10.1.0.0/16")->overlaps(lan));
  EXPECT_TRUE(lan.overlaps(*Cidr::parse("10.1.2.128/25")));
  EXPECT_FALSE(lan.overlaps(*Cidr::parse("10.1.3.0/24")));
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(*Ipv4::parse("203.0.113.9")));
}

TEST(Ipv4Range, ParsesAndMeasures) {
  auto range = Ipv4Range::parse("10.1.2.128-10.1.2.191");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->str(), "10.1.2.128-10.1.2.191");
  EXPECT_EQ(range->size(), 64u);
  EXPECT_FALSE(range->reversed());
  EXPECT_TRUE(range->contains(*Ipv4::parse("10.1.2.128")));
  EXPECT_TRUE(range->contains(*Ipv4::parse("10.1.2.191")));
  EXPECT_FALSE(range->contains(*Ipv4::parse("10.1.2.192")));
  EXPECT_EQ(Ipv4Range::parse("0.0.0.0-255.255.255.255")->size(), 1ULL << 32);
  EXPECT_EQ(Ipv4Range::parse("10.1.2.5-10.1.2.5")->size(), 1u);
}

TEST(Ipv4Range, ReversedRangesParseSoTheValidatorCanSaySo) {
  auto reversed = Ipv4Range::parse("10.1.2.250-10.1.2.220");
  ASSERT_TRUE(reversed);
  EXPECT_TRUE(reversed->reversed());
  EXPECT_EQ(reversed->size(), 0u);
}

TEST(Ipv4Range, RejectsGarbage) {
  for (const char* bad : {"", "10.1.2.1", "10.1.2.1-", "-10.1.2.1", "10.1.2.1-10.1.2.2-10.1.2.3",
                          "10.1.2.1 - 10.1.2.2", "10.1.2.0/24"}) {
    EXPECT_FALSE(Ipv4Range::parse(bad)) << bad;
  }
}

TEST(Ipv4Range, Overlaps) {
  Ipv4Range a = *Ipv4Range::parse("10.1.2.10-10.1.2.20");
  EXPECT_TRUE(a.overlaps(*Ipv4Range::parse("10.1.2.20-10.1.2.30")));
  EXPECT_TRUE(a.overlaps(*Ipv4Range::parse("10.1.2.0-10.1.2.10")));
  EXPECT_TRUE(a.overlaps(*Ipv4Range::parse("10.1.2.12-10.1.2.13")));
  EXPECT_TRUE(a.overlaps(*Ipv4Range::parse("10.1.2.0-10.1.2.255")));
  EXPECT_FALSE(a.overlaps(*Ipv4Range::parse("10.1.2.21-10.1.2.30")));
  EXPECT_FALSE(a.overlaps(*Ipv4Range::parse("10.1.2.0-10.1.2.9")));
}

}  // namespace
}  // namespace hearth
