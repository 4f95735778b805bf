#include "crawler/frontier/scope.h"

#include "crawler/util/url.h"

namespace forager {
namespace {

// Compiles every pattern; the first failure's message is returned instead.
std::variant<std::vector<Regex>, std::string> compile_all(const std::vector<std::string>& patterns,
                                                         const char* option) {
  std::vector<Regex> compiled;
  for (const auto& pattern : patterns) {
    auto result = Regex::compile(pattern);
    if (auto* error = std::get_if<std::string>(&result)) return std::string(option) + ": " + *error;
    compiled.push_back(std::get<Regex>(std::move(result)));
  }
  return compiled;
}

}  // namespace

Scope::Scope(ScopeMode mode, std::vector<Regex> allow, std::vector<Regex> deny)
    : mode_(mode), allow_(std::move(allow)), deny_(std::move(deny)) {}

std::variant<Scope, std::string> Scope::make(ScopeMode mode, const std::vector<std::string>& allow,
                                             const std::vector<std::string>& deny) {
  auto allowed = compile_all(allow, "--allow");
  if (auto* error = std::get_if<std::string>(&allowed)) return *error;
  auto denied = compile_all(deny, "--deny");
  if (auto* error = std::get_if<std::string>(&denied)) return *error;
  return Scope(mode, std::get<0>(std::move(allowed)), std::get<0>(std::move(denied)));
}

void Scope::add_seed(std::string_view normalized_url) {
  std::string host = url::host(normalized_url);
  if (host.empty()) return;
  domains_.insert(url::registrable_domain(host));
  hosts_.insert(std::move(host));
}

bool Scope::in_scope(std::string_view normalized_url) const {
  switch (mode_) {
    case ScopeMode::kAny: return true;
    case ScopeMode::kHost: return hosts_.count(url::host(normalized_url)) > 0;
    case ScopeMode::kDomain:
      return domains_.count(url::registrable_domain(url::host(normalized_url))) > 0;
  }
  return false;
}

bool Scope::follows(std::string_view normalized_url) const {
  if (!in_scope(normalized_url)) return false;
  for (const auto& pattern : deny_)
    if (pattern.search(normalized_url)) return false;
  if (allow_.empty()) return true;
  for (const auto& pattern : allow_)
    if (pattern.search(normalized_url)) return true;
  return false;
}

}  // namespace forager
