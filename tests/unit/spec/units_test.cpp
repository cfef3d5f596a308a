#include "spec/units.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

constexpr std::uint64_t kGiB = 1ULL << 30;

TEST(ParseSize, BinaryUnitsArePowersOf1024) {
  EXPECT_EQ(parse_size("1KiB").value(), 1024u);
  EXPECT_EQ(parse_size("128MiB").value(), 128ULL << 20);
  EXPECT_EQ(parse_size("100GiB").value(), 100 * kGiB);
  EXPECT_EQ(parse_size("2TiB").value(), 2ULL << 40);
}

TEST(ParseSize, DecimalUnitsArePowersOf1000) {
  EXPECT_EQ(parse_size("1KB").value(), 1000u);
  EXPECT_EQ(parse_size("5MB").value(), 5'000'000u);
  EXPECT_EQ(parse_size("3GB").value(), 3'000'000'000u);
  EXPECT_EQ(parse_size("4TB").value(), 4'000'000'000'000u);
}

TEST(ParseSize, DecimalNumbersAndSpacesAreAccepted) {
  EXPECT_EQ(parse_size("1.5TiB").value(), 3ULL << 39);
  EXPECT_EQ(parse_size("0.5GiB").value(), kGiB / 2);
  EXPECT_EQ(parse_size("2 GiB").value(), 2 * kGiB);
  EXPECT_EQ(parse_size("1.1KiB").value(), 1126u);  // 1126.4 rounded down
  EXPECT_EQ(parse_size("0KiB").value(), 0u);
}

TEST(ParseSize, BareNumberNeedsAUnit) {
  auto result = parse_size("100");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("needs a unit"), std::string::npos);
}

TEST(ParseSize, RejectsUnknownUnitsNegativeGarbageAndOverflow) {
  EXPECT_NE(parse_size("10G").error().message.find("unknown size unit 'G'"), std::string::npos);
  EXPECT_NE(parse_size("10gib").error().message.find("unknown size unit"), std::string::npos);
  EXPECT_NE(parse_size("10PiB").error().message.find("unknown size unit"), std::string::npos);
  EXPECT_NE(parse_size("-1GiB").error().message.find("negative"), std::string::npos);
  EXPECT_NE(parse_size("").error().message.find("empty"), std::string::npos);
  EXPECT_NE(parse_size("GiB").error().message.find("not a number"), std::string::npos);
  EXPECT_NE(parse_size("1.GiB").error().message.find("not a number"), std::string::npos);
  EXPECT_NE(parse_size("+1GiB").error().message.find("not a number"), std::string::npos);
  EXPECT_NE(parse_size("1e3GiB").error().message.find("unknown size unit 'e3GiB'"),
            std::string::npos);
  EXPECT_NE(parse_size("16777216TiB").error().message.find("too large"), std::string::npos);
  EXPECT_NE(parse_size("99999999999999999999999KiB").error().message.find("too large"),
            std::string::npos);
  EXPECT_NE(parse_size("1.0000000001GiB").error().message.find("decimal places"),
            std::string::npos);
  EXPECT_EQ(parse_size("16777215TiB").value(), 16777215ULL << 40);
}

TEST(ParseDuration, AcceptsMillisecondsSecondsMinutesHours) {
  EXPECT_EQ(parse_duration("500ms").value(), 500);
  EXPECT_EQ(parse_duration("1s").value(), 1000);
  EXPECT_EQ(parse_duration("5m").value(), 300'000);
  EXPECT_EQ(parse_duration("12h").value(), 12 * 3'600'000LL);
  EXPECT_EQ(parse_duration("1.5s").value(), 1500);
  EXPECT_EQ(parse_duration("0ms").value(), 0);
}

TEST(ParseDuration, RejectsBareNumbersUnknownUnitsNegativeAndOverflow) {
  EXPECT_NE(parse_duration("30").error().message.find("needs a unit"), std::string::npos);
  EXPECT_NE(parse_duration("1d").error().message.find("unknown duration unit 'd'"),
            std::string::npos);
  EXPECT_NE(parse_duration("-1s").error().message.find("negative"), std::string::npos);
  EXPECT_NE(parse_duration("9999999999999999h").error().message.find("too long"),
            std::string::npos);
  EXPECT_FALSE(parse_duration("s").ok());
  EXPECT_FALSE(parse_duration("1 s x").ok());
}

TEST(ParseDecimal, AcceptsPlainNonNegativeNumbers) {
  EXPECT_EQ(parse_decimal("8").value(), 8.0);
  EXPECT_EQ(parse_decimal("0.25").value(), 0.25);
  EXPECT_FALSE(parse_decimal("1e3").ok());
  EXPECT_FALSE(parse_decimal("nan").ok());
  EXPECT_FALSE(parse_decimal("-1").ok());
  EXPECT_FALSE(parse_decimal("1000001").ok());
}

TEST(ParseCount, AcceptsWholeNonNegativeNumbers) {
  EXPECT_EQ(parse_count("0").value(), 0);
  EXPECT_EQ(parse_count("7").value(), 7);
  EXPECT_NE(parse_count("1.5").error().message.find("whole number"), std::string::npos);
  EXPECT_NE(parse_count("-1").error().message.find("negative"), std::string::npos);
  EXPECT_NE(parse_count("10000000000").error().message.find("too large"), std::string::npos);
}

TEST(FormatSize, UsesTheLargestBinaryUnit) {
  EXPECT_EQ(format_size(0), "0 bytes");
  EXPECT_EQ(format_size(1), "1 byte");
  EXPECT_EQ(format_size(1023), "1023 bytes");
  EXPECT_EQ(format_size(1024), "1KiB");
  EXPECT_EQ(format_size(100 * kGiB), "100GiB");
  EXPECT_EQ(format_size(3ULL << 39), "1.5TiB");
  EXPECT_EQ(format_size(parse_size("1TB").value()), "931.32GiB");
}

TEST(FormatDuration, UsesTheLargestExactUnit) {
  EXPECT_EQ(format_duration(500), "500ms");
  EXPECT_EQ(format_duration(1000), "1s");
  EXPECT_EQ(format_duration(90'000), "90s");
  EXPECT_EQ(format_duration(120'000), "2m");
  EXPECT_EQ(format_duration(12 * 3'600'000LL), "12h");
  EXPECT_EQ(format_duration(0), "0ms");
}

}  // namespace
}  // namespace hearth
