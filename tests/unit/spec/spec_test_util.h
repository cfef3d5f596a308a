#pragma once
// Helpers for spec tests: a small valid spec to mutate, and exact checks of diagnostics.

#include <gtest/gtest.h>

#include <string>

#include "spec/load.h"

namespace hearth::testing {

// A small spec that passes every rule. Each test changes one thing in it.
inline const std::string kValidSpec = R"(cluster: { name: lab, domain: home.arpa }
nodes:
  s1:
    role: server
    address: 10.0.0.11
    storage_address: 10.0.1.11
    capacity: { cpus: 4, memory: 8GiB }
    disks:
      d1: { path: /srv/s1/d1, size: 100GiB }
  s2:
    role: server
    address: 10.0.0.12
    storage_address: 10.0.1.12
    capacity: { cpus: 2, memory: 4GiB }
    disks:
      d1: { path: /srv/s2/d1, size: 100GiB }
  arb:
    role: arbiter
    address: 10.0.0.13
    storage_address: 10.0.1.13
    disks:
      ssd: { path: /srv/arb, size: 10GiB }
networks:
  lan:
    cidr: 10.0.0.0/24
    vlan: 10
    gateway: 10.0.0.1
    management: true
    service_ips: 10.0.0.100-10.0.0.149
    dhcp:
      range: 10.0.0.200-10.0.0.250
      reservations:
        printer: { mac: "aa:bb:cc:dd:ee:ff", address: 10.0.0.5 }
  san: { cidr: 10.0.1.0/24, vlan: 11, storage: true }
  home: { cidr: 10.0.2.0/24, vlan: 12, gateway: 10.0.2.1 }
dns:
  upstream: [1.1.1.1]
  records: { nas: 10.0.0.40 }
volumes:
  data: { size: 10GiB }
services:
  web:
    image: docker.io/library/nginx
    network: lan
    address: 10.0.0.100
    ports: [80/tcp]
    allow_from: [home]
    volumes: ["data/web:/srv"]
    health: { http: "/" }
    resources: { cpus: 1, memory: 1GiB }
    prefer: s1
backups:
  nightly:
    volumes: [data]
    repository: /backups
    password_file: /etc/pw
    schedule: daily 03:00
    keep: { daily: 7 }
)";

// `text` with the one occurrence of `from` replaced by `to` (fails the test if not exactly one).
inline std::string with(const std::string& text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "not in the spec: " << from;
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "more than once in the spec: " << from;
  return text.substr(0, at) + to + text.substr(at + from.size());
}

// The 1-based position of the `nth` (0-based) occurrence of `needle` in `text`.
inline Position locate(const std::string& text, const std::string& needle, int nth = 0) {
  std::size_t at = text.find(needle);
  for (int i = 0; i < nth && at != std::string::npos; ++i) at = text.find(needle, at + 1);
  EXPECT_NE(at, std::string::npos) << "not in the text: " << needle;
  if (at == std::string::npos) return {};
  Position position{1, 1};
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

inline std::string format_all(const LoadResult& result) {
  std::string text;
  for (const Diagnostic& d : result.errors) text += "  " + d.format() + "\n";
  return text;
}

// Loads `text` and checks that it fails with exactly one error: at `key_path`, at the position of
// `at` in the text, with a message containing `message_part`.
inline ::testing::AssertionResult fails_with(const std::string& text, const std::string& key_path,
                                             Position at, const std::string& message_part) {
  LoadResult result = load_spec_text(text, "t.yaml");
  if (result.ok()) return ::testing::AssertionFailure() << "the spec loaded without errors";
  if (result.errors.size() != 1) {
    return ::testing::AssertionFailure()
           << "expected one error, got " << result.errors.size() << ":\n"
           << format_all(result);
  }
  const Diagnostic& d = result.errors.front();
  if (d.key_path != key_path || d.position != at || d.file != "t.yaml" ||
      d.message.find(message_part) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "expected t.yaml:" << at.line << ":" << at.column << ": " << key_path << ": ..."
           << message_part << "...\n got " << d.format();
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult loads(const std::string& text) {
  LoadResult result = load_spec_text(text, "t.yaml");
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "errors:\n" << format_all(result);
}

}  // namespace hearth::testing
