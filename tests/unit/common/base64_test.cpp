#include "common/base64.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("/hearth/leader"), "L2hlYXJ0aC9sZWFkZXI=");
}

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    auto decoded = base64_decode(base64_encode(all.substr(0, n)));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, all.substr(0, n));
  }
}

TEST(Base64, RejectsInvalidText) {
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);   // not a multiple of 4
  EXPECT_EQ(base64_decode("Z!=="), std::nullopt);  // not in the alphabet
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
}

}  // namespace
}  // namespace hearth
