// Scenario lab_volume_failures: replicated volumes through the failures they are built for.
//   - r510 loses power (its links are cut: peers hear silence, its processes keep running) during
//     a steady loop of fsync'd writes on r530's mount (some acknowledged before the cut): the
//     writes resume, more than ten after the cut (the stall is printed; bench/volume-stall measures
//     it), none fails, none acknowledged is lost. Cut off alone, r510 is also the minority side of
//     a partition: a write through its own mount fails instead of diverging. Revived: hearthd
//     starts the heal by itself, no split-brain entry is left, and both data bricks hold the same
//     files with the same checksums.
//   - the arbiter loses power: the writes go on; revived, it heals.
//   - a disk fails (r530's ssd1 is unmounted under its brick): only appdata, which has a brick on
//     it, is degraded and stays writable; `hearth volume replace-brick appdata r530 hdd1` plus the
//     heal restores two identical copies.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "common/file.h"
#include "lab_fixture.h"
#include "volume_helpers.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A loop of 64 KiB files, each written with fsync, on a node's mount until stop(); one line per
// file, "ok|fail INDEX WALL_MS", in a log in the node's data directory that the test reads from
// the host as the loop goes (progress()). stop() ends it (a stop file the loop looks for before
// each write) and returns every line; a loop not stopped is killed with the object.
class WriteLoop {
 public:
  struct Result {
    std::vector<std::pair<int, std::int64_t>> acknowledged;  // index, wall ms
    std::vector<int> failed;
    std::string output;  // of the loop's shell, for messages
  };

  // Writes into `dir` (on `node`'s mount); `name` names the log and stop file.
  WriteLoop(const LabUp& lab, const std::string& node, const std::string& dir,
            const std::string& name) {
    const LabNode* in = lab.state().find_node(node);
    if (in == nullptr) return;
    log_ = in->host_data_dir + "/" + name + ".writes";
    stop_ = in->host_data_dir + "/" + name + ".stop";
    std::remove(log_.c_str());
    std::remove(stop_.c_str());
    std::string node_log = in->data_dir + "/" + name + ".writes";
    std::string node_stop = in->data_dir + "/" + name + ".stop";
    std::string script =
        "D=" + dir + "; L=" + node_log + "; S=" + node_stop +
        "; mkdir -p $D || exit 3; i=0; while [ ! -e $S ]; do "
        "if dd if=/dev/urandom of=$D/f$i bs=64k count=1 conv=fsync status=none 2>/dev/null; "
        "then echo \"ok $i $(date +%s%3N)\" >> $L; else echo \"fail $i $(date +%s%3N)\" >> $L; "
        "fi; i=$((i+1)); done";
    // The timeout only catches a hang: stop() ends the loop after the write under way.
    auto child =
        Child::start({.argv = {hearth_binary(), "lab", "exec", node, "--", "sh", "-c", script},
                      .timeout = std::chrono::minutes(10)});
    if (child) child_.emplace(std::move(*child));
  }
  bool started() const { return child_.has_value(); }

  // The writes so far.
  Result progress() const { return parse(read_text_file(log_)); }

  Result stop() {
    if (!child_) return {};
    std::ofstream(stop_) << "stop\n";
    Completed done = child_->wait();
    Result result = progress();
    result.output = done.describe() + "\n" + done.out + done.err;
    std::remove(log_.c_str());
    std::remove(stop_.c_str());
    return result;
  }

 private:
  static Result parse(const std::string& text) {
    Result result;
    std::istringstream lines(text);
    for (std::string word; lines >> word;) {
      int index = 0;
      std::int64_t at = 0;
      lines >> index >> at;
      if (word == "ok") result.acknowledged.emplace_back(index, at);
      if (word == "fail") result.failed.push_back(index);
    }
    return result;
  }

  std::string log_, stop_;
  std::optional<Child> child_;
};

// How many writes were acknowledged after `from` (wall ms).
std::size_t acknowledged_after(const WriteLoop::Result& writes, std::int64_t from) {
  std::size_t count = 0;
  for (const auto& [index, at] : writes.acknowledged) count += at > from ? 1 : 0;
  return count;
}

// Waits (a hang-catching deadline) until `count` writes of `writes` were acknowledged after
// `from`; false if they never were.
bool wait_for_writes(const WriteLoop& writes, std::size_t count, std::int64_t from = 0) {
  return wait_until([&] { return acknowledged_after(writes.progress(), from) >= count; }, 120s,
                    200ms)
      .has_value();
}

