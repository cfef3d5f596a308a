#include "engines/image_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/file.h"
#include "common/log.h"
#include "common/process.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

// A whole image over a slow line: the pull is bounded only to catch a hang.
constexpr auto kPullTimeout = 60min;
constexpr auto kInspectTimeout = 2min;
constexpr auto kUnpackTimeout = 30min;
// skopeo's own retries of one request (a reset in the middle of a layer): our backoff between
// whole attempts is the caller's (agent/image_reconciler.h).
constexpr const char* kToolRetries = "2";

std::string hex_of(const std::string& digest) {
  return digest.substr(std::string("sha256:").size());
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The tool's complaint without its log decoration (time="..." level=fatal msg="...").
std::string complaint(const Completed& done) {
  std::string text = trimmed(done.err.empty() ? done.out : done.err);
  auto msg = text.rfind("msg=\"");
  if (msg != std::string::npos) {
    text = text.substr(msg + 5);
    if (!text.empty() && text.back() == '"') text.pop_back();
  }
  return text.empty() ? done.describe() : text;
}

Result<Completed> run_tool(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  auto done = run({.argv = std::move(argv), .timeout = timeout, .own_process_group = true});
  if (!done) return done.error();
  return std::move(*done);
}

Result<json> read_json(const std::string& path) {
  std::string text = read_text_file(path);
  if (text.empty()) return Error{"cannot read " + path};
  json document = json::parse(text, nullptr, false);
  if (document.is_discarded()) return Error{path + " is not JSON"};
  return document;
}

// The digest of the manifest tagged `tag` in the layout's index.json.
Result<std::string> manifest_of(const std::string& layout, const std::string& tag) {
  auto index = read_json(layout + "/index.json");
  if (!index) return index.error();
  if (index->contains("manifests") && (*index)["manifests"].is_array()) {
    for (const auto& entry : (*index)["manifests"]) {
      auto annotations = entry.value("annotations", json::object());
      if (annotations.value("org.opencontainers.image.ref.name", "") == tag) {
        return entry.value("digest", "");
      }
    }
  }
  return Error{"the image layout " + layout + " has no image " + tag};
}

std::vector<std::string> layout_tags(const std::string& layout) {
  std::vector<std::string> tags;
  auto index = read_json(layout + "/index.json");
  if (!index || !index->contains("manifests") || !(*index)["manifests"].is_array()) return tags;
  for (const auto& entry : (*index)["manifests"]) {
    auto annotations = entry.value("annotations", json::object());
    std::string tag = annotations.value("org.opencontainers.image.ref.name", "");
    if (!tag.empty()) tags.push_back(tag);
  }
  return tags;
}

}  // namespace

bool is_transient_pull_failure(const std::string& output) {
  std::string text = output;
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto has = [&text](const char* words) { return text.find(words) != std::string::npos; };
  // Permanent first: a 404, a refused login, content that does not match its digest.
  for (const char* permanent : {"manifest unknown", "name unknown", "blob unknown", "not found",
                                "unauthorized", "authentication required", "denied",
                                "digest did not match", "does not match", "invalid reference"}) {
    if (has(permanent)) return false;
  }
  for (const char* transient : {"timeout",
                                "timed out",
                                "connection reset",
                                "connection refused",
                                "eof",
                                "no route to host",
                                "network is unreachable",
                                "toomanyrequests",
                                "too many requests",
                                "429",
                                "500 internal",
                                "502 bad gateway",
                                "503 service unavailable",
                                "504 gateway timeout",
                                "status 5",
                                "temporary failure",
                                "i/o timeout",
                                "broken pipe",
                                "tls handshake",
                                "no such host"}) {
    if (has(transient)) return true;
  }
  return false;
}

Result<std::vector<std::string>> registry_options(const Registry* registry,
                                                  const std::string& prefix) {
  std::vector<std::string> options;
  if (registry == nullptr) return options;
  if (!registry->auth_file.empty()) {
    struct stat info {};
    if (::stat(registry->auth_file.c_str(), &info) != 0) {
      return Error{"the auth file of registry " + registry->host + " (" + registry->auth_file +
                   ") does not exist on this node"};
    }
    if ((info.st_mode & 077) != 0 || info.st_uid != 0) {
      return Error{"the auth file of registry " + registry->host + " (" + registry->auth_file +
                   ") must be owned by root and readable by root only (chmod 600): it holds "
                   "credentials"};
    }
    options.push_back("--" + prefix + "authfile=" + registry->auth_file);
  }
  if (registry->insecure) options.push_back("--" + prefix + "tls-verify=false");
  return options;
}

