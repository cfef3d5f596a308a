// SkopeoImageStore with the real skopeo and umoci, and a real registry (Debian's docker-registry)
// on 127.0.0.1 with a free port. The unpack conformance image (tests/data/images/
// make-conformance-image) holds a whiteout, an opaque directory, hard links, symlinks, a mode-000
// file, setuid/setgid bits, numeric owners and xattrs; the unpacked root is checked file by file.
// Needs root (owners, trusted.* xattrs); skipped without it or without the tools, which as root
// is a failure (scripts/install-deps installs them).
#include "engines/image_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../free_port.h"
#include "common/file.h"
#include "common/process.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kMakeImage =
    std::string(HEARTH_SOURCE_DIR) + "/tests/data/images/make-conformance-image";

void sh(const std::string& script) {
  auto done = run({.argv = {"sh", "-ec", script}, .timeout = 300s});
  ASSERT_TRUE(done) << done.error().message;
  ASSERT_TRUE(done->succeeded()) << script << "\n" << done->describe() << "\n" << done->err;
}

struct Stat {
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  nlink_t links = 0;
  ino_t inode = 0;
};

Stat lstat_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path << " is missing";
  return {info.st_mode, info.st_uid, info.st_gid, info.st_nlink, info.st_ino};
}

std::string xattr_of(const std::string& path, const char* name) {
  char value[256];
  ssize_t size = ::lgetxattr(path.c_str(), name, value, sizeof value);
  return size < 0 ? "" : std::string(value, static_cast<std::size_t>(size));
}

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (file owners, trusted.* xattrs)";
    for (const char* tool : {"skopeo", "umoci", "docker-registry", "setfattr", "tar"}) {
      if (!find_program(tool)) GTEST_SKIP() << tool << " is not installed";
    }
    std::string pattern = (fs::temp_directory_path() / "hearth-images-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    sh(kMakeImage + " " + root_ + "/build conformance");
  }
  void TearDown() override {
    registry_.reset();
    std::error_code ignored;
    if (!root_.empty()) fs::remove_all(root_, ignored);
  }

  // A docker-registry on 127.0.0.1 without auth; returns its host:port.
  std::string start_registry() {
    int port = hearth::testing::free_loopback_port();
    EXPECT_GT(port, 0);
    std::string host = "127.0.0.1:" + std::to_string(port);
    std::ofstream(root_ + "/registry.yml")
        << "version: 0.1\nlog: { level: warn }\nstorage:\n  filesystem: { rootdirectory: " << root_
        << "/registry }\nhttp:\n  addr: " << host << "\n";
    auto child = Child::start({.argv = {"docker-registry", "serve", root_ + "/registry.yml"},
                               .out = Output::discard,
                               .err = Output::discard,
                               .own_process_group = true});
    EXPECT_TRUE(child) << child.error().message;
    registry_.emplace(std::move(*child));
    auto deadline = std::chrono::steady_clock::now() + 60s;  // a hang, not a timing
    while (std::chrono::steady_clock::now() < deadline) {
      auto probe = run(
          {.argv = {"curl", "-sf", "-o", "/dev/null", "http://" + host + "/v2/"}, .timeout = 5s});
      if (probe && probe->succeeded()) return host;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "the registry did not answer at " << host;
    return host;
  }

  void push(const std::string& tag, const std::string& target) {
    sh("skopeo copy --dest-tls-verify=false oci:" + root_ + "/build:" + tag + " docker://" +
       target);
  }

  // The unpacked conformance image, file by file.
  static void expect_conformant(const std::string& rootfs) {
    SCOPED_TRACE(rootfs);
    EXPECT_EQ(read_text_file(rootfs + "/etc/keep.txt"), "base\n");
    EXPECT_FALSE(fs::exists(rootfs + "/etc/gone.txt")) << "whiteout not applied";
    EXPECT_FALSE(fs::exists(rootfs + "/etc/.wh.gone.txt")) << "whiteout file left in the root";
    // Opaque directory: only the upper layer's content.
    EXPECT_EQ(read_text_file(rootfs + "/opaque/new"), "new\n");
    EXPECT_FALSE(fs::exists(rootfs + "/opaque/old1"));
    EXPECT_FALSE(fs::exists(rootfs + "/opaque/sub"));
    EXPECT_FALSE(fs::exists(rootfs + "/opaque/.wh..wh..opq"));
    // Hard links: one inode, two names (in the lower and in the upper layer).
    Stat file = lstat_of(rootfs + "/data/file");
    Stat link = lstat_of(rootfs + "/data/hardlink");
    EXPECT_EQ(file.inode, link.inode);
    EXPECT_EQ(file.links, 2u);
    EXPECT_EQ(lstat_of(rootfs + "/shared/upper").inode,
              lstat_of(rootfs + "/shared/upper-link").inode);
    EXPECT_EQ(read_text_file(rootfs + "/shared/lower"), "lower\n") << "a lower directory kept";
    // Symlinks, stored as links (never followed while unpacking).
    EXPECT_TRUE(S_ISLNK(lstat_of(rootfs + "/link-to-file").mode));
    EXPECT_EQ(fs::read_symlink(rootfs + "/link-to-file"), "data/file");
    EXPECT_EQ(fs::read_symlink(rootfs + "/link-to-dir"), "data");
    EXPECT_EQ(fs::read_symlink(rootfs + "/dangling"), "/nowhere/at/all");
    // Modes: 000, setuid, setgid directory.
    Stat secret = lstat_of(rootfs + "/secret");
    EXPECT_EQ(secret.mode & 07777, 0u);
    EXPECT_EQ(read_text_file(rootfs + "/secret"), "secret\n");  // content kept (read as root)
    EXPECT_EQ(lstat_of(rootfs + "/suid").mode & 07777, 04755u);
    Stat sgid = lstat_of(rootfs + "/sgid-dir");
    EXPECT_TRUE(S_ISDIR(sgid.mode));
    EXPECT_EQ(sgid.mode & 07777, 02775u);
    // Owners, numeric.
    Stat owned = lstat_of(rootfs + "/owned");
    EXPECT_EQ(owned.uid, 1000u);
    EXPECT_EQ(owned.gid, 1001u);
    // A directory of the lower layer replaced by a file of the upper one.
    EXPECT_TRUE(S_ISREG(lstat_of(rootfs + "/becomes-file").mode));
    EXPECT_EQ(read_text_file(rootfs + "/becomes-file"), "now-a-file\n");
    // Extended attributes.
    EXPECT_EQ(xattr_of(rootfs + "/xattr-file", "user.hearth"), "conformance");
    EXPECT_EQ(xattr_of(rootfs + "/xattr-file", "trusted.hearth"), "trusted-value");
  }

  std::string root_;
  std::optional<Child> registry_;
};

