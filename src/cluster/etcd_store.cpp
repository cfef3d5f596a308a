#include "cluster/etcd_store.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/http_client.h"

namespace hearth::cluster {
namespace {

using nlohmann::json;

// The member `name` of `object`, or null when `object` is not an object or has no such member
// (the gateway omits fields that hold their default: 0, false, empty).
const json& field(const json& object, const char* name) {
  static const json null_value;
  if (!object.is_object()) return null_value;
  auto it = object.find(name);
  return it == object.end() ? null_value : *it;
}

std::string string_field(const json& object, const char* name) {
  const json& value = field(object, name);
  return value.is_string() ? value.get<std::string>() : std::string();
}

// int64 fields come as JSON strings ("12"); accept numbers too. Absent or garbage: 0.
std::int64_t to_int64(const json& object, const char* name) {
  const json& value = field(object, name);
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (!value.is_string()) return 0;
  const std::string& text = value.get_ref<const std::string&>();
  std::int64_t result = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
  return error == std::errc{} && end == text.data() + text.size() ? result : 0;
}

std::uint64_t to_uint64(const json& object, const char* name) {
  const json& value = field(object, name);
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (!value.is_string()) return 0;
  const std::string& text = value.get_ref<const std::string&>();
  std::uint64_t result = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
  return error == std::errc{} && end == text.data() + text.size() ? result : 0;
}

std::string decode(const json& object, const char* name) {
  return base64_decode(string_field(object, name)).value_or("");
}

KeyValue to_key_value(const json& kv) {
  KeyValue out;
  out.key = decode(kv, "key");
  out.value = decode(kv, "value");
  out.create_revision = to_int64(kv, "create_revision");
  out.mod_revision = to_int64(kv, "mod_revision");
  out.version = to_int64(kv, "version");
  out.lease = to_int64(kv, "lease");
  return out;
}

// The key just after every key that starts with `prefix` (etcd's range_end for a prefix).
std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto last = static_cast<unsigned char>(prefix.back());
    if (last < 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // every key
}

const char* target_name(Compare::Target target) {
  switch (target) {
    case Compare::Target::create_revision:
      return "CREATE";
    case Compare::Target::mod_revision:
      return "MOD";
    case Compare::Target::version:
      return "VERSION";
    case Compare::Target::value:
      return "VALUE";
    case Compare::Target::lease:
      return "LEASE";
  }
  return "CREATE";
}

const char* op_name(Compare::Op op) {
  switch (op) {
    case Compare::Op::equal:
      return "EQUAL";
    case Compare::Op::not_equal:
      return "NOT_EQUAL";
    case Compare::Op::greater:
      return "GREATER";
    case Compare::Op::less:
      return "LESS";
  }
  return "EQUAL";
}

json compare_json(const Compare& c) {
  json out = {
      {"key", base64_encode(c.key)}, {"target", target_name(c.target)}, {"result", op_name(c.op)}};
  switch (c.target) {
    case Compare::Target::create_revision:
      out["create_revision"] = std::to_string(c.number);
      break;
    case Compare::Target::mod_revision:
      out["mod_revision"] = std::to_string(c.number);
      break;
    case Compare::Target::version:
      out["version"] = std::to_string(c.number);
      break;
    case Compare::Target::lease:
      out["lease"] = std::to_string(c.number);
      break;
    case Compare::Target::value:
      out["value"] = base64_encode(c.value);
      break;
  }
  return out;
}

json op_json(const TxnOp& op) {
  switch (op.kind) {
    case TxnOp::Kind::put: {
      json put = {{"key", base64_encode(op.key)}, {"value", base64_encode(op.value)}};
      if (op.lease != 0) put["lease"] = std::to_string(op.lease);
      return {{"request_put", put}};
    }
    case TxnOp::Kind::erase:
      return {{"request_delete_range", {{"key", base64_encode(op.key)}}}};
    case TxnOp::Kind::get:
      return {{"request_range", {{"key", base64_encode(op.key)}}}};
  }
  return json::object();
}

struct Call {
  const std::string& endpoint;
  std::chrono::milliseconds timeout;

