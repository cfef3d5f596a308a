#include "cluster/spec_store.h"

#include "cluster/keys.h"

namespace hearth::cluster {

Result<std::optional<StoredSpec>> read_stored_spec(KeyValueStore& store, Consistency consistency) {
  auto current = store.get(keys::kSpec, consistency);
  if (!current) return Error{"cannot read the applied spec: " + current.error().message};
  if (!current->has_value()) return std::optional<StoredSpec>{};
  auto spec = StoredSpec::parse((*current)->value);
  if (!spec)
    return Error{"the applied spec in etcd (" + std::string(keys::kSpec) +
                 ") is damaged: " + spec.error().message + "; apply a spec again"};
  return std::optional<StoredSpec>{std::move(*spec)};
}

Result<std::optional<StoredSpec>> read_spec_revision(KeyValueStore& store, std::int64_t revision,
                                                     Consistency consistency) {
  const std::string key = keys::spec_history(revision);
  auto found = store.get(key, consistency);
  if (!found) {
    return Error{"cannot read spec revision " + std::to_string(revision) + ": " +
                 found.error().message};
  }
  if (!found->has_value()) return std::optional<StoredSpec>{};
  auto spec = StoredSpec::parse((*found)->value);
  if (!spec) return Error{"spec revision " + std::to_string(revision) + " in etcd (" + key +
                          ") is damaged: " + spec.error().message};
  return std::optional<StoredSpec>{std::move(*spec)};
}

Result<SpecApplied> store_spec(KeyValueStore& store, const std::string& text,
                               const std::string& applied_by, std::int64_t now_ms,
                               const std::map<std::string, std::string>& images) {
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto current = store.get(keys::kSpec, Consistency::linearizable);
    if (!current) return Error{"cannot store the spec: " + current.error().message};
    StoredSpec next;
    Revision seen = 0;
    if (current->has_value()) {
      seen = (*current)->mod_revision;
      auto previous = StoredSpec::parse((*current)->value);
      if (previous) {
        if (previous->text == text && previous->images == images) {
          return SpecApplied{std::move(*previous), true};
        }
        next.revision = previous->revision + 1;
      } else {
        // A damaged record: start over after the highest revision we can still infer.
        next.revision = (*current)->version + 1;
      }
    } else {
      next.revision = 1;
    }
    next.text = text;
    next.applied_at = now_ms;
    next.applied_by = applied_by;
    next.images = images;
    std::string value = next.to_json();

    Txn swap;
    swap.compares = {Compare::modified_at(keys::kSpec, seen)};
    swap.success = {TxnOp::put(keys::kSpec, value),
                    TxnOp::put(keys::spec_history(next.revision), value)};
    auto result = store.txn(swap);
    if (!result) return Error{"cannot store the spec: " + result.error().message};
    if (result->succeeded) return SpecApplied{std::move(next), false};
    // Someone applied at the same time: read again and go after them.
  }
  return Error{"cannot store the spec: it kept changing underneath (" + std::to_string(kAttempts) +
               " concurrent applies); try again"};
}

}  // namespace hearth::cluster
