#include "agent/image_reconciler.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/file.h"
#include "common/log.h"
#include "spec/image_reference.h"

namespace hearth::agent {

std::vector<WantedImage> wanted_images(const Spec& spec) {
  std::vector<WantedImage> wanted;
  std::set<std::string> seen;
  for (const auto& service : spec.services) {
    if (service.image.empty() || service.image_digest.empty()) continue;
    if (!seen.insert(service.image_digest).second) continue;
    auto reference = parse_image_reference(service.image);
    if (!reference) continue;  // a loaded spec has valid references
    wanted.push_back({service.image, reference->name(), service.image_digest,
                      spec.find_registry(reference->registry)});
  }
  return wanted;
}

std::set<std::string> images_in_use(const std::string& mountinfo, const std::string& roots_dir) {
  std::set<std::string> used;
  std::string needle = "lowerdir=" + roots_dir + "/";
  std::istringstream lines(mountinfo);
  std::string line;
  while (std::getline(lines, line)) {
    for (auto at = line.find(needle); at != std::string::npos; at = line.find(needle, at + 1)) {
      std::string hex = line.substr(at + needle.size(), 64);
      std::string digest = "sha256:" + hex;
      if (is_sha256_digest(digest) && line.compare(at + needle.size() + 64, 7, "/rootfs") == 0) {
        used.insert(digest);
      }
    }
  }
  return used;
}

std::chrono::milliseconds pull_retry_delay(int failures, bool transient) {
  if (!transient || failures <= 0) return transient ? kFirstPullRetry : kMaxPullRetry;
  auto delay = kFirstPullRetry;
  for (int i = 1; i < failures && delay < kMaxPullRetry; ++i) delay *= 2;
  return std::min(delay, kMaxPullRetry);
}

ImageReconciler::ImageReconciler(ImageStore& store, Clock& clock, std::string roots_dir)
    : store_(store), clock_(clock), roots_dir_(std::move(roots_dir)) {}

Status ImageReconciler::reconcile(const Spec& spec) {
  Status first = ok_status();
  std::vector<WantedImage> wanted = wanted_images(spec);
  std::set<std::string> keep = images_in_use(read_text_file("/proc/self/mountinfo"), roots_dir_);
  std::vector<ImageStatus> status;
  for (const auto& image : wanted) {
    keep.insert(image.digest);
    ImageStatus entry{image.reference, image.digest};
    Attempts& attempts = attempts_[image.digest];
    if (store_.staged(image.digest)) {
      entry.state = ImageState::ready;
      attempts = Attempts{};
    } else if (attempts.failures > 0 && clock_.now() < attempts.next) {
      entry.state = ImageState::failed;
    } else {
      {
        // Shown as pulling while it pulls.
        std::lock_guard lock(mutex_);
        auto pulling = status;
        pulling.push_back(entry);
        status_ = pulling;
      }
      PullError why;
      auto staged = store_.stage(image.name, image.digest, image.registry, &why);
      if (staged) {
        entry.state = ImageState::ready;
        attempts = Attempts{};
      } else {
        ++attempts.failures;
        attempts.transient = why.transient;
        attempts.error = why.message.empty() ? staged.error().message : why.message;
        attempts.next = clock_.now() + pull_retry_delay(attempts.failures, why.transient);
        entry.state = ImageState::failed;
        log::warn("image " + image.reference + " (" + image.digest + "): " + attempts.error +
                  (why.transient ? " (transient; retried)" : " (permanent)"));
        if (first) first = Error{"image " + image.reference + ": " + attempts.error};
      }
    }
    if (entry.state == ImageState::failed) {
      entry.error = attempts.error;
      entry.transient = attempts.transient;
      entry.failures = attempts.failures;
      entry.retry_in_ms = std::max<std::int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(attempts.next - clock_.now())
                 .count());
    }
    status.push_back(std::move(entry));
  }
  for (auto it = attempts_.begin(); it != attempts_.end();) {
    it = keep.count(it->first) != 0 ? std::next(it) : attempts_.erase(it);
  }
  if (auto removed = store_.remove_except(keep); !removed && first) first = removed.error();
  std::lock_guard lock(mutex_);
  status_ = std::move(status);
  return first;
}

std::vector<ImageStatus> ImageReconciler::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

const char* image_state_name(ImageState state) {
  switch (state) {
    case ImageState::pulling:
      return "pulling";
    case ImageState::ready:
      return "ready";
    case ImageState::failed:
      return "failed";
  }
  return "?";
}

std::string images_status_json(const std::vector<ImageStatus>& images) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& image : images) {
    nlohmann::json entry{{"reference", image.reference},
                         {"digest", image.digest},
                         {"state", image_state_name(image.state)}};
    if (image.state == ImageState::failed) {
      entry["error"] = image.error;
      entry["transient"] = image.transient;
      entry["failures"] = image.failures;
      entry["retry_in_ms"] = image.retry_in_ms;
    }
    list.push_back(std::move(entry));
  }
  return list.dump();
}

std::vector<ImageStatus> parse_images_status(const std::string& text) {
  std::vector<ImageStatus> images;
  auto list = nlohmann::json::parse(text, nullptr, false);
  if (!list.is_array()) return images;
  for (const auto& entry : list) {
    if (!entry.is_object()) continue;
    ImageStatus image;
    image.reference = entry.value("reference", "");
    image.digest = entry.value("digest", "");
    std::string state = entry.value("state", "");
    image.state = state == "ready"    ? ImageState::ready
                  : state == "failed" ? ImageState::failed
                                      : ImageState::pulling;
    image.error = entry.value("error", "");
    image.transient = entry.value("transient", false);
    image.failures = entry.value("failures", 0);
    image.retry_in_ms = entry.value("retry_in_ms", std::int64_t{0});
    images.push_back(std::move(image));
  }
  return images;
}

nlohmann::ordered_json images_json(
    const Spec& spec, const std::map<std::string, std::vector<ImageStatus>>& published) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& service : spec.services) {
    if (service.image.empty()) continue;
    nlohmann::ordered_json entry{
        {"service", service.name}, {"image", service.image}, {"digest", service.image_digest}};
    nlohmann::ordered_json servers = nlohmann::ordered_json::object();
    for (const Node* server : spec.servers()) {
      nlohmann::ordered_json state{{"state", "unknown"}};
      if (auto node = published.find(server->name); node != published.end()) {
        for (const auto& image : node->second) {
          if (image.digest != service.image_digest) continue;
          state = {{"state", image_state_name(image.state)}};
          if (image.state == ImageState::failed) {
            state["error"] = image.error;
            state["transient"] = image.transient;
            state["failures"] = image.failures;
            state["retry_in_ms"] = image.retry_in_ms;
          }
        }
      }
      servers[server->name] = std::move(state);
    }
    entry["servers"] = std::move(servers);
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace hearth::agent
