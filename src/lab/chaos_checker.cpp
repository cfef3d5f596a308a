#include "lab/chaos_checker.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace hearth::lab {
namespace {

constexpr std::size_t kMaxDetails = 8;  // per property: the first violations tell the story

// Where one node was seen holding (or not) something, in time order.
struct Evidence {
  Window at;
  bool holds = false;
};

// A stretch in which the node certainly held it, and every single sighting (it held it at some
// instant of each window).
struct Holding {
  std::vector<Window> certain;
  std::vector<Window> sightings;
};

// Runs of consecutive "holds" evidence become certain stretches [end of first, start of last],
// unless a contrary observation overlaps the stretch (then nothing is certain about it).
Holding holding_of(std::vector<Evidence> evidence) {
  std::sort(evidence.begin(), evidence.end(), [](const Evidence& a, const Evidence& b) {
    return a.at.start_ms != b.at.start_ms ? a.at.start_ms < b.at.start_ms
                                          : a.at.end_ms < b.at.end_ms;
  });
  Holding holding;
  std::vector<Window> contrary;
  for (const auto& e : evidence) {
    if (e.holds) {
      holding.sightings.push_back(e.at);
    } else {
      contrary.push_back(e.at);
    }
  }
  std::size_t i = 0;
  while (i < evidence.size()) {
    if (!evidence[i].holds) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < evidence.size() && evidence[j + 1].holds) ++j;
    Window stretch{evidence[i].at.end_ms, evidence[j].at.start_ms};
    bool broken = false;
    for (const auto& c : contrary) {
      broken = broken || (c.start_ms <= stretch.end_ms && c.end_ms >= stretch.start_ms);
    }
    if (stretch.start_ms < stretch.end_ms && !broken) holding.certain.push_back(stretch);
    i = j + 1;
  }
  return holding;
}

bool overlap(const Window& a, const Window& b) {
  return std::max(a.start_ms, b.start_ms) < std::min(a.end_ms, b.end_ms);
}

bool inside(const Window& point, const Window& stretch) {
  return stretch.start_ms <= point.start_ms && point.end_ms <= stretch.end_ms;
}

// Whether two holders' stretches and sightings prove they held at the same instant; the instant.
std::optional<std::int64_t> same_time(const Holding& a, const Holding& b) {
  for (const auto& x : a.certain) {
    for (const auto& y : b.certain) {
      if (overlap(x, y)) return std::max(x.start_ms, y.start_ms);
    }
    for (const auto& s : b.sightings) {
      if (inside(s, x)) return s.start_ms;
    }
  }
  for (const auto& y : b.certain) {
    for (const auto& s : a.sightings) {
      if (inside(s, y)) return s.start_ms;
    }
  }
  return std::nullopt;
}

std::string seconds(std::int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
  return text;
}

void add_detail(PropertyVerdict& verdict, std::size_t& count, const std::string& detail) {
  if (count++ < kMaxDetails) verdict.details.push_back(detail);
}

void finish(PropertyVerdict& verdict, std::size_t count) {
  if (count > kMaxDetails) {
    verdict.details.push_back("... and " + std::to_string(count - kMaxDetails) + " more");
  }
}

std::set<std::int64_t> acknowledged(const ChaosHistory& history) {
  std::set<std::int64_t> seqs;
  for (const auto& w : history.writes) {
    if (w.acknowledged) seqs.insert(w.seq);
  }
  return seqs;
}

// "12, 13, 40" (the first few).
std::string list(const std::vector<std::int64_t>& seqs) {
  std::string text;
  for (std::size_t i = 0; i < seqs.size() && i < 10; ++i) {
    text += (text.empty() ? "" : ", ") + std::to_string(seqs[i]);
  }
  if (seqs.size() > 10) text += ", ...";
  return text;
}

std::vector<std::int64_t> missing_from(const std::set<std::int64_t>& expected,
                                       const std::set<std::int64_t>& found) {
  std::vector<std::int64_t> missing;
  std::set_difference(expected.begin(), expected.end(), found.begin(), found.end(),
                      std::back_inserter(missing));
  return missing;
}

PropertyVerdict check_writes(const ChaosHistory& history) {
  PropertyVerdict verdict{"writes", true, "", {}};
  auto acked = acknowledged(history);
  std::size_t count = 0;
  if (acked.empty()) {
    verdict.ok = false;
    verdict.summary = "no write was acknowledged (" + std::to_string(history.writes.size()) +
                      " attempted): the appender proves nothing";
    return verdict;
  }
  bool any_mount = false;
  for (const auto& read : history.reads) {
    if (read.brick) continue;
    any_mount = true;
    if (!read.read) {
      verdict.ok = false;
      add_detail(verdict, count, read.where + ": the file could not be read: " + read.error);
      continue;
    }
    auto missing = missing_from(acked, read.seqs);
    if (!missing.empty()) {
      verdict.ok = false;
      add_detail(verdict, count,
                 read.where + ": " + std::to_string(missing.size()) +
                     " acknowledged write(s) missing: " + list(missing));
    }
  }
  if (!any_mount) {
    verdict.ok = false;
    add_detail(verdict, count, "the file was never read back through a mount");
  }
  finish(verdict, count);
  verdict.summary = std::to_string(acked.size()) + " acknowledged of " +
                    std::to_string(history.writes.size()) + " attempted; " +
                    (verdict.ok ? "none lost" : "LOST or unreadable (below)");
  return verdict;
}

