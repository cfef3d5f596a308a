#pragma once
// A node's images: fetched from a registry (or imported from an archive) into a content-addressed
// store, verified against their digests, unpacked once to a root file system that services of
// that image share as the read-only lower layer of their overlays (agent/service_host.h).
//
// Behind an interface so the agent's decisions are tested without a registry; SkopeoImageStore
// is the real one: Debian's skopeo (registry -> OCI image layout) and umoci (layout -> root file
// system). See docs/operations.md ("Images") for why those two.
//
// Layout under <data-dir>/images/ (SkopeoImageStore):
//   layout/                 one OCI image layout: blobs/sha256/<hex> shared by every image (a
//                           layer two images share is stored and fetched once); index.json names
//                           each image by the hex of the digest it was pinned to
//   roots/<hex>/rootfs      the unpacked root file system of that image
//   roots/<hex>/image.json  its image config (entrypoint, command, env, user, working dir)
//   roots/<hex> appears by one rename when the root is complete: it exists, or it is not staged.

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "engines/image_config.h"
#include "spec/image_reference.h"
#include "spec/spec.h"

namespace hearth {

inline constexpr int kImportedGraceHours = 24;

// Why a pull failed, and whether trying again can help.
struct PullError {
  std::string message;     // what failed, from the tool's own words
  bool transient = false;  // a timeout, reset, EOF, 5xx, 429, a registry that does not answer
};

// Transient or permanent, from the text skopeo reports (pure; unit-tested).
bool is_transient_pull_failure(const std::string& tool_output);

// A staged image: what a service host needs to run it.
struct StagedImage {
  std::string digest;  // "sha256:..."
  std::string rootfs;  // absolute; never written to (services write to their overlay's upper)
  ImageConfig config;
};

class ImageStore : public ImageResolver {
 public:
  virtual ~ImageStore() = default;

  // resolve() (ImageResolver): the digest a tag names at the registry now.

  // Fetches `name@digest` (REQUIRES: digest is sha256:<hex>) unless it is staged: blobs already
  // stored and whose content matches their digest are not fetched again (an interrupted pull
  // resumes), a blob that does not match is removed and fetched again; then unpacks it. Safe to
  // call again after any failure. On failure, PullError says whether to retry.
  virtual Result<StagedImage> stage(const std::string& name, const std::string& digest,
                                    const Registry* registry, PullError* why) = 0;

  // The staged image of `digest`; an error when it is not staged.
  virtual Result<StagedImage> staged(const std::string& digest) = 0;

  // Every staged digest.
  virtual Result<std::vector<std::string>> list() = 0;

  // Removes every staged image whose digest is not in `keep`, then every blob no image left uses.
  virtual Status remove_except(const std::set<std::string>& keep) = 0;

  // Loads an OCI archive ("oci-archive") or a docker-archive FILE and stages it; returns its
  // digest (what a service names with REGISTRY/NAME@DIGEST). remove_except() keeps an imported
  // image kImportedGraceHours even when nothing uses it, so a spec can name it meanwhile.
  virtual Result<StagedImage> import_archive(const std::string& file) = 0;
};

class SkopeoImageStore final : public ImageStore {
 public:
  explicit SkopeoImageStore(std::string images_dir);  // <data-dir>/images

  Result<std::string> resolve(const ImageReference& reference, const Registry* registry) override;
  Result<StagedImage> stage(const std::string& name, const std::string& digest,
                            const Registry* registry, PullError* why) override;
  Result<StagedImage> staged(const std::string& digest) override;
  Result<std::vector<std::string>> list() override;
  Status remove_except(const std::set<std::string>& keep) override;
  Result<StagedImage> import_archive(const std::string& file) override;

  std::string layout_dir() const { return dir_ + "/layout"; }
  std::string roots_dir() const { return dir_ + "/roots"; }
  std::string root_dir(const std::string& digest) const;

 private:
  // Every blob of the image tagged `tag` in the layout, checked against its digest; those that
  // do not match are removed. Returns how many were bad; an error when the image is not there.
  Result<int> verify_blobs(const std::string& tag, std::string* manifest_digest);
  Result<StagedImage> unpack(const std::string& tag, const std::string& digest);

  std::string dir_;
  std::mutex mutex_;  // one pull, unpack or removal at a time (the layout's index.json is shared)
};

// The skopeo options for `registry`: --authfile (after checking the file is 0600 and owned by
// root, so credentials are never readable by other users) and --tls-verify=false when insecure.
// `prefix` is "" for inspect, "src-" for a copy's source.
Result<std::vector<std::string>> registry_options(const Registry* registry,
                                                  const std::string& prefix);

}  // namespace hearth
