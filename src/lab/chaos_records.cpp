#include "lab/chaos_records.h"

#include <nlohmann/json.hpp>
#include <sstream>

namespace hearth::lab {
namespace {

bool parse_int(const std::string& text, std::int64_t& value) {
  if (text.empty()) return false;
  std::size_t used = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size();
}

// Whether a namespace's `ip -j addr show` lists `address` (IPv4); the MAC of its interface.
bool holds_address(const nlohmann::json& links, const std::string& address, std::string& mac) {
  if (!links.is_array()) return false;
  for (const auto& link : links) {
    if (!link.is_object() || !link.contains("addr_info") || !link["addr_info"].is_array()) continue;
    for (const auto& info : link["addr_info"]) {
      if (info.value("family", "") == "inet" && info.value("local", "") == address) {
        mac = link.value("address", "");
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::string service_netns(const std::string& service) { return "hearth-svc-" + service; }

std::vector<HolderSample> parse_holder_log(const std::string& text, const std::string& node,
                                           const std::map<std::string, std::string>& addresses) {
  std::vector<HolderSample> samples;
  std::istringstream lines(text);
  bool open = false;
  std::int64_t start = 0;
  std::map<std::string, nlohmann::json> seen;  // netns -> its addresses, in the open block
  std::string netns;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("T ", 0) == 0) {
      open = parse_int(line.substr(2), start);
      seen.clear();
      netns.clear();
    } else if (line.rfind("N ", 0) == 0) {
      netns = line.substr(2);
    } else if (line.rfind("E ", 0) == 0) {
      std::int64_t end = 0;
      if (open && parse_int(line.substr(2), end)) {
        for (const auto& [service, address] : addresses) {
          HolderSample sample{service, node, {start, end}, false, ""};
          auto found = seen.find(service_netns(service));
          if (found != seen.end()) sample.holds = holds_address(found->second, address, sample.mac);
          samples.push_back(sample);
        }
      }
      open = false;
    } else if (open && !netns.empty()) {
      seen[netns] = nlohmann::json::parse(line, nullptr, false);
      netns.clear();
    }
  }
  return samples;
}

std::vector<ServiceAnswer> parse_poller_log(const std::string& text, const std::string& service) {
  std::vector<ServiceAnswer> answers;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string start, end, code;
    ServiceAnswer answer{service, {}, false, ""};
    if (!(fields >> start >> end >> code) || !parse_int(start, answer.at.start_ms) ||
        !parse_int(end, answer.at.end_ms) || code.size() != 3) {
      continue;
    }
    answer.answered = code != "000";
    for (std::string word; fields >> word;) {
      if (word == "lladdr") fields >> answer.mac;
    }
    answers.push_back(answer);
  }
  return answers;
}

std::vector<WriteRecord> parse_appender_log(const std::string& text) {
  std::vector<WriteRecord> writes;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string seq, start, end, acknowledged, extra;
    WriteRecord write;
    if (!(fields >> seq >> start >> end >> acknowledged) || (fields >> extra) ||
        !parse_int(seq, write.seq) || !parse_int(start, write.at.start_ms) ||
        !parse_int(end, write.at.end_ms) || (acknowledged != "0" && acknowledged != "1")) {
      continue;
    }
    write.acknowledged = acknowledged == "1";
    writes.push_back(write);
  }
  return writes;
}

std::set<std::int64_t> parse_appended_file(const std::string& text) {
  std::set<std::int64_t> seqs;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string w, first, second, extra;
    std::int64_t a = 0, b = 0;
    if ((fields >> w >> first >> second) && !(fields >> extra) && w == "w" && parse_int(first, a) &&
        parse_int(second, b) && a == b) {
      seqs.insert(a);
    }
  }
  return seqs;
}

std::string holder_loop(const std::string& interval) {
  return "while :; do echo \"T $(date +%s%3N)\"; for f in /run/netns/hearth-svc-*; do "
         "[ -e \"$f\" ] || continue; n=${f##*/}; echo \"N $n\"; "
         "ip -n \"$n\" -j addr show 2>/dev/null || echo '[]'; done; "
         "echo \"E $(date +%s%3N)\"; sleep " +
         interval + "; done";
}

std::string poller_loop(const std::string& url, const std::string& router_netns,
                        const std::string& address, const std::string& interval) {
  return "while :; do s=$(date +%s%3N); c=$(curl -s -o /dev/null -m 1 -w '%{http_code}' '" + url +
         "'); e=$(date +%s%3N); n=$(ip -n " + router_netns + " neigh show " + address +
         " 2>/dev/null); echo \"$s $e ${c:-000} $n\"; sleep " + interval + "; done";
}

std::string appender_loop(const std::string& file, const std::string& interval) {
  // dd's conv=fsync: it exits 0 only once fsync() returned, i.e. the write is acknowledged.
  return "i=0; while :; do i=$((i+1)); s=$(date +%s%3N); "
         "if printf '\\nw %d %d\\n' \"$i\" \"$i\" | timeout -s KILL 10 dd of='" +
         file +
         "' oflag=append conv=notrunc,fsync status=none 2>/dev/null; then r=1; else r=0; fi; "
         "e=$(date +%s%3N); echo \"$i $s $e $r\"; sleep " +
         interval + "; done";
}

}  // namespace hearth::lab
