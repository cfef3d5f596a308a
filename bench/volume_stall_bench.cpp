// Volumes in the lab: brings the lab up with `hearth lab up` and measures, through the real
// hearthd-built gluster volume `appdata`:
//   stall       run after run, r510 loses power (`hearth lab kill r510 --power`) during a loop of
//               fsync'd 4 KiB writes on r530's mount: the longest gap between two acknowledged
//               writes around the cut (median, max), and failed writes (should be none)
//   heal        from `hearth lab revive r510` until gluster reports no pending entry (hearthd
//               starts the heal by itself)
//   throughput  1 MiB sequential writes (fsync at the end) and reads of a 64 MiB file, through
//               r530's FUSE mount and straight on the disk that holds its brick, and the ratio
// Prints aligned tables; always takes the lab down again. Run it with bench/volume-stall (root).
//
//   volume_stall_bench --hearth BUILD/hearth --spec examples/homelab.yaml [--runs N] [--mib M]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/process.h"
#include "lab_driver.h"

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using namespace std::chrono_literals;

using hearth::bench::hearth_path;
using hearth::bench::hearth_run;

hearth::Completed exec(const std::string& node, const std::string& script,
                       std::chrono::seconds timeout = 120s) {
  return hearth_run({"lab", "exec", node, "--", "sh", "-c", script}, timeout);
}

Json volume_of(const std::string& node, const std::string& volume) {
  auto status =
      Json::parse(hearth_run({"status", "--json", "--node", node}, 10s).out, nullptr, false);
  if (!status.is_object() || !status["volumes"].is_array()) return Json();
  for (const auto& v : status["volumes"]) {
    if (v.value("name", "") == volume) return v;
  }
  return Json();
}

bool ready(const std::string& volume) {
  Json v = volume_of("r530", volume);
  if (!v.is_object() || v.value("state", "") != "Started") return false;
  int up = 0, mounted = 0;
  for (const auto& b : v["bricks"]) up += b["up"].is_boolean() && b["up"].get<bool>() ? 1 : 0;
  for (const auto& m : v["mounts"]) mounted += m.value("state", "") == "alive" ? 1 : 0;
  return up == 3 && mounted == 2;
}

// gluster itself: every brick connected, nothing pending.
bool healed(const std::string& volume) {
  auto done = hearth_run({"lab", "exec", "r530", "--", "gluster", "--mode=script", "volume", "heal",
                          volume, "info", "summary"},
                         30s);
  if (!done.succeeded()) return false;
  int connected = 0, nonzero = 0;
  std::istringstream lines(done.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Status: Connected", 0) == 0) ++connected;
    if (line.rfind("Total Number of entries:", 0) == 0 && line != "Total Number of entries: 0")
      ++nonzero;
  }
  return connected == 3 && nonzero == 0;
}

template <typename F>
std::optional<std::chrono::milliseconds> wait_for(F condition, std::chrono::seconds limit) {
  auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (condition())
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    std::this_thread::sleep_for(250ms);
  }
  return std::nullopt;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Run {
  std::int64_t stall_ms = -1;
  int acknowledged = 0, failed = 0;
  std::int64_t heal_ms = -1;
};

Run stall_run(int index) {
  Run run;
  std::string dir = "/var/lib/hearth/volumes/appdata/bench-stall-" + std::to_string(wall_ms()) +
                    "-" + std::to_string(index);
  std::string script =
      "D=" + dir +
      "; mkdir -p $D || exit 3; end=$(( $(date +%s) + 10 )); i=0; "
      "while [ $(date +%s) -lt $end ]; do "
      "if dd if=/dev/zero of=$D/f$i bs=4k count=1 conv=fsync status=none 2>/dev/null; "
      "then echo \"ok $(date +%s%3N)\"; else echo \"fail $(date +%s%3N)\"; fi; i=$((i+1)); done";
  auto child = hearth::Child::start(
      {.argv = {hearth_path, "lab", "exec", "r530", "--", "sh", "-c", script}, .timeout = 120s});
  if (!child) return run;
  std::this_thread::sleep_for(3s);
  std::int64_t cut = wall_ms();
  hearth_run({"lab", "kill", "r510", "--power"});
  hearth::Completed done = child->wait();
  std::vector<std::int64_t> acks;
  std::istringstream lines(done.out);
  for (std::string word; lines >> word;) {
    std::int64_t at = 0;
    lines >> at;
    if (word == "ok") acks.push_back(at);
    if (word == "fail") ++run.failed;
  }
  run.acknowledged = static_cast<int>(acks.size());
  for (std::size_t i = 1; i < acks.size(); ++i) {
    if (acks[i] >= cut && acks[i - 1] <= cut + 10000)
      run.stall_ms = std::max(run.stall_ms, acks[i] - acks[i - 1]);
  }
  hearth_run({"lab", "revive", "r510"});
  auto heal = wait_for([] { return healed("appdata"); }, 300s);
  if (heal) run.heal_ms = heal->count();
  wait_for([] { return ready("appdata"); }, 120s);
  return run;
}