// The longest gap between two acknowledged writes that spans `from` (the cut), in ms.
std::int64_t stall_across(const WriteLoop::Result& writes, std::int64_t from) {
  std::int64_t longest = 0;
  for (std::size_t i = 1; i < writes.acknowledged.size(); ++i) {
    std::int64_t before = writes.acknowledged[i - 1].second, after = writes.acknowledged[i].second;
    if (after >= from && before <= from + 10000) longest = std::max(longest, after - before);
  }
  return longest;
}

class VolumeFailures : public SharedLabSuite<VolumeFailures> {
 protected:
  void SetUp() override {
    SharedLabSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(revive_all_and_wait_healthy(60s));
    ASSERT_TRUE(wait_until([&] { return volume_ready(*lab_, "r530", "appdata"); }, 180s, 500ms))
        << volume_in(lab_->cluster_status("r530"), "appdata").dump(2);
    ASSERT_TRUE(wait_until([&] { return healed(*lab_, "r530", "appdata"); }, 60s, 1s))
        << "appdata has pending heal entries before the test";
  }

  // After every node is back: hearthd heals by itself; both data bricks end up identical.
  void expect_healed_and_identical(const std::vector<std::pair<int, std::int64_t>>& acknowledged,
                                   const std::string& subdir) {
    auto took = wait_until([&] { return healed(*lab_, "r530", "appdata"); }, 180s, 1s);
    ASSERT_TRUE(took.has_value()) << "appdata never healed; r530 says "
                                  << volume_in(lab_->cluster_status("r530"), "appdata").dump(2);
    std::cout << "healed " << took->count() << " ms after revival, without a hand on it\n";
    auto r510 = brick_checksums(*lab_, "r510", brick_dir(*lab_, "appdata", "r510"));
    auto r530 = brick_checksums(*lab_, "r530", brick_dir(*lab_, "appdata", "r530"));
    EXPECT_EQ(r510, r530) << "the two data bricks differ";
    for (const auto& [index, at] : acknowledged) {
      std::string name = "./" + subdir + "/f" + std::to_string(index);
      EXPECT_TRUE(r510.count(name) && r530.count(name))
          << name << " was acknowledged but is not on both bricks";
    }
    auto summary = heal_summary(*lab_, "r530", "appdata");
    ASSERT_TRUE(summary.has_value());
    EXPECT_EQ(summary->split_brain(), 0);
  }
};

TEST_F(VolumeFailures, R510PowerCutDuringWritesOnR530) {
  const std::string subdir = "cut-r510-" + std::to_string(wall_ms());
  WriteLoop writes(*lab_, "r530", std::string(kMountRoot) + "appdata/" + subdir, subdir);
  ASSERT_TRUE(writes.started());
  ASSERT_TRUE(wait_for_writes(writes, 3)) << "no writes on r530 before the cut";
  std::int64_t cut = wall_ms();
  lab_->kill_power("r510");

  // r510 alone is the minority of a partition: its own mount refuses writes (client quorum).
  auto minority = lab_->exec(
      "r510",
      {"sh", "-c",
       "echo diverging > " + std::string(kMountRoot) + "appdata/written-by-the-minority"},
      60s);
  EXPECT_FALSE(minority.succeeded()) << "r510, cut off, could write through its mount";
  std::cout << "r510's write while cut off: " << minority.describe() << ": " << minority.err;

  EXPECT_TRUE(wait_for_writes(writes, 11, cut)) << "the writes did not resume after the cut";
  auto result = writes.stop();
  ASSERT_FALSE(result.acknowledged.empty()) << result.output;
  EXPECT_TRUE(result.failed.empty()) << result.failed.size() << " writes failed on r530";
  std::size_t after_cut = acknowledged_after(result, cut);
  std::cout << result.acknowledged.size() << " writes acknowledged, " << after_cut
            << " after the cut; the stall: " << stall_across(result, cut) << " ms\n";

  lab_->revive("r510");
  expect_healed_and_identical(result.acknowledged, subdir);
  EXPECT_FALSE(lab_->exec("r530", {"sh", "-c",
                                   "grep -q diverging " + std::string(kMountRoot) +
                                       "appdata/written-by-the-minority"})
                   .succeeded())
      << "the minority's write reached the majority";
}

TEST_F(VolumeFailures, ArbiterPowerCutWritesGoOn) {
  const std::string subdir = "cut-arbiter-" + std::to_string(wall_ms());
  WriteLoop writes(*lab_, "r530", std::string(kMountRoot) + "appdata/" + subdir, subdir);
  ASSERT_TRUE(writes.started());
  ASSERT_TRUE(wait_for_writes(writes, 3)) << "no writes on r530 before the cut";
  std::int64_t cut = wall_ms();
  lab_->kill_power("elitedesk");
  EXPECT_TRUE(wait_for_writes(writes, 11, cut))
      << "the writes did not go on after the arbiter's cut";
  auto result = writes.stop();
  EXPECT_TRUE(result.failed.empty()) << result.failed.size() << " writes failed on r530";
  std::size_t after_cut = acknowledged_after(result, cut);
  std::cout << after_cut
            << " writes after the arbiter's cut; the stall: " << stall_across(result, cut)
            << " ms\n";
  lab_->revive("elitedesk");
  expect_healed_and_identical(result.acknowledged, subdir);
}

