#include "agent/volume_admin.h"

#include <gtest/gtest.h>

#include "cluster/memory_kv_store.h"
#include "common/clock.h"
#include "spec/load.h"

namespace hearth::agent {
namespace {

Spec example_spec() {
  LoadResult loaded = load_spec_file(std::string(HEARTH_SOURCE_DIR) + "/examples/homelab.yaml");
  EXPECT_TRUE(loaded.ok());
  return *loaded.spec;
}

GlusterVolume appdata() {
  GlusterVolume v;
  v.name = "appdata";
  v.id = "7c70940e-9b15-43b3-85b0-9ee501359a37";
  v.state = "Started";
  v.bricks = {{"10.1.7.17", "/srv/hearth/bricks/hdd1/appdata", false},
              {"10.1.7.22", "/srv/hearth/bricks/ssd1/appdata", false},
              {"10.1.7.26", "/srv/hearth/arbiter/appdata", true}};
  return v;
}

TEST(PlanBrickMove, ToADiskOfTheNodeByName) {
  auto move = plan_brick_move(example_spec(), appdata(), "r530", "hdd1");
  ASSERT_TRUE(move.ok()) << move.error().message;
  EXPECT_EQ(move->old_brick, "10.1.7.22:/srv/hearth/bricks/ssd1/appdata");
  EXPECT_EQ(move->new_brick, "10.1.7.22:/srv/hearth/bricks/hdd1/appdata");
}

TEST(PlanBrickMove, ToAnAbsoluteDirectory) {
  auto move = plan_brick_move(example_spec(), appdata(), "elitedesk", "/srv/new-disk/appdata/");
  ASSERT_TRUE(move.ok()) << move.error().message;
  EXPECT_EQ(move->old_brick, "10.1.7.26:/srv/hearth/arbiter/appdata");
  EXPECT_EQ(move->new_brick, "10.1.7.26:/srv/new-disk/appdata");
}

TEST(PlanBrickMove, RefusesWhatCannotBe) {
  Spec spec = example_spec();
  auto unknown_disk = plan_brick_move(spec, appdata(), "r530", "hdd9");
  ASSERT_FALSE(unknown_disk.ok());
  EXPECT_NE(unknown_disk.error().message.find("its disks: ssd1, hdd1"), std::string::npos)
      << unknown_disk.error().message;
  EXPECT_FALSE(plan_brick_move(spec, appdata(), "nas", "hdd1").ok());
  EXPECT_FALSE(plan_brick_move(spec, appdata(), "r530", "ssd1").ok()) << "the same place";
  GlusterVolume two = appdata();
  two.bricks.pop_back();
  EXPECT_FALSE(plan_brick_move(spec, two, "elitedesk", "ssd1").ok()) << "no brick there";
}

class OneVolumeGluster final : public GlusterCli {
 public:
  std::vector<GlusterVolume> existing{appdata()};
  std::vector<std::string> calls;
  Result<std::vector<GlusterPeer>> pool() override { return std::vector<GlusterPeer>{}; }
  Status probe(const std::string&) override { return ok_status(); }
  Result<std::vector<GlusterVolume>> volumes() override { return existing; }
  Status create(const VolumePlan&) override { return ok_status(); }
  Status set_options(const std::string&,
                     const std::vector<std::pair<std::string, std::string>>&) override {
    return ok_status();
  }
  Status start(const std::string&) override { return ok_status(); }
  Status stop(const std::string& v) override {
    calls.push_back("stop " + v);
    return ok_status();
  }
  Status remove(const std::string& v) override {
    calls.push_back("delete " + v);
    existing.clear();
    return ok_status();
  }
  Result<GlusterVolumeState> status(const std::string&) override { return GlusterVolumeState{}; }
  Result<GlusterHealSummary> heal_summary(const std::string&) override {
    return GlusterHealSummary{};
  }
  Status heal(const std::string& v) override {
    calls.push_back("heal " + v);
    return ok_status();
  }
  Status replace_brick(const std::string& v, const std::string& from,
                       const std::string& to) override {
    calls.push_back("replace-brick " + v + " " + from + " " + to);
    return ok_status();
  }
};

TEST(ReplaceBrick, GlustersProcedureThenAHeal) {
  OneVolumeGluster gluster;
  auto done = replace_brick(gluster, example_spec(), "appdata", {{"node", "r530"}, {"to", "hdd1"}});
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(gluster.calls, (std::vector<std::string>{
                               "replace-brick appdata 10.1.7.22:/srv/hearth/bricks/ssd1/appdata "
                               "10.1.7.22:/srv/hearth/bricks/hdd1/appdata",
                               "heal appdata"}));
  EXPECT_EQ((*done)["new"], "10.1.7.22:/srv/hearth/bricks/hdd1/appdata");
  EXPECT_FALSE(replace_brick(gluster, example_spec(), "appdata", {{"node", "r530"}}).ok());
}

TEST(DeleteVolume, OnlyConfirmedAndOnlyWhenTheSpecNoLongerNamesIt) {
  OneVolumeGluster gluster;
  ManualClock clock;
  cluster::MemoryKeyValueStore store(clock);
  Spec spec = example_spec();
  EXPECT_FALSE(
      delete_volume(gluster, store, spec, "appdata", {{"yes_destroy_data", true}}, "test").ok())
      << "still in the spec";
  Spec without = spec;
  std::erase_if(without.volumes, [](const Volume& v) { return v.name == "appdata"; });
  EXPECT_FALSE(
      delete_volume(gluster, store, without, "appdata", nlohmann::json::object(), "test").ok())
      << "not confirmed";
  EXPECT_TRUE(gluster.calls.empty());

  auto done =
      delete_volume(gluster, store, without, "appdata", {{"yes_destroy_data", true}}, "test");
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(gluster.calls, (std::vector<std::string>{"stop appdata", "delete appdata"}));
  auto record = store.get(std::string(kVolumeDeletionsPrefix) + "appdata",
                          cluster::Consistency::linearizable);
  ASSERT_TRUE(record.ok() && record->has_value());
  auto json = nlohmann::json::parse((*record)->value);
  EXPECT_EQ(json["id"], "7c70940e-9b15-43b3-85b0-9ee501359a37");
  EXPECT_EQ(json["bricks"][1]["node"], "r530");
  EXPECT_EQ(json["bricks"][1]["path"], "/srv/hearth/bricks/ssd1/appdata");

  // A brick directory is removed only when it carries the deleted volume's UUID: here none does.
  auto removed = remove_deleted_bricks(store, without, "r530");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed->empty());
}

}  // namespace
}  // namespace hearth::agent