TEST_F(ImageStoreTest, AnImportedArchiveUnpacksFileByFileAndIsRemovedWhenNotKept) {
  sh("skopeo copy oci:" + root_ + "/build:conformance oci-archive:" + root_ + "/image.tar");
  SkopeoImageStore store(root_ + "/store");
  auto staged = store.import_archive(root_ + "/image.tar");
  ASSERT_TRUE(staged) << staged.error().message;
  EXPECT_TRUE(is_sha256_digest(staged->digest));
  expect_conformant(staged->rootfs);
  EXPECT_EQ(staged->config.entrypoint, std::vector<std::string>{"/suid"});
  EXPECT_EQ(staged->config.cmd, std::vector<std::string>{"conformance"});
  EXPECT_EQ(staged->config.workdir, "/data");
  EXPECT_EQ(staged->config.user, "1000:1001");

  auto again = store.staged(staged->digest);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->rootfs, staged->rootfs);
  auto listed = store.list();
  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed, std::vector<std::string>{staged->digest});

  // Kept: nothing goes. Imported within the grace: kept though unused. After it, not kept: the
  // root and every blob go.
  ASSERT_TRUE(store.remove_except({staged->digest}));
  EXPECT_TRUE(fs::exists(staged->rootfs));
  ASSERT_TRUE(store.remove_except({}));
  EXPECT_TRUE(fs::exists(staged->rootfs)) << "an image just imported is kept for a spec to name";
  fs::last_write_time(
      store.root_dir(staged->digest) + "/imported",
      fs::file_time_type::clock::now() - std::chrono::hours(kImportedGraceHours + 1));
  ASSERT_TRUE(store.remove_except({}));
  EXPECT_FALSE(fs::exists(staged->rootfs));
  EXPECT_TRUE(store.list()->empty());
  EXPECT_TRUE(fs::is_empty(store.layout_dir() + "/blobs/sha256"));
}

