#pragma once
// The example lab of DESIGN.md as YAML, with volumes and services chosen so that every what-if
// has something to say, and a loader for tests.
//
//   service     cpus  memory  prefer  volume            healthy plan
//   homepage    0.5   128MiB  r510    appdata rw        r510
//   notes       0.25  64MiB   -       appdata rw        r530 (least loaded)
//   whoami      0.1   32MiB   r530    appdata ro        r530
//   jellyfin    4     8GiB    r530    media rw          r530
//   transcoder  5     4GiB    r510    media ro          r510
//
// Bricks: media is pinned to r510:hdd2 + r530:hdd1; appdata goes to r510:hdd1 + r530:ssd1;
// both arbiter bricks to elitedesk:ssd1.

#include <gtest/gtest.h>

#include <string>

#include "spec/load.h"

namespace hearth::testing {

inline const char* const kLabYaml = R"(
cluster: { name: homecentr, domain: home.arpa }
nodes:
  r510:
    role: server
    address: 10.1.2.17
    storage_address: 10.1.7.17
    capacity: { cpus: 8, memory: 48GiB }
    disks:
      hdd1: { path: /srv/hearth/bricks/hdd1, size: 2TiB }
      hdd2: { path: /srv/hearth/bricks/hdd2, size: 2TiB }
  r530:
    role: server
    address: 10.1.2.22
    storage_address: 10.1.7.22
    capacity: { cpus: 8, memory: 32GiB }
    disks:
      ssd1: { path: /srv/hearth/bricks/ssd1, size: 1TiB }
      hdd1: { path: /srv/hearth/bricks/hdd1, size: 2TiB }
  elitedesk:
    role: arbiter
    address: 10.1.2.26
    storage_address: 10.1.7.26
    capacity: { cpus: 4, memory: 8GiB }
    disks:
      ssd1: { path: /srv/hearth/arbiter, size: 120GiB }
networks:
  services:
    cidr: 10.1.2.0/24
    vlan: 20
    gateway: 10.1.2.1
    management: true
    service_ips: 10.1.2.128-10.1.2.191
    dhcp: { range: 10.1.2.220-10.1.2.250 }
  storage: { cidr: 10.1.7.0/24, vlan: 70, storage: true }
  home:
    cidr: 10.1.3.0/24
    vlan: 30
    gateway: 10.1.3.1
    dhcp:
      range: 10.1.3.25-10.1.3.254
      lease: 12h
      reservations:
        laserjet: { mac: "3c:52:82:00:00:05", address: 10.1.3.5 }
  guests: { cidr: 10.1.4.0/24, vlan: 40, gateway: 10.1.4.1, dhcp: { range: 10.1.4.25-10.1.4.254 } }
  toxic:  { cidr: 10.1.5.0/24, vlan: 50, gateway: 10.1.5.1, dhcp: { range: 10.1.5.50-10.1.5.200 } }
dns:
  upstream: [1.1.1.1, 1.0.0.1]
  records: { nas: 10.1.2.40 }
volumes:
  appdata: { size: 100GiB }
  media: { size: 1TiB, disks: { r510: hdd2, r530: hdd1 } }
services:
  homepage:
    rootfs: /srv/hearth/images/busybox
    command: [httpd, -f, -p, "80", -h, /data]
    network: services
    address: 10.1.2.130
    ports: [80/tcp]
    allow_from: [home, services]
    volumes: ["appdata/homepage:/data"]
    resources: { cpus: 0.5, memory: 128MiB }
    prefer: r510
  notes:
    rootfs: /srv/hearth/images/busybox
    command: [httpd, -f, -p, "80", -h, /notes]
    network: services
    ports: [80/tcp]
    allow_from: [home]
    volumes: ["appdata/notes:/notes"]
    resources: { cpus: 0.25, memory: 64MiB }
  whoami:
    rootfs: /srv/hearth/images/busybox
    command: [httpd, -f, -p, "8080", -h, /www]
    network: services
    ports: [8080/tcp]
    allow_from: [home, guests, 10.1.9.0/24]
    volumes: ["appdata/whoami:/www:ro"]
    resources: { cpus: 0.1, memory: 32MiB }
    prefer: r530
  jellyfin:
    image: ghcr.io/jellyfin/jellyfin:10.9
    network: services
    ports: [8096/tcp]
    volumes: ["media:/media"]
    resources: { cpus: 4, memory: 8GiB }
    prefer: r530
  transcoder:
    image: ghcr.io/lab/transcoder:1
    network: services
    ports: [9000/tcp]
    volumes: ["media:/media:ro"]
    resources: { cpus: 5, memory: 4GiB }
    prefer: r510
)";

// Loads YAML that must be valid; on errors the test fails with every diagnostic.
inline Spec load_valid(const std::string& yaml) {
  LoadResult loaded = load_spec_text(yaml, "lab.yaml");
  std::string errors;
  for (const Diagnostic& error : loaded.errors) errors += error.format() + "\n";
  EXPECT_TRUE(loaded.ok()) << errors;
  return loaded.ok() ? *loaded.spec : Spec{};
}

}  // namespace hearth::testing