SkopeoImageStore::SkopeoImageStore(std::string images_dir) : dir_(std::move(images_dir)) {}

std::string SkopeoImageStore::root_dir(const std::string& digest) const {
  return dir_ + "/roots/" + hex_of(digest);
}

Result<std::string> SkopeoImageStore::resolve(const ImageReference& reference,
                                              const Registry* registry) {
  if (reference.pinned()) return reference.digest;
  auto options = registry_options(registry, "");
  if (!options) return options.error();
  std::vector<std::string> argv = {"skopeo",     "inspect",  "--retry-times",
                                   kToolRetries, "--format", "{{.Digest}}"};
  argv.insert(argv.end(), options->begin(), options->end());
  argv.push_back("docker://" + reference.name() + ":" + reference.tag);
  auto done = run_tool(argv, kInspectTimeout);
  if (!done) return done.error();
  if (!done->succeeded()) {
    return Error{"cannot resolve " + reference.name() + ":" + reference.tag + ": " +
                 complaint(*done)};
  }
  std::string digest = trimmed(done->out);
  if (!is_sha256_digest(digest)) {
    return Error{"cannot resolve " + reference.name() + ":" + reference.tag +
                 ": the registry named it by '" + digest + "', not a sha256 digest"};
  }
  return digest;
}

Result<int> SkopeoImageStore::verify_blobs(const std::string& tag, std::string* manifest_digest) {
  std::string layout = layout_dir();
  auto manifest = manifest_of(layout, tag);
  if (!manifest) return manifest.error();
  if (manifest_digest != nullptr) *manifest_digest = *manifest;
  std::vector<std::string> digests = {*manifest};
  if (is_sha256_digest(*manifest)) {
    auto document = read_json(layout + "/blobs/sha256/" + hex_of(*manifest));
    if (document && document->is_object()) {
      if (document->contains("config"))
        digests.push_back((*document)["config"].value("digest", ""));
      for (const auto& layer : document->value("layers", json::array())) {
        digests.push_back(layer.value("digest", ""));
      }
    }
  }
  // sha256sum of every blob in one run; a missing blob counts as bad (fetched again).
  std::vector<std::string> argv = {"sha256sum", "--"};
  std::vector<std::string> present;
  int bad = 0;
  for (const auto& digest : digests) {
    if (!is_sha256_digest(digest)) return Error{"image " + tag + " names a blob '" + digest + "'"};
    std::string path = layout + "/blobs/sha256/" + hex_of(digest);
    if (fs::exists(path)) {
      argv.push_back(path);
      present.push_back(digest);
    } else {
      ++bad;
    }
  }
  if (present.empty()) return bad;
  auto done = run_tool(argv, kUnpackTimeout);
  if (!done) return done.error();
  std::istringstream lines(done->out);
  std::string line;
  std::set<std::string> good;
  while (std::getline(lines, line)) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string sum = line.substr(0, space);
    std::string path = line.substr(line.find_first_not_of(" *", space));
    if (fs::path(path).filename().string() == sum) good.insert(sum);
  }
  for (const auto& digest : present) {
    if (good.count(hex_of(digest)) != 0) continue;
    ++bad;
    log::warn("image " + tag.substr(0, 12) + ": blob " + digest +
              " does not match its digest; removing it, it is fetched again");
    std::error_code error;
    fs::remove(layout + "/blobs/sha256/" + hex_of(digest), error);
  }
  return bad;
}

