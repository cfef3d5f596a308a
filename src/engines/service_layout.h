#pragma once
// Where a node keeps the files of its services (agent/service_host.h makes them; `hearth logs`
// reads the logs).

#include <cstdint>
#include <string>
#include <vector>

namespace hearth {

// Where a node keeps its services (all under hearthd's data dir):
//   volumes/<volume>                 each volume's mount (made by the volume reconciler)
//   services/<service>/output.log    the container's stdout+stderr, and output.log.1, the older
//                                    half: together at most 2 x kLogCap
//   services/<service>/bundle/       config.json, rootfs (overlay of the service's rootfs with
//                                    upper/ and work/: mount points for volumes can be made even
//                                    when the image is read-only), while the service runs
//   services/<service>/started-from  the fingerprint of what runs (StartRequest::fingerprint)
//   crun/                            crun's state
struct ServiceLayout {
  std::string data_dir;  // absolute
  std::string node;      // this node's name (cgroups: /hearth/<node>/<service>)

  std::string volumes_dir() const { return data_dir + "/volumes"; }
  std::string service_dir(const std::string& s) const { return data_dir + "/services/" + s; }
  std::string log_file(const std::string& s) const { return service_dir(s) + "/output.log"; }
  std::string old_log_file(const std::string& s) const { return log_file(s) + ".1"; }
  std::string bundle_dir(const std::string& s) const { return service_dir(s) + "/bundle"; }
  std::string started_from_file(const std::string& s) const {
    return service_dir(s) + "/started-from";
  }
  std::string crun_dir() const { return data_dir + "/crun"; }
  std::string container_id(const std::string& s) const { return "hearth-" + s; }
  std::string cgroups_path(const std::string& s) const { return "/hearth/" + node + "/" + s; }
};

inline constexpr std::uint64_t kLogCap = 1 << 20;  // 1 MiB per file, two files per service

// The log files of `service` under `data_dir`, older first (for `hearth logs`).
inline std::vector<std::string> service_log_files(const std::string& data_dir,
                                                  const std::string& service) {
  ServiceLayout layout{data_dir, ""};
  return {layout.old_log_file(service), layout.log_file(service)};
}

}  // namespace hearth
