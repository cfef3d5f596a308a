#include "engines/gluster.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "common/file.h"
#include "common/process.h"
#include "engines/xml.h"

namespace hearth {
namespace {

std::int64_t to_int(const std::string& text, std::int64_t fallback = 0) {
  try {
    std::size_t used = 0;
    long long value = std::stoll(text, &used);
    return used == text.size() ? value : fallback;
  } catch (...) {
    return fallback;
  }
}

std::uint64_t to_uint(const std::string& text) {
  try {
    std::size_t used = 0;
    unsigned long long value = std::stoull(text, &used);
    return used == text.size() ? value : 0;
  } catch (...) {
    return 0;
  }
}

// Parses a gluster --xml answer and checks its opRet; the element named `body` under cliOutput.
Result<XmlElement> parse_answer(const std::string& xml, const std::string& what) {
  auto document = parse_xml(xml);
  if (!document)
    return Error{"gluster " + what + " answered no valid XML: " + document.error().message};
  if (document->name != "cliOutput") {
    return Error{"gluster " + what + " answered XML without <cliOutput>"};
  }
  if (to_int(document->child_text("opRet", "0"), -1) != 0) {
    std::string reason = document->child_text("opErrstr");
    if (reason.empty()) reason = "opRet " + document->child_text("opRet") + ", no message";
    return Error{"gluster " + what + " failed: " + reason};
  }
  return document;
}

std::pair<std::string, std::string> split_brick(const std::string& id) {
  auto colon = id.find(':');
  if (colon == std::string::npos) return {"", id};
  return {id.substr(0, colon), id.substr(colon + 1)};
}

}  // namespace

const GlusterBrickState* GlusterVolumeState::brick(const std::string& id) const {
  for (const auto& b : bricks) {
    if (b.id() == id) return &b;
  }
  return nullptr;
}

std::int64_t GlusterHealSummary::pending() const {
  std::int64_t total = 0;
  for (const auto& b : bricks) total += b.pending > 0 ? b.pending : 0;
  return total;
}

std::int64_t GlusterHealSummary::split_brain() const {
  std::int64_t total = 0;
  for (const auto& b : bricks) total += b.split_brain > 0 ? b.split_brain : 0;
  return total;
}

Result<std::vector<GlusterPeer>> parse_pool_list(const std::string& xml) {
  auto answer = parse_answer(xml, "pool list");
  if (!answer) return answer.error();
  const XmlElement* status = answer->child("peerStatus");
  if (!status) return Error{"gluster pool list answered without <peerStatus>"};
  std::vector<GlusterPeer> peers;
  for (const XmlElement* p : status->children_named("peer")) {
    GlusterPeer peer;
    peer.uuid = p->child_text("uuid");
    peer.hostname = p->child_text("hostname");
    if (const XmlElement* names = p->child("hostnames")) {
      for (const XmlElement* name : names->children_named("hostname"))
        peer.hostnames.push_back(name->text);
    }
    if (peer.hostnames.empty()) peer.hostnames.push_back(peer.hostname);
    peer.connected = p->child_text("connected") == "1";
    peer.self = peer.hostname == "localhost";
    peers.push_back(std::move(peer));
  }
  return peers;
}

Result<std::vector<GlusterVolume>> parse_volume_info(const std::string& xml) {
  auto answer = parse_answer(xml, "volume info");
  if (!answer) return answer.error();
  std::vector<GlusterVolume> volumes;
  const XmlElement* list = answer->find("volInfo/volumes");
  if (!list) return volumes;  // no volume at all
  for (const XmlElement* v : list->children_named("volume")) {
    GlusterVolume volume;
    volume.name = v->child_text("name");
    volume.id = v->child_text("id");
    volume.state = v->child_text("statusStr");
    volume.replica = static_cast<int>(to_int(v->child_text("replicaCount")));
    volume.arbiter = static_cast<int>(to_int(v->child_text("arbiterCount")));
    if (const XmlElement* bricks = v->child("bricks")) {
      for (const XmlElement* b : bricks->children_named("brick")) {
        std::string id = b->child_text("name");
        if (id.empty()) id = b->text;
        auto [host, path] = split_brick(id);
        volume.bricks.push_back({host, path, b->child_text("isArbiter") == "1"});
      }
    }
    if (const XmlElement* options = v->child("options")) {
      for (const XmlElement* o : options->children_named("option")) {
        volume.options[o->child_text("name")] = o->child_text("value");
      }
    }
    if (volume.name.empty()) return Error{"gluster volume info listed a volume without a name"};
    volumes.push_back(std::move(volume));
  }
  return volumes;
}

Result<GlusterVolumeState> parse_volume_status(const std::string& xml) {
  auto answer = parse_answer(xml, "volume status");
  if (!answer) return answer.error();
  const XmlElement* volume = answer->find("volStatus/volumes/volume");
  if (!volume) return Error{"gluster volume status answered without a <volume>"};
  GlusterVolumeState state;
  state.name = volume->child_text("volName");
  for (const XmlElement* n : volume->children_named("node")) {
    std::string host = n->child_text("hostname");
    bool online = n->child_text("status") == "1";
    std::string path = n->child_text("path");
    if (path.empty() || path.front() != '/') continue;  // another daemon (NFS, quota, ...)
    GlusterBrickState brick;
    brick.host = host;
    brick.path = path;
    brick.online = online;
    brick.port = static_cast<int>(to_int(n->child_text("port"), 0));
    brick.pid = to_int(n->child_text("pid"), 0);
    brick.size_total = to_uint(n->child_text("sizeTotal"));
    brick.size_free = to_uint(n->child_text("sizeFree"));
    state.bricks.push_back(std::move(brick));
  }
  return state;
}

Result<GlusterHealSummary> parse_heal_summary(const std::string& xml) {
  auto answer = parse_answer(xml, "volume heal info summary");
  if (!answer) return answer.error();
  const XmlElement* bricks = answer->find("healInfo/bricks");
  if (!bricks) return Error{"gluster volume heal info summary answered without <healInfo><bricks>"};
  GlusterHealSummary summary;
  for (const XmlElement* b : bricks->children_named("brick")) {
    GlusterBrickHeal heal;
    heal.brick = b->child_text("name");
    heal.connected = b->child_text("status") == "Connected";
    if (heal.connected) {
      heal.pending = to_int(b->child_text("numberOfEntriesInHealPending"), -1);
      heal.split_brain = to_int(b->child_text("numberOfEntriesInSplitBrain"), -1);
      heal.healing = to_int(b->child_text("numberOfEntriesPossiblyHealing"), -1);
    }
    summary.bricks.push_back(std::move(heal));
  }
  return summary;
}

// --- the command line ---

Result<std::string> GlusterCommandLine::run_xml(std::vector<std::string> args) {
  std::vector<std::string> argv{"gluster", "--mode=script", "--xml"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto done = run({.argv = argv, .timeout = read_timeout_, .own_process_group = true});
  std::string what = "`gluster " + args.front() + (args.size() > 1 ? " " + args[1] : "") + "`";
  if (!done) return Error{"cannot run " + what + ": " + done.error().message};
  if (done->timed_out) return Error{what + " " + done->describe() + " (is glusterd running?)"};
  // A failed command still answers XML with opErrstr (and exits 1): the parser reports it.
  if (done->out.find("<cliOutput") == std::string::npos) {
    std::string reason = done->err.empty() ? done->out : done->err;
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    return Error{what + " " + done->describe() + (reason.empty() ? "" : ": " + reason)};
  }
  return std::move(done->out);
}

Status GlusterCommandLine::run_change(std::vector<std::string> args) {
  std::vector<std::string> argv{"gluster", "--mode=script"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto done = run(
      {.argv = argv, .err = Output::merge, .timeout = change_timeout_, .own_process_group = true});
  std::string what = "`gluster";
  for (const auto& arg : args) what += " " + arg;
  what += "`";
  if (!done) return Error{"cannot run " + what + ": " + done.error().message};
  if (done->succeeded()) return ok_status();
  std::string reason = done->out;
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
  return Error{what + " " + done->describe() + (reason.empty() ? "" : ": " + reason)};
}

Result<std::vector<GlusterPeer>> GlusterCommandLine::pool() {
  auto xml = run_xml({"pool", "list"});
  if (!xml) return xml.error();
  return parse_pool_list(*xml);
}

Status GlusterCommandLine::probe(const std::string& host) {
  return run_change({"peer", "probe", host});
}

Result<std::vector<GlusterVolume>> GlusterCommandLine::volumes() {
  auto xml = run_xml({"volume", "info", "all"});
  if (!xml) return xml.error();
  return parse_volume_info(*xml);
}

Status GlusterCommandLine::create(const VolumePlan& plan) {
  std::vector<std::string> args{"volume", "create", plan.volume, "replica", "3", "arbiter", "1"};
  for (const Brick* brick : plan.gluster_order())
    args.push_back(brick->host.str() + ":" + brick->path);
  args.push_back("force");
  return run_change(args);
}

Status GlusterCommandLine::set_options(
    const std::string& volume, const std::vector<std::pair<std::string, std::string>>& options) {
  std::vector<std::string> args{"volume", "set", volume};
  for (const auto& [key, value] : options) {
    args.push_back(key);
    args.push_back(value);
  }
  return run_change(args);
}

Status GlusterCommandLine::start(const std::string& volume) {
  return run_change({"volume", "start", volume});
}

Status GlusterCommandLine::stop(const std::string& volume) {
  return run_change({"volume", "stop", volume});
}

Status GlusterCommandLine::remove(const std::string& volume) {
  return run_change({"volume", "delete", volume});
}

Result<GlusterVolumeState> GlusterCommandLine::status(const std::string& volume) {
  auto xml = run_xml({"volume", "status", volume, "detail"});
  if (!xml) return xml.error();
  return parse_volume_status(*xml);
}

Result<GlusterHealSummary> GlusterCommandLine::heal_summary(const std::string& volume) {
  auto xml = run_xml({"volume", "heal", volume, "info", "summary"});
  if (!xml) return xml.error();
  auto summary = parse_heal_summary(*xml);
  if (summary) summary->volume = volume;
  return summary;
}

Status GlusterCommandLine::heal(const std::string& volume) {
  return run_change({"volume", "heal", volume});
}

Status GlusterCommandLine::replace_brick(const std::string& volume, const std::string& old_brick,
                                         const std::string& new_brick) {
  return run_change({"volume", "replace-brick", volume, old_brick, new_brick, "commit", "force"});
}

// --- mounts ---

const char* to_string(MountState state) {
  switch (state) {
    case MountState::absent:
      return "absent";
    case MountState::alive:
      return "alive";
    case MountState::unreachable:
      return "unreachable";
    case MountState::stuck:
      return "stuck";
    case MountState::dead:
      return "dead";
  }
  return "?";
}

namespace {

struct GlusterfsMount {
  std::string device;      // MAJ:MIN
  std::string mountpoint;  // as mountinfo writes it (octal escapes kept)
};

// Every glusterfs FUSE mount of a mountinfo text, in order.
std::vector<GlusterfsMount> glusterfs_mounts(const std::string& mountinfo) {
  std::vector<GlusterfsMount> mounts;
  std::istringstream lines(mountinfo);
  for (std::string line; std::getline(lines, line);) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    std::istringstream fields(line);
    std::string id, parent, device, root, mountpoint;
    if (!(fields >> id >> parent >> device >> root >> mountpoint)) continue;
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream rest(line.substr(dash + 3));
    std::string type;
    rest >> type;
    if (type == "fuse.glusterfs") mounts.push_back({device, mountpoint});
  }
  return mounts;
}

}  // namespace

bool mountinfo_has_glusterfs(const std::string& mountinfo, const std::string& dir) {
  for (const auto& mount : glusterfs_mounts(mountinfo)) {
    if (mount.mountpoint == dir) return true;
  }
  return false;
}

std::optional<std::string> stale_glusterfs_mount(const std::string& container_mountinfo,
                                                 const std::string& node_mountinfo) {
  std::set<std::string> live;
  for (const auto& mount : glusterfs_mounts(node_mountinfo)) live.insert(mount.device);
  for (const auto& mount : glusterfs_mounts(container_mountinfo)) {
    if (!live.count(mount.device)) return mount.mountpoint;
  }
  return std::nullopt;
}

bool is_fuse_client_of(const std::vector<std::string>& cmdline, const std::string& dir) {
  if (cmdline.size() < 2 || cmdline.back() != dir) return false;
  std::string program = cmdline.front().substr(cmdline.front().rfind('/') + 1);
  return program == "glusterfs";
}

namespace {

// Whether a glusterfs client process for the mount point `dir` runs in this mount namespace
// (another namespace, e.g. another lab node on the same machine, may have a mount at the same
// path).
bool fuse_client_runs(const std::string& dir) {
  std::error_code ec;
  auto own_namespace = std::filesystem::read_symlink("/proc/self/ns/mnt", ec);
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code link_error;
    if (std::filesystem::read_symlink(entry.path() / "ns" / "mnt", link_error) != own_namespace)
      continue;
    // read_text_file, not an istreambuf_iterator: reading the cmdline of a process that exits
    // meanwhile fails with ESRCH, which libstdc++'s filebuf throws and only a stream catches
    // (it killed hearthd when a service's process exited during this scan).
    std::string raw = read_text_file((entry.path() / "cmdline").string());
    std::vector<std::string> argv;
    std::size_t start = 0;
    while (start < raw.size()) {
      auto end = raw.find('\0', start);
      if (end == std::string::npos) end = raw.size();
      argv.push_back(raw.substr(start, end - start));
      start = end + 1;
    }
    if (is_fuse_client_of(argv, dir)) return true;
  }
  return false;
}

}  // namespace

MountState FuseVolumeMounts::check(const std::string& dir, MountUsage* usage) {
  if (!mountinfo_has_glusterfs(read_text_file("/proc/self/mountinfo"), dir)) {
    return MountState::absent;
  }
  // A mount that reaches no brick fails like one whose client died (ENOTCONN): only the
  // client process tells them apart. Remounting the first would gain nothing and, while it is
  // unmounted, leave the bare directory in its place.
  if (!fuse_client_runs(dir)) return MountState::dead;
  // statfs in a child: a stalled FUSE mount blocks the child, not hearthd.
  auto done = run({.argv = {"stat", "--file-system", "--format=%S %b %a", dir},
                   .timeout = std::chrono::seconds(5),
                   .own_process_group = true});
  if (!done || done->timed_out) return MountState::stuck;
  if (!done->succeeded()) return MountState::unreachable;
  std::istringstream numbers(done->out);
  std::uint64_t block = 0, blocks = 0, available = 0;
  if (usage && (numbers >> block >> blocks >> available)) {
    usage->total = block * blocks;
    usage->free = block * available;
  }
  return MountState::alive;
}

Status FuseVolumeMounts::mount(const std::string& volume, const std::vector<std::string>& servers,
                               const std::string& dir) {
  if (servers.empty()) return Error{"cannot mount volume " + volume + ": no server to ask for it"};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cannot create the mount point " + dir + ": " + ec.message()};
  std::filesystem::create_directories(log_dir_, ec);
  std::string options = "log-file=" + log_dir_ + "/" + volume + ".log";
  if (servers.size() > 1) {
    std::string backups;
    for (std::size_t i = 1; i < servers.size(); ++i) backups += (i > 1 ? ":" : "") + servers[i];
    options += ",backup-volfile-servers=" + backups;
  }
  auto done = run(
      {.argv = {"mount", "-t", "glusterfs", "-o", options, servers.front() + ":/" + volume, dir},
       .err = Output::merge,
       .timeout = std::chrono::seconds(30),
       .own_process_group = true});
  if (!done)
    return Error{"cannot mount volume " + volume + " at " + dir + ": " + done.error().message};
  if (!done->succeeded()) {
    std::string reason = done->out;
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    return Error{"cannot mount volume " + volume + " at " + dir + ": mount " + done->describe() +
                 (reason.empty() ? "" : ": " + reason) + " (client log: " + log_dir_ + "/" +
                 volume + ".log)"};
  }
  return ok_status();
}

Status FuseVolumeMounts::unmount(const std::string& dir) {
  auto done = run({.argv = {"umount", "--lazy", dir},
                   .err = Output::merge,
                   .timeout = std::chrono::seconds(10)});
  if (!done) return Error{"cannot unmount " + dir + ": " + done.error().message};
  if (!done->succeeded())
    return Error{"cannot unmount " + dir + ": umount " + done->describe() + ": " + done->out};
  return ok_status();
}

}  // namespace hearth
