#pragma once
// The applied spec in the cluster: `hearth apply` stores the text as a new revision; every
// hearthd reads it and, when it is newer than the one it runs, switches to it (the --spec file
// is only the bootstrap copy).

#include <optional>
#include <string>

#include "cluster/kv_store.h"
#include "cluster/records.h"

namespace hearth::cluster {

// The newest applied spec, or nullopt when none was ever applied.
Result<std::optional<StoredSpec>> read_stored_spec(KeyValueStore& store, Consistency consistency);

// Applied revision `revision` (from /hearth/spec-history), or nullopt when there is none.
Result<std::optional<StoredSpec>> read_spec_revision(KeyValueStore& store, std::int64_t revision,
                                                     Consistency consistency);

struct SpecApplied {
  StoredSpec spec;         // what is stored now
  bool unchanged = false;  // the text was already the newest revision: nothing was written
};

// Stores `text` (REQUIRES: already validated) as revision N+1 under /hearth/spec and
// /hearth/spec-history/N+1, atomically, unless it equals the newest revision (text and images).
// Concurrent applies are serialized by compare-and-swap on /hearth/spec (retried a few times).
// Fails without quorum: nothing is stored then.
// `images`: the digest each image reference runs (cluster/image_pins.h); a text already stored
// with other pins (apply --refresh-images found a tag moved) is a new revision.
Result<SpecApplied> store_spec(KeyValueStore& store, const std::string& text,
                               const std::string& applied_by, std::int64_t now_ms,
                               const std::map<std::string, std::string>& images = {});

}  // namespace hearth::cluster
