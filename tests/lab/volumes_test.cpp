// Scenario lab_volumes: the spec's volumes built by hearthd with real glusterd.
//   - lab up from the example spec: every volume started (replica 3 arbiter 1, the planned
//     bricks), FUSE-mounted on both servers under /var/lib/hearth/volumes, nothing on the arbiter;
//   - a file written through r510's mount is read back through r530's; it sits as a plain file on
//     both data bricks, and as an empty file (metadata only) on the arbiter brick;
//   - a mount whose client dies is mounted again by hearthd, and a service using it is restarted
//     on the new mount (it would otherwise keep the dead one);
//   - a volume removed from the spec is stopped and unmounted, its data kept; `hearth volume
//     delete NAME --yes-destroy-data` then removes it and every brick of it, and nothing else.

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "common/file.h"
#include "lab_fixture.h"
#include "volume_helpers.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

class Volumes : public SharedLabSuite<Volumes> {};

TEST_F(Volumes, EveryVolumeStartedAndMountedOnBothServers) {
  for (const std::string volume : {"appdata", "media"}) {
    auto took = wait_until([&] { return volume_ready(*lab_, "r510", volume); }, 120s, 500ms);
    ASSERT_TRUE(took.has_value()) << volume << " not ready; r510 says: "
                                  << volume_in(lab_->cluster_status("r510"), volume).dump(2);
    std::cout << volume << " started and mounted on both servers " << took->count()
              << " ms after lab up\n";
  }
  auto info =
      lab_->exec("r530", {"gluster", "--mode=script", "--xml", "volume", "info", "appdata"});
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
  auto meta = lab_->exec(
      "elitedesk", {"stat", "-c", "%s", brick_dir(*lab_, "appdata", "elitedesk") + "/hello.txt"});
  EXPECT_EQ(meta.out, "0\n") << "the arbiter brick holds names and metadata only";
}

TEST_F(Volumes, AMountWhoseClientDiesIsMountedAgain) {
  ASSERT_TRUE(wait_until([&] { return volume_ready(*lab_, "r510", "appdata"); }, 120s, 500ms));
  // The FUSE client of appdata on r530: a glusterfs process whose last argument is the mount.
  std::string dir = std::string(kMountRoot) + "appdata";
  auto client_of = [&]() -> pid_t {
    // Processes of every lab node share /proc: only those in r530's mount namespace count.
    auto ps =
        lab_->exec("r530", {"sh", "-c",
                            "me=$(readlink /proc/self/ns/mnt); for p in /proc/[0-9]*; do "
                            "[ \"$(readlink $p/ns/mnt 2>/dev/null)\" = \"$me\" ] || continue; "
                            "c=$(tr '\\0' ' ' < $p/cmdline 2>/dev/null); case \"$c\" in "
                            "*/glusterfs\\ *\\ " +
                                dir + "\\ ) echo ${p#/proc/};; esac; done"});
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
               lab_->exec("r530", {"sh", "-c", "mountpoint -q " + dir + " && ls " + dir})
                   .succeeded();
      },
      30s, 250ms);
  ASSERT_TRUE(took.has_value()) << "r530's appdata mount was not mounted again";
  auto read = lab_->exec("r530", {"cat", dir + "/hello.txt"});
  EXPECT_TRUE(read.succeeded() || read.err.find("No such file") != std::string::npos) << read.err;
  std::cout << "remounted " << took->count() << " ms after its client was killed\n";

  // whoami runs on r530 from appdata, and its health check (a TCP connect) passes even on a dead
  // mount: only hearthd's restart on the new mount lets it serve a file written now.
  std::string whoami_address;
  nlohmann::json status = lab_->cluster_status("r530");
  for (const auto& service : status["services"]) {
    if (service.value("name", "") == "whoami") whoami_address = service.value("address", "");
  }
  ASSERT_FALSE(whoami_address.empty()) << status.dump(2);
  std::string token = "remounted-" + std::to_string(::getpid());
  auto wrote = lab_->exec("r530", {"sh", "-c",
                                   "mkdir -p " + dir + "/whoami && echo " + token + " > " + dir +
                                       "/whoami/index.html"});
  ASSERT_TRUE(wrote.succeeded()) << wrote.err;
  std::string last;
  auto served = wait_until(
      [&] {
        auto got = lab_->exec(
            "home", {"curl", "-s", "-m", "2", "http://" + whoami_address + ":8080/index.html"});
        last = got.out;
        return got.out == token + "\n";
      },
      30s, 500ms);
  EXPECT_TRUE(served.has_value()) << "whoami never served the file written after the remount; "
                                  << "last answer: '" << last << "'";
}

