#include "cluster/image_pins.h"

namespace hearth::cluster {

Result<ImagePins> pin_images(const Spec& spec, const ImagePins& previous, bool refresh,
                             ImageResolver& resolver) {
  ImagePins pins;
  for (const auto& service : spec.services) {
    if (service.image.empty() || pins.count(service.image) != 0) continue;
    auto reference = parse_image_reference(service.image);
    if (!reference) {
      return Error{"service " + service.name + ": image " + service.image + " " +
                   reference.error().message};
    }
    if (reference->pinned()) {
      pins[service.image] = reference->digest;
      continue;
    }
    if (auto kept = previous.find(service.image); kept != previous.end() && !refresh) {
      pins[service.image] = kept->second;
      continue;
    }
    auto digest = resolver.resolve(*reference, spec.find_registry(reference->registry));
    if (!digest) {
      return Error{"service " + service.name + ": " + digest.error().message};
    }
    pins[service.image] = *digest;
  }
  return pins;
}

void apply_image_pins(Spec& spec, const ImagePins& pins) {
  for (auto& service : spec.services) {
    if (service.image.empty()) continue;
    if (auto pin = pins.find(service.image); pin != pins.end()) {
      service.image_digest = pin->second;
    } else if (auto reference = parse_image_reference(service.image);
               reference && reference->pinned()) {
      service.image_digest = reference->digest;
    }
  }
}

}  // namespace hearth::cluster
