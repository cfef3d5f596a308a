#include "cli/volume_output.h"

#include <string>

#include "cli/output.h"
#include "spec/units.h"

namespace hearth::cli {

void print_volumes(std::ostream& out, const nlohmann::ordered_json& volumes) {
  if (!volumes.is_array() || volumes.empty()) return;
  out << '\n';
  Table table({"VOLUME", "STATE", "BRICKS UP", "MOUNTED ON", "HEAL PENDING", "SPLIT-BRAIN", "USED",
               "FREE"});
  for (const auto& volume : volumes) {
    std::string state = volume.value("state", "?");
    int up = 0, total = 0;
    bool known = true;
    std::string down;
    for (const auto& brick : volume["bricks"]) {
      ++total;
      if (!brick["up"].is_boolean()) {
        known = false;
      } else if (brick["up"].get<bool>()) {
        ++up;
      } else {
        down += (down.empty() ? " (down: " : ", ") + brick.value("node", "?");
      }
    }
    if (!down.empty()) down += ")";
    std::string bricks = known ? std::to_string(up) + "/" + std::to_string(total) + down
                               : "?/" + std::to_string(total);
    if (total == 0) bricks = "-";
    if (known && total > 0 && up < total)
      bricks = paint(out, up >= 2 ? Colour::yellow : Colour::red, bricks);
    std::string mounted;
    for (const auto& m : volume["mounts"]) {
      std::string entry = m.value("node", "?");
      if (m.value("state", "") != "alive") entry += " (" + m.value("state", "?") + ")";
      mounted += (mounted.empty() ? "" : ", ") + entry;
    }
    std::string pending = "-", split = "-";
    if (volume["heal"].is_object()) {
      long long p = volume["heal"].value("pending", 0LL);
      long long s = volume["heal"].value("split_brain", 0LL);
      pending = p > 0 ? paint(out, Colour::yellow, std::to_string(p)) : "0";
      split = s > 0 ? paint(out, Colour::red, std::to_string(s)) : "0";
    }
    std::string used = "-", free = "-";
    if (volume["size"].is_object()) {
      used = format_size(volume["size"].value("used", std::uint64_t{0}));
      free = format_size(volume["size"].value("free", std::uint64_t{0}));
    }
    if (state == "Started") state = paint(out, Colour::green, "started");
    table.add_row({volume.value("name", "?"), state, bricks, mounted.empty() ? "-" : mounted,
                   pending, split, used, free});
  }
  table.print(out);
  for (const auto& volume : volumes) {
    if (volume.contains("error")) {
      std::string seen;
      if (volume.value("stale", false) && volume.contains("observed_ms_ago") &&
          volume["observed_ms_ago"].is_number()) {
        seen = " (bricks as seen " +
               std::to_string(volume["observed_ms_ago"].get<long long>() / 1000) + " s ago)";
      }
      out << paint(out, Colour::yellow,
                   volume.value("name", "?") + ": " + volume.value("error", "") + seen)
          << '\n';
    }
  }
}

}  // namespace hearth::cli