Result<StagedImage> SkopeoImageStore::unpack(const std::string& tag, const std::string& digest) {
  std::string layout = layout_dir();
  std::string manifest_digest;
  auto bad = verify_blobs(tag, &manifest_digest);
  if (!bad) return bad.error();
  if (*bad > 0) return Error{std::to_string(*bad) + " blob(s) of the image missing or damaged"};
  auto manifest = read_json(layout + "/blobs/sha256/" + hex_of(manifest_digest));
  if (!manifest) return manifest.error();
  std::string config_digest = (*manifest)["config"].value("digest", "");
  std::string config_text = read_text_file(layout + "/blobs/sha256/" + hex_of(config_digest));
  auto config = parse_image_config(config_text);
  if (!config) return config.error();

  std::string final_dir = root_dir(digest);
  std::string partial = final_dir + ".partial";
  std::error_code error;
  fs::remove_all(partial, error);
  fs::create_directories(partial, error);
  if (error) return Error{"cannot create " + partial + ": " + error.message()};
  auto done =
      run_tool({"umoci", "raw", "unpack", "--image", layout + ":" + tag, partial + "/rootfs"},
               kUnpackTimeout);
  if (!done) return done.error();
  if (!done->succeeded()) {
    fs::remove_all(partial, error);
    return Error{"cannot unpack image " + digest + ": umoci: " + complaint(*done)};
  }
  {
    std::ofstream out(partial + "/image.json", std::ios::trunc);
    out << config_text;
    if (!out.flush()) return Error{"cannot write " + partial + "/image.json"};
  }
  // The root of a container image is 0755 root-owned whatever the tar said about ".".
  ::chmod((partial + "/rootfs").c_str(), 0755);
  fs::rename(partial, final_dir, error);
  if (error) return Error{"cannot move " + partial + " to " + final_dir + ": " + error.message()};
  return StagedImage{digest, final_dir + "/rootfs", std::move(*config)};
}

Result<StagedImage> SkopeoImageStore::stage(const std::string& name, const std::string& digest,
                                            const Registry* registry, PullError* why) {
  auto fail = [why](std::string message, bool transient) -> Result<StagedImage> {
    if (why != nullptr) *why = PullError{message, transient};
    return Error{std::move(message)};
  };
  if (!is_sha256_digest(digest)) return fail("'" + digest + "' is not a sha256 digest", false);
  std::lock_guard lock(mutex_);
  if (auto ready = staged(digest)) return ready;
  std::string tag = hex_of(digest);
  std::string layout = layout_dir();
  std::error_code error;
  fs::create_directories(dir_ + "/roots", error);
  fs::create_directories(layout, error);
  if (error) return fail("cannot create " + layout + ": " + error.message(), false);
  // What an earlier (interrupted) pull left is checked, so a damaged blob is fetched again and a
  // good one is not.
  if (fs::exists(layout + "/index.json")) (void)verify_blobs(tag, nullptr);
  auto options = registry_options(registry, "src-");
  if (!options) return fail(options.error().message, false);
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<std::string> argv = {"skopeo", "copy", "--retry-times", kToolRetries};
    argv.insert(argv.end(), options->begin(), options->end());
    argv.push_back("docker://" + name + "@" + digest);
    argv.push_back("oci:" + layout + ":" + tag);
    auto done = run_tool(argv, kPullTimeout);
    if (!done) return fail(done.error().message, false);
    if (!done->succeeded()) {
      std::string said = complaint(*done);
      return fail("cannot fetch " + name + "@" + digest + ": " + said,
                  done->timed_out || is_transient_pull_failure(said));
    }
    auto bad = verify_blobs(tag, nullptr);
    if (!bad) return fail(bad.error().message, false);
    if (*bad == 0) break;
    // skopeo reuses a blob that is there without reading it: the damaged ones were just removed,
    // so the second copy fetches exactly those.
    if (attempt == 1) {
      return fail(
          "image " + name + "@" + digest + ": blobs fetched again still do not match their digests",
          false);
    }
  }
  auto unpacked = unpack(tag, digest);
  if (!unpacked) return fail(unpacked.error().message, false);
  log::info("image " + name + "@" + digest + " staged at " + unpacked->rootfs);
  return unpacked;
}

Result<StagedImage> SkopeoImageStore::staged(const std::string& digest) {
  if (!is_sha256_digest(digest)) return Error{"'" + digest + "' is not a sha256 digest"};
  std::string dir = root_dir(digest);
  if (!fs::is_directory(dir + "/rootfs")) return Error{"image " + digest + " is not staged"};
  auto config = parse_image_config(read_text_file(dir + "/image.json"));
  if (!config) return Error{"image " + digest + ": " + config.error().message};
  return StagedImage{digest, dir + "/rootfs", std::move(*config)};
}