namespace hearth::agent {
namespace {

// Values anyone with a node's certificate could put under /hearth/volume-deletions/: each is an
// error, never an exception, and never a path to remove.
TEST(VolumeDeletion, HostileRecordsAreErrorsNeverExceptions) {
  for (const std::string& text : std::vector<std::string>{
           "", "not json", "[]", "42", "null", R"({"id": 7, "bricks": []})",
           R"({"id": "u", "bricks": 3})", R"({"id": "u", "bricks": [3]})",
           R"({"id": "u", "bricks": [{"node": 1, "path": "/x"}]})",
           R"({"id": "u", "bricks": [{"node": "r510", "path": ["/x"]}]})",
           R"({"id": "u", "bricks": [{"node": "r510", "path": "relative"}]})",
           R"({"id": "u", "bricks": [{"node": "r510", "path": "/srv/../etc"}]})",
           R"({"id": "u", "bricks": [{"node": "r510", "path": "/srv/.."}]})",
           R"({"id": "u", "bricks": [null]})", std::string("{\"id\": \"\x01\"}\x00", 12)}) {
    auto parsed = VolumeDeletion::parse(text);
    EXPECT_FALSE(parsed.ok()) << text;
  }
  auto good = VolumeDeletion::parse(
      R"({"volume": "appdata", "id": "u", "bricks": [{"node": "r510", "path": "/srv/b"}], "x": 1})");
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->bricks.at(0).path, "/srv/b");
}

TEST(VolumeDeletion, AMalformedRecordIsSkippedAndTheOthersStillCount) {
  ManualClock clock;
  cluster::MemoryKeyValueStore store(clock);
  ASSERT_TRUE(store.put(std::string(kVolumeDeletionsPrefix) + "bad",
                        R"({"id": 5, "bricks": [{"node": 3}]})", 0)
                  .ok());
  ASSERT_TRUE(store.put(std::string(kVolumeDeletionsPrefix) + "worse", "\x01\x02", 0).ok());
  for (int i = 0; i < 3; ++i) {  // every step of the mount thread: never a throw
    auto removed = remove_deleted_bricks(store, example_spec(), "r510");
    ASSERT_TRUE(removed.ok()) << removed.error().message;
    EXPECT_TRUE(removed->empty());
  }
}

TEST(DeleteVolume, TheConfirmationMustBeTheBooleanTrue) {
  OneVolumeGluster gluster;
  ManualClock clock;
  cluster::MemoryKeyValueStore store(clock);
  Spec without = example_spec();
  std::erase_if(without.volumes, [](const Volume& v) { return v.name == "appdata"; });
  for (const auto& arguments : {nlohmann::json{{"yes_destroy_data", "yes"}},
                                nlohmann::json{{"yes_destroy_data", 1}},
                                nlohmann::json{{"yes_destroy_data", false}}}) {
    EXPECT_FALSE(delete_volume(gluster, store, without, "appdata", arguments, "t").ok())
        << arguments.dump();
  }
  EXPECT_TRUE(gluster.calls.empty());
}

}  // namespace
}  // namespace hearth::agent
