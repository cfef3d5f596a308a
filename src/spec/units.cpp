#include "spec/units.h"

#include <array>
#include <cstdio>
#include <limits>
#include <optional>

namespace hearth {
namespace {

__extension__ typedef unsigned __int128 Wide;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = kKiB * 1024;
constexpr std::uint64_t kGiB = kMiB * 1024;
constexpr std::uint64_t kTiB = kGiB * 1024;

constexpr int kMaxFractionDigits = 9;

// "12", "1.5" split into its digits; the unit is what follows (spaces skipped).
struct Number {
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;        // the digits after the point, as an integer
  std::uint64_t fraction_scale = 1;  // 10^(number of digits after the point)
  std::string_view unit;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Fails with a message phrase; `example` completes "expected ..., e.g. <example>".
Result<Number> split_number(std::string_view text, std::string_view example) {
  if (text.empty()) return Error{"is empty; expected a value like " + std::string(example)};
  if (text.front() == '-') return Error{"must not be negative"};
  Number number;
  std::size_t i = 0;
  if (i >= text.size() || !is_digit(text[i])) {
    return Error{"'" + std::string(text) + "' is not a number; expected a value like " +
                 std::string(example)};
  }
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (number.whole > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) {
      return Error{"'" + std::string(text) + "' is too large"};
    }
    number.whole = number.whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    int digits = 0;
    for (; i < text.size() && is_digit(text[i]); ++i, ++digits) {
      if (digits == kMaxFractionDigits) {
        return Error{"'" + std::string(text) + "' has too many decimal places (at most " +
                     std::to_string(kMaxFractionDigits) + ")"};
      }
      number.fraction = number.fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
      number.fraction_scale *= 10;
    }
    if (digits == 0) {
      return Error{"'" + std::string(text) + "' is not a number; expected a value like " +
                   std::string(example)};
    }
  }
  while (i < text.size() && text[i] == ' ') ++i;
  number.unit = text.substr(i);
  return number;
}

// whole * multiplier + fraction * multiplier / scale, rounded down; nullopt on overflow of `max`.
std::optional<std::uint64_t> scale(const Number& number, std::uint64_t multiplier,
                                   std::uint64_t max) {
  Wide value =
      Wide{number.whole} * multiplier + Wide{number.fraction} * multiplier / number.fraction_scale;
  if (value > max) return std::nullopt;
  return static_cast<std::uint64_t>(value);
}

struct Unit {
  std::string_view name;
  std::uint64_t multiplier;
};

constexpr std::array<Unit, 8> kSizeUnits{{{"KiB", kKiB},
                                          {"MiB", kMiB},
                                          {"GiB", kGiB},
                                          {"TiB", kTiB},
                                          {"KB", 1000},
                                          {"MB", 1000 * 1000},
                                          {"GB", 1000 * 1000 * 1000},
                                          {"TB", 1000ULL * 1000 * 1000 * 1000}}};

constexpr std::array<Unit, 4> kDurationUnits{
    {{"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 60 * 60 * 1000}}};

}  // namespace

Result<std::uint64_t> parse_size(std::string_view text) {
  auto number = split_number(text, "512MiB");
  if (!number) return number.error();
  if (number->unit.empty()) {
    return Error{"'" + std::string(text) +
                 "' needs a unit, e.g. 512MiB (KiB MiB GiB TiB, or KB MB GB TB)"};
  }
  for (const Unit& unit : kSizeUnits) {
    if (number->unit != unit.name) continue;
    auto bytes = scale(*number, unit.multiplier, std::numeric_limits<std::uint64_t>::max());
    if (!bytes) return Error{"'" + std::string(text) + "' is too large"};
    return *bytes;
  }
  return Error{"unknown size unit '" + std::string(number->unit) +
               "' (use KiB MiB GiB TiB, or KB MB GB TB)"};
}

Result<std::int64_t> parse_duration(std::string_view text) {
  auto number = split_number(text, "500ms");
  if (!number) return number.error();
  if (number->unit.empty()) {
    return Error{"'" + std::string(text) + "' needs a unit, e.g. 500ms, 30s, 5m or 12h"};
  }
  for (const Unit& unit : kDurationUnits) {
    if (number->unit != unit.name) continue;
    auto ms = scale(*number, unit.multiplier,
                    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    if (!ms) return Error{"'" + std::string(text) + "' is too long"};
    return static_cast<std::int64_t>(*ms);
  }
  return Error{"unknown duration unit '" + std::string(number->unit) + "' (use ms, s, m or h)"};
}

Result<double> parse_decimal(std::string_view text) {
  auto number = split_number(text, "0.5");
  if (!number) return number.error();
  if (!number->unit.empty()) {
    return Error{"'" + std::string(text) + "' is not a number; expected a value like 0.5"};
  }
  constexpr std::uint64_t kMax = 1'000'000;
  if (number->whole > kMax || (number->whole == kMax && number->fraction > 0)) {
    return Error{"'" + std::string(text) + "' is too large (at most 1000000)"};
  }
  return static_cast<double>(number->whole) +
         static_cast<double>(number->fraction) / static_cast<double>(number->fraction_scale);
}

Result<int> parse_count(std::string_view text) {
  auto number = split_number(text, "7");
  if (!number) return number.error();
  if (!number->unit.empty() || number->fraction_scale != 1) {
    return Error{"'" + std::string(text) + "' is not a whole number"};
  }
  constexpr std::uint64_t kMax = 1'000'000'000;
  if (number->whole > kMax) return Error{"'" + std::string(text) + "' is too large"};
  return static_cast<int>(number->whole);
}

std::string format_size(std::uint64_t bytes) {
  constexpr std::array<Unit, 4> kUnits{
      {{"TiB", kTiB}, {"GiB", kGiB}, {"MiB", kMiB}, {"KiB", kKiB}}};
  for (const Unit& unit : kUnits) {
    if (bytes < unit.multiplier) continue;
    if (bytes % unit.multiplier == 0) {
      return std::to_string(bytes / unit.multiplier) + std::string(unit.name);
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.2f",
                  static_cast<double>(bytes) / static_cast<double>(unit.multiplier));
    std::string number = text;
    while (number.back() == '0') number.pop_back();
    if (number.back() == '.') number.pop_back();
    return number + std::string(unit.name);
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

std::string format_duration(std::int64_t milliseconds) {
  for (auto it = kDurationUnits.rbegin(); it != kDurationUnits.rend(); ++it) {
    auto multiplier = static_cast<std::int64_t>(it->multiplier);
    if (milliseconds != 0 && milliseconds % multiplier == 0) {
      return std::to_string(milliseconds / multiplier) + std::string(it->name);
    }
  }
  return std::to_string(milliseconds) + "ms";
}

}  // namespace hearth
