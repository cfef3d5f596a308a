#include "agent/image_reconciler.h"

#include <gtest/gtest.h>

#include "cluster/image_pins.h"
#include "spec/load.h"

namespace hearth::agent {
namespace {

using namespace std::chrono_literals;

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

// An ImageStore that stages from its `registry` map (digest -> outcome) and records calls.
class FakeImageStore final : public ImageStore {
 public:
  Result<std::string> resolve(const ImageReference& reference, const Registry*) override {
    ++resolves;
    if (auto tag = tags.find(reference.name() + ":" + reference.tag); tag != tags.end()) {
      return tag->second;
    }
    return Error{"manifest unknown"};
  }
  Result<StagedImage> stage(const std::string& name, const std::string& digest, const Registry*,
                            PullError* why) override {
    pulls.push_back(name + "@" + digest);
    if (auto failure = failing.find(digest); failure != failing.end()) {
      *why = failure->second;
      return Error{failure->second.message};
    }
    present.insert(digest);
    return StagedImage{digest, "/images/roots/" + digest.substr(7) + "/rootfs", {}};
  }
  Result<StagedImage> staged(const std::string& digest) override {
    if (present.count(digest) == 0) return Error{"not staged"};
    return StagedImage{digest, "/images/roots/" + digest.substr(7) + "/rootfs", {}};
  }
  Result<std::vector<std::string>> list() override {
    return std::vector<std::string>(present.begin(), present.end());
  }
  Status remove_except(const std::set<std::string>& keep) override {
    for (auto it = present.begin(); it != present.end();) {
      it = keep.count(*it) != 0 ? std::next(it) : present.erase(it);
    }
    return ok_status();
  }
  Result<StagedImage> import_archive(const std::string&) override { return Error{"no"}; }

  std::map<std::string, std::string> tags;
  std::map<std::string, PullError> failing;
  std::set<std::string> present;
  std::vector<std::string> pulls;
  int resolves = 0;
};

Spec spec_with_images(const std::vector<std::pair<std::string, std::string>>& services) {
  Spec spec;
  spec.nodes.push_back({"r510", NodeRole::server, {}, {}, {}, {}});
  spec.nodes.push_back({"r530", NodeRole::server, {}, {}, {}, {}});
  for (const auto& [name, image] : services) {
    Service& s = spec.services.emplace_back();
    s.name = name;
    s.image = image;
  }
  return spec;
}

TEST(ImagePins, ATagIsResolvedOnceAndKeptUntilRefreshed) {
  FakeImageStore registry;
  registry.tags["lab.example:5000/web:1"] = kDigestA;
  Spec spec = spec_with_images({{"web", "lab.example:5000/web:1"},
                                {"web2", "lab.example:5000/web:1"},
                                {"db", "lab.example:5000/db@" + kDigestB}});
  auto pins = cluster::pin_images(spec, {}, false, registry);
  ASSERT_TRUE(pins) << pins.error().message;
  EXPECT_EQ(registry.resolves, 1);  // once per reference, never for a digest
  EXPECT_EQ(pins->at("lab.example:5000/web:1"), kDigestA);
  EXPECT_EQ(pins->at("lab.example:5000/db@" + kDigestB), kDigestB);

  // The tag moves at the registry: an apply keeps the pin; --refresh-images takes the new one.
  registry.tags["lab.example:5000/web:1"] = kDigestB;
  auto kept = cluster::pin_images(spec, *pins, false, registry);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->at("lab.example:5000/web:1"), kDigestA);
  EXPECT_EQ(registry.resolves, 1);
  auto refreshed = cluster::pin_images(spec, *pins, true, registry);
  ASSERT_TRUE(refreshed);
  EXPECT_EQ(refreshed->at("lab.example:5000/web:1"), kDigestB);

