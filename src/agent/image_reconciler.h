#pragma once
// Stages on this server every image the spec in force pins (cluster/image_pins.h), before any
// service of it is placed here, so a service's start never waits for a registry: a failover with
// the registry unreachable starts from what is staged. Removes staged images that neither the
// spec in force nor a running service uses.
//
// observe (staged digests, images in use by running services) -> decide (pure: what to stage,
// when to retry, what to remove) -> act (the ImageStore). A failed pull is retried with capped
// exponential backoff (kFirstPullRetry doubling up to kMaxPullRetry); a permanent failure (404,
// bad digest, refused login) is shown at once and retried only at the cap, as the registry may
// be fixed. Each image's state is what `hearth status` shows for this server.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "engines/image_store.h"
#include "spec/spec.h"

namespace hearth::agent {

inline constexpr std::chrono::milliseconds kFirstPullRetry{1000};
inline constexpr std::chrono::milliseconds kMaxPullRetry{5 * 60 * 1000};

// One image this server must have: its name (REGISTRY/REPOSITORY) and pinned digest.
struct WantedImage {
  std::string reference;  // as the spec writes it (for people)
  std::string name;
  std::string digest;
  const Registry* registry = nullptr;  // into the spec it came from
};

// The pinned images of `spec`, one per digest, in spec order (pure).
std::vector<WantedImage> wanted_images(const Spec& spec);

// The digests whose root file system a mounted overlay uses as its lower layer: `mountinfo` is
// /proc/self/mountinfo, `roots_dir` the store's <images>/roots (pure).
std::set<std::string> images_in_use(const std::string& mountinfo, const std::string& roots_dir);

// The wait before attempt `failures` + 1 (pure): kFirstPullRetry x 2^(failures-1), at most
// kMaxPullRetry; a permanent failure waits kMaxPullRetry.
std::chrono::milliseconds pull_retry_delay(int failures, bool transient);

enum class ImageState { pulling, ready, failed };

struct ImageStatus {
  std::string reference;
  std::string digest;
  ImageState state = ImageState::pulling;
  std::string error = {};        // the last failure ("" when none)
  bool transient = false;        // of the last failure
  int failures = 0;              // in a row
  std::int64_t retry_in_ms = 0;  // for a failed one: until the next attempt
};

class ImageReconciler {
 public:
  // `roots_dir`: where the store keeps unpacked roots (for images_in_use).
  ImageReconciler(ImageStore& store, Clock& clock, std::string roots_dir);

  // One pass: stage what is missing and due (one image at a time, in spec order), remove what
  // nothing uses. Returns the first failure.
  Status reconcile(const Spec& spec);

  // The images of the last pass, in spec order. Thread-safe.
  std::vector<ImageStatus> status() const;

 private:
  struct Attempts {
    int failures = 0;
    bool transient = false;
    std::string error;
    Clock::TimePoint next;
  };

  ImageStore& store_;
  Clock& clock_;
  std::string roots_dir_;
  std::map<std::string, Attempts> attempts_;  // by digest
  mutable std::mutex mutex_;
  std::vector<ImageStatus> status_;
};

// ImageStatus as JSON for the node's published record, and back (for `hearth status`).
std::string images_status_json(const std::vector<ImageStatus>& images);
std::vector<ImageStatus> parse_images_status(const std::string& json);
const char* image_state_name(ImageState state);

// The images of GET /v1/status (pure): per image service of `spec`, its reference, pinned digest
// and, per server, what that server published (`published`: node -> its images; a server that
// published nothing of the digest shows "unknown").
nlohmann::ordered_json images_json(
    const Spec& spec, const std::map<std::string, std::vector<ImageStatus>>& published);

// Where each server publishes its images' state (attached to its lease, like volume mounts).
inline constexpr const char* kImagesStatusPrefix = "/hearth/images/";

}  // namespace hearth::agent
