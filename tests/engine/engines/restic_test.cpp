// ResticCli against the real restic (Debian's 0.14) with a repository in a temporary directory:
// init on first use only, backup with progress and summary, snapshots by tag, restore (whole and
// one directory), forget --prune by tags, check with --read-data-subset, a wrong password (a clear
// error, nothing changed), secret files that others can read (refused before restic runs), a
// partial backup (exit 3: a file restic cannot read), stale locks of a killed restic removed.
// Skipped when restic is missing, which as root is a failure (scripts/install-deps installs it).
#include "engines/restic.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/file.h"
#include "common/process.h"
#include "spec/spec.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

void write_file(const std::string& path, const std::string& text, mode_t mode = 0644) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
}

class ResticCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!find_program("restic")) GTEST_SKIP() << "restic is not installed";
    std::string pattern = (fs::temp_directory_path() / "hearth-restic-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    data_ = root_ + "/data";
    write_file(data_ + "/a.txt", "alpha\n");
    write_file(data_ + "/dir/b.txt", "bravo\n");
    write_file(data_ + "/dir/deeper/c.bin", std::string(300000, 'c'));
    write_file(root_ + "/password", "correct horse\n", 0600);
    repo_.location = root_ + "/repo";
    repo_.password_file = root_ + "/password";
    repo_.cache_dir = root_ + "/cache";
  }
  void TearDown() override {
    std::error_code ignored;
    if (!root_.empty()) fs::remove_all(root_, ignored);
  }

  BackupRequest request() const {
    return {.paths = {data_}, .host = "testcluster", .tags = {"hearth-volume=appdata"}, .parent = ""};
  }

  std::string root_, data_;
  ResticRepository repo_;
  ResticCli restic_;
};

TEST_F(ResticCliTest, InitialisesOnFirstUseOnly) {
  auto made = restic_.init_if_missing(repo_);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_TRUE(*made);
  auto again = restic_.init_if_missing(repo_);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(*again);
}

TEST_F(ResticCliTest, BacksUpListsRestoresAndChecks) {
  ASSERT_TRUE(restic_.init_if_missing(repo_));
  int reports = 0;
  auto first = restic_.backup(repo_, request(), [&](const BackupProgress&) { ++reports; });
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->snapshot_id.empty());
  EXPECT_EQ(first->files_new, 3u);
  EXPECT_EQ(first->total_files, 3u);
  EXPECT_FALSE(first->partial);

  auto second = restic_.backup(repo_, {.paths = {data_}, .host = "testcluster",
                                       .tags = {"hearth-volume=appdata"}, .parent = first->snapshot_id},
                               nullptr);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->files_unmodified, 3u) << "unchanged files are not read again";
  EXPECT_EQ(second->files_new, 0u);

  auto other = restic_.backup(repo_, {.paths = {data_}, .host = "testcluster",
                                      .tags = {"hearth-volume=media"}, .parent = ""},
                              nullptr);
  ASSERT_TRUE(other) << other.error().message;

  auto listed = restic_.snapshots(repo_, {"hearth-volume=appdata"});
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id.substr(0, 8), first->snapshot_id.substr(0, 8));
  EXPECT_EQ((*listed)[1].paths, std::vector<std::string>{data_});
  EXPECT_GT((*listed)[1].time_ms, 0);

  // Everything, into a scratch directory: the snapshot's absolute paths under the target.
  std::string whole = root_ + "/restored";
  ASSERT_TRUE(restic_.restore(repo_, {.snapshot = "latest", .target = whole, .includes = {},
                                      .verify = true}));
  EXPECT_EQ(read_text_file(whole + data_ + "/dir/b.txt"), "bravo\n");
  EXPECT_EQ(read_text_file(whole + data_ + "/dir/deeper/c.bin"), std::string(300000, 'c'));

  // One directory only.
  std::string part = root_ + "/part";
  ASSERT_TRUE(restic_.restore(repo_, {.snapshot = first->snapshot_id, .target = part,
                                      .includes = {data_ + "/dir/deeper"}, .verify = false}));
  EXPECT_TRUE(fs::exists(part + data_ + "/dir/deeper/c.bin"));
  EXPECT_FALSE(fs::exists(part + data_ + "/a.txt"));

  auto checked = restic_.check(repo_, "1/2");
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_TRUE(checked->ok) << checked->output;

  // Retention by tags: appdata keeps its last one, media is its own group and keeps its one.
  Retention keep;
  keep.last = 1;
  ASSERT_TRUE(restic_.forget_prune(repo_, {}, keep));
  auto after = restic_.snapshots(repo_, {});
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 2u);
  auto appdata = restic_.snapshots(repo_, {"hearth-volume=appdata"});
  ASSERT_TRUE(appdata);
  ASSERT_EQ(appdata->size(), 1u);
  EXPECT_EQ(appdata->front().id.substr(0, 8), second->snapshot_id.substr(0, 8));
}

TEST_F(ResticCliTest, AWrongPasswordIsAClearErrorAndChangesNothing) {
  ASSERT_TRUE(restic_.init_if_missing(repo_));
  ASSERT_TRUE(restic_.backup(repo_, request(), nullptr));
  ResticRepository wrong = repo_;
  write_file(root_ + "/wrong", "not it\n", 0600);
  wrong.password_file = root_ + "/wrong";

  auto made = restic_.init_if_missing(wrong);
  ASSERT_FALSE(made) << "a wrong password must never lead to a new repository";
  EXPECT_EQ(classify_restic_failure(made.error().message), ResticFailure::wrong_password)
      << made.error().message;
  auto backup = restic_.backup(wrong, request(), nullptr);
  ASSERT_FALSE(backup);
  EXPECT_EQ(classify_restic_failure(backup.error().message), ResticFailure::wrong_password);
  Retention keep;
  keep.last = 1;
  EXPECT_FALSE(restic_.forget_prune(wrong, {}, keep));

  auto listed = restic_.snapshots(repo_, {});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u) << "the repository is as it was";
}

