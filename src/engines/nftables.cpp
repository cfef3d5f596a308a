#include "engines/nftables.h"

#include <chrono>

#include "common/process.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;

std::string first_line(const std::string& text) {
  auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

}  // namespace

NftTarget::NftTarget(std::vector<std::string> prefix, std::string program)
    : prefix_(std::move(prefix)), program_(std::move(program)) {}

std::vector<std::string> NftTarget::argv(std::vector<std::string> arguments) const {
  std::vector<std::string> all = prefix_;
  all.push_back(program_);
  all.insert(all.end(), arguments.begin(), arguments.end());
  return all;
}

Status NftTarget::apply(const std::string& ruleset) {
  auto done = run({.argv = argv({"-f", "-"}), .input = Input::data, .input_data = ruleset,
                   .timeout = 10s});
  if (!done) return done.error();
  if (!done->succeeded()) {
    // nft names the line and column of what it refused; the whole message is what helps.
    std::string message = done->err.empty() ? done->describe() : done->err;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Error{"nft refused the ruleset (" + done->describe() + "): " + message};
  }
  return ok_status();
}

Result<bool> NftTarget::has_table(const std::string& table) {
  auto done = run({.argv = argv({"list", "tables", "inet"}), .timeout = 10s});
  if (!done) return done.error();
  if (!done->succeeded()) {
    return Error{"nft list tables failed (" + done->describe() + "): " + first_line(done->err)};
  }
  return done->out.find("table inet " + table + "\n") != std::string::npos;
}

}  // namespace hearth
