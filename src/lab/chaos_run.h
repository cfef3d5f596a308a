#pragma once
// `hearth lab chaos`: a seeded schedule of faults (lab/chaos_schedule.h) carried out against the
// running lab, with clients recording all along, judged by the checker (lab/chaos_checker.h).
//
//   record   a poller per service in a client namespace (an HTTP request every 250 ms, and where
//            the router sent it: the MAC of its neighbour entry); a holder sampler inside each
//            server (every service namespace's addresses and MAC, every 300 ms); an appender in
//            the arbiter writing through its own FUSE mount of the first volume (append, fsync,
//            record what was acknowledged); each hearthd's own status every second (does it
//            believe it leads, with which lease; the /hearth/leader key it reads)
//   faults   one at a time: inject, hold, heal, then wait until the cluster has settled (every
//            hearthd with quorum, every node alive, one leader, every volume healed, every
//            service active and answering), at most `settle_timeout`
//   judge    after the last fault settled: read the appended file back through every mount and
//            from each data brick, gluster's heal summary of every volume; then check_chaos().
//
// REQUIRES: a lab that is up (`hearth lab up`) and root. The run owns the lab while it lasts: no
// other `hearth lab kill`/`revive` meanwhile (CI and bench/chaos hold /tmp/hearth-lab.lock).
// The recorders' raw output stays in `record_dir` for a post-mortem.

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "lab/chaos_checker.h"
#include "lab/chaos_schedule.h"
#include "spec/spec.h"

namespace hearth::lab {

struct ChaosOptions {
  int faults = 10;
  std::uint64_t seed = 0;
  ChaosBounds bounds;
  std::chrono::seconds settle_timeout{120};
  std::string record_dir;  // created; empty: /tmp/hearth-chaos-<seed>-<wall ms>
};

struct ChaosOutcome {
  std::vector<Fault> schedule;
  ChaosHistory history;
  std::vector<PropertyVerdict> verdicts;
  std::string record_dir;
};

// `spec`: the spec the lab runs (its services' ports, its volumes). Progress goes to `out` as it
// happens. Fails only when the run cannot be carried out (no lab, a recorder cannot start, a
// fault cannot be injected); violations are in the outcome's verdicts.
Result<ChaosOutcome> lab_chaos(const Spec& spec, const ChaosOptions& options, std::ostream& out);

}  // namespace hearth::lab
