#include "engines/image_config.h"

#include <gtest/gtest.h>

#include "engines/image_store.h"
#include "engines/oci_bundle.h"

namespace hearth {
namespace {

const char* kConfig = R"({"architecture":"amd64","os":"linux","config":{
  "Entrypoint":["/init"],"Cmd":["--serve"],"Env":["PATH=/opt/bin:/bin","LANG=C.UTF-8"],
  "WorkingDir":"/app","User":"app"}})";

const char* kPasswd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/app:/bin/sh\n";
const char* kGroup = "root:x:0:\napp:x:1001:\nmedia:x:44:app\n";

Service image_service() {
  Service s;
  s.name = "web";
  s.image = "registry.lab:5000/web:1";
  return s;
}

TEST(ImageConfig, ParsesTheProcessPartOfAnOciConfig) {
  auto config = parse_image_config(kConfig);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->entrypoint, std::vector<std::string>{"/init"});
  EXPECT_EQ(config->cmd, std::vector<std::string>{"--serve"});
  EXPECT_EQ(config->env.size(), 2u);
  EXPECT_EQ(config->workdir, "/app");
  EXPECT_EQ(config->user, "app");
  EXPECT_TRUE(parse_image_config(R"({"os":"linux"})"));  // no config at all: nothing set
  EXPECT_FALSE(parse_image_config("[1]"));
  EXPECT_FALSE(parse_image_config(R"({"config":{"Cmd":"sh"}})"));
}

TEST(ContainerProcess, TheImageSuppliesWhatTheSpecLeavesOut) {
  auto config = parse_image_config(kConfig);
  ASSERT_TRUE(config);
  auto process = container_process(image_service(), &*config, kPasswd, kGroup);
  ASSERT_TRUE(process) << process.error().message;
  EXPECT_EQ(process->args, (std::vector<std::string>{"/init", "--serve"}));
  EXPECT_EQ(process->env, (std::vector<std::string>{"PATH=/opt/bin:/bin", "LANG=C.UTF-8"}));
  EXPECT_EQ(process->cwd, "/app");
  EXPECT_EQ(process->uid, 1000u);
  EXPECT_EQ(process->gid, 1001u);
}

TEST(ContainerProcess, TheSpecOverridesEachPartItSets) {
  auto config = parse_image_config(kConfig);
  ASSERT_TRUE(config);
  Service s = image_service();
  s.command = {"--debug"};  // replaces the image's command, keeps its entrypoint
  s.env = {{"LANG", "de_DE.UTF-8"}, {"TZ", "Europe/Prague"}};
  s.user = "app:media";
  s.workdir = "/srv";
  auto process = container_process(s, &*config, kPasswd, kGroup);
  ASSERT_TRUE(process) << process.error().message;
  EXPECT_EQ(process->args, (std::vector<std::string>{"/init", "--debug"}));
  EXPECT_EQ(process->env, (std::vector<std::string>{"PATH=/opt/bin:/bin", "LANG=de_DE.UTF-8",
                                                    "TZ=Europe/Prague"}));
  EXPECT_EQ(process->cwd, "/srv");
  EXPECT_EQ(process->uid, 1000u);
  EXPECT_EQ(process->gid, 44u);

  s.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};  // drops the image's command as well
  s.command = {};
  s.user = "33";
  process = container_process(s, &*config, kPasswd, kGroup);
  ASSERT_TRUE(process);
  EXPECT_EQ(process->args, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_EQ(process->uid, 33u);
  EXPECT_EQ(process->gid, 0u);  // no passwd entry for 33: group 0, as podman
}

TEST(ContainerProcess, UnknownNamesAndNoCommandAreErrors) {
  ImageConfig empty;
  Service s = image_service();
  auto none = container_process(s, &empty, "", "");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("has no command"), std::string::npos);
  s.command = {"/bin/true"};
  s.user = "nobody";
  auto unknown = container_process(s, &empty, kPasswd, kGroup);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("'nobody'"), std::string::npos);
  s.user = "app:nogroup";
  EXPECT_FALSE(container_process(s, &empty, kPasswd, kGroup));
}

TEST(ContainerProcess, ARootfsServiceRunsItsCommandAsRoot) {
  Service s;
  s.name = "homepage";
  s.rootfs = "/srv/hearth/images/busybox";
  s.command = {"httpd", "-f"};
  s.env = {{"PATH", "/bin"}};
  auto process = container_process(s, nullptr, "", "");
  ASSERT_TRUE(process);
  EXPECT_EQ(process->args, (std::vector<std::string>{"httpd", "-f"}));
  EXPECT_EQ(process->env, std::vector<std::string>{"PATH=/bin"});
  EXPECT_EQ(process->cwd, "/");
  EXPECT_EQ(process->uid, 0u);
}

TEST(ContainerProcess, TheOciConfigRunsTheProcessItIsGiven) {
  Service s = image_service();
  OciBundleOptions options{"/r", "/n", "/v", "/c", false};
  options.process = ContainerProcess{{"/init"}, {"PATH=/bin", "A=1"}, "/app", 1000, 1001};
  auto config = render_oci_config(s, options);
  EXPECT_EQ(config["process"]["args"], nlohmann::json::array({"/init"}));
  EXPECT_EQ(config["process"]["cwd"], "/app");
  EXPECT_EQ(config["process"]["user"]["uid"], 1000);
  EXPECT_EQ(config["process"]["user"]["gid"], 1001);
  EXPECT_EQ(config["process"]["env"][1], "A=1");
}

TEST(PullFailure, TransientAndPermanentAreToldApart) {
  for (const char* transient :
       {"pinging container registry 10.1.9.2:5000: Get \"http://10.1.9.2:5000/v2/\": dial tcp "
        "10.1.9.2:5000: connect: connection refused",
        "reading blob sha256:ab: Get \"https://r/v2/b\": net/http: TLS handshake timeout",
        "writing blob: happened during read: unexpected EOF",
        "received unexpected HTTP status: 503 Service Unavailable",
        "toomanyrequests: You have reached your pull rate limit",
        "read tcp 10.1.2.17:4000->10.1.9.2:5000: read: connection reset by peer"}) {
    EXPECT_TRUE(is_transient_pull_failure(transient)) << transient;
  }
  for (const char* permanent :
       {"reading manifest sha256:aa in 10.1.9.2:5000/lab/web: manifest unknown: manifest unknown",
        "initializing source docker://r/x: reading manifest 1: unauthorized: authentication "
        "required",
        "requested access to the resource is denied",
        "Digest did not match, expected sha256:aa, got sha256:bb"}) {
    EXPECT_FALSE(is_transient_pull_failure(permanent)) << permanent;
  }
}

}  // namespace
}  // namespace hearth
