// Scenario lab_api: hearthd's API on a node's management address answers only requests that
// carry the node's bearer token: none, a wrong one, or another scheme get 401 and change nothing.
// It is reachable from the management network only: from the home network it is dropped.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "common/file.h"
#include "lab_fixture.h"

namespace hearth::lab::testing {
namespace {

using namespace std::chrono_literals;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

TEST(Api, RequestsWithoutTheRightTokenGet401) {
  LabUp lab;
  ASSERT_TRUE(lab.ok()) << lab.output();
  const LabNode& r510 = *lab.state().find_node("r510");
  const std::string token_file = r510.host_data_dir + "/api-token";
  struct stat info {};
  ASSERT_EQ(::stat(token_file.c_str(), &info), 0) << token_file;
  EXPECT_EQ(info.st_mode & 0777, 0600u) << "the token is readable by root only";
  const std::string token = trimmed(read_text_file(token_file));
  ASSERT_FALSE(token.empty());
  const std::string base = "http://" + r510.address.str() + ":" + std::to_string(r510.api_port);

  // From another machine on the management network (r530); `from` another namespace.
  auto http_code = [&](std::vector<std::string> extra, const std::string& path,
                       const std::string& from = "r530") {
    std::vector<std::string> argv = {"curl", "-s",           "-o", "/dev/null",
                                     "-w",   "%{http_code}", "-m", "5"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(base + path);
    return lab.exec(from, argv).out;
  };
  // The home network's client, through the router: the node firewall drops it (no answer at all).
  EXPECT_EQ(http_code({"-H", "Authorization: Bearer " + token}, "/v1/status", "home"), "000")
      << "the API answered the home network";
  EXPECT_EQ(http_code({}, "/v1/status"), "401") << "no token";
  EXPECT_EQ(http_code({"-H", "Authorization: Bearer wrong-token"}, "/v1/status"), "401")
      << "a wrong token";
  EXPECT_EQ(http_code({"-H", "Authorization: Bearer " + token + "x"}, "/v1/status"), "401")
      << "a longer one";
  EXPECT_EQ(http_code({"-H", "Authorization: Bearer "}, "/v1/status"), "401") << "an empty one";
  EXPECT_EQ(http_code({"-H", "Authorization: Basic " + token}, "/v1/status"), "401")
      << "another scheme";
  EXPECT_EQ(http_code({"-H", "Authorization: Bearer " + token}, "/v1/status"), "200")
      << "the right token";
  EXPECT_EQ(http_code({}, "/v1/nothing-here"), "401") << "authentication comes before routing";

  // An unauthenticated POST of a spec stores nothing.
  auto revision = [&] {
    auto status = lab.cluster_status("r510");
    return status["spec"].is_object() ? status["spec"].value("revision", 0LL) : 0LL;
  };
  long long before = revision();
  ASSERT_GT(before, 0) << "lab up applied the spec";
  std::string variant = example_spec_variant(7);
  for (auto header : {std::string(), std::string("Authorization: Bearer wrong-token")}) {
    std::vector<std::string> extra = {"-X", "POST", "--data-binary", "@" + variant};
    if (!header.empty()) extra.insert(extra.end(), {"-H", header});
    EXPECT_EQ(http_code(extra, "/v1/spec"), "401");
  }
  EXPECT_EQ(revision(), before) << "nothing was stored";
  std::vector<std::string> extra = {"-X",          "POST", "--data-binary",
                                    "@" + variant, "-H",   "Authorization: Bearer " + token};
  EXPECT_EQ(http_code(extra, "/v1/spec"), "200") << "with the token it is stored";
  EXPECT_EQ(revision(), before + 1);

  // Inside a node, the CLI is on an installed machine: it asks that node's own hearthd (127.0.0.1,
  // the token in /var/lib/hearth) and knows nothing of the lab.
  auto inside = lab.exec("r530", {hearth_binary(), "status", "--json"});
  ASSERT_TRUE(inside.succeeded()) << inside.out << inside.err;
  auto status = nlohmann::json::parse(inside.out, nullptr, false);
  ASSERT_TRUE(status.is_object()) << inside.out;
  EXPECT_TRUE(has_quorum(status)) << inside.out;
  ASSERT_TRUE(status["this_node"].is_object()) << inside.out;
  EXPECT_EQ(status["this_node"].value("name", ""), "r530") << inside.out;
  EXPECT_FALSE(lab.exec("r530", {"test", "-e", kLabStateFile}).succeeded())
      << "a node does not see the lab's files";
}

}  // namespace
}  // namespace hearth::lab::testing