  // POSTs `body` to `path`. Returns the parsed JSON of a 200 answer; an error otherwise, naming
  // the member, the call and etcd's own message.
  Result<json> operator()(const std::string& path, const json& body,
                          bool* not_found = nullptr) const {
    HttpRequest request;
    request.method = "POST";
    request.url = endpoint + path;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body.dump();
    request.timeout = timeout;
    auto response = http_request(request);
    if (!response) {
      std::string hint = response.error().message.find("timed out") != std::string::npos
                             ? " (the cluster may have lost quorum, or etcd is overloaded)"
                             : " (is etcd running there?)";
      return Error{"etcd: " + response.error().message + hint};
    }
    json parsed = json::parse(response->body, nullptr, false);
    if (response->status != 200) {
      std::string message = string_field(parsed, "message");
      if (message.empty()) message = response->body.substr(0, 200);
      if (not_found != nullptr && message.find("not found") != std::string::npos) {
        *not_found = true;
      }
      return Error{"etcd: POST " + request.url + ": HTTP " + std::to_string(response->status) +
                   ": " + message};
    }
    if (parsed.is_discarded() || !parsed.is_object()) {
      return Error{"etcd: POST " + request.url +
                   ": the answer is not JSON: " + response->body.substr(0, 200)};
    }
    return parsed;
  }
};

}  // namespace

EtcdKeyValueStore::EtcdKeyValueStore(std::string endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

Result<std::optional<KeyValue>> EtcdKeyValueStore::get(const std::string& key,
                                                       Consistency consistency) {
  json body = {{"key", base64_encode(key)}};
  if (consistency == Consistency::serializable) body["serializable"] = true;
  auto answer = Call{endpoint_, timeout_}("/v3/kv/range", body);
  if (!answer) return answer.error();
  const json& kvs = field(*answer, "kvs");
  if (!kvs.is_array() || kvs.empty()) return std::optional<KeyValue>{};
  return std::optional<KeyValue>{to_key_value(kvs[0])};
}

Result<RangeResult> EtcdKeyValueStore::get_prefix(const std::string& prefix,
                                                  Consistency consistency) {
  json body = {{"key", base64_encode(prefix)}, {"range_end", base64_encode(prefix_end(prefix))}};
  if (consistency == Consistency::serializable) body["serializable"] = true;
  auto answer = Call{endpoint_, timeout_}("/v3/kv/range", body);
  if (!answer) return answer.error();
  RangeResult result;
  result.revision = to_int64(field(*answer, "header"), "revision");
  const json& kvs = field(*answer, "kvs");
  if (kvs.is_array()) {
    for (const auto& kv : kvs) result.kvs.push_back(to_key_value(kv));
  }
  return result;
}

Result<Revision> EtcdKeyValueStore::put(const std::string& key, const std::string& value,
                                        LeaseId lease) {
  json body = {{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  if (lease != 0) body["lease"] = std::to_string(lease);
  auto answer = Call{endpoint_, timeout_}("/v3/kv/put", body);
  if (!answer) return answer.error();
  return to_int64(field(*answer, "header"), "revision");
}

Result<bool> EtcdKeyValueStore::erase(const std::string& key) {
  auto answer = Call{endpoint_, timeout_}("/v3/kv/deleterange", {{"key", base64_encode(key)}});
  if (!answer) return answer.error();
  return to_int64(*answer, "deleted") > 0;
}

Result<TxnResult> EtcdKeyValueStore::txn(const Txn& txn) {
  json body = {{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
  for (const auto& c : txn.compares) body["compare"].push_back(compare_json(c));
  for (const auto& op : txn.success) body["success"].push_back(op_json(op));
  for (const auto& op : txn.failure) body["failure"].push_back(op_json(op));
  auto answer = Call{endpoint_, timeout_}("/v3/kv/txn", body);
  if (!answer) return answer.error();
  TxnResult result;
  result.succeeded = field(*answer, "succeeded") == true;
  result.revision = to_int64(field(*answer, "header"), "revision");
  const auto& ops = result.succeeded ? txn.success : txn.failure;
  const json& responses = field(*answer, "responses");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind != TxnOp::Kind::get) continue;
    std::optional<KeyValue> got;
    if (responses.is_array() && i < responses.size()) {
      const json& kvs = field(field(responses[i], "response_range"), "kvs");
      if (kvs.is_array() && !kvs.empty()) got = to_key_value(kvs[0]);
    }
    result.gets.push_back(std::move(got));
  }
  return result;
}

Result<Lease> EtcdKeyValueStore::grant_lease(std::chrono::seconds ttl) {
  auto answer =
      Call{endpoint_, timeout_}("/v3/lease/grant", {{"TTL", std::to_string(ttl.count())}});
  if (!answer) return answer.error();
  Lease lease{to_int64(*answer, "ID"), std::chrono::seconds{to_int64(*answer, "TTL")}};
  if (lease.id == 0) {
    std::string error = string_field(*answer, "error");
    return Error{"etcd: " + endpoint_ +
                 ": lease grant failed: " + (error.empty() ? "no lease ID in the answer" : error)};
  }
  return lease;
}

Result<std::chrono::seconds> EtcdKeyValueStore::keep_alive(LeaseId lease) {
  // The gateway maps the LeaseKeepAlive stream to one request -> one {"result": ...} per line.
  bool not_found = false;
  auto answer =
      Call{endpoint_, timeout_}("/v3/lease/keepalive", {{"ID", std::to_string(lease)}}, &not_found);
  if (!answer) {
    if (not_found) return std::chrono::seconds{0};
    return answer.error();
  }
  if (!field(*answer, "error").is_null()) {
    std::string message = field(*answer, "error").dump();
    if (message.find("not found") != std::string::npos) return std::chrono::seconds{0};
    return Error{"etcd: " + endpoint_ + ": lease keepalive failed: " + message};
  }
  return std::chrono::seconds{
      to_int64(field(*answer, "result"), "TTL")};  // absent: the lease is gone
}

Status EtcdKeyValueStore::revoke_lease(LeaseId lease) {
  bool not_found = false;
  auto answer =
      Call{endpoint_, timeout_}("/v3/lease/revoke", {{"ID", std::to_string(lease)}}, &not_found);
  if (!answer && !not_found) return answer.error();
  return ok_status();
}

EtcdMemberStatus etcd_member_status(const std::string& endpoint,
                                    std::chrono::milliseconds timeout) {
  EtcdMemberStatus status;
  status.endpoint = endpoint;
  auto answer = Call{endpoint, timeout}("/v3/maintenance/status", json::object());
  if (!answer) {
    status.error = answer.error().message;
    return status;
  }
  status.reachable = true;
  status.member_id = to_uint64(field(*answer, "header"), "member_id");
  status.leader_id = to_uint64(*answer, "leader");
  status.version = string_field(*answer, "version");
  return status;
}

Result<std::vector<EtcdMemberInfo>> etcd_member_list(const std::string& endpoint,
                                                     std::chrono::milliseconds timeout) {
  auto answer = Call{endpoint, timeout}("/v3/cluster/member/list", json::object());
  if (!answer) return answer.error();
  std::vector<EtcdMemberInfo> members;
  const json& list = field(*answer, "members");
  if (list.is_array()) {
    for (const auto& m : list) {
      EtcdMemberInfo info;
      info.id = to_uint64(m, "ID");
      info.name = string_field(m, "name");
      const json& urls = field(m, "clientURLs");
      if (urls.is_array()) {
        for (const auto& url : urls) {
          if (url.is_string()) info.client_urls.push_back(url.get<std::string>());
        }
      }
      members.push_back(std::move(info));
    }
  }
  return members;
}

Status etcd_move_leader(const std::string& leader_endpoint, std::uint64_t target_id,
                        std::chrono::milliseconds timeout) {
  auto answer = Call{leader_endpoint, timeout}("/v3/maintenance/transfer-leadership",
                                               {{"targetID", std::to_string(target_id)}});
  if (!answer) return answer.error();
  return ok_status();
}

}  // namespace hearth::cluster
