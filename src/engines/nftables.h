#pragma once
// Applying nftables rulesets (engines/nftables_config.h renders them) in a network namespace.

#include <string>
#include <vector>

#include "common/result.h"

namespace hearth {

// Contract of where a ruleset goes: one network namespace's nftables.
class RulesetTarget {
 public:
  virtual ~RulesetTarget() = default;
  // Applies `ruleset` as one transaction: all of it or, on error, nothing.
  virtual Status apply(const std::string& ruleset) = 0;
  // True when `table` (family inet) exists there now.
  virtual Result<bool> has_table(const std::string& table) = 0;
};

// `nft` run in the caller's network namespace, or in another one through `prefix` (an argv
// prefix that enters it, e.g. {"ip", "netns", "exec", "NAME"}).
class NftTarget final : public RulesetTarget {
 public:
  explicit NftTarget(std::vector<std::string> prefix = {}, std::string program = "nft");
  Status apply(const std::string& ruleset) override;
  Result<bool> has_table(const std::string& table) override;

 private:
  std::vector<std::string> argv(std::vector<std::string> arguments) const;
  std::vector<std::string> prefix_;
  std::string program_;
};

}  // namespace hearth
