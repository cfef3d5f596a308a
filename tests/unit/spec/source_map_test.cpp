#include <gtest/gtest.h>

#include <memory>

#include "spec/spec.h"
#include "spec/yaml_document.h"

namespace hearth {
namespace {

SourceMap map_of(const std::string& text) {
  yaml::ParsedDocument doc = yaml::parse_document(text, "t.yaml");
  EXPECT_TRUE(doc.root) << (doc.errors.empty() ? "" : doc.errors[0].format());
  return SourceMap(std::make_shared<const yaml::Node>(*doc.root));
}

constexpr const char* kText =
    "services:\n"           // 1
    "  homepage:\n"         // 2
    "    address: 10.1.2.130\n"  // 3
    "    ports: [80/tcp, 443/tcp]\n"  // 4
    "  web.v2:\n"           // 5
    "    ports:\n"          // 6
    "      - 8080/tcp\n";   // 7

TEST(SourceMap, FindsValuesAndKeysByPath) {
  SourceMap source = map_of(kText);
  EXPECT_EQ(source.find("services.homepage.address"), (Position{3, 14}));
  EXPECT_EQ(source.find("services.homepage.address#key"), (Position{3, 5}));
  EXPECT_EQ(source.find("services.homepage.ports[1]"), (Position{4, 21}));
  EXPECT_EQ(source.find("services.homepage#key"), (Position{2, 3}));
}

TEST(SourceMap, AKeyMayContainADot) {
  SourceMap source = map_of(kText);
  EXPECT_EQ(source.find("services.web.v2.ports[0]"), (Position{7, 9}));
}

TEST(SourceMap, AnUnresolvedPathGivesItsLongestResolvedPrefix) {
  SourceMap source = map_of(kText);
  EXPECT_EQ(source.find("services.homepage.health.port"), source.find("services.homepage"));
  EXPECT_EQ(source.find("services.homepage.ports[7]"), source.find("services.homepage.ports"));
  EXPECT_EQ(source.find("services.homepage.nope#key"), source.find("services.homepage"));
  EXPECT_EQ(source.find("nothing.here"), (Position{}));
  EXPECT_EQ(SourceMap{}.find("services"), (Position{}));
}

}  // namespace
}  // namespace hearth
