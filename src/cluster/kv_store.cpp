#include "cluster/kv_store.h"

namespace hearth::cluster {

Compare Compare::absent(std::string key) { return created_at(std::move(key), 0); }

Compare Compare::created_at(std::string key, Revision revision) {
  Compare c;
  c.key = std::move(key);
  c.target = Target::create_revision;
  c.number = revision;
  return c;
}

Compare Compare::modified_at(std::string key, Revision revision) {
  Compare c;
  c.key = std::move(key);
  c.target = Target::mod_revision;
  c.number = revision;
  return c;
}

Compare Compare::value_is(std::string key, std::string value) {
  Compare c;
  c.key = std::move(key);
  c.target = Target::value;
  c.value = std::move(value);
  return c;
}

TxnOp TxnOp::put(std::string key, std::string value, LeaseId lease) {
  TxnOp op;
  op.kind = Kind::put;
  op.key = std::move(key);
  op.value = std::move(value);
  op.lease = lease;
  return op;
}

TxnOp TxnOp::erase(std::string key) {
  TxnOp op;
  op.kind = Kind::erase;
  op.key = std::move(key);
  return op;
}

TxnOp TxnOp::get(std::string key) {
  TxnOp op;
  op.kind = Kind::get;
  op.key = std::move(key);
  return op;
}

}  // namespace hearth::cluster
