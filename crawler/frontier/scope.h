// Which discovered URLs the crawl follows: the --scope rule (the seeds' hosts,
// their registered domains, or anything) and the --allow/--deny filters.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "crawler/util/regex.h"

namespace forager {

// --scope: the seeds' hosts, their registered domains, or anything.
enum class ScopeMode { kHost, kDomain, kAny };

class Scope {
 public:
  // Compiles the filters; returns a message naming the bad pattern otherwise.
  static std::variant<Scope, std::string> make(ScopeMode mode, const std::vector<std::string>& allow,
                                               const std::vector<std::string>& deny);

  // Widens the scope to the host (or registered domain) of a seed URL.
  void add_seed(std::string_view normalized_url);

  // The --scope rule alone: also applied to every redirect hop.
  bool in_scope(std::string_view normalized_url) const;
  // The --scope rule and the filters: applied to links found on pages.
  bool follows(std::string_view normalized_url) const;

 private:
  Scope(ScopeMode mode, std::vector<Regex> allow, std::vector<Regex> deny);
  ScopeMode mode_;
  std::vector<Regex> allow_;
  std::vector<Regex> deny_;
  std::unordered_set<std::string> hosts_;    // kHost
  std::unordered_set<std::string> domains_;  // kDomain
};

}  // namespace forager
