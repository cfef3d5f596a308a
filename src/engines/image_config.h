#pragma once
// What an OCI image's config says about how to run it, and how a service's container process is
// made from it and the spec (podman's rules). Pure: no I/O.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "spec/spec.h"

namespace hearth {

// The part of an OCI image config (application/vnd.oci.image.config.v1+json, "config" object)
// that decides the process.
struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "NAME=value", in the image's order
  std::string workdir;           // "" when the image sets none
  std::string user;              // "" when the image sets none
};

// Parses an image config blob; the error names what is malformed.
Result<ImageConfig> parse_image_config(const std::string& json_text);

// The process of a service's container.
struct ContainerProcess {
  std::vector<std::string> args;
  std::vector<std::string> env;  // PATH first
  std::string cwd = "/";
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

inline constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The process of `service`, from the spec and, when the service runs an image, the image's
// config (`image`, nullptr for a rootfs). The spec wins for each of entrypoint, command, user and
// working dir it sets; the environment is the image's with the spec's variables set over it.
// `passwd` and `group` are the texts of the root file system's /etc/passwd and /etc/group (""
// when absent), for a user or group given by name. Fails when the process has no command or the
// user names an account the root file system does not have.
Result<ContainerProcess> container_process(const Service& service, const ImageConfig* image,
                                           const std::string& passwd, const std::string& group);

}  // namespace hearth
