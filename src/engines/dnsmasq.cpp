#include "engines/dnsmasq.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kStartCheck = 300ms;  // dnsmasq fails at once on a bad address or port
constexpr auto kStopGrace = 2s;
constexpr auto kMaxBackoff = 30s;
constexpr auto kHealthyRun = 30s;  // a dnsmasq that ran this long before dying resets the back-off

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to `path` through a temporary file in the same directory, fsync'd and renamed.
Status write_atomically(const std::string& path, const std::string& text) {
  std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot write " + temporary + ": " + std::strerror(errno)};
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return Error{"cannot write " + temporary + ": " + std::strerror(saved) + " (disk full?)"};
    }
    written += static_cast<std::size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || std::rename(temporary.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return Error{"cannot replace " + path + ": " + std::strerror(saved)};
  }
  return ok_status();
}

// The last lines of a file, indented, for error messages.
std::string tail(const std::string& path, std::size_t count) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  std::string text;
  for (const auto& line : lines) text += "\n    " + line;
  return text;
}

std::chrono::milliseconds backoff(int failures) {
  if (failures <= 1) return 0ms;  // the first death: restart at once
  std::chrono::milliseconds delay = 1s;
  for (int i = 2; i < failures && delay < kMaxBackoff; ++i) delay *= 2;
  return std::min<std::chrono::milliseconds>(delay, kMaxBackoff);
}

}  // namespace

DnsmasqServer::DnsmasqServer(DnsmasqLayout layout, std::string program)
    : layout_(std::move(layout)), program_(std::move(program)) {}

DnsmasqServer::~DnsmasqServer() { stop(); }

std::optional<DnsDhcpConfig> DnsmasqServer::saved() const {
  auto text = read_file(layout_.config_file());
  if (!text) return std::nullopt;
  DnsDhcpConfig config;
  config.text = std::move(*text);
  if (auto revision = read_file(layout_.revision_file())) {
    try {
      config.spec_revision = std::stoll(*revision);
    } catch (const std::exception&) {
      log::warn("dnsmasq: " + layout_.revision_file() +
                " holds no number; taking the saved configuration as revision 0");
    }
  }
  return config;
}

Status DnsmasqServer::save(const DnsDhcpConfig& config, bool text_too) {
  std::error_code ec;
  std::filesystem::create_directories(layout_.dir, ec);
  if (ec) return Error{"cannot create " + layout_.dir + ": " + ec.message()};
  ::chmod(layout_.dir.c_str(), 0700);
  // The revision first: a crash in between leaves the new revision with the old text, which the
  // reconciler re-renders and replaces (never the new text taken for an older revision).
  if (auto s =
          write_atomically(layout_.revision_file(), std::to_string(config.spec_revision) + "\n");
      !s)
    return s;
  if (text_too) return write_atomically(layout_.config_file(), config.text);
  return ok_status();
}

bool DnsmasqServer::running() {
  if (!child_) return false;
  if (auto done = child_->wait_for(0ms)) {
    auto ran = SteadyClock::now() - started_at_;
    failures_ = ran >= kHealthyRun ? 1 : failures_ + 1;
    next_start_ = SteadyClock::now() + backoff(failures_);
    log::warn("dnsmasq (pid " + std::to_string(child_->pid()) + ") " + done->describe() +
              "; the end of " + layout_.log_file() + ":" + tail(layout_.log_file(), 5));
    child_.reset();
    running_text_.reset();
    return false;
  }
  return true;
}

pid_t DnsmasqServer::pid() const { return child_ && child_->running() ? child_->pid() : 0; }

