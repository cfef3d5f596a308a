// Scenario lab_volumes: the spec's volumes built by hearthd with real glusterd.
//   - lab up from the example spec: every volume started (replica 3 arbiter 1, the planned
//     bricks), FUSE-mounted on both servers under /var/lib/hearth/volumes, nothing on the arbiter;
//   - a file written through r510's mount is read back through r530's; it sits as a plain file on
//     both data bricks, and as an empty file (metadata only) on the arbiter brick;
//   - a mount whose client dies is mounted again by hearthd.

#include <gtest/gtest.h>
#include <signal.h>

#include <memory>

#include "lab_fixture.h"
#include "volume_helpers.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

class Volumes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (running_as_root()) lab_ = std::make_unique<LabUp>();
  }
  static void TearDownTestSuite() { lab_.reset(); }
  void SetUp() override {
    if (!running_as_root()) GTEST_SKIP() << "lab tests need root";
    ASSERT_TRUE(lab_->ok()) << lab_->output();
  }
  static std::unique_ptr<LabUp> lab_;
};
std::unique_ptr<LabUp> Volumes::lab_;

TEST_F(Volumes, EveryVolumeStartedAndMountedOnBothServers) {
  for (const std::string volume : {"appdata", "media"}) {
    auto took = wait_until([&] { return volume_ready(*lab_, "r510", volume); }, 120s, 500ms);
    ASSERT_TRUE(took.has_value()) << volume << " not ready; r510 says: "
                                  << volume_in(lab_->cluster_status("r510"), volume).dump(2);
    std::cout << volume << " started and mounted on both servers " << took->count() << " ms after lab up\n";
  }
  auto info = lab_->exec("r530", {"gluster", "--mode=script", "--xml", "volume", "info", "appdata"});
  auto volumes = parse_volume_info(info.out);
  ASSERT_TRUE(volumes.ok()) << info.out;
  ASSERT_EQ(volumes->size(), 1u);
  const auto& appdata = volumes->front();
  EXPECT_EQ(appdata.replica, 3);
  EXPECT_EQ(appdata.arbiter, 1);
  ASSERT_EQ(appdata.bricks.size(), 3u);
  EXPECT_EQ(appdata.bricks[0].host, "10.1.7.17") << "bricks on the storage network";
  EXPECT_EQ(appdata.bricks[1].host, "10.1.7.22");
  EXPECT_EQ(appdata.bricks[2].host, "10.1.7.26");
  EXPECT_TRUE(appdata.bricks[2].arbiter);
  EXPECT_EQ(appdata.options.at("client.tcp-user-timeout"), "1");
  EXPECT_EQ(appdata.options.at("cluster.quorum-type"), "auto");

  // The arbiter mounts nothing.
  auto arbiter = lab_->exec("elitedesk", {"grep", "-c", "fuse.glusterfs", "/proc/self/mountinfo"});
  EXPECT_EQ(arbiter.out, "0\n");
  // hearth status (human) shows the volumes.
  auto human = hearth({"status", "--node", "r530"});
  EXPECT_NE(human.out.find("appdata"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("3/3"), std::string::npos) << human.out;
}

TEST_F(Volumes, AFileWrittenOnR510IsReadOnR530AndLiesPlainOnTheBricks) {
  ASSERT_TRUE(wait_until([&] { return volume_ready(*lab_, "r510", "appdata"); }, 120s, 500ms));
  std::string file = std::string(kMountRoot) + "appdata/hello.txt";
  auto wrote = lab_->exec("r510", {"sh", "-c", "echo written-on-r510 > " + file});
  ASSERT_TRUE(wrote.succeeded()) << wrote.err;
  auto read = lab_->exec("r530", {"cat", file});
  ASSERT_TRUE(read.succeeded()) << read.err;
  EXPECT_EQ(read.out, "written-on-r510\n");

  // Readable without gluster: a plain file on each data brick, empty on the arbiter's.
  for (const std::string node : {"r510", "r530"}) {
    auto plain = lab_->exec(node, {"cat", brick_dir(*lab_, "appdata", node) + "/hello.txt"});
    EXPECT_EQ(plain.out, "written-on-r510\n") << node;
  }
  auto meta = lab_->exec("elitedesk", {"stat", "-c", "%s", brick_dir(*lab_, "appdata", "elitedesk") + "/hello.txt"});
  EXPECT_EQ(meta.out, "0\n") << "the arbiter brick holds names and metadata only";
}

TEST_F(Volumes, AMountWhoseClientDiesIsMountedAgain) {
  ASSERT_TRUE(wait_until([&] { return volume_ready(*lab_, "r510", "appdata"); }, 120s, 500ms));
  // The FUSE client of appdata on r530: a glusterfs process whose last argument is the mount.
  std::string dir = std::string(kMountRoot) + "appdata";
  auto client_of = [&]() -> pid_t {
    auto ps = lab_->exec("r530", {"sh", "-c", "for p in /proc/[0-9]*; do "
                                            "c=$(tr '\\0' ' ' < $p/cmdline 2>/dev/null); case \"$c\" in "
                                            "*/glusterfs\\ *\\ " + dir + "\\ ) echo ${p#/proc/};; esac; done"});
    std::istringstream pids(ps.out);
    pid_t pid = 0;
    pids >> pid;
    return pid;
  };
  pid_t client = client_of();
  ASSERT_GT(client, 0) << "no glusterfs client for " << dir << " on r530";
  ASSERT_EQ(::kill(client, SIGKILL), 0);
  // A new client, and a mount point that answers again (a dead FUSE mount fails with ENOTCONN).
  auto took = wait_until(
      [&] {
        pid_t now = client_of();
        return now > 0 && now != client &&
               lab_->exec("r530", {"sh", "-c", "mountpoint -q " + dir + " && ls " + dir}).succeeded();
      },
      30s, 250ms);
  ASSERT_TRUE(took.has_value()) << "r530's appdata mount was not mounted again";
  auto read = lab_->exec("r530", {"cat", dir + "/hello.txt"});
  EXPECT_TRUE(read.succeeded() || read.err.find("No such file") != std::string::npos) << read.err;
  std::cout << "remounted " << took->count() << " ms after its client was killed\n";
}

}  // namespace
}  // namespace hearth::lab::testing
