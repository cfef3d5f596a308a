#pragma once
// Standard base64 (RFC 4648, with padding), as etcd's JSON gateway encodes keys and values.

#include <optional>
#include <string>
#include <string_view>

namespace hearth {

std::string base64_encode(std::string_view bytes);

// Nullopt when `text` is not valid padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hearth
