// restic's JSON and messages, as restic 0.14 prints them (captured from Debian's restic 0.14.0).

#include "engines/restic.h"

#include <gtest/gtest.h>

#include "spec/spec.h"

namespace hearth {
namespace {

TEST(ResticJson, ParsesABackupStatusLine) {
  auto status = parse_backup_status(
      R"({"message_type":"status","percent_done":0.25,"total_files":8,"files_done":2,"total_bytes":4000,"bytes_done":1000})");
  ASSERT_TRUE(status);
  EXPECT_DOUBLE_EQ(status->fraction, 0.25);
  EXPECT_EQ(status->files_done, 2u);
  EXPECT_EQ(status->total_files, 8u);
  EXPECT_EQ(status->bytes_done, 1000u);
  EXPECT_EQ(status->total_bytes, 4000u);
  EXPECT_FALSE(parse_backup_status(R"({"message_type":"summary","snapshot_id":"ab"})"));
  EXPECT_FALSE(parse_backup_status("not json"));
}

TEST(ResticJson, ParsesTheSummaryOfABackup) {
  auto summary = parse_backup_summary(
      R"({"message_type":"summary","files_new":3,"files_changed":1,"files_unmodified":5,"dirs_new":4,"dirs_changed":0,"dirs_unmodified":0,"data_blobs":3,"tree_blobs":5,"data_added":302458,"total_files_processed":9,"total_bytes_processed":300000,"total_duration":0.226985456,"snapshot_id":"c402bb15"})");
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->snapshot_id, "c402bb15");
  EXPECT_EQ(summary->files_new, 3u);
  EXPECT_EQ(summary->files_changed, 1u);
  EXPECT_EQ(summary->files_unmodified, 5u);
  EXPECT_EQ(summary->data_added, 302458u);
  EXPECT_EQ(summary->total_files, 9u);
  EXPECT_EQ(summary->total_bytes, 300000u);
  EXPECT_NEAR(summary->duration_seconds, 0.227, 0.001);
  EXPECT_FALSE(summary->partial);
  EXPECT_FALSE(parse_backup_summary(R"({"message_type":"summary"})")) << "no snapshot id";
}

TEST(ResticJson, ParsesSnapshotsOldestFirstWithTheirTimes) {
  auto snapshots = parse_snapshots(
      R"([{"time":"2026-12-02T07:24:25.258900046Z","tree":"cf","paths":["/v/appdata"],"hostname":"hc","username":"root","tags":["hearth-volume=appdata"],"id":"c402bb156c44","short_id":"c402bb15"},
          {"time":"2026-12-01T08:00:00.5+01:00","paths":["/v/appdata"],"hostname":"hc","id":"aa11","short_id":"aa11"}])");
  ASSERT_TRUE(snapshots);
  ASSERT_EQ(snapshots->size(), 2u);
  EXPECT_EQ((*snapshots)[0].id, "aa11");
  EXPECT_EQ((*snapshots)[0].time_ms, 1796108400500);  // 07:00:00.5 UTC
  EXPECT_EQ((*snapshots)[1].short_id, "c402bb15");
  EXPECT_EQ((*snapshots)[1].time_ms, 1796196265258);
  ASSERT_EQ((*snapshots)[1].tags.size(), 1u);
  EXPECT_EQ((*snapshots)[1].tags[0], "hearth-volume=appdata");
  EXPECT_EQ((*snapshots)[1].paths[0], "/v/appdata");
  EXPECT_FALSE(parse_snapshots("Fatal: wrong password"));
  auto none = parse_snapshots("[]");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(ResticJson, RetentionBecomesKeepFlags) {
  Retention keep;
  keep.daily = 7;
  keep.weekly = 4;
  keep.last = 2;
  std::vector<std::string> expected = {"--keep-last", "2", "--keep-daily", "7", "--keep-weekly",
                                       "4"};
  EXPECT_EQ(retention_arguments(keep), expected);
}

TEST(ResticFailures, AreToldApartByRestic014sWords) {
  EXPECT_EQ(classify_restic_failure("exited with status 1: Fatal: wrong password or no key found"),
            ResticFailure::wrong_password);
  EXPECT_EQ(classify_restic_failure(
                "Fatal: unable to open config file: stat /x/config: no such file or directory\n"
                "Is there a repository at the following location?"),
            ResticFailure::no_repository);
  EXPECT_EQ(classify_restic_failure("Fatal: unable to create lock in backend: repository is "
                                    "already locked by PID 12 on r510 by root"),
            ResticFailure::locked);
  EXPECT_EQ(classify_restic_failure(
                "Save(<lock/1>) returned error: dial tcp 10.1.9.10:10000: connect: connection "
                "refused"),
            ResticFailure::unreachable);
  EXPECT_EQ(classify_restic_failure("restic backup (/x) killed by SIGKILL"),
            ResticFailure::killed);
  EXPECT_EQ(classify_restic_failure("something else"), ResticFailure::other);
}

}  // namespace
}  // namespace hearth