TEST_F(ResticCliTest, SecretFilesOthersCanReadAreRefusedBeforeResticRuns) {
  ::chmod(repo_.password_file.c_str(), 0644);
  auto made = restic_.init_if_missing(repo_);
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message.find("has mode 0644"), std::string::npos) << made.error().message;
  EXPECT_NE(made.error().message.find("chmod 600"), std::string::npos);
  EXPECT_FALSE(fs::exists(repo_.location)) << "restic never ran";
  EXPECT_EQ(made.error().message.find("correct horse"), std::string::npos);

  ::chmod(repo_.password_file.c_str(), 0600);
  ResticRepository azure = repo_;
  azure.location = "azure:hearth:/x";
  azure.azure_account = "acct";
  azure.azure_key_file = root_ + "/no-such-key";
  auto refused = restic_.init_if_missing(azure);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("Azure account key file"), std::string::npos)
      << refused.error().message;
}

TEST_F(ResticCliTest, AKilledResticLeavesNoLockThatBlocksTheNextRun) {
  ASSERT_TRUE(restic_.init_if_missing(repo_));
  // Enough data that the backup is still running when killed.
  for (int i = 0; i < 40; ++i) {
    std::string block(1 << 20, static_cast<char>('a' + i % 26));
    for (std::size_t j = 0; j < block.size(); j += 4096) block[j] = static_cast<char>(i * 7 + j);
    write_file(data_ + "/big/" + std::to_string(i), block);
  }
  // Kill the backup as soon as restic has made its lock file in the repository.
  std::thread killer([&] {
    for (int tries = 0; tries < 6000; ++tries) {
      std::error_code ec;
      if (fs::exists(repo_.location + "/locks", ec) && !fs::is_empty(repo_.location + "/locks", ec)) {
        // The restic of this test: the one whose command line names this test's repository.
        for (const auto& entry : fs::directory_iterator("/proc", ec)) {
          pid_t pid = static_cast<pid_t>(std::atoi(entry.path().filename().c_str()));
          if (pid <= 0) continue;
          auto info = inspect_process(pid);
          if (!info || info->cmdline.size() < 3 || info->cmdline[2] != repo_.location) continue;
          if (info->cmdline.size() > 5 && info->cmdline[5] != "backup" &&
              std::find(info->cmdline.begin(), info->cmdline.end(), "backup") == info->cmdline.end())
            continue;
          ::kill(pid, SIGKILL);
          return;
        }
      }
      std::this_thread::sleep_for(5ms);
    }
  });
  auto killed = restic_.backup(repo_, request(), nullptr);
  killer.join();
  if (killed) GTEST_SKIP() << "restic finished before it could be killed";
  EXPECT_EQ(classify_restic_failure(killed.error().message), ResticFailure::killed)
      << killed.error().message;
  ASSERT_FALSE(fs::is_empty(repo_.location + "/locks")) << "the killed restic left its lock";

  // An exclusive command would be refused by the stale lock; unlock_stale() removes it.
  ASSERT_TRUE(restic_.unlock_stale(repo_));
  EXPECT_TRUE(fs::is_empty(repo_.location + "/locks"));
  auto next = restic_.backup(repo_, request(), nullptr);
  ASSERT_TRUE(next) << next.error().message;
  auto checked = restic_.check(repo_, "");
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_TRUE(checked->ok) << checked->output;
}

TEST_F(ResticCliTest, AFileResticCannotReadMakesAPartialBackup) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (restic runs as nobody here)";
  if (!find_program("setpriv")) GTEST_SKIP() << "setpriv (util-linux) is not installed";
  // restic runs as nobody, through a wrapper; the repository and password belong to nobody.
  std::string wrapper = root_ + "/restic-as-nobody";
  write_file(wrapper,
             "#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups restic \"$@\"\n",
             0755);
  ::chmod(root_.c_str(), 0755);
  fs::create_directories(repo_.location);
  fs::create_directories(repo_.cache_dir);
  for (const auto& path : {repo_.location, repo_.cache_dir, repo_.password_file, data_,
                           data_ + "/dir", data_ + "/dir/deeper", data_ + "/a.txt",
                           data_ + "/dir/b.txt", data_ + "/dir/deeper/c.bin"}) {
    ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0) << path;
  }
  write_file(data_ + "/secret", "root only\n", 0600);  // owned by root: nobody cannot read it
  ResticCli as_nobody(wrapper);
  ASSERT_TRUE(as_nobody.init_if_missing(repo_));
  auto partial = as_nobody.backup(repo_, request(), nullptr);
  ASSERT_TRUE(partial) << partial.error().message;
  EXPECT_TRUE(partial->partial);
  EXPECT_FALSE(partial->snapshot_id.empty()) << "a snapshot was made all the same";
  ASSERT_FALSE(partial->unreadable.empty());
  EXPECT_NE(partial->unreadable.front().find("secret"), std::string::npos)
      << partial->unreadable.front();
}

}  // namespace
}  // namespace hearth
