// The crawl policy of a shared run (every crawl on PostgreSQL): what every member must agree
// on, and what the server enforces for all of them.
//
// Contract:
// - policy_difference(): the first policy option whose value in `mine`
//   (to_json of this member's options) differs from the run's recorded
//   options, as a message naming the option (--per-host, --delay, --scope,
//   --allow, --deny, --max-depth, --rules, --user-agent, --robots-agent,
//   --max-pages, --max-pages-per-host, --ignore-robots, --max-query-params,
//   --timeout, --retries); nothing when they agree. Seeds, --workers,
//   --concurrency and everything about this machine may differ.
// - shared_policy(): per-host, delay, budgets and robots as the server's lease
//   takes them, and the lease lifetime: --timeout plus kLeaseMarginMs. A
//   member silent for longer is dead and its leases are taken back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "crawler/crawl_options.h"
#include "storage/shared_run.h"

namespace forager {

inline constexpr int64_t kLeaseMarginMs = 5000;

std::optional<std::string> policy_difference(const nlohmann::json& mine, const std::string& recorded_json);
storage::SharedPolicy shared_policy(const CrawlOptions& options);

}  // namespace forager