  cluster::apply_image_pins(spec, *refreshed);
  EXPECT_EQ(spec.services[0].image_digest, kDigestB);
  EXPECT_EQ(spec.services[2].image_digest, kDigestB);
}

TEST(ImagePins, AnUnresolvableTagFailsNamingTheService) {
  FakeImageStore registry;
  Spec spec = spec_with_images({{"web", "lab.example:5000/web:9"}});
  auto pins = cluster::pin_images(spec, {}, false, registry);
  ASSERT_FALSE(pins);
  EXPECT_NE(pins.error().message.find("service web"), std::string::npos);
  EXPECT_NE(pins.error().message.find("manifest unknown"), std::string::npos);
}

TEST(ImageReconciler, WantedImagesAreOnePerDigestAndInUseComesFromOverlayMounts) {
  Spec spec = spec_with_images({{"a", "lab.example/web:1"}, {"b", "lab.example/web:1"}});
  cluster::apply_image_pins(spec, {{"lab.example/web:1", kDigestA}});
  auto wanted = wanted_images(spec);
  ASSERT_EQ(wanted.size(), 1u);
  EXPECT_EQ(wanted[0].name, "lab.example/web");
  EXPECT_EQ(wanted[0].digest, kDigestA);

  std::string mountinfo =
      "1 2 0:1 / /d/services/web/bundle/rootfs rw - overlay overlay rw,lowerdir=/d/images/roots/" +
      std::string(64, 'b') + "/rootfs,upperdir=/d/services/web/bundle/upper,workdir=/w\n" +
      "3 4 0:2 / /x rw - overlay overlay rw,lowerdir=/srv/hearth/images/busybox,upperdir=/u\n";
  EXPECT_EQ(images_in_use(mountinfo, "/d/images/roots"), std::set<std::string>{kDigestB});
}

TEST(ImageReconciler, RetriesAreCappedExponentialAndPermanentOnesWaitTheCap) {
  EXPECT_EQ(pull_retry_delay(1, true), 1s);
  EXPECT_EQ(pull_retry_delay(2, true), 2s);
  EXPECT_EQ(pull_retry_delay(5, true), 16s);
  EXPECT_EQ(pull_retry_delay(9, true), 256s);
  EXPECT_EQ(pull_retry_delay(10, true), 300s);
  EXPECT_EQ(pull_retry_delay(50, true), 300s);
  EXPECT_EQ(pull_retry_delay(1, false), 300s);
}

TEST(ImageReconciler, StagesWhatTheSpecPinsRetriesAfterBackoffAndRemovesTheRest) {
  FakeImageStore store;
  ManualClock clock;
  ImageReconciler images(store, clock, "/images/roots");
  store.present.insert(kDigestB);  // left from an older revision, used by nothing
  Spec spec = spec_with_images({{"web", "lab.example/web:1"}});
  cluster::apply_image_pins(spec, {{"lab.example/web:1", kDigestA}});
  store.failing[kDigestA] = PullError{"connection refused", true};

  EXPECT_FALSE(images.reconcile(spec));
  EXPECT_EQ(store.pulls.size(), 1u);
  ASSERT_EQ(images.status().size(), 1u);
  EXPECT_EQ(images.status()[0].state, ImageState::failed);
  EXPECT_TRUE(images.status()[0].transient);
  EXPECT_EQ(images.status()[0].error, "connection refused");
  EXPECT_EQ(store.present.count(kDigestB), 0u) << "an image no spec uses is removed";

  (void)images.reconcile(spec);  // within the backoff: no pull
  EXPECT_EQ(store.pulls.size(), 1u);
  clock.advance(1s);
  (void)images.reconcile(spec);  // second attempt, fails again: now 2 s
  EXPECT_EQ(store.pulls.size(), 2u);
  clock.advance(1s);
  (void)images.reconcile(spec);
  EXPECT_EQ(store.pulls.size(), 2u);
  store.failing.clear();
  clock.advance(1s);
  EXPECT_TRUE(images.reconcile(spec));
  EXPECT_EQ(store.pulls.size(), 3u);
  EXPECT_EQ(images.status()[0].state, ImageState::ready);
  EXPECT_TRUE(images.reconcile(spec));
  EXPECT_EQ(store.pulls.size(), 3u) << "a staged image is never pulled again";
}

TEST(ImageReconciler, StatusJsonRoundTripsAndShowsEachServer) {
  std::vector<ImageStatus> published = {
      {"lab.example/web:1", kDigestA, ImageState::failed, "manifest unknown", false, 1, 300000}};
  auto parsed = parse_images_status(images_status_json(published));
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].state, ImageState::failed);
  EXPECT_EQ(parsed[0].error, "manifest unknown");
  EXPECT_FALSE(parsed[0].transient);

  Spec spec = spec_with_images({{"web", "lab.example/web:1"}});
  cluster::apply_image_pins(spec, {{"lab.example/web:1", kDigestA}});
  auto json = images_json(spec, {{"r510", parsed}});
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["digest"], kDigestA);
  EXPECT_EQ(json[0]["servers"]["r510"]["state"], "failed");
  EXPECT_EQ(json[0]["servers"]["r530"]["state"], "unknown");
}

}  // namespace
}  // namespace hearth::agent
