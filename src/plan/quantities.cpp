#include "plan/quantities.h"

#include <cmath>

namespace hearth {
namespace {

// "<whole>.<fraction>" with the fraction given in units of 1/scale, trailing zeros dropped.
std::string decimal(std::uint64_t whole, std::uint64_t fraction, std::uint64_t scale) {
  std::string text = std::to_string(whole);
  if (fraction == 0) return text;
  std::string digits;
  for (std::uint64_t unit = scale / 10; unit > 0; unit /= 10) {
    digits += static_cast<char>('0' + (fraction / unit) % 10);
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return text + "." + digits;
}

}  // namespace

Millicpus to_millicpus(double cpus) {
  if (!(cpus > 0)) return 0;
  return static_cast<Millicpus>(std::llround(cpus * 1000.0));
}

std::string format_cpus(Millicpus millicpus) {
  if (millicpus < 0) millicpus = 0;
  auto value = static_cast<std::uint64_t>(millicpus);
  return decimal(value / 1000, value % 1000, 1000) + (value == 1000 ? " cpu" : " cpus");
}

}  // namespace hearth
