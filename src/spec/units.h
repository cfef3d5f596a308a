#pragma once
// The quantities of the spec as they are written: sizes ("100GiB", "1.5TB"), durations ("500ms",
// "12h") and plain numbers ("0.5" cpus, "7" backups to keep). Parsing is strict and never throws;
// an error's message is a phrase for "KEY: <message>", e.g. "needs a unit, e.g. 512MiB".

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hearth {

// Binary units KiB MiB GiB TiB (powers of 1024) and decimal units KB MB GB TB (powers of 1000),
// after an integer or decimal number ("1.5TiB"); spaces between number and unit are allowed.
// A bare number is an error ("needs a unit"): "100" could mean bytes, MiB or GiB.
// A decimal that is not a whole number of bytes is rounded down. Over 2^64-1 bytes is an error.
Result<std::uint64_t> parse_size(std::string_view text);

// Units ms, s, m, h after an integer or decimal number ("1.5h"); rounded down to milliseconds.
// A bare number is an error ("needs a unit").
Result<std::int64_t> parse_duration(std::string_view text);

// A non-negative decimal number without unit or exponent: "8", "0.5". At most 1,000,000.
Result<double> parse_decimal(std::string_view text);

// A non-negative integer: "7". At most 1,000,000,000.
Result<int> parse_count(std::string_view text);

// For messages and plans: the largest binary unit that keeps the number short ("1.5TiB",
// "100GiB", "512 bytes"). Exact for whole numbers of the unit, else rounded to 2 decimals.
std::string format_size(std::uint64_t bytes);

// "500ms", "1s", "90s", "12h", "2m".
std::string format_duration(std::int64_t milliseconds);

}  // namespace hearth
