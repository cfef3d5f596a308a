#include "api/api.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/token.h"
#include "fake_control_plane.h"

namespace hearth::api {
namespace {

using nlohmann::json;
using testing::example_spec;
using testing::FakeControlPlane;
using testing::kToken;

ApiRequest request(std::string method, std::string path, std::string body = "",
                   std::string authorization = "Bearer " + kToken) {
  ApiRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.authorization = std::move(authorization);
  r.peer = "127.0.0.1";
  return r;
}

TEST(ApiHandler, EveryEndpointRefusesAMissingOrWrongToken) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/status"}, {"POST", "/v1/spec"}, {"GET", "/nope"},
           {"POST", "/v1/nodes/r510/drain"}, {"POST", "/v1/nodes/r510/undrain"},
           {"GET", "/metrics"}, {"GET", "/v1/nodes/r510/drain-preflight"}}) {
    EXPECT_EQ(handler.handle(request(method, path, "", "")).status, 401) << path;
    EXPECT_EQ(handler.handle(request(method, path, "", "Bearer " + std::string(64, 'b'))).status,
              401);
    EXPECT_EQ(handler.handle(request(method, path, "", "Bearer " + kToken + "a")).status, 401);
    EXPECT_EQ(handler.handle(request(method, path, "", kToken)).status, 401) << "no Bearer";
  }
  EXPECT_EQ(control.applies, 0);
  EXPECT_EQ(control.drains, 0);
}

TEST(ApiHandler, DrainAndUndrainANode) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  ApiRequest drain = request("POST", "/v1/nodes/r510/drain");
  drain.applied_by = "alice@laptop";
  ApiResponse response = handler.handle(drain);
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["node"], "r510");
  EXPECT_EQ(body["drained"], true);
  EXPECT_EQ(body["changed"], true);
  EXPECT_EQ(control.last_drain, "r510 drained by alice@laptop");
  response = handler.handle(request("POST", "/v1/nodes/r510/undrain"));
  ASSERT_EQ(response.status, 200);
  body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["drained"], false);
  EXPECT_EQ(body["changed"], false);
  EXPECT_EQ(control.last_drain, "r510 undrained by api");

  EXPECT_EQ(handler.handle(request("POST", "/v1/nodes/nope/drain")).status, 404);
  EXPECT_EQ(handler.handle(request("POST", "/v1/nodes/elitedesk/drain")).status, 400);
  EXPECT_EQ(handler.handle(request("GET", "/v1/nodes/r510/drain")).status, 405);
  EXPECT_EQ(handler.handle(request("POST", "/v1/nodes/r510/reboot")).status, 404);
  EXPECT_EQ(handler.handle(request("POST", "/v1/nodes//drain")).status, 404);
  control.quorum = false;
  response = handler.handle(request("POST", "/v1/nodes/r510/drain"));
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find("no quorum"), std::string::npos);
}

TEST(ApiHandler, StatusReturnsTheControlPlanesView) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  auto response = handler.handle(request("GET", "/v1/status"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(json::parse(response.body)["cluster"], "homecentr");
  control.etcd_answers = false;
  response = handler.handle(request("GET", "/v1/status"));
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(json::parse(response.body)["error"].get<std::string>().find("does not answer"),
            std::string::npos);
}

TEST(ApiHandler, AnInvalidSpecIs400WithEveryErrorAndNothingIsStored) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  auto response = handler.handle(request("POST", "/v1/spec", "cluster: {name: x}\nbogus: 1\n"));
  EXPECT_EQ(response.status, 400);
  auto body = json::parse(response.body);
  EXPECT_NE(body["error"].get<std::string>().find("nothing was applied"), std::string::npos);
  ASSERT_TRUE(body["errors"].is_array());
  EXPECT_GE(body["errors"].size(), 2u) << body.dump(2);
  for (const auto& e : body["errors"]) {
    EXPECT_TRUE(e.contains("line") && e.contains("column") && e.contains("path") &&
                e.contains("message"));
  }
  EXPECT_EQ(control.applies, 0);
}

