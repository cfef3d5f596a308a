// The API server over real HTTP on 127.0.0.1 (a free port of the kernel's choice).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../../unit/api/fake_control_plane.h"
#include "api/api.h"
#include "common/http_client.h"

namespace hearth::api {
namespace {

using nlohmann::json;
using testing::example_spec;
using testing::FakeControlPlane;
using testing::kToken;

TEST(ApiServer, ServesOverHttpOnLoopbackWithBearerAuth) {
  FakeControlPlane control;
  ApiHandler handler(control, kToken);
  ApiServer server(handler);
  ASSERT_TRUE(server.start("127.0.0.1", 0).ok());
  ASSERT_GT(server.port(), 0);
  std::string url = "http://127.0.0.1:" + std::to_string(server.port());

  HttpRequest anonymous;
  anonymous.url = url + "/v1/status";
  auto refused = http_request(anonymous);
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(refused->status, 401);

  HttpRequest authorized = anonymous;
  authorized.headers = {{"Authorization", "Bearer " + kToken}};
  auto status = http_request(authorized);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status, 200);
  EXPECT_EQ(json::parse(status->body)["cluster"], "homecentr");

  HttpRequest apply;
  apply.method = "POST";
  apply.url = url + "/v1/spec";
  apply.headers = {{"Authorization", "Bearer " + kToken}, {"X-Hearth-Applied-By", "me@here"}};
  apply.body = example_spec();
  auto applied = http_request(apply);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->status, 200) << applied->body;
  EXPECT_EQ(control.last_applied_by, "me@here");
  server.stop();
  EXPECT_FALSE(http_request(authorized).ok()) << "stopped means not listening";
}

}  // namespace
}  // namespace hearth::api
