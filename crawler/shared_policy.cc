#include "crawler/shared_policy.h"

#include <cstdlib>
#include <utility>

#include "crawler/frontier/host_health.h"

namespace forager {
namespace {

// to_json's key, and the option a user gives it with.
const std::pair<const char*, const char*> kPolicy[] = {
    {"scope", "--scope"},
    {"allow", "--allow"},
    {"deny", "--deny"},
    {"max_depth", "--max-depth"},
    {"per_host", "--per-host"},
    {"delay_ms", "--delay"},
    {"rules", "--rules"},
    {"user_agent", "--user-agent"},
    {"robots_agent", "--robots-agent"},
    {"max_pages", "--max-pages"},
    {"max_pages_per_host", "--max-pages-per-host"},
    {"ignore_robots", "--ignore-robots"},
    {"max_query_params", "--max-query-params"},
    {"timeout_ms", "--timeout"},
    {"retries", "--retries"},
};

std::string shown(const nlohmann::json& value) { return value.is_null() ? "unset" : value.dump(); }

}  // namespace

std::optional<std::string> policy_difference(const nlohmann::json& mine, const std::string& recorded_json) {
  const auto recorded = nlohmann::json::parse(recorded_json, nullptr, false);
  if (!recorded.is_object()) return "the run's recorded options cannot be read";
  const nlohmann::json none;
  for (const auto& [key, option] : kPolicy) {
    const nlohmann::json& a = mine.contains(key) ? mine[key] : none;
    const nlohmann::json& b = recorded.contains(key) ? recorded[key] : none;
    if (a != b)
      return std::string(option) + " differs from the shared run's: " + shown(a) + " here, " + shown(b) +
             " in the run (every member crawls with the run's policy)";
  }
  return std::nullopt;
}

storage::SharedPolicy shared_policy(const CrawlOptions& o) {
  storage::SharedPolicy p;
  p.per_host = o.per_host;
  p.delay_ms = o.delay_ms;
  p.max_pages = o.max_pages;
  p.max_pages_per_host = o.max_pages_per_host;
  p.ignore_robots = o.ignore_robots;
  p.lease_lifetime_ms = o.timeout_ms + kLeaseMarginMs;
  p.give_up_after = kHostConnectionFailures;
  // Tests only: the control run of the politeness audit leases URLs with no
  // regard for the host's in-flight count and delay (it must fail the audit).
  const char* control = std::getenv("FORAGER_TEST_NO_HOST_LEASE");
  p.host_lease = !(control && std::string(control) == "1");
  return p;
}

}  // namespace forager
