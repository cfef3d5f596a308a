#include "engines/oci_bundle.h"

#include <gtest/gtest.h>

#include "spec/load.h"

namespace hearth {
namespace {

using json = nlohmann::ordered_json;

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return std::move(*loaded.spec);
}

const OciBundleOptions kOptions{"/run/hearth/services/homepage/rootfs",
                                "/run/netns/hearth-svc-homepage", "/var/lib/hearth/volumes",
                                "/hearth/r510/homepage", false};

json render_example(const std::string& name, OciBundleOptions options = kOptions) {
  static const Spec spec = example_spec();
  const Service* service = spec.find_service(name);
  EXPECT_NE(service, nullptr);
  return render_oci_config(*service, options);
}

const json* find_mount(const json& config, const std::string& destination) {
  for (const auto& m : config["mounts"]) {
    if (m["destination"] == destination) return &m;
  }
  return nullptr;
}

std::vector<std::string> strings(const json& list) { return list.get<std::vector<std::string>>(); }

TEST(OciBundle, ProcessRunsTheCommandAsRootWithoutATerminal) {
  json config = render_example("homepage");
  EXPECT_EQ(config["ociVersion"], "1.0.2");
  EXPECT_EQ(strings(config["process"]["args"]),
            (std::vector<std::string>{"httpd", "-f", "-p", "80", "-h", "/data"}));
  EXPECT_EQ(config["process"]["terminal"], false);
  EXPECT_EQ(config["process"]["user"]["uid"], 0);
  EXPECT_EQ(config["process"]["cwd"], "/");
  EXPECT_EQ(config["process"]["noNewPrivileges"], true);
  EXPECT_FALSE(config["process"].contains("rlimits")) << "inherited: raising them may be refused";
  EXPECT_EQ(config["hostname"], "homepage");
}

TEST(OciBundle, EnvironmentIsPathThenTheSpecsInFileOrder) {
  json config = render_example("homepage");
  EXPECT_EQ(
      strings(config["process"]["env"]),
      (std::vector<std::string>{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                "TZ=Europe/Prague"}));
}

TEST(OciBundle, TheSpecMayReplacePath) {
  Service service = *example_spec().find_service("homepage");
  service.env = {{"A", "1"}, {"PATH", "/bin"}, {"B", "x=y"}};
  json config = render_oci_config(service, kOptions);
  EXPECT_EQ(strings(config["process"]["env"]),
            (std::vector<std::string>{"PATH=/bin", "A=1", "B=x=y"}));
}

TEST(OciBundle, OnlyTheMinimalCapabilitiesNoAmbientNoInheritable) {
  json caps = render_example("homepage")["process"]["capabilities"];
  for (const char* set : {"bounding", "effective", "permitted"}) {
    EXPECT_EQ(strings(caps[set]), default_capabilities()) << set;
  }
  EXPECT_TRUE(caps["inheritable"].empty());
  EXPECT_TRUE(caps["ambient"].empty());
  for (const char* dangerous : {"CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SYS_MODULE",
                                "CAP_SYS_PTRACE", "CAP_MKNOD", "CAP_SYS_CHROOT"}) {
    for (const auto& cap : default_capabilities()) EXPECT_NE(cap, dangerous);
  }
}

TEST(OciBundle, RootIsReadOnlyUnlessAsked) {
  json config = render_example("homepage");
  EXPECT_EQ(config["root"]["path"], "/run/hearth/services/homepage/rootfs");
  EXPECT_EQ(config["root"]["readonly"], true);
  OciBundleOptions writable = kOptions;
  writable.writable_rootfs = true;
  EXPECT_EQ(render_example("homepage", writable)["root"]["readonly"], false);
}

TEST(OciBundle, OwnNamespacesAndTheGivenNetworkNamespace) {
  json namespaces = render_example("homepage")["linux"]["namespaces"];
  std::map<std::string, std::string> by_type;
  for (const auto& ns : namespaces) {
    by_type[ns["type"]] = ns.contains("path") ? ns["path"].get<std::string>() : "";
  }
  EXPECT_EQ(by_type,
            (std::map<std::string, std::string>{{"pid", ""},
                                                {"network", "/run/netns/hearth-svc-homepage"},
                                                {"ipc", ""},
                                                {"uts", ""},
                                                {"mount", ""}}));
  // Never the host's user or cgroup namespace by accident: only these five.
  EXPECT_EQ(namespaces.size(), 5u);
}

TEST(OciBundle, StandardMountsWithSafeOptions) {
  json config = render_example("homepage");
  const json* proc = find_mount(config, "/proc");
  ASSERT_NE(proc, nullptr);
  EXPECT_EQ((*proc)["type"], "proc");
  const json* sys = find_mount(config, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ((*sys)["type"], "sysfs");
  auto sys_options = strings((*sys)["options"]);
  EXPECT_NE(std::find(sys_options.begin(), sys_options.end(), "ro"), sys_options.end());
  const json* cgroup = find_mount(config, "/sys/fs/cgroup");
  ASSERT_NE(cgroup, nullptr);
  auto cgroup_options = strings((*cgroup)["options"]);
  EXPECT_NE(std::find(cgroup_options.begin(), cgroup_options.end(), "ro"), cgroup_options.end());
  const json* dev = find_mount(config, "/dev");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ((*dev)["type"], "tmpfs");
  for (const char* path : {"/dev/pts", "/dev/shm", "/dev/mqueue"}) {
    EXPECT_NE(find_mount(config, path), nullptr) << path;
  }
  const json* tmp = find_mount(config, "/tmp");
  ASSERT_NE(tmp, nullptr);
  EXPECT_EQ((*tmp)["type"], "tmpfs");
  EXPECT_EQ(strings((*tmp)["options"]), (std::vector<std::string>{"nosuid", "nodev", "mode=1777"}));
}

TEST(OciBundle, VolumesAreBindMountedFromTheNodesVolumeMounts) {
  json config = render_example("homepage");
  const json* data = find_mount(config, "/data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ((*data)["type"], "bind");
  EXPECT_EQ((*data)["source"], "/var/lib/hearth/volumes/appdata/homepage");
  EXPECT_EQ(strings((*data)["options"]),
            (std::vector<std::string>{"rbind", "rprivate", "nosuid", "nodev"}));
}

TEST(OciBundle, ReadOnlyVolumes) {
  json config = render_example("whoami");
  const json* www = find_mount(config, "/www");
  ASSERT_NE(www, nullptr);
  EXPECT_EQ((*www)["source"], "/var/lib/hearth/volumes/appdata/whoami");
  EXPECT_EQ(strings((*www)["options"]),
            (std::vector<std::string>{"rbind", "rprivate", "nosuid", "nodev", "ro"}));
}

TEST(OciBundle, VolumeWithoutSubdirIsTheWholeVolume) {
  VolumeMount whole{"media", "", "/media", true};
  EXPECT_EQ(volume_source("/var/lib/hearth/volumes", whole), "/var/lib/hearth/volumes/media");
  VolumeMount deep{"appdata", "a/b", "/x", false};
  EXPECT_EQ(volume_source("/d/volumes", deep), "/d/volumes/appdata/a/b");
}

TEST(OciBundle, VolumesComeAfterTheStandardMountsInSpecOrder) {
  Service service = *example_spec().find_service("homepage");
  service.volumes = {{"appdata", "one", "/one", false}, {"media", "", "/two", true}};
  json config = render_oci_config(service, kOptions);
  const json& list = config["mounts"];
  ASSERT_GE(list.size(), 2u);
  EXPECT_EQ(list[list.size() - 2]["destination"], "/one");
  EXPECT_EQ(list[list.size() - 1]["destination"], "/two");
}

TEST(OciBundle, ResourcesBecomeCgroupLimits) {
  json config = render_example("homepage");  // cpus 0.5, memory 128MiB
  EXPECT_EQ(config["linux"]["cgroupsPath"], "/hearth/r510/homepage");
  json resources = config["linux"]["resources"];
  EXPECT_EQ(resources["cpu"]["quota"], 50000);
  EXPECT_EQ(resources["cpu"]["period"], 100000);
  EXPECT_EQ(resources["memory"]["limit"], 128LL << 20);
  EXPECT_EQ(resources["memory"]["swap"], 128LL << 20);
  EXPECT_EQ(render_example("whoami")["linux"]["resources"]["cpu"]["quota"], 10000);  // 0.1
}

TEST(OciBundle, NoResourcesNoLimits) {
  Service service = *example_spec().find_service("homepage");
  service.resources = {};
  json resources = render_oci_config(service, kOptions)["linux"]["resources"];
  EXPECT_FALSE(resources.contains("cpu"));
  EXPECT_FALSE(resources.contains("memory"));
  EXPECT_EQ(resources["devices"], json::parse(R"([{"allow": false, "access": "rwm"}])"));
}

TEST(OciBundle, TinyCpuRequestsGetTheKernelsMinimumQuota) {
  Service service = *example_spec().find_service("homepage");
  service.resources.cpus = 0.001;
  EXPECT_EQ(render_oci_config(service, kOptions)["linux"]["resources"]["cpu"]["quota"], 1000);
  service.resources.cpus = 2.5;
  EXPECT_EQ(render_oci_config(service, kOptions)["linux"]["resources"]["cpu"]["quota"], 250000);
}

TEST(OciBundle, SensitiveProcPathsAreMaskedOrReadOnly) {
  json linux_section = render_example("homepage")["linux"];
  auto masked = strings(linux_section["maskedPaths"]);
  for (const char* path : {"/proc/kcore", "/proc/keys", "/sys/firmware"}) {
    EXPECT_NE(std::find(masked.begin(), masked.end(), path), masked.end()) << path;
  }
  auto read_only = strings(linux_section["readonlyPaths"]);
  for (const char* path : {"/proc/sys", "/proc/sysrq-trigger"}) {
    EXPECT_NE(std::find(read_only.begin(), read_only.end(), path), read_only.end()) << path;
  }
}

TEST(OciBundle, SpecTextCannotEscapeTheJson) {
  Service service = *example_spec().find_service("homepage");
  service.command = {"sh", "-c", "echo \"}], \\\"x\": 1\n"};
  service.env = {{"QUOTE", "\"},{"}};
  json config = render_oci_config(service, kOptions);
  json reparsed = json::parse(config.dump());
  EXPECT_EQ(reparsed["process"]["args"][2], "echo \"}], \\\"x\": 1\n");
  EXPECT_EQ(reparsed["process"]["env"][1], "QUOTE=\"},{");
}

}  // namespace
}  // namespace hearth
