#pragma once
// Resource quantities as the plan counts them, and how messages print them.
// CPUs are counted in whole thousandths (millicpus) so that sums and comparisons are exact and
// every decision is the same on every machine; memory and sizes are counted in bytes.

#include <cstdint>
#include <string>

#include "spec/spec.h"

namespace hearth {

using Millicpus = std::int64_t;

// 1.5 cpus -> 1500; rounded to the nearest thousandth; negative values count as 0.
Millicpus to_millicpus(double cpus);

// 1500 -> "1.5 cpus", 1000 -> "1 cpu", 0 -> "0 cpus", 125 -> "0.125 cpus".
std::string format_cpus(Millicpus millicpus);

// 2 GiB -> "2GiB", 1.5 GiB -> "1.5GiB", 300 -> "300B". The largest binary unit (KiB..TiB) that
// keeps the number >= 1, at most two decimals, truncated (never rounded up), trailing zeros
// dropped: a message never claims more room than there is.
std::string format_bytes(Bytes bytes);

}  // namespace hearth