// Last: it moves appdata's brick on r530 for good.
TEST_F(VolumeFailures, DiskFailureDegradesOnlyItsVolumesAndReplaceBrickRestoresTwoCopies) {
  std::string old_brick = brick_dir(*lab_, "appdata", "r530");
  ASSERT_EQ(old_brick, "/srv/hearth/bricks/ssd1/appdata")
      << "the example's plan changed: adapt the test";
  ASSERT_EQ(brick_dir(*lab_, "media", "r530"), "/srv/hearth/bricks/hdd1/media");
  auto wrote = lab_->exec(
      "r530", {"sh", "-c",
               "mkdir -p /var/lib/hearth/volumes/appdata/disk && "
               "for i in 1 2 3 4 5; do echo $i > /var/lib/hearth/volumes/appdata/disk/f$i; done"});
  ASSERT_TRUE(wrote.succeeded()) << wrote.err;

  // r530's disk ssd1 fails: its file system goes away under the brick.
  auto failed = lab_->exec("r530", {"umount", "--lazy", "/srv/hearth/bricks/ssd1"});
  ASSERT_TRUE(failed.succeeded()) << failed.err;
  // Where the disk was, an empty read-only file system: the brick process must not write onto
  // the mount point beneath, which is the machine's own file system.
  auto covered = lab_->exec("r530", {"mount", "-t", "tmpfs", "-o", "ro,size=1m",
                                     "hearth-failed-disk", "/srv/hearth/bricks/ssd1"});
  ASSERT_TRUE(covered.succeeded()) << covered.err;
  auto degraded = wait_until(
      [&] { return bricks_up(volume_in(lab_->cluster_status("r530"), "appdata")) == 2; }, 90s, 1s);
  ASSERT_TRUE(degraded.has_value()) << volume_in(lab_->cluster_status("r530"), "appdata").dump(2);
  std::cout << "the brick on the failed disk was seen down after " << degraded->count() << " ms\n";
  EXPECT_EQ(bricks_up(volume_in(lab_->cluster_status("r530"), "media")), 3)
      << "media has no brick on ssd1";
  // Still writable with one data brick and the arbiter.
  EXPECT_TRUE(lab_->exec("r530", {"sh", "-c", "echo 6 > /var/lib/hearth/volumes/appdata/disk/f6"})
                  .succeeded());

  // The brick moves to r530's other disk; the heal copies everything there.
  auto moved = hearth({"volume", "replace-brick", "appdata", "r530", "hdd1"});
  ASSERT_TRUE(moved.succeeded()) << moved.out << moved.err;
  std::cout << moved.out;
  // hearthd's status follows within a few observations.
  EXPECT_TRUE(
      wait_until(
          [&] { return brick_dir(*lab_, "appdata", "r530") == "/srv/hearth/bricks/hdd1/appdata"; },
          30s, 500ms)
          .has_value());
  auto took = wait_until([&] { return healed(*lab_, "r530", "appdata"); }, 180s, 1s);
  ASSERT_TRUE(took.has_value()) << "appdata never healed onto the new brick";
  std::cout << "healed onto the new brick " << took->count() << " ms after replace-brick\n";
  auto r510 = brick_checksums(*lab_, "r510", brick_dir(*lab_, "appdata", "r510"));
  auto r530 = brick_checksums(*lab_, "r530", "/srv/hearth/bricks/hdd1/appdata");
  EXPECT_EQ(r510, r530);
  EXPECT_TRUE(r530.count("./disk/f6")) << "the write made while degraded is on the new brick";
  // The message shows what the loop saw last (a fresh call could differ): null means
  // `hearth status` itself failed or took longer than its 10 s, not that appdata was dropped.
  nlohmann::json last;
  EXPECT_TRUE(wait_until(
                  [&] {
                    last = lab_->cluster_status("r530");
                    return bricks_up(volume_in(last, "appdata")) == 3;
                  },
                  30s, 500ms)
                  .has_value())
      << (last.is_null() ? std::string("r530's `hearth status --json` did not answer")
                         : volume_in(last, "appdata").dump(2));
}

}  // namespace
}  // namespace hearth::lab::testing