PropertyVerdict check_one_holder(const ChaosHistory& history) {
  PropertyVerdict verdict{"one holder", true, "", {}};
  std::size_t count = 0, unattributed = 0, evidence = 0;
  for (const auto& service : history.services) {
    // Which server a MAC belongs to: from the servers' own looks at the address.
    std::map<std::string, std::string> node_of_mac;
    std::map<std::string, std::vector<Evidence>> by_node;
    for (const auto& s : history.holders) {
      if (s.service != service) continue;
      by_node[s.node].push_back({s.at, s.holds});
      if (s.holds && !s.mac.empty()) node_of_mac[s.mac] = s.node;
      ++evidence;
    }
    for (const auto& a : history.answers) {
      if (a.service != service || !a.answered) continue;
      auto node = node_of_mac.find(a.mac);
      if (node == node_of_mac.end()) {
        ++unattributed;
        continue;
      }
      by_node[node->second].push_back({a.at, true});
      ++evidence;
    }
    std::map<std::string, Holding> holdings;
    for (auto& [node, list] : by_node) holdings[node] = holding_of(list);
    for (auto a = holdings.begin(); a != holdings.end(); ++a) {
      for (auto b = std::next(a); b != holdings.end(); ++b) {
        if (auto at = same_time(a->second, b->second)) {
          verdict.ok = false;
          add_detail(verdict, count,
                     service + ": held or answered by both " + a->first + " and " + b->first +
                         " at " + describe_time(history, *at));
        }
      }
    }
  }
  finish(verdict, count);
  verdict.summary = verdict.ok ? "never two servers (" + std::to_string(evidence) + " observations)"
                               : "TWO servers held or answered one address (below)";
  if (unattributed > 0) {
    verdict.details.push_back(std::to_string(unattributed) +
                              " answers went to a MAC no server was seen with (not judged)");
  }
  return verdict;
}

PropertyVerdict check_available(const ChaosHistory& history, const ChaosBounds& bounds) {
  PropertyVerdict verdict{"available", true, "", {}};
  std::size_t count = 0;
  std::int64_t bound = bounds.service_outage.count();
  std::int64_t first_fault =
      history.faults.empty() ? history.end_ms : history.faults[0].injected_ms;
  std::int64_t worst = 0;
  std::string worst_service;
  for (const auto& service : history.services) {
    std::vector<Window> good;
    for (const auto& a : history.answers) {
      if (a.service == service && a.answered) good.push_back(a.at);
    }
    std::sort(good.begin(), good.end(),
              [](const Window& a, const Window& b) { return a.end_ms < b.end_ms; });
    if (good.empty() || good.front().end_ms > first_fault) {
      verdict.ok = false;
      add_detail(verdict, count, service + ": never answered before the first fault");
      continue;
    }
    auto judge = [&](std::int64_t from, std::int64_t to, const std::string& until) {
      std::int64_t gap = to - from;
      if (gap > worst) {
        worst = gap;
        worst_service = service;
      }
      if (gap > bound) {
        verdict.ok = false;
        add_detail(verdict, count,
                   service + ": no answer for " + seconds(gap) + " (bound " + seconds(bound) +
                       "), from +" + seconds(from - history.start_ms) + " " + until + " at " +
                       describe_time(history, to));
      }
    };
    for (std::size_t i = 1; i < good.size(); ++i) {
      judge(good[i - 1].end_ms, good[i].end_ms, "until it answered again");
    }
    judge(good.back().end_ms, history.end_ms, "until the end of the run");
  }
  finish(verdict, count);
  verdict.summary = "longest without an answer: " + seconds(worst) +
                    (worst_service.empty() ? "" : " (" + worst_service + ")") + ", bound " +
                    seconds(bound);
  return verdict;
}