Status DnsmasqServer::apply(const DnsDhcpConfig& config) {
  bool alive = running();
  if (alive && running_text_ == config.text) {
    auto current = saved();
    if (current && current->spec_revision == config.spec_revision && current->text == config.text) {
      return ok_status();
    }
    return save(config, !current || current->text != config.text);
  }
  if (SteadyClock::now() < next_start_) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_start_ - SteadyClock::now());
    return Error{"dnsmasq failed " + std::to_string(failures_) + " times in a row; next try in " +
                 std::to_string((left.count() + 999) / 1000) + " s (see " + layout_.log_file() +
                 ")"};
  }

  // Check the new text before it replaces anything: a refused configuration leaves the running
  // server and the saved copy as they were.
  std::error_code ec;
  std::filesystem::create_directories(layout_.dir, ec);
  if (ec) return Error{"cannot create " + layout_.dir + ": " + ec.message()};
  std::string candidate = layout_.dir + "/dnsmasq.conf.new";
  if (auto s = write_atomically(candidate, config.text); !s) return s;
  auto checked = run({.argv = {program_, "--test", "--conf-file=" + candidate},
                      .err = Output::merge,
                      .timeout = 10s});
  if (!checked || !checked->succeeded()) {
    ::unlink(candidate.c_str());
    std::string why = checked ? checked->describe() + ": " + checked->out : checked.error().message;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return Error{
        "dnsmasq refuses the configuration of spec revision " +
        std::to_string(config.spec_revision) + " (" + why +
        "); it keeps running the previous one. Is dnsmasq installed (scripts/install-deps)?"};
  }
  ::unlink(candidate.c_str());

  if (auto s = save(config, true); !s) return s;
  if (alive) {
    log::info("dnsmasq: restarting with the configuration of spec revision " +
              std::to_string(config.spec_revision) + " (leases are kept in " +
              layout_.lease_file() + ")");
    stop();
  }
  running_text_.reset();
  if (auto s = start(); !s) return s;
  running_text_ = config.text;
  log::info("dnsmasq (pid " + std::to_string(child_->pid()) + ") serves DNS and DHCP from " +
            layout_.config_file() + " (spec revision " + std::to_string(config.spec_revision) +
            ")");
  return ok_status();
}

void DnsmasqServer::stop_leftover() {
  auto text = read_file(layout_.pid_file());
  if (!text) return;
  long pid = 0;
  try {
    pid = std::stol(*text);
  } catch (const std::exception&) {
    return;
  }
  if (pid <= 0) return;
  auto info = inspect_process(static_cast<pid_t>(pid));
  if (!info || info->state == 'Z' || info->name != "dnsmasq") return;
  const std::string ours = "--conf-file=" + layout_.config_file();
  if (std::find(info->cmdline.begin(), info->cmdline.end(), ours) == info->cmdline.end()) return;
  log::info("dnsmasq: stopping pid " + std::to_string(pid) +
            ", left running by a previous hearthd, to start it again under supervision");
  if (!stop_process(static_cast<pid_t>(pid), kStopGrace, info->start_time)) {
    log::warn("dnsmasq: pid " + std::to_string(pid) +
              " did not stop; the new dnsmasq may not bind");
  }
}

Status DnsmasqServer::start() {
  if (!leftover_checked_) {
    stop_leftover();
    leftover_checked_ = true;
  }
  auto child = Child::start({.argv = {program_, "--conf-file=" + layout_.config_file()},
                             .out = Output::file,
                             .err = Output::merge,
                             .output_file = layout_.log_file(),
                             .own_process_group = true});
  auto failed = [&](const std::string& why) -> Status {
    failures_ += 1;
    next_start_ = SteadyClock::now() + std::max<std::chrono::milliseconds>(backoff(failures_), 1s);
    return Error{"dnsmasq " + why + "; the end of " + layout_.log_file() + ":" +
                 tail(layout_.log_file(), 5) + "\nCheck that every listen-address of " +
                 layout_.config_file() +
                 " is an address of this machine and that nothing else uses ports 53 and 67."};
  };
  if (!child) return failed("cannot start: " + child.error().message);
  if (auto done = child->wait_for(kStartCheck))
    return failed(done->describe() + " right after starting");
  child_ = std::move(*child);
  started_at_ = SteadyClock::now();
  return ok_status();
}

void DnsmasqServer::stop() {
  if (!child_) return;
  if (child_->running()) {
    pid_t pid = child_->pid();
    Completed done = child_->stop(kStopGrace);
    log::info("dnsmasq (pid " + std::to_string(pid) + ") stopped: " + done.describe());
  }
  child_.reset();
  running_text_.reset();
}

}  // namespace hearth
