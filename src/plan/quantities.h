#pragma once
// CPUs as the plan counts them: in whole thousandths (millicpus), so that sums and comparisons
// are exact and every decision is the same on every machine. Memory and sizes are counted in
// bytes and printed with format_size() of spec/units.h.

#include <cstdint>
#include <string>

namespace hearth {

using Millicpus = std::int64_t;

// 1.5 cpus -> 1500; rounded to the nearest thousandth; negative values count as 0.
Millicpus to_millicpus(double cpus);

// 1500 -> "1.5 cpus", 1000 -> "1 cpu", 0 -> "0 cpus", 125 -> "0.125 cpus".
std::string format_cpus(Millicpus millicpus);

}  // namespace hearth
