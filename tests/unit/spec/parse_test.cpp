// The shape of the file and the syntax of each value: one case per rule, each changing one thing
// in a valid spec and expecting exactly one error, at an exact key path and position.

#include "spec/parse.h"

#include <memory>
#include <gtest/gtest.h>

#include "spec/load.h"
#include "spec_test_util.h"

namespace hearth {
namespace {

using testing::fails_with;
using testing::kValidSpec;
using testing::loads;
using testing::locate;
using testing::with;

struct Case {
  const char* name;
  const char* from;  // text of kValidSpec to change (exactly once in it)
  const char* to;    // what to put instead
  const char* path;  // expected key path of the one error
  const char* at;    // the error is at the first occurrence of this text, searched from the change
  const char* message;     // part of the expected message
  bool at_before = false;  // search `at` from the start of the file instead
};

class ParseRule : public ::testing::TestWithParam<Case> {};

TEST_P(ParseRule, ReportsExactlyOneErrorAtThePathAndPosition) {
  const Case& c = GetParam();
  std::string text = with(kValidSpec, c.from, c.to);
  std::size_t change = kValidSpec.find(c.from);
  std::size_t at = text.find(c.at, c.at_before ? 0 : change);
  ASSERT_NE(at, std::string::npos) << c.at;
  Position position = locate(text.substr(0, at) + "\x01", "\x01");
  EXPECT_TRUE(fails_with(text, c.path, position, c.message));
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

// clang-format off
const Case kCases[] = {
  // The shape: known keys, required keys, maps versus lists, duplicates.
  {"UnknownKeyWithSuggestion", "    prefer: s1\n", "    prefer: s1\n    prefre: s2\n",
   "services.web.prefre", "prefre", "unknown key 'prefre'; did you mean 'prefer'?"},
  {"UnknownKeyListsKnownKeys", "    role: arbiter\n", "    role: arbiter\n    colour: red\n",
   "nodes.arb.colour", "colour", "unknown key 'colour' (known keys: role address"},
  {"UnknownSection", "dns:\n", "servics: {}\ndns:\n", "servics", "servics",
   "did you mean 'services'?"},
  {"MergeKeysAreNotSupported", "  data: { size: 10GiB }", "  data: { size: 10GiB, <<: {} }",
   "volumes.data.<<", "<<", "merge keys (<<) are not supported"},
  {"DuplicateKey", "    vlan: 10\n", "    vlan: 10\n    vlan: 13\n", "networks.lan.vlan",
   "vlan: 13", "duplicate key 'vlan' (first at line 26)"},
  {"DuplicateName", "backups:\n", "  web: { image: r.example/x, network: lan }\nbackups:\n", "services.web",
   "web: { image", "duplicate key 'web' (first at line 42)"},
  {"MissingSection", "cluster: { name: lab, domain: home.arpa }\n", "", "cluster", "nodes",
   "required key 'cluster' is missing"},
  {"MissingKeyPointsAtTheParentKey", "    address: 10.0.0.12\n", "", "nodes.s2.address", "s2:",
   "required key 'address' is missing", true},
  {"ServerNeedsCapacity", "    capacity: { cpus: 2, memory: 4GiB }\n", "", "nodes.s2.capacity",
   "s2:", "required key 'capacity' is missing", true},
  {"SectionIsAListNotAMap", "  data: { size: 10GiB }", "  - data", "volumes", "- data",
   "expected a map of volumes keyed by name, found a list (write 'NAME:' entries"},
  {"ScalarWhereAMapIsExpected", "capacity: { cpus: 4, memory: 8GiB }", "capacity: 4",
   "nodes.s1.capacity", "4", "expected a map with cpus and memory, found the text '4'"},
  {"EntryIsNotAMap", "  data: { size: 10GiB }", "  data: 10GiB", "volumes.data", "10GiB",
   "expected a map with size and optional disks, found the text '10GiB'"},
  {"ListWhereAStringIsExpected", "image: docker.io/library/nginx", "image: [nginx]", "services.web.image", "[",
   "expected an image reference, found a list"},
  {"MapWhereAListIsExpected", "ports: [80/tcp]", "ports: { http: 80 }", "services.web.ports",
   "{", "expected a list, e.g. [80/tcp], found a map"},
  {"TopLevelSectionOfWrongType", "dns:\n  upstream: [1.1.1.1]\n  records: { nas: 10.0.0.40 }\n",
   "dns: [1.1.1.1]\n", "dns", "[", "expected a map with upstream and records, found a list"},

  // Names.
  {"NodeNameNotADnsLabel", "  arb:\n", "  Arb_1:\n", "nodes.Arb_1", "Arb_1",
   "'Arb_1' is not a valid node name: use 1-63 lowercase letters"},
  {"ServiceNameNotADnsLabel", "  web:\n", "  -web:\n", "services.-web", "-web",
   "'-web' is not a valid service name"},
  {"NetworkNameNotADnsLabel", "  san: {", "  SAN: {", "networks.SAN", "SAN",
   "'SAN' is not a valid network name"},
  {"DiskNameNotADnsLabel", "      d1: { path: /srv/s2/d1", "      d.1: { path: /srv/s2/d1",
   "nodes.s2.disks.d.1", "d.1", "'d.1' is not a valid disk name"},
  {"VolumeNameTooLong", "volumes:\n", "volumes:\n  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: { size: 1GiB }\n",
   "volumes.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaa",
   "is not a valid volume name"},
  {"ReservationNameNotADnsLabel", "printer:", "Printer:",
   "networks.lan.dhcp.reservations.Printer", "Printer", "'Printer' is not a valid reservation name"},
  {"RecordNameNotADnsLabel", "{ nas:", "{ n_as:", "dns.records.n_as", "n_as",
   "'n_as' is not a valid DNS record name"},
  {"BackupNameNotADnsLabel", "  nightly:\n", "  Nightly:\n", "backups.Nightly", "Nightly",
   "'Nightly' is not a valid backup name"},
  {"ClusterNameNotADnsLabel", "name: lab,", "name: Lab,", "cluster.name", "Lab",
   "'Lab' is not a valid cluster name"},
  {"ClusterDomainNotADnsName", "domain: home.arpa", "domain: home..arpa", "cluster.domain",
   "home..arpa", "'home..arpa' is not a valid DNS domain"},

  // Values of nodes.
  {"UnknownRole", "role: arbiter", "role: witness", "nodes.arb.role", "witness",
   "unknown role 'witness' (use server or arbiter)"},
  {"AddressNotIpv4", "address: 10.0.0.11", "address: 10.0.0.256", "nodes.s1.address",
   "10.0.0.256", "'10.0.0.256' is not an IPv4 address"},
  {"CpusNotPositive", "cpus: 4,", "cpus: 0,", "nodes.s1.capacity.cpus", "0,",
   "must be larger than 0"},
  {"MemoryNeedsAUnit", "memory: 8GiB", "memory: 8", "nodes.s1.capacity.memory", "8",
   "'8' needs a unit, e.g. 512MiB"},
  {"DiskPathNotAbsolute", "path: /srv/s1/d1", "path: srv/s1/d1", "nodes.s1.disks.d1.path",
   "srv/s1/d1", "must be an absolute path"},
  {"DiskSizeZero", "path: /srv/s1/d1, size: 100GiB", "path: /srv/s1/d1, size: 0GiB",
   "nodes.s1.disks.d1.size", "0GiB", "must be larger than 0"},

  // Values of networks.
  {"CidrWithHostBits", "cidr: 10.0.0.0/24", "cidr: 10.0.0.5/24", "networks.lan.cidr",
   "10.0.0.5/24", "'10.0.0.5/24' has host bits set; did you mean 10.0.0.0/24?"},
  {"CidrGarbage", "cidr: 10.0.1.0/24", "cidr: 10.0.1.0", "networks.san.cidr", "10.0.1.0",
   "is not a network in CIDR notation"},
  {"CidrTooSmall", "cidr: 10.0.1.0/24", "cidr: 10.0.1.0/31", "networks.san.cidr", "10.0.1.0/31",
   "too small for a network"},
  {"VlanOutOfRange", "vlan: 11", "vlan: 4095", "networks.san.vlan", "4095",
   "VLAN 4095 is out of range (1..4094)"},
  {"VlanZero", "vlan: 11", "vlan: 0", "networks.san.vlan", "0", "VLAN 0 is out of range"},
  {"VlanNotANumber", "vlan: 11", "vlan: eleven", "networks.san.vlan", "eleven",
   "'eleven' is not a number"},
  {"FlagNotABoolean", "storage: true", "storage: yes", "networks.san.storage", "yes",
   "expected true or false, found 'yes'"},
  {"RangeReversed", "service_ips: 10.0.0.100-10.0.0.149", "service_ips: 10.0.0.149-10.0.0.100",
   "networks.lan.service_ips", "10.0.0.149", "is reversed: 10.0.0.149 comes after 10.0.0.100"},
  {"RangeGarbage", "range: 10.0.0.200-10.0.0.250", "range: 10.0.0.200", "networks.lan.dhcp.range",
   "10.0.0.200", "is not an address range"},
  {"LeaseTooShort", "      range: 10.0.0.200-10.0.0.250\n",
   "      range: 10.0.0.200-10.0.0.250\n      lease: 1m\n", "networks.lan.dhcp.lease", "1m",
   "lease 1m is too short (at least 2m)"},
  {"LeaseNeedsAUnit", "      range: 10.0.0.200-10.0.0.250\n",
   "      range: 10.0.0.200-10.0.0.250\n      lease: 3600\n", "networks.lan.dhcp.lease", "3600",
   "needs a unit"},
  {"MacMalformed", "\"aa:bb:cc:dd:ee:ff\"", "\"aa:bb:cc:dd:ee\"",
   "networks.lan.dhcp.reservations.printer.mac", "\"aa", "is not a MAC address"},

  // Values of dns.
  {"UpstreamNotAList", "upstream: [1.1.1.1]", "upstream: 1.1.1.1", "dns.upstream", "1.1.1.1",
   "expected a list, e.g. [1.1.1.1, 1.0.0.1]"},
  {"UpstreamNotAnAddress", "upstream: [1.1.1.1]", "upstream: [1.1.1.1, dns.google]",
   "dns.upstream[1]", "dns.google", "'dns.google' is not an IPv4 address"},
  {"RecordNotAnAddress", "{ nas: 10.0.0.40 }", "{ nas: [10.0.0.40] }", "dns.records.nas", "[",
   "expected an IPv4 address, found a list"},

  // Values of volumes.
  {"VolumeSizeNeedsAUnit", "data: { size: 10GiB }", "data: { size: 10 }", "volumes.data.size", "10 }",
   "'10' needs a unit"},
  {"VolumeSizeUnknownUnit", "data: { size: 10GiB }", "data: { size: 10GB2 }", "volumes.data.size", "10GB2",
   "unknown size unit 'GB2'"},
  {"VolumeMissingSize", "data: { size: 10GiB }", "data: { disks: {} }", "volumes.data.size",
   "data:", "required key 'size' is missing"},
  {"PinNotADiskName", "  data: { size: 10GiB }", "  data: { size: 10GiB, disks: { s1: [d1] } }",
   "volumes.data.disks.s1", "[d1]", "expected a disk name, found a list"},

  // Values of services.
  {"RootfsAndImageTogether", "    image: docker.io/library/nginx\n", "    image: docker.io/library/nginx\n    rootfs: /srv/x\n",
   "services.web.rootfs", "/srv/x", "rootfs and image are exclusive"},
  {"NeitherRootfsNorImage", "    image: docker.io/library/nginx\n", "", "services.web", "web:",
   "needs exactly one of rootfs (a root file system directory) or image", true},
  {"RootfsNeedsCommand", "    image: docker.io/library/nginx\n", "    rootfs: /srv/images/busybox\n",
   "services.web.command", "web:", "required key 'command' is missing", true},
  {"RootfsNotAbsolute", "    image: docker.io/library/nginx\n", "    rootfs: images/busybox\n    command: [sh]\n",
   "services.web.rootfs", "images/busybox", "must be an absolute path"},
  {"ImageWithSpaces", "image: docker.io/library/nginx", "image: \"docker.io/nginx latest\"",
   "services.web.image", "\"docker.io", "is not an image name"},
  {"ImageWithoutRegistry", "image: docker.io/library/nginx", "image: nginx:1.25",
   "services.web.image", "nginx:1.25", "names no registry"},
  {"ImageBadDigest", "image: docker.io/library/nginx", "image: docker.io/library/nginx@sha256:12",
   "services.web.image", "docker.io", "is not an image digest"},
  {"UserMalformed", "    image: docker.io/library/nginx\n",
   "    image: docker.io/library/nginx\n    user: \"1000:\"\n", "services.web.user", "\"1000:",
   "is not a user"},
  {"WorkdirNotAbsolute", "    image: docker.io/library/nginx\n",
   "    image: docker.io/library/nginx\n    workdir: app\n", "services.web.workdir", "app",
   "must be an absolute path"},
  {"RegistryHostMalformed", "backups:\n", "registries:\n  not_a_host: {}\nbackups:\n",
   "registries.not_a_host", "not_a_host", "is not a registry host"},
  {"RegistryAuthFileNotAbsolute", "backups:\n",
   "registries:\n  ghcr.io: { auth_file: auth.json }\nbackups:\n", "registries.ghcr.io.auth_file",
   "auth.json", "must be an absolute path"},
  {"RegistryUnknownKey", "backups:\n",
   "registries:\n  ghcr.io: { authfile: /etc/a.json }\nbackups:\n", "registries.ghcr.io.authfile",
   "authfile", "unknown key"},
  {"CommandNotAList", "    image: docker.io/library/nginx\n", "    image: docker.io/library/nginx\n    command: httpd -f\n",
   "services.web.command", "httpd -f", "expected a list, e.g. [httpd, -f, -p, \"80\"]"},
  {"EnvBadName", "    image: docker.io/library/nginx\n", "    image: docker.io/library/nginx\n    env: { 9TZ: x }\n",
   "services.web.env.9TZ", "9TZ", "not a valid environment variable name"},
  {"EnvValueNotAString", "    image: docker.io/library/nginx\n", "    image: docker.io/library/nginx\n    env: { TZ: [a] }\n",
   "services.web.env.TZ", "[a]", "expected a string, found a list"},
  {"NetworkMissing", "    network: lan\n", "", "services.web.network", "web:",
   "required key 'network' is missing", true},
  {"ServiceAddressNotIpv4", "address: 10.0.0.100", "address: 10.0.0", "services.web.address",
   "10.0.0\n", "'10.0.0' is not an IPv4 address"},
  {"PortWithoutProtocol", "ports: [80/tcp]", "ports: [80]", "services.web.ports[0]", "80]",
   "'80' is not a port: expected N/tcp or N/udp"},
  {"PortOutOfRange", "ports: [80/tcp]", "ports: [80/tcp, 70000/udp]", "services.web.ports[1]",
   "70000", "port number '70000' is out of range (1..65535)"},
  {"PortUnknownProtocol", "ports: [80/tcp]", "ports: [80/tcp, 80/sctp]", "services.web.ports[1]",
   "80/sctp", "unknown protocol 'sctp'"},
  {"PortListedTwice", "ports: [80/tcp]", "ports: [80/tcp, 53/udp, 80/tcp]",
   "services.web.ports[2]", "80/tcp]", "port 80/tcp is listed twice"},
  {"AllowFromBadCidr", "allow_from: [home]", "allow_from: [home, 10.0.9.1/24]",
   "services.web.allow_from[1]", "10.0.9.1/24", "has host bits set; did you mean 10.0.9.0/24?"},
  {"MountWithDotDot", "\"data/web:/srv\"", "\"data/../web:/srv\"", "services.web.volumes[0]",
   "\"data/..", "must be a relative path without '.', '..' or empty parts"},
  {"MountpointRelative", "\"data/web:/srv\"", "\"data/web:srv\"", "services.web.volumes[0]",
   "\"data/web:srv", "mountpoint 'srv' in 'data/web:srv' must be an absolute path"},
  {"MountpointTwice", "\"data/web:/srv\"", "\"data/web:/srv\", \"data:/srv:ro\"",
   "services.web.volumes[1]", "\"data:/srv", "mountpoint /srv is used twice"},
  {"HealthBothHttpAndTcp", "health: { http: \"/\" }", "health: { http: \"/\", tcp: 80 }",
   "services.web.health.tcp", "80 }", "http and tcp are exclusive"},
  {"HealthNeitherHttpNorTcp", "health: { http: \"/\" }", "health: { interval: 1s }",
   "services.web.health", "{ interval", "needs exactly one of http"},
  {"HealthHttpPathRelative", "health: { http: \"/\" }", "health: { http: \"index.html\" }",
   "services.web.health.http", "\"index", "'index.html' is not a URL path: it must start with '/'"},
  {"HealthPortNotAServicePort", "health: { http: \"/\" }", "health: { http: \"/\", port: 81 }",
   "services.web.health.port", "81", "port 81 is not one of the service's tcp ports"},
  {"HealthPortNeededWithSeveralTcpPorts", "ports: [80/tcp]", "ports: [80/tcp, 443/tcp]",
   "services.web.health.port", "{ http", "required key 'port' is missing: the service has "
   "several tcp ports"},
  {"HealthHttpWithoutTcpPort", "ports: [80/tcp]", "ports: [53/udp]", "services.web.health.port",
   "{ http", "an http check needs a tcp port, and the service has none"},
  {"HealthTcpPortNotAServicePort", "health: { http: \"/\" }", "health: { tcp: 8080 }",
   "services.web.health.tcp", "8080", "port 8080 is not one of the service's tcp ports"},
  {"HealthTcpWithPort", "health: { http: \"/\" }", "health: { tcp: 80, port: 80 }",
   "services.web.health.port", "80 }", "port is only for http checks"},
  {"HealthIntervalNeedsAUnit", "health: { http: \"/\" }", "health: { http: \"/\", interval: 5 }",
   "services.web.health.interval", "5 }", "'5' needs a unit, e.g. 500ms"},
  {"HealthTimeoutLongerThanInterval", "health: { http: \"/\" }",
   "health: { http: \"/\", interval: 1s, timeout: 2s }", "services.web.health.timeout", "2s",
   "timeout 2s is longer than interval 1s"},
  {"HealthTimeoutZero", "health: { http: \"/\" }", "health: { http: \"/\", timeout: 0ms }",
   "services.web.health.timeout", "0ms", "must be longer than 0ms"},
  {"ResourcesNegativeCpus", "resources: { cpus: 1,", "resources: { cpus: -1,",
   "services.web.resources.cpus", "-1", "must not be negative"},
  {"ResourcesMemoryGarbage", "memory: 1GiB }", "memory: lots }", "services.web.resources.memory",
   "lots", "'lots' is not a number"},
  {"PreferNotAName", "prefer: s1", "prefer: [s1]", "services.web.prefer", "[s1]",
   "expected a node name, found a list"},

  // Values of backups.
  {"BackupVolumesEmpty", "volumes: [data]", "volumes: []", "backups.nightly.volumes", "[]",
   "must list at least one volume"},
  {"BackupVolumeTwice", "volumes: [data]", "volumes: [data, data]", "backups.nightly.volumes[1]",
   "data]", "volume data is listed twice"},
  {"RepositoryUnsupported", "repository: /backups", "repository: ftp://host/x",
   "backups.nightly.repository", "ftp", "unsupported repository 'ftp://host/x'"},
  {"RepositoryEmpty", "repository: /backups", "repository: \"\"", "backups.nightly.repository",
   "\"\"", "must not be empty"},
  {"RepositoryS3Refused", "repository: /backups", "repository: s3:minio.lan/b/x",
   "backups.nightly.repository", "s3:", "S3 repositories are not supported yet"},
  {"AzureWithoutAccount", "repository: /backups",
   "repository: azure:c:/x\n    azure_key_file: /etc/k", "backups.nightly.azure_account",
   "nightly:", "azure_account", true},
  {"AzureKeyFileOnALocalRepository", "password_file: /etc/pw",
   "password_file: /etc/pw\n    azure_key_file: /etc/k", "backups.nightly.azure_key_file", "/etc/k",
   "only for azure: repositories"},
  {"PasswordFileRelative", "password_file: /etc/pw", "password_file: pw",
   "backups.nightly.password_file", "pw", "must be an absolute path"},
  {"ScheduleMalformed", "schedule: daily 03:00", "schedule: weekly", "backups.nightly.schedule",
   "weekly", "'weekly' is not a schedule: expected 'daily HH:MM', 'hourly' or 'every N{m,h}'"},
  {"ScheduleBadTime", "schedule: daily 03:00", "schedule: daily 25:00",
   "backups.nightly.schedule", "daily 25", "is not a time of day"},
  {"KeepNothing", "keep: { daily: 7 }", "keep: { daily: 0 }", "backups.nightly.keep", "{ daily",
   "keeps nothing"},
  {"KeepNegative", "keep: { daily: 7 }", "keep: { daily: -7 }", "backups.nightly.keep.daily",
   "-7", "must not be negative"},
  {"KeepNotAWholeNumber", "keep: { daily: 7 }", "keep: { daily: 7.5 }",
   "backups.nightly.keep.daily", "7.5", "'7.5' is not a whole number"},
  {"KeepUnknownKey", "keep: { daily: 7 }", "keep: { dayly: 7 }", "backups.nightly.keep.dayly",
   "dayly", "did you mean 'daily'?"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Spec, ParseRule, ::testing::ValuesIn(kCases), case_name);

TEST(Parse, ValidSpecLoads) { EXPECT_TRUE(loads(kValidSpec)); }

TEST(Parse, ValidVariantsLoad) {
  // Each of these is the valid side of a rule above.
  EXPECT_TRUE(loads(with(kValidSpec, "image: docker.io/library/nginx", "rootfs: /srv/img\n    command: [sh]")));
  EXPECT_TRUE(loads(with(kValidSpec, "memory: 8GiB", "memory: 8.5 GB")));
  EXPECT_TRUE(loads(with(kValidSpec, "\"aa:bb:cc:dd:ee:ff\"", "AA-BB-CC-DD-EE-FF")));
  EXPECT_TRUE(loads(with(with(kValidSpec, "ports: [80/tcp]", "ports: [80/tcp, 53/udp, 443/tcp]"),
                         "health: { http: \"/\" }", "health: { http: \"/\", port: 443 }")));
  EXPECT_TRUE(loads(with(kValidSpec, "schedule: daily 03:00", "schedule: every 6h")));
  EXPECT_TRUE(loads(with(kValidSpec, "schedule: daily 03:00", "schedule: hourly")));
  EXPECT_TRUE(loads(with(kValidSpec, "repository: /backups",
                         "repository: azure:c:/x\n    azure_account: acct\n"
                         "    azure_key_file: /etc/hearth/azure-key")));
  EXPECT_TRUE(loads(with(kValidSpec, "keep: { daily: 7 }", "keep: { last: 1, daily: 0 }")));
  EXPECT_TRUE(loads(with(kValidSpec, "health: { http: \"/\" }",
                         "health: { tcp: 80, interval: 10s, timeout: 10s }")));
  EXPECT_TRUE(loads(with(kValidSpec, "vlan: 11", "vlan: 4094")));
  EXPECT_TRUE(loads(with(kValidSpec, "image: docker.io/library/nginx",
                         "image: 10.0.9.2:5000/lab/web@sha256:" + std::string(64, 'a'))));
}

TEST(Parse, ImageServiceOverridesAndRegistries) {
  std::string text = with(kValidSpec, "image: docker.io/library/nginx",
                          "image: 10.0.9.2:5000/lab/web:2\n    entrypoint: [/init]\n"
                          "    user: app:media\n    workdir: /srv");
  text = with(text, "backups:\n",
              "registries:\n  10.0.9.2:5000: { insecure: true }\n"
              "  ghcr.io: { auth_file: /etc/hearth/secrets/ghcr.json }\nbackups:\n");
  LoadResult result = load_spec_text(text, "t.yaml");
  ASSERT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors[0].format());
  const Service* web = result.spec->find_service("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->image, "10.0.9.2:5000/lab/web:2");
  ASSERT_TRUE(web->entrypoint);
  EXPECT_EQ(*web->entrypoint, std::vector<std::string>{"/init"});
  EXPECT_EQ(web->user, "app:media");
  EXPECT_EQ(web->workdir, "/srv");
  ASSERT_EQ(result.spec->registries.size(), 2u);
  const Registry* lab = result.spec->find_registry("10.0.9.2:5000");
  ASSERT_NE(lab, nullptr);
  EXPECT_TRUE(lab->insecure);
  EXPECT_EQ(result.spec->find_registry("ghcr.io")->auth_file, "/etc/hearth/secrets/ghcr.json");
  EXPECT_EQ(result.spec->find_registry("docker.io"), nullptr);
}

TEST(Parse, MacIsNormalised) {
  LoadResult result =
      load_spec_text(with(kValidSpec, "\"aa:bb:cc:dd:ee:ff\"", "AA-BB-CC-0D-EE-FF"), "t.yaml");
  ASSERT_TRUE(result.ok()) << testing::format_all(result);
  EXPECT_EQ(result.spec->find_network("lan")->dhcp->reservations[0].mac, "aa:bb:cc:0d:ee:ff");
}

TEST(Parse, TopLevelMustBeAMap) {
  EXPECT_TRUE(fails_with("- a\n- b\n", "", {1, 1}, "the top level of a spec must be a map"));
  EXPECT_TRUE(fails_with("hello\n", "", {1, 1}, "found the text 'hello'"));
}

TEST(Parse, EveryErrorOfTheFileAtOnceInFileOrder) {
  std::string text = with(kValidSpec, "vlan: 11", "vlan: 5000");
  text = with(text, "memory: 8GiB", "memory: 8");
  text = with(text, "prefer: s1", "prefre: s1");
  text = with(text, "cidr: 10.0.2.0/24", "cidr: 10.0.2.0/33");
  LoadResult result = load_spec_text(text, "t.yaml");
  ASSERT_EQ(result.errors.size(), 4u) << testing::format_all(result);
  EXPECT_EQ(result.errors[0].key_path, "nodes.s1.capacity.memory");
  EXPECT_EQ(result.errors[1].key_path, "networks.san.vlan");
  EXPECT_EQ(result.errors[2].key_path, "networks.home.cidr");
  EXPECT_EQ(result.errors[3].key_path, "services.web.prefre");
  for (std::size_t i = 1; i < result.errors.size(); ++i) {
    EXPECT_LT(result.errors[i - 1].position, result.errors[i].position);
  }
}

TEST(Parse, BuildSpecRecordsUnusablePaths) {
  LoadResult probe = load_spec_text(kValidSpec, "t.yaml");
  ASSERT_TRUE(probe.ok());
  yaml::ParsedDocument doc =
      yaml::parse_document(with(kValidSpec, "address: 10.0.0.11", "address: x"), "t.yaml");
  ASSERT_TRUE(doc.root);
  BuiltSpec built = build_spec(std::make_shared<const yaml::Node>(*doc.root), "t.yaml");
  EXPECT_EQ(built.errors.size(), 1u);
  EXPECT_EQ(built.unusable.count("nodes.s1.address"), 1u);
  EXPECT_EQ(built.spec.nodes.size(), 3u);  // the rest is still built
}

}  // namespace
}  // namespace hearth
