// Runs the built `hearth` binary the way a user does: exit codes, messages, JSON.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Runs `hearth ARGS` from the source tree, capturing stdout and stderr separately.
CliRun hearth(const std::string& args) {
  auto dir = std::filesystem::temp_directory_path() / ("hearth-cli-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string command = "cd '" HEARTH_SOURCE_DIR "' && '" HEARTH_BINARY "' " + args + " >'" +
                        (dir / "out").string() + "' 2>'" + (dir / "err").string() + "' </dev/null";
  int status = std::system(command.c_str());
  CliRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = read_file(dir / "out");
  run.err = read_file(dir / "err");
  std::filesystem::remove_all(dir);
  return run;
}

TEST(Validate, TheExampleSpecIsValid) {
  CliRun run = hearth("validate -f examples/homelab.yaml");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("valid"), std::string::npos);
  EXPECT_NE(run.out.find("3 nodes"), std::string::npos) << run.out;
}

TEST(Validate, EveryErrorIsReportedWithPositionInFileOrder) {
  CliRun run = hearth("validate -f tests/data/invalid.yaml");
  EXPECT_EQ(run.exit_code, 1);
  std::size_t misspelt = run.err.find("tests/data/invalid.yaml:14:5: nodes.r530.adress:");
  std::size_t outside = run.err.find("tests/data/invalid.yaml:36:14: services.homepage.address:");
  ASSERT_NE(misspelt, std::string::npos) << run.err;
  ASSERT_NE(outside, std::string::npos) << run.err;
  EXPECT_LT(misspelt, outside);
  EXPECT_NE(run.err.find("did you mean 'address'"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("10.1.9.130"), std::string::npos) << run.err;
}

TEST(Validate, JsonListsTheErrors) {
  CliRun run = hearth("validate -f tests/data/invalid.yaml --json");
  EXPECT_EQ(run.exit_code, 1);
  auto json = nlohmann::json::parse(run.out);
  EXPECT_FALSE(json["valid"].get<bool>());
  ASSERT_GE(json["errors"].size(), 2u);
  EXPECT_EQ(json["errors"][0]["path"], "nodes.r530.adress");
  EXPECT_EQ(json["errors"][0]["line"], 14);
}

TEST(Validate, AMissingFileIsAUsageError) {
  CliRun run = hearth("validate -f tests/data/does-not-exist.yaml");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("does-not-exist.yaml"), std::string::npos) << run.err;
}

TEST(Cli, NoCommandIsAUsageError) {
  CliRun run = hearth("");
  EXPECT_EQ(run.exit_code, 2);
}

TEST(Cli, AnUnknownOptionIsAUsageError) {
  CliRun run = hearth("validate -f examples/homelab.yaml --frobnicate");
  EXPECT_EQ(run.exit_code, 2);
}

TEST(Plan, JsonPlacesEveryServiceOnAServer) {
  CliRun run = hearth("plan -f examples/homelab.yaml --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto json = nlohmann::json::parse(run.out);
  ASSERT_EQ(json["services"].size(), 3u);
  for (const auto& service : json["services"]) {
    std::string node = service["node"].get<std::string>();
    EXPECT_TRUE(node == "r510" || node == "r530") << service.dump();
  }
  EXPECT_EQ(json["services"][0]["name"], "homepage");
  EXPECT_EQ(json["services"][0]["node"], "r510");  // prefer: r510
  EXPECT_EQ(json["services"][0]["address"], "10.1.2.130");
}

TEST(Plan, HumanOutputShowsEverySection) {
  CliRun run = hearth("plan -f examples/homelab.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* section : {"Volumes", "Services", "DNS", "DHCP", "Firewall"}) {
    EXPECT_NE(run.out.find(section), std::string::npos) << section;
  }
  EXPECT_EQ(run.out.find("\033["), std::string::npos) << "no colour when not a terminal";
}

TEST(Plan, NftPrintsTheExactRulesetOfEveryNodeAndService) {
  CliRun run = hearth("plan -f examples/homelab.yaml --nft");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* header : {"# node r510:", "# node r530:", "# node elitedesk:",
                             "# service homepage (10.1.2.130)", "# service notes", "# service whoami"}) {
    EXPECT_NE(run.out.find(header), std::string::npos) << header << "\n" << run.out;
  }
  EXPECT_NE(run.out.find("ip saddr { 10.1.3.0/24 } tcp dport { 80 } accept comment \"notes\""),
            std::string::npos)
      << run.out;
  EXPECT_EQ(hearth("plan -f examples/homelab.yaml --nft --json").exit_code, 2);
}

TEST(WhatIf, LosingR510KeepsQuorumAndMovesEverythingToR530) {
  CliRun run = hearth("what-if -f examples/homelab.yaml --fail r510 --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto json = nlohmann::json::parse(run.out);
  EXPECT_TRUE(json["quorum"]["kept"].get<bool>());
  for (const auto& volume : json["volumes"]) EXPECT_EQ(volume["state"], "degraded") << volume.dump();
  for (const auto& service : json["services"]) EXPECT_EQ(service["to"], "r530") << service.dump();
}

TEST(WhatIf, LosingBothServersLosesQuorumButKeepsDnsAndDhcp) {
  CliRun run = hearth("what-if -f examples/homelab.yaml --fail r510,r530");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Quorum: lost (1/3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("DNS and DHCP: served"), std::string::npos) << run.out;
}

TEST(WhatIf, AnUnknownNodeIsAUsageErrorNamingTheValidOnes) {
  CliRun run = hearth("what-if -f examples/homelab.yaml --fail r99");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("r99"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("elitedesk"), std::string::npos) << run.err;
}

}  // namespace

namespace {

// `hearth logs` reads a node's files: the older half (output.log.1) then the current one.
TEST(Logs, PrintsBothHalvesOldestFirstAndTheLastLines) {
  auto dir = std::filesystem::temp_directory_path() / ("hearth-logs-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "services" / "homepage");
  std::ofstream(dir / "services" / "homepage" / "output.log.1") << "one\ntwo\n";
  std::ofstream(dir / "services" / "homepage" / "output.log") << "three\nfour\n";
  CliRun all = hearth("logs homepage --data-dir '" + dir.string() + "'");
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, "one\ntwo\nthree\nfour\n");
  CliRun last = hearth("logs homepage -n 3 --data-dir '" + dir.string() + "'");
  EXPECT_EQ(last.out, "two\nthree\nfour\n");
  CliRun missing = hearth("logs notes --data-dir '" + dir.string() + "'");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no log of service notes"), std::string::npos) << missing.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