TEST_F(ImageStoreTest, APinnedDigestIsFetchedVerifiedAndADamagedLayerFetchedAgain) {
  std::string host = start_registry();
  push("conformance", host + "/hearth/conformance:1");
  Registry registry{host, "", true};
  auto reference = parse_image_reference(host + "/hearth/conformance:1");
  ASSERT_TRUE(reference) << reference.error().message;

  SkopeoImageStore store(root_ + "/store");
  auto digest = store.resolve(*reference, &registry);
  ASSERT_TRUE(digest) << digest.error().message;
  PullError why;
  auto staged = store.stage(reference->name(), *digest, &registry, &why);
  ASSERT_TRUE(staged) << staged.error().message;
  EXPECT_EQ(staged->digest, *digest);
  expect_conformant(staged->rootfs);

  // Damage every layer blob, drop the root: the next stage finds the damage, fetches the layers
  // again (the registry still has them) and unpacks a right root.
  fs::remove_all(store.root_dir(*digest));
  int damaged = 0;
  for (const auto& blob : fs::directory_iterator(store.layout_dir() + "/blobs/sha256")) {
    if (fs::file_size(blob.path()) > 4096) {  // the layers (manifest and config are small)
      std::ofstream(blob.path(), std::ios::in | std::ios::out | std::ios::binary) << "damage";
      ++damaged;
    }
  }
  ASSERT_GT(damaged, 0);
  auto restaged = store.stage(reference->name(), *digest, &registry, &why);
  ASSERT_TRUE(restaged) << restaged.error().message;
  expect_conformant(restaged->rootfs);

  // Staged: no registry needed any more (a failover never pulls).
  registry_.reset();
  auto offline = store.stage(reference->name(), *digest, &registry, &why);
  ASSERT_TRUE(offline) << offline.error().message;
}

TEST_F(ImageStoreTest, AMissingImageIsAPermanentFailureAndADeadRegistryATransientOne) {
  std::string host = start_registry();
  Registry registry{host, "", true};
  SkopeoImageStore store(root_ + "/store");
  std::string nowhere = "sha256:" + std::string(64, 'a');
  PullError why;
  auto missing = store.stage(host + "/hearth/absent", nowhere, &registry, &why);
  ASSERT_FALSE(missing);
  EXPECT_FALSE(why.transient) << why.message;

  registry_.reset();  // killed: nothing listens on the port now
  auto down = store.stage(host + "/hearth/absent", nowhere, &registry, &why);
  ASSERT_FALSE(down);
  EXPECT_TRUE(why.transient) << why.message;
  EXPECT_FALSE(store.resolve(*parse_image_reference(host + "/hearth/absent:1"), &registry));
}

TEST_F(ImageStoreTest, AnAuthFileReadableByOthersIsRefused) {
  std::string file = root_ + "/auth.json";
  std::ofstream(file) << "{\"auths\":{}}";
  ::chmod(file.c_str(), 0644);
  Registry registry{"registry.example", file, false};
  auto loose = registry_options(&registry, "src-");
  ASSERT_FALSE(loose);
  EXPECT_NE(loose.error().message.find("chmod 600"), std::string::npos);
  ::chmod(file.c_str(), 0600);
  auto tight = registry_options(&registry, "src-");
  ASSERT_TRUE(tight) << tight.error().message;
  EXPECT_EQ(*tight, std::vector<std::string>{"--src-authfile=" + file});
}

}  // namespace
}  // namespace hearth