// MB/s that dd reports ("... copied, 0.5 s, 134 MB/s"), or -1.
double dd_rate(const hearth::Completed& done) {
  std::string text = done.err + done.out;
  auto comma = text.rfind(", ");
  if (comma == std::string::npos || !done.succeeded()) return -1;
  double value = -1;
  char unit[16] = {0};
  if (std::sscanf(text.c_str() + comma + 2, "%lf %15s", &value, unit) != 2) return -1;
  std::string u = unit;
  if (u == "GB/s") value *= 1000;
  if (u == "kB/s") value /= 1000;
  return value;
}

std::string median_max(std::vector<std::int64_t> values) {
  values.erase(std::remove(values.begin(), values.end(), -1), values.end());
  if (values.empty()) return "-";
  std::sort(values.begin(), values.end());
  return std::to_string(values[values.size() / 2]) + " ms median, " +
         std::to_string(values.back()) + " ms max";
}

}  // namespace

int main(int argc, char** argv) {
  std::string spec;
  int runs = 5, mib = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--hearth") hearth_path = argv[i + 1];
    if (flag == "--spec") spec = argv[i + 1];
    if (flag == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
    if (flag == "--mib") mib = std::max(1, std::atoi(argv[i + 1]));
  }
  if (hearth_path.empty() || spec.empty()) {
    std::cerr
        << "usage: volume_stall_bench --hearth BUILD/hearth --spec SPEC [--runs N] [--mib M]\n";
    return 2;
  }
  std::cout << "bringing the lab up from " << spec << " ...\n" << std::flush;
  auto up = hearth_run({"lab", "up", "-f", spec}, 300s);
  if (!up.succeeded()) {
    std::cerr << "hearth lab up failed:\n" << up.out << up.err;
    hearth_run({"lab", "down"});
    return 1;
  }
  auto took = wait_for([] { return ready("appdata"); }, 240s);
  if (!took) {
    std::cerr << "appdata never became ready\n";
    hearth_run({"lab", "down"});
    return 1;
  }
  std::cout << "appdata started and mounted on both servers " << took->count()
            << " ms after lab up\n\n";

  std::vector<Run> results;
  for (int i = 0; i < runs; ++i) {
    Run run = stall_run(i);
    std::cout << "  run " << (i + 1) << ": stall " << run.stall_ms << " ms, " << run.acknowledged
              << " writes acknowledged, " << run.failed << " failed, healed " << run.heal_ms
              << " ms after revival\n"
              << std::flush;
    results.push_back(run);
  }

  // Throughput: the brick's disk (a directory beside the brick, not inside it) vs the mount.
  std::string brick_disk;
  for (const auto& b : volume_of("r530", "appdata")["bricks"]) {
    if (b.value("node", "") == "r530") {
      std::string id = b.value("brick", "");
      std::string path = id.substr(id.find(':') + 1);
      brick_disk = path.substr(0, path.rfind('/'));
    }
  }
  std::string count = std::to_string(mib);
  std::string mount_file = "/var/lib/hearth/volumes/appdata/bench-throughput.bin";
  std::string disk_file = brick_disk + "/bench-throughput.bin";
  auto mount_write =
      exec("r530", "dd if=/dev/zero of=" + mount_file + " bs=1M count=" + count + " conv=fsync");
  auto disk_write =
      exec("r530", "dd if=/dev/zero of=" + disk_file + " bs=1M count=" + count + " conv=fsync");
  // Reads without the page cache: the mount's file through r510's mount (written through r530's,
  // so r510 never cached it), the disk's file with O_DIRECT.
  auto mount_read = exec("r510", "dd if=" + mount_file + " of=/dev/null bs=1M");
  auto disk_read = exec("r530", "dd if=" + disk_file + " of=/dev/null bs=1M iflag=direct");
  exec("r530", "rm -f " + mount_file + " " + disk_file);
  hearth_run({"lab", "down"});

  std::vector<std::int64_t> stalls, heals;
  int failed = 0, acknowledged = 0;
  for (const auto& r : results) {
    stalls.push_back(r.stall_ms);
    heals.push_back(r.heal_ms);
    failed += r.failed;
    acknowledged += r.acknowledged;
  }
  std::printf(
      "\nwrite stall on r530's mount when r510 loses power (%d runs, fsync'd 4 KiB writes)\n",
      runs);
  std::printf("  %-34s %s\n", "stall", median_max(stalls).c_str());
  std::printf("  %-34s %d acknowledged, %d failed\n", "writes", acknowledged, failed);
  std::printf("  %-34s %s\n", "heal done after revival", median_max(heals).c_str());
  double mw = dd_rate(mount_write), dw = dd_rate(disk_write), mr = dd_rate(mount_read),
         dr = dd_rate(disk_read);
  std::printf("\nsequential throughput, 1 MiB blocks, %d MiB (MB/s)\n", mib);
  std::printf("  %-8s %10s %10s %8s\n", "", "mount", "brick disk", "ratio");
  std::printf("  %-8s %10.1f %10.1f %8.2f\n", "write", mw, dw, dw > 0 ? mw / dw : 0.0);
  std::printf("  %-8s %10.1f %10.1f %8.2f\n", "read", mr, dr, dr > 0 ? mr / dr : 0.0);
  return 0;
}
