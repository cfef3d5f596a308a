#pragma once
// An image reference as a service names it: REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]. Pure.
//
// The registry must be written out (a host with a dot or a port, or "localhost"): a short name
// such as "nginx" would be looked up in whichever registry answers first, so what runs would
// depend on the machine rather than on the spec. No tag and no digest means the tag "latest".

#include <string>

#include "common/result.h"

namespace hearth {

struct ImageReference {
  std::string registry;    // "ghcr.io", "10.1.9.2:5000", "localhost:5000"
  std::string repository;  // "home-assistant/home-assistant"
  std::string tag;         // "2024.6"; empty when the reference names a digest only
  std::string digest;      // "sha256:" + 64 lowercase hex digits; empty when it names a tag

  // "REGISTRY/REPOSITORY": what skopeo calls the image's name.
  std::string name() const { return registry + "/" + repository; }
  // The same image at `pinned_digest`: "REGISTRY/REPOSITORY@sha256:...".
  std::string at(const std::string& pinned_digest) const { return name() + "@" + pinned_digest; }
  // True when the reference itself fixes what runs (it names a digest).
  bool pinned() const { return !digest.empty(); }
};

// Parses a reference; the error says what is wrong and how it should look.
Result<ImageReference> parse_image_reference(const std::string& text);

// "sha256:" followed by 64 lowercase hex digits.
bool is_sha256_digest(const std::string& text);

}  // namespace hearth

namespace hearth {

struct Registry;  // spec/spec.h

// Asks a registry which digest a tag names now (engines/image_store.h implements it with skopeo).
class ImageResolver {
 public:
  virtual ~ImageResolver() = default;
  // The digest `reference` names now (its own digest when it has one). `registry`: how to reach
  // it (auth file, insecure), nullptr for the defaults.
  virtual Result<std::string> resolve(const ImageReference& reference,
                                      const Registry* registry) = 0;
};

}  // namespace hearth
