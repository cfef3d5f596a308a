#include "spec/yaml_document.h"

#include <gtest/gtest.h>


namespace hearth::yaml {
namespace {

ParsedDocument parse(const std::string& text, const Limits& limits = {}) {
  return parse_document(text, "t.yaml", limits);
}

TEST(YamlDocument, KeepsMapEntriesInFileOrderWithPositions) {
  ParsedDocument doc = parse("b: 1\na:\n  x: [p, q]\n  y: \"text\"\n");
  ASSERT_TRUE(doc.root) << doc.errors.size();
  EXPECT_TRUE(doc.errors.empty());
  const Node& root = *doc.root;
  ASSERT_TRUE(root.is_map());
  ASSERT_EQ(root.entries.size(), 2u);
  EXPECT_EQ(root.entries[0].key, "b");
  EXPECT_EQ(root.entries[0].key_position, (Position{1, 1}));
  EXPECT_EQ(root.entries[0].value.scalar, "1");
  EXPECT_EQ(root.entries[0].value.position, (Position{1, 4}));
  EXPECT_FALSE(root.entries[0].value.quoted);
  const Node& a = root.entries[1].value;
  ASSERT_TRUE(a.is_map());
  const Entry* x = a.find("x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->key_position, (Position{3, 3}));
  ASSERT_TRUE(x->value.is_sequence());
  ASSERT_EQ(x->value.items.size(), 2u);
  EXPECT_EQ(x->value.items[1].scalar, "q");
  EXPECT_EQ(x->value.items[1].position, (Position{3, 10}));
  EXPECT_TRUE(a.find("y")->value.quoted);
  EXPECT_EQ(a.find("z"), nullptr);
}

TEST(YamlDocument, NullsAndEmptyValuesPointAtTheirKey) {
  ParsedDocument doc = parse("a:\nb: ~\nc: \"\"\n");
  ASSERT_TRUE(doc.root);
  EXPECT_TRUE(doc.root->find("a")->value.is_null());
  EXPECT_EQ(doc.root->find("a")->value.position, (Position{1, 1}));
  EXPECT_TRUE(doc.root->find("b")->value.is_null());
  EXPECT_EQ(doc.root->find("b")->value.position, (Position{2, 4}));
  EXPECT_TRUE(doc.root->find("c")->value.is_scalar());
  EXPECT_TRUE(doc.root->find("c")->value.quoted);
}

TEST(YamlDocument, DuplicateKeysAreReportedAtEveryLevelAndFlagged) {
  ParsedDocument doc = parse("a: 1\nn:\n  x: 1\n  y: 2\n  x: 3\na: 2\n");
  ASSERT_TRUE(doc.root);
  ASSERT_EQ(doc.errors.size(), 2u);
  EXPECT_EQ(doc.errors[0].format(), "t.yaml:5:3: n.x: duplicate key 'x' (first at line 3)");
  EXPECT_EQ(doc.errors[1].format(), "t.yaml:6:1: a: duplicate key 'a' (first at line 1)");
  ASSERT_EQ(doc.root->entries.size(), 3u);  // both 'a' kept, the second flagged
  EXPECT_FALSE(doc.root->entries[0].duplicate);
  EXPECT_TRUE(doc.root->entries[2].duplicate);
  EXPECT_EQ(doc.root->find("a")->value.scalar, "1");  // find() gives the first
}

TEST(YamlDocument, NonScalarKeysAreErrors) {
  ParsedDocument doc = parse("? [a, b]\n: 1\nc: 2\n");
  ASSERT_TRUE(doc.root);
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0].position, (Position{1, 3}));
  EXPECT_NE(doc.errors[0].message.find("a key must be a plain name"), std::string::npos);
  EXPECT_EQ(doc.root->entries.size(), 1u);
}

TEST(YamlDocument, SyntaxErrorsHaveAPosition) {
  ParsedDocument doc = parse("a: 1\n  b: 2\n");
  EXPECT_FALSE(doc.root);
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0].position, (Position{2, 4}));
  EXPECT_NE(doc.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(YamlDocument, TabIndentationGetsAHint) {
  ParsedDocument doc = parse("a:\n\tb: 1\n");
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_NE(doc.errors[0].message.find("tabs are not allowed"), std::string::npos);
}

TEST(YamlDocument, EmptyAndCommentOnlyTextIsAnError) {
  for (const char* text : {"", "\n\n", "# just a comment\n   # another\n"}) {
    ParsedDocument doc = parse(text);
    EXPECT_FALSE(doc.root);
    ASSERT_EQ(doc.errors.size(), 1u);
    EXPECT_NE(doc.errors[0].message.find("the file is empty"), std::string::npos);
  }
  ParsedDocument dashes = parse("---\n");
  EXPECT_FALSE(dashes.root);
  ASSERT_EQ(dashes.errors.size(), 1u);
  EXPECT_NE(dashes.errors[0].message.find("no YAML content"), std::string::npos);
}

TEST(YamlDocument, MoreThanOneDocumentIsAnError) {
  ParsedDocument doc = parse("a: 1\n---\nb: 2\n");
  EXPECT_FALSE(doc.root);
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0].position.line, 2);  // the '---'
  EXPECT_NE(doc.errors[0].message.find("second YAML document"), std::string::npos);
}

