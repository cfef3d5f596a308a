#pragma once
// What every reader of /hearth/ does with a value it cannot use: it logs it once, with its key,
// and goes on as if the key were absent. A damaged or hostile record (written by hand, by a bug,
// or by whoever got a node's certificate) never throws, never kills a thread, and never floods the
// log: the same key at the same revision is reported once per process.

#include <string>

#include "cluster/kv_store.h"

namespace hearth::cluster {

// Logs "ignoring a malformed <what> <key> (revision N): <why>" the first time this key is seen
// at this mod revision; later calls for the same pair log nothing. Thread-safe. The key and the
// reason are shown without control characters.
void report_malformed_record(const std::string& what, const KeyValue& kv, const std::string& why);

// `text` with every control or non-ASCII byte replaced by '?' and cut to `max` bytes (with "..."
// when cut): what may go into a log line from an untrusted source (pure).
std::string printable(const std::string& text, std::size_t max = 200);

}  // namespace hearth::cluster
