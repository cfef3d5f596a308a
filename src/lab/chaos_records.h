#pragma once
// What the recorders of `hearth lab chaos` print, read back into a ChaosHistory (pure parsers;
// lab/chaos_run.cpp starts the recorders, tests/unit/lab/chaos_records_test.cpp checks these).
// Each recorder is a small shell loop that stamps what it sees with the wall clock
// (`date +%s%3N`) before and after; a line cut short by the recorder's end is skipped.
//
//   holders (one per server, inside it):   T <start ms>
//                                           N <netns>          then that namespace's
//                                           <ip -j addr show>  (one line of JSON)
//                                           E <end ms>
//   poller (one per service, in a client): <start ms> <end ms> <HTTP code> <router's neighbour
//                                           entry for the address: "ADDR dev IF lladdr MAC STATE">
//   appender (inside the arbiter):          <seq> <start ms> <end ms> <1 acknowledged | 0 failed>
//   the appended file:                      lines "w <seq> <seq>" (a torn line never parses)

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lab/chaos_checker.h"

namespace hearth::lab {

// The network namespace hearthd gives a service on a node (engines/service_network.h).
std::string service_netns(const std::string& service);

// `addresses`: each service's address. One sample per service per complete T..E block: it holds
// when its namespace has that IPv4 address.
std::vector<HolderSample> parse_holder_log(const std::string& text, const std::string& node,
                                           const std::map<std::string, std::string>& addresses);

std::vector<ServiceAnswer> parse_poller_log(const std::string& text, const std::string& service);

std::vector<WriteRecord> parse_appender_log(const std::string& text);

std::set<std::int64_t> parse_appended_file(const std::string& text);

// The shell loops themselves (argv for `sh -c`), so what they print and what is parsed stay
// side by side. `interval` is the pause between two looks, e.g. "0.3".
std::string holder_loop(const std::string& interval);
std::string poller_loop(const std::string& url, const std::string& router_netns,
                        const std::string& address, const std::string& interval);
std::string appender_loop(const std::string& file, const std::string& interval);

}  // namespace hearth::lab