// Found by the fuzzer: yaml-cpp 0.7's YAML::LoadAll loops forever on this, making empty documents
// without end. It must end (a hang is caught by CTest's timeout) with one clear error.
TEST(YamlDocument, GarbageThatMadeYamlCppLoopEnds) {
  ParsedDocument doc = parse(", cluster\n-J noluer\n-J nolustester\n- nodes\n");
  EXPECT_FALSE(doc.root);
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_NE(doc.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(YamlDocument, BinaryDataIsNotText) {
  ParsedDocument nul = parse(std::string("a: 1\nb: x\0y\n", 11));
  EXPECT_FALSE(nul.root);
  ASSERT_EQ(nul.errors.size(), 1u);
  EXPECT_EQ(nul.errors[0].position, (Position{2, 5}));
  EXPECT_NE(nul.errors[0].message.find("not a text file: control byte 0x00 at offset 9"),
            std::string::npos);

  ParsedDocument latin1 = parse("name: caf\xe9\n");
  ASSERT_EQ(latin1.errors.size(), 1u);
  EXPECT_NE(latin1.errors[0].message.find("not a text file: invalid UTF-8 byte 0xe9"),
            std::string::npos);

  for (const char* bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"}) {
    ParsedDocument doc = parse(std::string("a: ") + bad);
    ASSERT_EQ(doc.errors.size(), 1u) << bad;
    EXPECT_NE(doc.errors[0].message.find("invalid UTF-8"), std::string::npos);
  }
  ParsedDocument utf8 = parse("tz: \"Europe/Praha \xc4\x8d \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
  EXPECT_TRUE(utf8.root);
  EXPECT_TRUE(utf8.errors.empty());
}

TEST(YamlDocument, TooLargeTextIsRefusedWithoutParsing) {
  Limits limits;
  limits.max_bytes = 1024;
  ParsedDocument doc = parse(std::string(1025, '['), limits);
  EXPECT_FALSE(doc.root);
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0].format(), "t.yaml: file is too large: 1025 bytes, the limit is 1 KiB");
}

TEST(YamlDocument, DeepNestingIsAnErrorNotACrash) {
  // Far beyond our limit, flow and block forms: stopped by the builder, never by the stack.
  for (const std::string& text : {std::string(100000, '['), std::string(100000, '{'), [] {
                                    std::string s;
                                    for (int i = 0; i < 50000; ++i) s += "- ";
                                    return s + "x\n";
                                  }()}) {
    ParsedDocument doc = parse(text);
    EXPECT_FALSE(doc.root);
    ASSERT_EQ(doc.errors.size(), 1u);
    EXPECT_NE(doc.errors[0].message.find("nested too deeply"), std::string::npos)
        << doc.errors[0].message;
  }
}

TEST(YamlDocument, NestingBeyondOurLimitIsAnError) {
  std::string text = std::string(100, '[') + std::string(100, ']');
  ParsedDocument doc = parse(text);
  EXPECT_FALSE(doc.root);
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_NE(doc.errors[0].message.find("nested too deeply (more than 64 levels"),
            std::string::npos);
  std::string ok_text = std::string(60, '[') + std::string(60, ']');
  EXPECT_TRUE(parse(ok_text).root);
}

TEST(YamlDocument, SelfReferencingAliasIsAnError) {
  ParsedDocument doc = parse("a: &x [1, *x]\n");
  EXPECT_FALSE(doc.root);
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0].format(),
            "t.yaml:1:11: a[1]: an alias refers to a node that contains it (a cycle)");
}

TEST(YamlDocument, AliasExpansionIsBoundedByANodeBudget) {
  // "Billion laughs": each level doubles; expanding all would take 2^40 nodes.
  std::string text = "l0: &l0 [x, x]\n";
  for (int i = 1; i <= 40; ++i) {
    text += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [*l" + std::to_string(i - 1) +
            ", *l" + std::to_string(i - 1) + "]\n";
  }
  ParsedDocument doc = parse(text);
  EXPECT_FALSE(doc.root);
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_NE(doc.errors[0].message.find("too many YAML nodes"), std::string::npos);
}

TEST(YamlDocument, ModestAliasesExpand) {
  ParsedDocument doc = parse("base: &b { cpus: 1 }\nuse: *b\n");
  ASSERT_TRUE(doc.root);
  EXPECT_EQ(doc.root->find("use")->value.find("cpus")->value.scalar, "1");
}

TEST(YamlDocument, DescribeNamesWhatWasFound) {
  ParsedDocument doc = parse("a: [1]\nb: {c: 1}\nc:\nd: hello\n");
  ASSERT_TRUE(doc.root);
  EXPECT_EQ(describe(doc.root->find("a")->value), "a list");
  EXPECT_EQ(describe(doc.root->find("b")->value), "a map");
  EXPECT_EQ(describe(doc.root->find("c")->value), "nothing");
  EXPECT_EQ(describe(doc.root->find("d")->value), "the text 'hello'");
}

TEST(YamlDocument, PathsJoinWithDotsAndIndexes) {
  EXPECT_EQ(child_path("", "services"), "services");
  EXPECT_EQ(child_path("services", "web"), "services.web");
  EXPECT_EQ(item_path("services.web.ports", 1), "services.web.ports[1]");
}

}  // namespace
}  // namespace hearth::yaml
