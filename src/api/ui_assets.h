#pragma once
// The web UI's files (src/api/ui/), built into hearthd: cmake/embed_ui_assets.cmake turns each
// into bytes of a generated source file at build time, so nothing is read or fetched at run time.

#include <string_view>

namespace hearth::api {

struct UiAsset {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view data;
};

// The asset of that file name, or nullptr.
const UiAsset* find_ui_asset(std::string_view name);

}  // namespace hearth::api
