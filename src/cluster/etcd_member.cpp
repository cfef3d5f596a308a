#include "cluster/etcd_member.h"

#include "common/strings.h"

namespace hearth::cluster {
namespace {

std::string url(Ipv4 address, int port) {
  return "http://" + address.str() + ":" + std::to_string(port);
}

}  // namespace

std::string etcd_client_url(const Node& node) { return url(node.address, kEtcdClientPort); }

std::vector<std::string> etcd_client_urls(const Spec& spec) {
  std::vector<std::string> urls;
  for (const auto& node : spec.nodes) urls.push_back(etcd_client_url(node));
  return urls;
}

Result<EtcdMember> etcd_member_for(const Spec& spec, const std::string& node_name,
                                   const std::string& data_dir) {
  const Node* node = spec.find_node(node_name);
  if (node == nullptr) {
    std::string names;
    for (const auto& n : spec.nodes) names += (names.empty() ? "" : ", ") + n.name;
    return Error{"node '" + node_name + "' is not in the spec " + spec.file +
                 " (its nodes: " + names + "); pass --node with one of them"};
  }
  if (data_dir.empty() || data_dir.front() != '/') {
    return Error{"the etcd data directory must be an absolute path, got '" + data_dir + "'"};
  }
  EtcdMember member;
  member.name = node->name;
  member.data_dir = data_dir;
  member.listen_peer_urls = {url(node->address, kEtcdPeerPort)};
  member.initial_advertise_peer_urls = member.listen_peer_urls;
  member.listen_client_urls = {url(node->address, kEtcdClientPort),
                               url(Ipv4{0x7f000001}, kEtcdClientPort)};
  member.advertise_client_urls = {url(node->address, kEtcdClientPort)};
  std::vector<std::string> cluster;
  for (const auto& n : spec.nodes) cluster.push_back(n.name + "=" + url(n.address, kEtcdPeerPort));
  member.initial_cluster = join(cluster, ",");
  member.initial_cluster_token = "hearth-" + spec.cluster.name;
  return member;
}

std::vector<std::string> EtcdMember::flags() const {
  return {
      "--name=" + name,
      "--data-dir=" + data_dir,
      "--listen-peer-urls=" + join(listen_peer_urls, ","),
      "--initial-advertise-peer-urls=" + join(initial_advertise_peer_urls, ","),
      "--listen-client-urls=" + join(listen_client_urls, ","),
      "--advertise-client-urls=" + join(advertise_client_urls, ","),
      "--initial-cluster=" + initial_cluster,
      "--initial-cluster-token=" + initial_cluster_token,
      // "new" is only read when the data dir is empty; a member with data rejoins from its WAL.
      "--initial-cluster-state=new",
      "--heartbeat-interval=" + std::to_string(heartbeat_interval_ms),
      "--election-timeout=" + std::to_string(election_timeout_ms),
      // A member cut off from the leader alone (the two servers split, both still reaching the
      // arbiter) asks before it campaigns and is refused while the others hear the leader:
      // without it, each of its elections deposes a healthy leader, the lease renewals of every
      // node time out, and a server on the majority side fences itself (lab chaos, seed 1002).
      "--pre-vote=true",
      // Keep one hour of history: enough for watchers to resume, small enough for a mini PC.
      "--auto-compaction-mode=periodic",
      "--auto-compaction-retention=1h",
      "--logger=zap",
      "--log-outputs=stderr",
  };
}

}  // namespace hearth::cluster