TEST(ApiHandler, AValidSpecIsStoredAndTheRevisionReturned) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  auto r = request("POST", "/v1/spec", example_spec());
  r.applied_by = "root@laptop";
  auto response = handler.handle(r);
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = json::parse(response.body);
  EXPECT_EQ(body["revision"], 7);
  EXPECT_EQ(body["applied_by"], "root@laptop");
  EXPECT_EQ(body["unchanged"], false);
  EXPECT_EQ(control.last_text, example_spec());
}

// The example spec with whoami run from an image instead of the busybox directory.
std::string spec_with_an_image() {
  std::string spec = example_spec();
  const std::string rootfs = "rootfs: /srv/hearth/images/busybox\n    command: [httpd, -f, -p, \"8080\"";
  auto at = spec.find(rootfs);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) {
    spec.replace(at, std::string("rootfs: /srv/hearth/images/busybox").size(),
                 "image: 198.51.100.5:5000/hearth/web:1");
  }
  return spec;
}

TEST(ApiHandler, ImagesArePinnedBeforeTheSpecIsStoredAndStoredWithIt) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  auto response = handler.handle(request("POST", "/v1/spec", spec_with_an_image()));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(control.last_images.at("198.51.100.5:5000/hearth/web:1"),
            "sha256:" + std::string(64, 'f'));
}

TEST(ApiHandler, RefreshImagesIsPassedOnAndAnUnpinnableImageAppliesNothing) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  auto r = request("POST", "/v1/spec", spec_with_an_image());
  r.refresh_images = true;
  ASSERT_EQ(handler.handle(r).status, 200);
  EXPECT_EQ(control.last_images.at("198.51.100.5:5000/hearth/web:1"),
            "sha256:" + std::string(64, 'e'));

  class NoRegistry final : public ControlPlane {
   public:
    Result<nlohmann::ordered_json> status() override { return nlohmann::ordered_json::object(); }
    Result<Applied> apply(const std::string&, const std::string&,
                          const std::map<std::string, std::string>&) override {
      ++applies;
      return Applied{};
    }
    Result<DrainOutcome> set_drained(const std::string&, bool, const std::string&) override {
      return DrainOutcome::unchanged;
    }
    int applies = 0;
  } unreachable;  // the default pin_images: resolves no tag
  ApiHandler refusing(unreachable, kToken);
  auto response = refusing.handle(request("POST", "/v1/spec", spec_with_an_image()));
  EXPECT_EQ(response.status, 502) << response.body;
  EXPECT_NE(response.body.find("nothing was applied"), std::string::npos) << response.body;
  EXPECT_EQ(unreachable.applies, 0);
}

TEST(ApiHandler, WithoutQuorumApplyIs503AndSaysSo) {
  FakeControlPlane control;
  control.quorum = false;
  ApiHandler handler(control, kToken);
  auto response = handler.handle(request("POST", "/v1/spec", example_spec()));
  EXPECT_EQ(response.status, 503);
  auto message = json::parse(response.body)["error"].get<std::string>();
  EXPECT_EQ(message.rfind("no quorum", 0), 0u) << message;
  EXPECT_NE(message.find("nothing was applied"), std::string::npos);
}

TEST(ApiHandler, WrongMethodsAndUnknownPaths) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  EXPECT_EQ(handler.handle(request("POST", "/v1/status")).status, 405);
  EXPECT_EQ(handler.handle(request("GET", "/v1/spec")).status, 405);
  EXPECT_EQ(handler.handle(request("GET", "/v2/anything")).status, 404);
}

