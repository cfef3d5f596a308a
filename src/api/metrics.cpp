#include "api/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace hearth::api {
namespace {

using nlohmann::json;
using Labels = std::vector<std::pair<std::string, std::string>>;

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char text[40];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

std::string escaped(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Families are written whole (HELP, TYPE, every sample) in the order they are first declared;
// a family with no sample is left out.
class Exposition {
 public:
  void declare(const std::string& name, const char* type, const char* help) {
    for (const auto& f : families_) {
      if (f.name == name) return;
    }
    families_.push_back(
        {name, std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n",
         ""});
  }
  void sample(const std::string& family, const std::string& name, const Labels& labels,
              double value) {
    for (auto& f : families_) {
      if (f.name != family) continue;
      f.samples += name;
      if (!labels.empty()) {
        f.samples += '{';
        for (std::size_t i = 0; i < labels.size(); ++i) {
          if (i) f.samples += ',';
          f.samples += labels[i].first + "=\"" + escaped(labels[i].second) + '"';
        }
        f.samples += '}';
      }
      f.samples += ' ' + number(value) + '\n';
      return;
    }
  }
  void gauge(const std::string& name, const char* help, const Labels& labels, double value) {
    declare(name, "gauge", help);
    sample(name, name, labels, value);
  }
  void counter(const std::string& name, const char* help, const Labels& labels, double value) {
    declare(name, "counter", help);
    sample(name, name, labels, value);
  }
  void histogram(const std::string& name, const char* help, const Histogram::Snapshot& h) {
    declare(name, "histogram", help);
    for (std::size_t i = 0; i < h.upper_bounds.size(); ++i) {
      sample(name, name + "_bucket", {{"le", number(h.upper_bounds[i])}},
             static_cast<double>(h.counts[i]));
    }
    sample(name, name + "_bucket", {{"le", "+Inf"}}, static_cast<double>(h.count));
    sample(name, name + "_sum", {}, h.sum);
    sample(name, name + "_count", {}, static_cast<double>(h.count));
  }
  std::string text() const {
    std::string out;
    for (const auto& f : families_) {
      if (f.samples.empty()) continue;
      out += f.header + f.samples;
    }
    return out;
  }

 private:
  struct Family {
    std::string name;
    std::string header;
    std::string samples;
  };
  std::vector<Family> families_;
};

std::string text_of(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double number_of(const json& object, const char* key, double otherwise = 0) {
  if (!object.is_object()) return otherwise;
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : otherwise;
}

bool flag_of(const json& object, const char* key) {
  if (!object.is_object()) return false;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

// Every state a service can be reported in (cluster/service_status.h, agent/service_reconciler.h),
// so that each service has the same, fixed set of hearth_service_state series.
const std::vector<std::string>& service_states() {
  static const std::vector<std::string> states = {"starting",   "running",    "unhealthy",
                                                  "restarting", "failed",     "waiting",
                                                  "fenced",     "not_running"};
  return states;
}

std::string state_label(std::string state) {
  std::replace(state.begin(), state.end(), ' ', '_');
  return state;
}

void render_status(Exposition& out, const json& status) {
  const json& quorum = status["quorum"];
  out.gauge("hearth_quorum", "1 when the etcd cluster has quorum (linearizable reads answer)", {},
            flag_of(quorum, "ok") ? 1 : 0);
  out.gauge("hearth_etcd_members", "etcd members in the cluster (one per node of the spec)", {},
            number_of(quorum, "members"));
  out.gauge("hearth_etcd_members_up", "etcd members that answered this node's probe", {},
            number_of(quorum, "members_up"));
  if (status["members"].is_array()) {
    for (const auto& m : status["members"]) {
      out.gauge("hearth_etcd_member_up", "1 when the node's etcd member answered",
                {{"node", text_of(m, "name")}}, flag_of(m, "up") ? 1 : 0);
    }
  }
  const json& spec = status["spec"];
  out.gauge("hearth_spec_revision", "The revision of the applied spec (0: none applied yet)", {},
            number_of(spec, "revision"));
  std::string leader = text_of(status["leader"], "node");
  if (status["leader"].is_object()) {
    out.gauge("hearth_leader_since_timestamp_seconds",
              "When the current leader won the election (Unix time)", {},
              number_of(status["leader"], "since") / 1000.0);
  }

  std::vector<std::string> drained;
  if (status["drained"].is_array()) {
    for (const auto& d : status["drained"]) drained.push_back(text_of(d, "node"));
  }
  if (status["nodes"].is_array()) {
    for (const auto& n : status["nodes"]) {
      std::string name = text_of(n, "name");
      out.gauge("hearth_node_up", "1 when the node holds its lease (its key is in etcd)",
                {{"node", name}, {"role", text_of(n, "role")}},
                text_of(n, "state") == "alive" ? 1 : 0);
    }
    for (const auto& n : status["nodes"]) {
      std::string name = text_of(n, "name");
      out.gauge("hearth_node_leader", "1 for the node that leads the cluster", {{"node", name}},
                name == leader ? 1 : 0);
    }
    for (const auto& n : status["nodes"]) {
      if (text_of(n, "role") != "server") continue;
      std::string name = text_of(n, "name");
      out.gauge("hearth_node_drained", "1 when the server is drained (no service is placed there)",
                {{"node", name}},
                std::find(drained.begin(), drained.end(), name) != drained.end() ? 1 : 0);
    }
    for (const auto& n : status["nodes"]) {
      if (text_of(n, "state") != "alive" || number_of(n, "started_at") <= 0) continue;
      out.gauge("hearth_node_start_time_seconds", "When the node's hearthd started (Unix time)",
                {{"node", text_of(n, "name")}}, number_of(n, "started_at") / 1000.0);
    }
  }

  if (status["services"].is_array()) {
    const json& services = status["services"];
    for (const auto& s : services) {
      out.gauge("hearth_service_up", "1 when the service runs and its health check passes",
                {{"service", text_of(s, "name")}}, text_of(s, "state") == "running" ? 1 : 0);
    }
    for (const auto& s : services) {
      std::string state = state_label(text_of(s, "state"));
      for (const auto& known : service_states()) {
        out.gauge("hearth_service_state",
                  "1 for the state the service is in, as the node running it reports it",
                  {{"service", text_of(s, "name")}, {"state", known}}, state == known ? 1 : 0);
      }
    }
    for (const auto& s : services) {
      if (text_of(s, "node").empty()) continue;
      out.gauge("hearth_service_node", "1 for the node that runs the service",
                {{"service", text_of(s, "name")}, {"node", text_of(s, "node")}}, 1);
    }
    for (const auto& s : services) {
      if (text_of(s, "node").empty()) continue;
      out.counter("hearth_service_restarts_total",
                  "Restarts of the service on the node running it (starts again at 0 when it "
                  "moves)",
                  {{"service", text_of(s, "name")}}, number_of(s, "restarts"));
    }
    for (const auto& s : services) {
      const json& probe = s["last_probe"];
      if (!probe.is_object()) continue;
      out.gauge("hearth_service_probe_success", "1 when the last health check passed",
                {{"service", text_of(s, "name")}}, flag_of(probe, "ok") ? 1 : 0);
    }
    for (const auto& s : services) {
      const json& probe = s["last_probe"];
      if (!probe.is_object()) continue;
      out.gauge("hearth_service_probe_duration_seconds", "How long the last health check took",
                {{"service", text_of(s, "name")}}, number_of(probe, "duration_ms") / 1000.0);
    }
  }

  if (status["volumes"].is_array()) {
    const json& volumes = status["volumes"];
    for (const auto& v : volumes) {
      const json& heal = v["heal"];
      if (!heal.is_object()) continue;
      out.gauge("hearth_volume_heal_pending_entries",
                "Entries gluster still has to heal (copy to a brick that missed writes)",
                {{"volume", text_of(v, "name")}}, number_of(heal, "pending"));
    }
    for (const auto& v : volumes) {
      const json& heal = v["heal"];
      if (!heal.is_object()) continue;
      out.gauge("hearth_volume_split_brain_entries",
                "Entries in split-brain (the copies disagree; needs a person)",
                {{"volume", text_of(v, "name")}}, number_of(heal, "split_brain"));
    }
    for (const auto& v : volumes) {
      if (!v["bricks"].is_array()) continue;
      for (const auto& b : v["bricks"]) {
        if (!b["up"].is_boolean()) continue;  // unknown: not started, or gluster did not answer
        out.gauge("hearth_brick_up", "1 when the brick's process is online",
                  {{"volume", text_of(v, "name")},
                   {"node", text_of(b, "node")},
                   {"brick", text_of(b, "brick")},
                   {"role", text_of(b, "role")}},
                  b["up"].get<bool>() ? 1 : 0);
      }
    }
    for (const auto& v : volumes) {
      if (!v["mounts"].is_array()) continue;
      for (const auto& m : v["mounts"]) {
        out.gauge("hearth_volume_mounted", "1 when the server has the volume mounted",
                  {{"volume", text_of(v, "name")}, {"node", text_of(m, "node")}},
                  text_of(m, "state") == "mounted" ? 1 : 0);
      }
    }
    for (const auto& v : volumes) {
      if (!v["size"].is_object()) continue;
      out.gauge("hearth_volume_size_bytes", "The volume's size", {{"volume", text_of(v, "name")}},
                number_of(v["size"], "total"));
    }
    for (const auto& v : volumes) {
      if (!v["size"].is_object()) continue;
      out.gauge("hearth_volume_free_bytes", "Free space on the volume",
                {{"volume", text_of(v, "name")}}, number_of(v["size"], "free"));
    }
  }
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {
  std::sort(upper_bounds_.begin(), upper_bounds_.end());
}

void Histogram::observe(double value) {
  std::lock_guard lock(mutex_);
  auto bound = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  counts_[static_cast<std::size_t>(bound - upper_bounds_.begin())] += 1;
  sum_ += value;
  count_ += 1;
}

Histogram::Snapshot Histogram::snapshot() const {
  std::lock_guard lock(mutex_);
  Snapshot s;
  s.upper_bounds = upper_bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < upper_bounds_.size(); ++i) {
    running += counts_[i];
    s.counts.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

NodeMetrics::NodeMetrics()
    : lease_renewal_seconds({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 1}),
      failover_seconds({0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 30, 60}) {}

std::string render_metrics(const json& status, const NodeMetrics& metrics, const std::string& node,
                           const std::string& version) {
  Exposition out;
  out.gauge("hearth_build_info", "hearthd's version (always 1)",
            {{"node", node}, {"version", version}}, 1);
  out.gauge("hearth_status_up",
            "1 when this node could read the cluster's status from etcd (at least its own "
            "member); the cluster metrics below are missing when 0",
            {}, status.is_object() ? 1 : 0);
  out.counter("hearth_status_read_failures_total",
              "Times this node's status watcher could not read the cluster's status", {},
              static_cast<double>(metrics.status_failures.load()));
  if (status.is_object()) {
    const json& self = status["this_node"];
    if (self.is_object()) {
      out.gauge("hearth_lease_held", "1 when this node holds its lease (may run services)", {},
                flag_of(self, "lease_held") ? 1 : 0);
      out.counter("hearth_fences_total",
                  "Times this node fenced itself (lost its lease; stopped its services)", {},
                  number_of(self, "fence_count"));
      double ago = number_of(self, "last_renewal_ms_ago", -1);
      if (ago >= 0) {
        out.gauge("hearth_lease_last_renewal_age_seconds",
                  "Time since this node's last successful lease renewal", {}, ago / 1000.0);
      }
    }
  }
  out.histogram("hearth_lease_renewal_duration_seconds",
                "Round trip of this node's successful lease renewals",
                metrics.lease_renewal_seconds.snapshot());
  out.counter("hearth_lease_renewal_failures_total", "This node's failed lease renewals", {},
              static_cast<double>(metrics.lease_renewal_failures.load()));
  out.counter("hearth_leader_changes_total",
              "Times the leader seen by this node changed (from one node to another, or to none)",
              {}, static_cast<double>(metrics.leader_changes.load()));
  out.counter("hearth_failovers_total",
              "Services seen moving off a dead node and running again elsewhere", {},
              static_cast<double>(metrics.failovers.load()));
  out.histogram("hearth_failover_duration_seconds",
                "From a node's death (as recorded by the leader) to the service running on "
                "another node",
                metrics.failover_seconds.snapshot());
  if (status.is_object()) render_status(out, status);
  return out.text();
}

}  // namespace hearth::api
