#include "agent/service_status_publisher.h"

#include <set>

namespace hearth::agent {
namespace {

// Whether two reports differ in what people care about (not the probe time).
bool differs(const cluster::ServiceStatusRecord& a, const cluster::ServiceStatusRecord& b) {
  auto probe = [](const cluster::ServiceStatusRecord& r) {
    return r.last_probe ? std::make_tuple(true, r.last_probe->ok, r.last_probe->message)
                        : std::make_tuple(false, false, std::string());
  };
  return a.node != b.node || a.address != b.address || a.state != b.state ||
         a.restarts != b.restarts || a.since != b.since || a.error != b.error ||
         probe(a) != probe(b);
}

}  // namespace

cluster::ServiceStatusRecord to_record(const ServiceRuntimeStatus& status, const std::string& node,
                                       std::int64_t now_ms) {
  cluster::ServiceStatusRecord record;
  record.service = status.service;
  record.node = node;
  record.address = status.address.str();
  record.state = status.state;
  record.restarts = status.restarts;
  record.since = status.since_ms;
  if (status.last_probe) {
    record.last_probe = cluster::ServiceStatusRecord::Probe{
        status.last_probe->ok, status.last_probe->at_ms, status.last_probe->message,
        status.last_probe->duration_ms};
  }
  record.error = status.error;
  record.updated_at = now_ms;
  return record;
}

ServiceStatusPublisher::ServiceStatusPublisher(cluster::KeyValueStore& store, Clock& clock,
                                               std::string node)
    : store_(store), clock_(clock), node_(std::move(node)) {}

Status ServiceStatusPublisher::publish(const std::vector<ServiceRuntimeStatus>& statuses,
                                       cluster::LeaseId lease) {
  if (lease == 0) return ok_status();
  Status first = ok_status();
  auto now = clock_.now();
  std::set<std::string> current;
  for (const auto& status : statuses) {
    current.insert(status.service);
    cluster::ServiceStatusRecord record = to_record(status, node_, clock_.wall_ms());
    auto it = published_.find(status.service);
    if (it != published_.end() && it->second.lease == lease && now - it->second.at < kRefresh &&
        !differs(it->second.record, record)) {
      continue;
    }
    std::string json = record.to_json();
    auto put = store_.put(cluster::service_status_key(status.service), json, lease);
    if (!put) {
      if (first) first = put.error();
      continue;
    }
    published_[status.service] = {record, json, lease, now};
  }
  for (auto it = published_.begin(); it != published_.end();) {
    if (current.count(it->first)) {
      ++it;
      continue;
    }
    std::string key = cluster::service_status_key(it->first);
    cluster::Txn txn;
    txn.compares.push_back(cluster::Compare::value_is(key, it->second.json));
    txn.success.push_back(cluster::TxnOp::erase(key));
    auto done = store_.txn(txn);
    if (!done) {
      if (first) first = done.error();
      ++it;
      continue;
    }
    it = published_.erase(it);
  }
  return first;
}

}  // namespace hearth::agent