TEST(ApiHandler, VolumeActionsGoToTheControlPlaneWithTheirArguments) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  auto done = handler.handle(request("POST", "/v1/volumes/old/delete", R"({"yes_destroy_data":true})"));
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(control.last_volume_action, R"(old delete {"yes_destroy_data":true})");
  auto refused = handler.handle(request("POST", "/v1/volumes/old/shrink", "{}"));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("no volume action"), std::string::npos) << refused.body;
  EXPECT_EQ(handler.handle(request("POST", "/v1/volumes/old/delete", "[1]")).status, 400);
  EXPECT_EQ(handler.handle(request("GET", "/v1/volumes/old/delete")).status, 405);
  EXPECT_EQ(handler.handle(request("POST", "/v1/volumes/old")).status, 404);
  EXPECT_EQ(handler.handle(request("POST", "/v1/volumes/old/delete", "", "Bearer wrong")).status, 401);
}

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hearth-token-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(TokenTest, CreatedOnceWithMode0600AndReusedAfterwards) {
  auto first = load_or_create_token(dir_.string());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->size(), 64u);
  struct stat info {};
  ASSERT_EQ(::stat((dir_ / "api-token").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto second = load_or_create_token(dir_.string());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  auto read = read_token_file((dir_ / "api-token").string());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, *first);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1)
      << "no temporary file left behind";
}

TEST_F(TokenTest, TokensAreRandom) {
  auto a = generate_token();
  auto b = generate_token();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST_F(TokenTest, AWorldReadableTokenIsTightenedAndAGarbledOneRefused) {
  ASSERT_TRUE(load_or_create_token(dir_.string()).ok());
  ::chmod((dir_ / "api-token").c_str(), 0644);
  ASSERT_TRUE(load_or_create_token(dir_.string()).ok());
  struct stat info {};
  ::stat((dir_ / "api-token").c_str(), &info);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::ofstream(dir_ / "api-token") << "short\n";
  auto garbled = load_or_create_token(dir_.string());
  ASSERT_FALSE(garbled.ok());
  EXPECT_NE(garbled.error().message.find("64 hex digits"), std::string::npos);
}

TEST_F(TokenTest, AMissingDirectoryIsAClearError) {
  auto missing = load_or_create_token((dir_ / "nope").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("data directory"), std::string::npos)
      << missing.error().message;
}

TEST(Tokens, CompareWholeStrings) {
  EXPECT_TRUE(tokens_equal("abc", "abc"));
  EXPECT_FALSE(tokens_equal("abc", "abd"));
  EXPECT_FALSE(tokens_equal("abc", "abcd"));
  EXPECT_FALSE(tokens_equal("", "a"));
}

}  // namespace
}  // namespace hearth::api

namespace hearth::api {
namespace {

TEST(ApiHandler, MetricsAreTheControlPlanesTextWithTheirContentType) {
  testing::FakeControlPlane control;
  ApiHandler handler(control, testing::kToken);
  ApiResponse response = handler.handle(request("GET", "/metrics"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hearth_quorum 1\n");
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(handler.handle(request("POST", "/metrics")).status, 405);
  control.etcd_answers = false;
  EXPECT_EQ(handler.handle(request("GET", "/metrics")).status, 503);
}

TEST(ApiHandler, DrainPreflightIsAGetOfTheNode) {
  testing::FakeControlPlane control;
  ApiHandler handler(control, testing::kToken);
  ApiResponse response = handler.handle(request("GET", "/v1/nodes/r510/drain-preflight"));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body)["ok"], true);
  EXPECT_EQ(handler.handle(request("GET", "/v1/nodes/nope/drain-preflight")).status, 404);
  EXPECT_EQ(handler.handle(request("POST", "/v1/nodes/r510/drain-preflight")).status, 405);
  EXPECT_EQ(control.drains, 0) << "a preflight changes nothing";
  control.etcd_answers = false;
  EXPECT_EQ(handler.handle(request("GET", "/v1/nodes/r510/drain-preflight")).status, 503);
}

}  // namespace
}  // namespace hearth::api
