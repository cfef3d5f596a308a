#include "cluster/records.h"

#include <gtest/gtest.h>

#include "cluster/keys.h"

namespace hearth::cluster {
namespace {

TEST(Records, NodeRecordRoundTripsWithItsLeaseInHex) {
  NodeRecord record{"r510", "server", "10.1.2.17", 1, 2, "0.1.0", 0x694d7a8f0000000a};
  auto json = record.to_json();
  EXPECT_NE(json.find("\"lease\":\"694d7a8f0000000a\""), std::string::npos) << json;
  auto parsed = NodeRecord::parse(json);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->name, "r510");
  EXPECT_EQ(parsed->role, "server");
  EXPECT_EQ(parsed->address, "10.1.2.17");
  EXPECT_EQ(parsed->started_at, 1);
  EXPECT_EQ(parsed->registered_at, 2);
  EXPECT_EQ(parsed->version, "0.1.0");
  EXPECT_EQ(parsed->lease, 0x694d7a8f0000000a);
}

TEST(Records, ExtraFieldsAreIgnoredMissingRequiredOnesAreErrors) {
  auto newer = LeaderRecord::parse(R"({"node":"r530","lease":"ff","since":5,"term":9})");
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ(newer->node, "r530");
  EXPECT_EQ(newer->lease, 0xff);
  EXPECT_FALSE(LeaderRecord::parse(R"({"lease":"ff"})").ok());
  EXPECT_FALSE(NodeRecord::parse("not json").ok());
  EXPECT_FALSE(NodeRecord::parse("[1,2]").ok());
  EXPECT_FALSE(NodeHistoryRecord::parse(R"({"state":"zombie","since":1})").ok());
  EXPECT_FALSE(StoredSpec::parse(R"({"revision":0,"text":"x"})").ok());
  auto history = NodeHistoryRecord::parse(NodeHistoryRecord{true, 42, "r510"}.to_json());
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE(history->alive);
  EXPECT_EQ(history->since, 42);
}

TEST(Records, SpecTextSurvivesAnyCharacters) {
  StoredSpec spec{3, "cluster:\n  name: \"q\\\"uote\"\n# ünïcödé\t\n", 7, "a@b via r510"};
  auto parsed = StoredSpec::parse(spec.to_json());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->text, spec.text);
  EXPECT_EQ(parsed->revision, 3);
  EXPECT_EQ(parsed->applied_by, "a@b via r510");
}

TEST(Keys, SpecHistorySortsByRevision) {
  EXPECT_EQ(keys::spec_history(7), "/hearth/spec-history/0000000007");
  EXPECT_LT(keys::spec_history(9), keys::spec_history(10));
  EXPECT_EQ(keys::node("r510"), "/hearth/nodes/r510");
  EXPECT_EQ(lease_hex(0), "0");
}

}  // namespace
}  // namespace hearth::cluster
