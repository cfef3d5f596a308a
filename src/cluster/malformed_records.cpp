#include "cluster/malformed_records.h"

#include <mutex>
#include <set>
#include <utility>

#include "common/log.h"

namespace hearth::cluster {

std::string printable(const std::string& text, std::size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) return out + "...";
    auto byte = static_cast<unsigned char>(c);
    out += byte >= 0x20 && byte < 0x7f ? c : '?';
  }
  return out;
}

void report_malformed_record(const std::string& what, const KeyValue& kv, const std::string& why) {
  static std::mutex mutex;
  static std::set<std::pair<std::string, Revision>> reported;
  {
    std::lock_guard lock(mutex);
    // Bounded: a flood of distinct bad keys is still logged, but never grows memory without end.
    if (reported.size() > 10000) reported.clear();
    if (!reported.emplace(kv.key, kv.mod_revision).second) return;
  }
  log::warn("ignoring a malformed " + what + " " + printable(kv.key) + " (revision " +
            std::to_string(kv.mod_revision) + "): " + printable(why, 300));
}

}  // namespace hearth::cluster
