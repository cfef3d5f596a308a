#include "api/drain_preflight.h"

#include <gtest/gtest.h>

#include "fake_control_plane.h"
#include "spec/load.h"
#include "status_json.h"

namespace hearth::api {
namespace {

using nlohmann::json;
using testing::example_status;

Spec example() {
  LoadResult loaded = load_spec_text(testing::example_spec(), "homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return *loaded.spec;
}

json check_named(const json& preflight, const std::string& name) {
  for (const auto& c : preflight["checks"]) {
    if (c["check"] == name) return c;
  }
  ADD_FAILURE() << "no check " << name << " in " << preflight.dump(2);
  return {};
}

TEST(DrainPreflight, AHealthyClusterMayDrainAServer) {
  json preflight = drain_preflight(example(), "r510", example_status());
  EXPECT_EQ(preflight["ok"], true) << preflight.dump(2);
  EXPECT_EQ(check_named(preflight, "quorum")["ok"], true);
  EXPECT_EQ(check_named(preflight, "volumes")["ok"], true);
  EXPECT_EQ(check_named(preflight, "room")["ok"], true);
  ASSERT_EQ(preflight["services"].size(), 1u) << "homepage runs on r510" << preflight.dump(2);
  EXPECT_EQ(preflight["services"][0]["service"], "homepage");
  EXPECT_EQ(preflight["services"][0]["to"], "r530");
  EXPECT_EQ(preflight["services"][0]["outcome"], "moves");
}

TEST(DrainPreflight, QuorumMustHoldWithoutTheNode) {
  json status = example_status();
  status["members"][2]["up"] = false;  // the arbiter's member is down: 2 of 3
  status["quorum"]["members_up"] = 2;
  json preflight = drain_preflight(example(), "r510", status);
  EXPECT_EQ(preflight["ok"], false);
  json quorum = check_named(preflight, "quorum");
  EXPECT_EQ(quorum["ok"], false);
  EXPECT_NE(quorum["detail"].get<std::string>().find("would stop the whole cluster"),
            std::string::npos)
      << quorum.dump();
}

TEST(DrainPreflight, VolumesMustBeInSync) {
  json status = example_status();
  status["volumes"][0]["heal"]["pending"] = 7;
  status["volumes"][0]["bricks"][1]["up"] = false;
  json preflight = drain_preflight(example(), "r510", status);
  EXPECT_EQ(preflight["ok"], false);
  std::string detail = check_named(preflight, "volumes")["detail"];
  EXPECT_NE(detail.find("appdata: 7 entries to heal"), std::string::npos) << detail;
  EXPECT_NE(detail.find("brick on r530 down"), std::string::npos) << detail;
  // A brick on the drained node itself does not count against it.
  status = example_status();
  status["volumes"][0]["bricks"][0]["up"] = false;
  EXPECT_EQ(check_named(drain_preflight(example(), "r510", status), "volumes")["ok"], true);
}

TEST(DrainPreflight, TheOtherServerMustBeThereForTheServices) {
  json status = example_status();
  status["nodes"][1]["state"] = "dead";  // r530
  json preflight = drain_preflight(example(), "r510", status);
  EXPECT_EQ(preflight["ok"], false);
  json room = check_named(preflight, "room");
  EXPECT_EQ(room["ok"], false) << preflight.dump(2);
  EXPECT_EQ(preflight["services"][0]["outcome"], "stops");
}

TEST(DrainPreflight, OnlyAServerOfTheSpecCanBeDrained) {
  EXPECT_TRUE(drain_preflight(example(), "elitedesk", example_status()).contains("error"));
  EXPECT_TRUE(drain_preflight(example(), "nope", example_status()).contains("error"));
}

}  // namespace
}  // namespace hearth::api
