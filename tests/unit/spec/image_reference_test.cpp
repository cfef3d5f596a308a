#include "spec/image_reference.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(ImageReference, ATagAndADigestAreSplitFromTheName) {
  auto tagged = parse_image_reference("ghcr.io/home-assistant/home-assistant:2024.6");
  ASSERT_TRUE(tagged) << tagged.error().message;
  EXPECT_EQ(tagged->registry, "ghcr.io");
  EXPECT_EQ(tagged->repository, "home-assistant/home-assistant");
  EXPECT_EQ(tagged->tag, "2024.6");
  EXPECT_FALSE(tagged->pinned());
  EXPECT_EQ(tagged->name(), "ghcr.io/home-assistant/home-assistant");

  std::string digest = "sha256:" + std::string(64, 'c');
  auto pinned = parse_image_reference("10.1.9.2:5000/lab/web@" + digest);
  ASSERT_TRUE(pinned) << pinned.error().message;
  EXPECT_EQ(pinned->registry, "10.1.9.2:5000");
  EXPECT_EQ(pinned->repository, "lab/web");
  EXPECT_EQ(pinned->tag, "");
  EXPECT_EQ(pinned->digest, digest);
  EXPECT_TRUE(pinned->pinned());
  EXPECT_EQ(pinned->at(digest), "10.1.9.2:5000/lab/web@" + digest);
}

TEST(ImageReference, NoTagMeansLatestAndAPortIsNotATag) {
  auto ref = parse_image_reference("localhost:5000/web");
  ASSERT_TRUE(ref) << ref.error().message;
  EXPECT_EQ(ref->registry, "localhost:5000");
  EXPECT_EQ(ref->repository, "web");
  EXPECT_EQ(ref->tag, "latest");
}

TEST(ImageReference, AShortNameIsRefusedWithTheFullNameSuggested) {
  auto bare = parse_image_reference("nginx:1.25");
  ASSERT_FALSE(bare);
  EXPECT_NE(bare.error().message.find("did you mean docker.io/library/nginx:1.25"),
            std::string::npos)
      << bare.error().message;
  auto user = parse_image_reference("linuxserver/jellyfin");
  ASSERT_FALSE(user);
  EXPECT_NE(user.error().message.find("docker.io/linuxserver/jellyfin"), std::string::npos);
}

TEST(ImageReference, MalformedPartsAreNamed) {
  EXPECT_NE(parse_image_reference("docker.io/library/nginx@sha256:abc")
                .error()
                .message.find("not an image digest"),
            std::string::npos);
  EXPECT_NE(
      parse_image_reference("docker.io/Library/nginx").error().message.find("not an image name"),
      std::string::npos);
  EXPECT_NE(parse_image_reference("docker.io/library/nginx:-bad")
                .error()
                .message.find("not an image tag"),
            std::string::npos);
  EXPECT_FALSE(parse_image_reference(""));
  EXPECT_FALSE(parse_image_reference("ghcr.io/"));
  EXPECT_FALSE(parse_image_reference("ghcr.io/a//b"));
  EXPECT_FALSE(parse_image_reference("ghcr.io/a b"));
}

TEST(ImageReference, DigestShape) {
  EXPECT_TRUE(is_sha256_digest("sha256:" + std::string(64, '0')));
  EXPECT_FALSE(is_sha256_digest("sha256:" + std::string(63, '0')));
  EXPECT_FALSE(is_sha256_digest("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(is_sha256_digest("sha512:" + std::string(64, '0')));
}

}  // namespace
}  // namespace hearth
