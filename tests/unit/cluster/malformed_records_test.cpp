#include "cluster/malformed_records.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/log.h"

namespace hearth::cluster {
namespace {

class CapturedLog {
 public:
  CapturedLog() {
    log::set_sink([this](std::string_view line) { lines.emplace_back(line); });
  }
  ~CapturedLog() { log::set_sink({}); }
  std::vector<std::string> lines;
};

TEST(MalformedRecords, EachKeyAndRevisionIsLoggedOnceWithoutControlCharacters) {
  CapturedLog captured;
  KeyValue kv{"/hearth/volume-deletions/x\x1b[31m\n", "garbage", 1, 41, 1, 0};
  for (int i = 0; i < 5; ++i) report_malformed_record("volume deletion", kv, "bad\r\nthing");
  ASSERT_EQ(captured.lines.size(), 1u);
  EXPECT_NE(captured.lines[0].find("/hearth/volume-deletions/x?[31m?"), std::string::npos)
      << captured.lines[0];
  EXPECT_NE(captured.lines[0].find("revision 41"), std::string::npos);
  for (char c : captured.lines[0]) EXPECT_FALSE(c == '\x1b' || c == '\r') << captured.lines[0];
  kv.mod_revision = 42;  // rewritten: reported again
  report_malformed_record("volume deletion", kv, "still bad");
  EXPECT_EQ(captured.lines.size(), 2u);
}

TEST(MalformedRecords, PrintableCutsAndReplaces) {
  EXPECT_EQ(printable("ok /v1/status"), "ok /v1/status");
  EXPECT_EQ(printable(std::string("a\0b\x7f\xff", 5)), "a?b??");
  EXPECT_EQ(printable(std::string(300, 'x'), 10), "xxxxxxxxxx...");
}

}  // namespace
}  // namespace hearth::cluster
