#include "common/log.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace hearth::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_sink([this](std::string_view line) { lines.emplace_back(line); });
    set_level(Level::info);
    set_program("");
  }
  void TearDown() override {
    set_sink({});
    set_level(Level::info);
    set_program("");
  }
  std::vector<std::string> lines;
};

TEST_F(LogTest, WritesTimestampLevelAndMessage) {
  info("lease granted");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(std::regex_match(
      lines[0], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  lease granted)")))
      << lines[0];
}

TEST_F(LogTest, DropsLinesBelowTheLevel) {
  debug("hidden");
  warn("shown");
  set_level(Level::debug);
  debug("now shown");
  set_level(Level::error);
  warn("hidden again");
  error("boom");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("WARN  shown"), std::string::npos);
  EXPECT_NE(lines[1].find("DEBUG now shown"), std::string::npos);
  EXPECT_NE(lines[2].find("ERROR boom"), std::string::npos);
}

TEST_F(LogTest, PrefixesTheProgramAndKeepsOneEventOnOneLine) {
  set_program("hearthd");
  info("first\nsecond\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("hearthd: first | second"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find('\n'), std::string::npos);
}

TEST(LogLevel, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(parse_level("DEBUG"), Level::debug);
  EXPECT_EQ(parse_level("info"), Level::info);
  EXPECT_EQ(parse_level("Warning"), Level::warn);
  EXPECT_EQ(parse_level("error"), Level::error);
  EXPECT_EQ(parse_level("loud"), std::nullopt);
}

}  // namespace
}  // namespace hearth::log
