#pragma once
// The checker of `hearth lab chaos`: what was recorded during a run (a ChaosHistory), judged
// after the last fault healed. Pure: no clock, no I/O; every rule is unit-tested on synthetic
// histories (tests/unit/lab/chaos_checker_test.cpp).
//
// Every observation is a Window: it happened at some instant between start_ms and end_ms (wall
// milliseconds), because a sample takes time. The checker only FAILS on what the observations
// prove, never on what they merely allow:
//   - a node held an address (or believed it led) continuously between two consecutive
//     observations that both say so, with no observation of the contrary in between: that
//     stretch, [end of the first, start of the last], is "certain";
//   - two servers held one address at once when their certain stretches overlap, or when one
//     was seen holding it (or answering at it) entirely inside the other's certain stretch.
// A violation in between two samples is missed (the samplers look every few hundred ms): the
// checker proves the presence of bugs, not their absence.
//
// Properties (one verdict each):
//   writes       every write the appender saw acknowledged (fsync returned) is in the file, read
//                at the end through a volume mount; at least one write was acknowledged
//   one holder   no moment where two servers held or answered for one service address
//   available    every service answered before the first fault, and never went longer than the
//                bound without an answer (until the end of the run)
//   one leader   no moment where two hearthd believed they led, or one believed it while the
//                /hearth/leader key named another
//   healed       at the end every volume has all bricks connected, nothing pending or in
//                split-brain, and each data brick's copy of the file has every acknowledged write

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lab/chaos_schedule.h"

namespace hearth::lab {

// An observation happened at some instant in [start_ms, end_ms] (wall ms).
struct Window {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
};

// A server's look at one service's address in its service namespace.
struct HolderSample {
  std::string service;
  std::string node;
  Window at;
  bool holds = false;
  std::string mac;  // of the interface that holds it (identifies the server in answers)
};

// One request of a service's poller; `mac`: where the network sent it (the router's neighbour
// entry for the address, read right after the answer); empty when unknown.
struct ServiceAnswer {
  std::string service;
  Window at;
  bool answered = false;  // any HTTP answer
  std::string mac;
};

// One hearthd's own view (its status API): whether it believes it leads, with which lease, and
// the /hearth/leader key it read (key_known: a fresh quorum read named a leader; status shows a
// failed read of the key as no leader, so "nobody" is never evidence).
struct LeaderSample {
  std::string node;
  Window at;
  bool answered = false;
  bool believes = false;
  std::int64_t lease = 0;
  bool key_known = false;
  std::string key_node;
  std::int64_t key_lease = 0;
};

// One append of the appender: acknowledged when its fsync returned success.
struct WriteRecord {
  std::int64_t seq = 0;
  Window at;
  bool acknowledged = false;
};

// The appender's file as read at the end: through a mount ("mount r510") or straight from a data
// brick ("brick r530:/srv/...").
struct ReplicaRead {
  std::string where;
  bool brick = false;  // a data brick's copy (else a mount)
  bool read = false;   // the file could be read
  std::string error;   // why not
  std::set<std::int64_t> seqs;
};

// A volume as gluster reports it at the end.
struct VolumeEnd {
  std::string volume;
  bool observed = false;
  int bricks = 0;
  int bricks_connected = 0;
  std::int64_t pending = 0;
  std::int64_t split_brain = 0;
};

// One fault as carried out.
struct FaultRecord {
  Fault fault;
  std::int64_t injected_ms = 0;
  std::int64_t healed_ms = 0;   // the run healed it; 0: hearth heals it itself (kill-service)
  std::int64_t settled_ms = 0;  // the cluster was healthy again; 0: not within the deadline
  std::string note;             // e.g. how a lost disk was recovered
};

struct ChaosHistory {
  std::uint64_t seed = 0;
  std::int64_t start_ms = 0;  // recording started
  std::int64_t end_ms = 0;    // recording stopped (after the final settle)
  std::vector<std::string> services;
  std::vector<FaultRecord> faults;
  std::vector<HolderSample> holders;
  std::vector<ServiceAnswer> answers;
  std::vector<LeaderSample> leaders;
  std::vector<WriteRecord> writes;
  std::vector<ReplicaRead> reads;
  std::vector<VolumeEnd> volumes;
  std::vector<std::string> notes;  // reported, not judged (e.g. a lost disk hearth did not heal)
};

struct ChaosBounds {
  // The longest a service may go without answering. From the failover path (docs/operations.md,
  // "Failover"): a node is seen dead <= 3.3 s after a cut (when it was etcd's raft leader), a new
  // hearth leader within one 500 ms tick, the reassignment within 100 ms, the new server reacts
  // within 100 ms and brings the address up once the container accepts (at most 5 s): ~9 s,
  // rounded up to 10 s.
  std::chrono::milliseconds service_outage{10000};
};

struct PropertyVerdict {
  std::string property;  // "writes", "one holder", "available", "one leader", "healed"
  bool ok = false;
  std::string summary;               // one line
  std::vector<std::string> details;  // the evidence of each violation (the first few), notes
};

std::vector<PropertyVerdict> check_chaos(const ChaosHistory& history, const ChaosBounds& bounds);

bool all_passed(const std::vector<PropertyVerdict>& verdicts);

// "+12.3 s" after the history's start, and " (during fault 3: power-cut r510)" when one was active
// (from its injection until it settled, or until the next one when it never did).
std::string describe_time(const ChaosHistory& history, std::int64_t ms);

}  // namespace hearth::lab
