#pragma once
// Which digest each image of a spec runs: decided once when the spec is applied and stored with
// the spec revision (StoredSpec::images), so every node runs exactly that digest until the next
// apply, whatever the tag names at the registry meanwhile.

#include <map>
#include <string>

#include "common/result.h"
#include "spec/image_reference.h"
#include "spec/spec.h"

namespace hearth::cluster {

// Image reference as the spec writes it -> "sha256:..." it runs.
using ImagePins = std::map<std::string, std::string>;

// The pins of `spec`. A reference with a digest is pinned to it; a tag keeps its pin from
// `previous` (the revision being replaced) unless `refresh`, else is resolved through
// `resolver`, once per reference. Fails, naming the image, when a tag cannot be resolved.
Result<ImagePins> pin_images(const Spec& spec, const ImagePins& previous, bool refresh,
                             ImageResolver& resolver);

// Sets each image service's Service::image_digest from `pins`. A reference without a pin (a
// revision stored before pins existed) is pinned only if it names a digest itself; otherwise its
// digest stays "" and the service cannot start until the spec is applied again.
void apply_image_pins(Spec& spec, const ImagePins& pins);

}  // namespace hearth::cluster