PropertyVerdict check_one_leader(const ChaosHistory& history) {
  PropertyVerdict verdict{"one leader", true, "", {}};
  std::size_t count = 0, beliefs = 0, keys = 0;
  // A belief is one (node, lease): a lease that stops leading is never renewed again
  // (docs/architecture.md, "Fencing"), so it cannot lead twice.
  struct Belief {
    std::string node;
    std::int64_t lease = 0;
    Holding holding;
  };
  std::map<std::pair<std::string, std::int64_t>, std::vector<Evidence>> evidence;
  std::map<std::string, std::vector<Window>> denials;  // "not leader" answers per node
  for (const auto& s : history.leaders) {
    if (!s.answered) continue;
    if (s.believes) {
      evidence[{s.node, s.lease}].push_back({s.at, true});
      ++beliefs;
    } else {
      denials[s.node].push_back(s.at);
    }
  }
  std::vector<Belief> list;
  for (auto& [key, e] : evidence) {
    for (const auto& d : denials[key.first]) e.push_back({d, false});
    list.push_back({key.first, key.second, holding_of(e)});
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    for (std::size_t j = i + 1; j < list.size(); ++j) {
      if (list[i].node == list[j].node) continue;
      if (auto at = same_time(list[i].holding, list[j].holding)) {
        verdict.ok = false;
        add_detail(verdict, count,
                   "both " + list[i].node + " and " + list[j].node + " believed they led at " +
                       describe_time(history, *at));
      }
    }
  }
  for (const auto& s : history.leaders) {
    if (!s.answered || !s.key_known) continue;
    ++keys;
    for (const auto& belief : list) {
      if (belief.node == s.key_node && belief.lease == s.key_lease) continue;
      for (const auto& stretch : belief.holding.certain) {
        if (inside(s.at, stretch)) {
          verdict.ok = false;
          add_detail(verdict, count,
                     belief.node + " believed it led while /hearth/leader named " +
                         (s.key_node.empty() ? "nobody" : s.key_node) + " (read by " + s.node +
                         ") at " + describe_time(history, s.at.start_ms));
        }
      }
    }
  }
  finish(verdict, count);
  if (beliefs == 0) {
    verdict.ok = false;
    verdict.summary = "no hearthd was ever seen leading: nothing was checked";
    return verdict;
  }
  verdict.summary = verdict.ok ? "never two (" + std::to_string(beliefs) + " leader answers, " +
                                     std::to_string(keys) + " key reads)"
                               : "TWO leaders (below)";
  return verdict;
}

PropertyVerdict check_healed(const ChaosHistory& history) {
  PropertyVerdict verdict{"healed", true, "", {}};
  std::size_t count = 0;
  if (history.volumes.empty()) {
    verdict.ok = false;
    add_detail(verdict, count, "no volume was looked at");
  }
  for (const auto& v : history.volumes) {
    if (!v.observed) {
      verdict.ok = false;
      add_detail(verdict, count, v.volume + ": gluster gave no heal summary");
      continue;
    }
    if (v.bricks_connected < v.bricks || v.pending != 0 || v.split_brain != 0) {
      verdict.ok = false;
      add_detail(verdict, count,
                 v.volume + ": " + std::to_string(v.bricks_connected) + "/" +
                     std::to_string(v.bricks) + " bricks connected, " + std::to_string(v.pending) +
                     " pending, " + std::to_string(v.split_brain) + " in split-brain");
    }
  }
  auto acked = acknowledged(history);
  for (const auto& read : history.reads) {
    if (!read.brick) continue;
    if (!read.read) {
      verdict.ok = false;
      add_detail(verdict, count, read.where + ": the file could not be read: " + read.error);
      continue;
    }
    auto missing = missing_from(acked, read.seqs);
    if (!missing.empty()) {
      verdict.ok = false;
      add_detail(verdict, count,
                 read.where + ": " + std::to_string(missing.size()) +
                     " acknowledged write(s) missing from this copy: " + list(missing));
    }
  }
  finish(verdict, count);
  verdict.summary = verdict.ok ? std::to_string(history.volumes.size()) +
                                     " volume(s): every brick up, nothing pending, both data "
                                     "copies complete"
                               : "NOT healed (below)";
  for (const auto& note : history.notes) verdict.details.push_back("note: " + note);
  return verdict;
}

}  // namespace

std::string describe_time(const ChaosHistory& history, std::int64_t ms) {
  std::string text = "+" + seconds(ms - history.start_ms);
  for (std::size_t i = 0; i < history.faults.size(); ++i) {
    const auto& f = history.faults[i];
    std::int64_t until = f.settled_ms != 0               ? f.settled_ms
                         : i + 1 < history.faults.size() ? history.faults[i + 1].injected_ms
                                                         : history.end_ms;
    if (f.injected_ms <= ms && ms <= until) {
      text += " (during fault " + std::to_string(f.fault.index) + ": " + to_string(f.fault.kind) +
              " " + f.fault.target() + ")";
      break;
    }
  }
  return text;
}

std::vector<PropertyVerdict> check_chaos(const ChaosHistory& history, const ChaosBounds& bounds) {
  return {check_writes(history), check_one_holder(history), check_available(history, bounds),
          check_one_leader(history), check_healed(history)};
}

bool all_passed(const std::vector<PropertyVerdict>& verdicts) {
  return std::all_of(verdicts.begin(), verdicts.end(),
                     [](const PropertyVerdict& v) { return v.ok; });
}

}  // namespace hearth::lab