// Last: it removes media for good.
TEST_F(Volumes, AVolumeRemovedFromTheSpecIsStoppedAndOnlyDeleteDestroysIt) {
  ASSERT_TRUE(wait_until([&] { return volume_ready(*lab_, "r510", "media"); }, 120s, 500ms));
  ASSERT_TRUE(
      lab_->exec("r510", {"sh", "-c", "echo keep > " + std::string(kMountRoot) + "media/kept.txt"})
          .succeeded());
  std::string text = read_text_file(example_spec());
  auto at = text.find("  media:\n");
  ASSERT_NE(at, std::string::npos) << "the example spec changed: adapt the test";
  auto end = text.find("\n\n", at);
  std::string without_media = text.substr(0, at) + text.substr(end + 1);
  std::string path = "/tmp/hearth-lab-test-without-media.yaml";
  {
    std::ofstream out(path);
    out << without_media;
  }
  auto applied = lab_->apply(path);
  ASSERT_TRUE(applied.succeeded()) << applied.out << applied.err;

  // Stopped and unmounted, its data kept on the bricks.
  auto stopped = wait_until(
      [&] {
        auto v = volume_in(lab_->cluster_status("r530"), "media");
        return v.is_object() && v.value("state", "") == "Stopped" && v["mounts"].empty();
      },
      60s, 500ms);
  ASSERT_TRUE(stopped.has_value()) << volume_in(lab_->cluster_status("r530"), "media").dump(2);
  EXPECT_EQ(lab_->exec("r510", {"cat", "/srv/hearth/bricks/hdd2/media/kept.txt"}).out, "keep\n");

  // Delete needs the confirmation, then destroys every brick of it and nothing else.
  EXPECT_FALSE(hearth({"volume", "delete", "media"}).succeeded());
  EXPECT_FALSE(hearth({"volume", "delete", "appdata", "--yes-destroy-data"}).succeeded())
      << "still in the spec";
  auto deleted = hearth({"volume", "delete", "media", "--yes-destroy-data"});
  ASSERT_TRUE(deleted.succeeded()) << deleted.out << deleted.err;
  std::cout << deleted.out;
  auto gone = wait_until(
      [&] {
        return !lab_->exec("r510", {"test", "-e", "/srv/hearth/bricks/hdd2/media"}).succeeded() &&
               !lab_->exec("r530", {"test", "-e", "/srv/hearth/bricks/hdd1/media"}).succeeded() &&
               !lab_->exec("elitedesk", {"test", "-e", "/srv/hearth/arbiter/media"}).succeeded();
      },
      30s, 500ms);
  EXPECT_TRUE(gone.has_value()) << "a brick of the deleted volume is left";
  auto info = lab_->exec("r530", {"gluster", "--mode=script", "volume", "list"});
  EXPECT_EQ(info.out, "appdata\n");
  EXPECT_TRUE(lab_->exec("r510", {"test", "-d", "/srv/hearth/bricks/hdd1/appdata"}).succeeded());
  EXPECT_TRUE(
      wait_until([&] { return volume_ready(*lab_, "r510", "appdata"); }, 30s, 500ms).has_value())
      << volume_in(lab_->cluster_status("r510"), "appdata").dump(2);
}

}  // namespace
}  // namespace hearth::lab::testing
