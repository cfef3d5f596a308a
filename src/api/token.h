#pragma once
// The API's bearer token: 32 random bytes (the kernel's CSPRNG, getrandom(2)) as 64 hex digits,
// created at hearthd's first start in DATA_DIR/api-token with mode 0600 (root only), and reused
// afterwards. Whoever can read that file can use the API; nobody else can.

#include <string>
#include <string_view>

#include "common/result.h"

namespace hearth::api {

inline constexpr const char* kTokenFileName = "api-token";

// Reads DATA_DIR/api-token, or creates it (atomically: a half-written token is never seen) when
// it does not exist. A token file readable by group or others is tightened to 0600 with a warning.
// Fails when the directory or file cannot be read or written, or the file holds no valid token.
Result<std::string> load_or_create_token(const std::string& data_dir);

// Reads a token file (the CLI's --token-file); surrounding whitespace is ignored.
Result<std::string> read_token_file(const std::string& path);

// 64 hex digits from the kernel's CSPRNG.
Result<std::string> generate_token();

// Compares in time independent of where the strings differ (no timing oracle on the token).
bool tokens_equal(std::string_view a, std::string_view b);

}  // namespace hearth::api