Result<std::vector<std::string>> SkopeoImageStore::list() {
  std::vector<std::string> digests;
  std::error_code error;
  fs::directory_iterator it(dir_ + "/roots", error);
  if (error) return digests;  // nothing staged yet
  for (const auto& entry : it) {
    std::string digest = "sha256:" + entry.path().filename().string();
    if (is_sha256_digest(digest)) digests.push_back(digest);
  }
  std::sort(digests.begin(), digests.end());
  return digests;
}

Status SkopeoImageStore::remove_except(const std::set<std::string>& keep) {
  std::lock_guard lock(mutex_);
  std::set<std::string> keep_tags;  // imported images kept for their grace
  std::error_code error;
  fs::directory_iterator it(dir_ + "/roots", error);
  if (!error) {
    for (const auto& entry : it) {
      std::string name = entry.path().filename().string();
      std::string digest = "sha256:" + name;
      if (is_sha256_digest(digest) && keep.count(digest) != 0) continue;
      // Imported recently (air gap): kept until a spec can name it.
      auto imported = fs::last_write_time(entry.path() / "imported", error);
      if (!error &&
          fs::file_time_type::clock::now() - imported < std::chrono::hours(kImportedGraceHours)) {
        keep_tags.insert(name);
        continue;
      }
      error.clear();
      fs::remove_all(entry.path(), error);  // also leftovers of an interrupted unpack
      if (error) return Error{"cannot remove " + entry.path().string() + ": " + error.message()};
      if (is_sha256_digest(digest)) log::info("image " + digest + " removed: no spec uses it");
    }
  }
  std::string layout = layout_dir();
  if (!fs::exists(layout + "/index.json")) return ok_status();
  bool removed_tag = false;
  for (const auto& tag : layout_tags(layout)) {
    if (keep.count("sha256:" + tag) != 0 || keep_tags.count(tag) != 0) continue;
    auto done = run_tool({"umoci", "rm", "--image", layout + ":" + tag}, kInspectTimeout);
    if (!done) return done.error();
    if (!done->succeeded()) return Error{"umoci rm " + tag + ": " + complaint(*done)};
    removed_tag = true;
  }
  if (removed_tag) {
    auto done = run_tool({"umoci", "gc", "--layout", layout}, kUnpackTimeout);
    if (!done) return done.error();
    if (!done->succeeded()) return Error{"umoci gc: " + complaint(*done)};
  }
  return ok_status();
}

Result<StagedImage> SkopeoImageStore::import_archive(const std::string& file) {
  std::lock_guard lock(mutex_);
  std::string layout = layout_dir();
  std::error_code error;
  fs::create_directories(dir_ + "/roots", error);
  fs::create_directories(layout, error);
  if (error) return Error{"cannot create " + layout + ": " + error.message()};
  const std::string importing = "importing";
  std::string said;
  bool copied = false;
  for (const char* transport : {"oci-archive:", "docker-archive:"}) {
    auto done = run_tool({"skopeo", "copy", "--preserve-digests", std::string(transport) + file,
                          "oci:" + layout + ":" + importing},
                         kPullTimeout);
    if (!done) return done.error();
    if (done->succeeded()) {
      copied = true;
      break;
    }
    // A docker archive cannot keep its digests (its manifest is converted).
    done = run_tool(
        {"skopeo", "copy", std::string(transport) + file, "oci:" + layout + ":" + importing},
        kPullTimeout);
    if (!done) return done.error();
    if (done->succeeded()) {
      copied = true;
      break;
    }
    said += std::string(said.empty() ? "" : "; ") + transport + " " + complaint(*done);
  }
  if (!copied) return Error{"cannot import " + file + ": " + said};
  auto digest = manifest_of(layout, importing);
  if (!digest) return digest.error();
  std::string tag = hex_of(*digest);
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"umoci", "tag", "--image", layout + ":" + importing, tag},
           {"umoci", "rm", "--image", layout + ":" + importing}}) {
    auto done = run_tool(argv, kInspectTimeout);
    if (!done) return done.error();
    if (!done->succeeded()) return Error{"cannot import " + file + ": " + complaint(*done)};
  }
  auto ready = staged(*digest);
  if (!ready) ready = unpack(tag, *digest);
  if (!ready) return ready;
  std::ofstream(root_dir(*digest) + "/imported") << "imported from " << file << '\n';
  return ready;
}

}  // namespace hearth
