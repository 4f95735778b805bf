#include "crawler/frontier/robots_cache.h"

#include <algorithm>

#include "crawler/util/url.h"
#include "crawler/wire/error_codes.h"

namespace forager {

std::optional<std::string> RobotsCache::due_fetch(const std::string& origin, int64_t now) {
  Entry& entry = origins_[origin];
  if (entry.state == State::kReady && now - entry.fetched_at_ms > kRobotsMaxAgeMs)
    entry.state = State::kUnknown;  // a long crawl: fetch it again
  if (entry.state != State::kUnknown || now < entry.retry_at_ms) return std::nullopt;
  return entry.next_url.empty() ? origin + "/robots.txt" : entry.next_url;
}

bool RobotsCache::on_result(const std::string& origin, const protocol::FetchResult& result) {
  Entry& entry = origins_[origin];
  if (follow_redirect(entry, result)) return false;
  entry.next_url.clear();
  entry.hops = 0;
  entry.unreachable.clear();
  if (result.error.empty() && result.status >= 200 && result.status < 300) {
    entry.rules = robots::RobotsTxt::parse(result.body, user_agent_);
  } else if (result.error.empty() && result.status >= 300 && result.status < 500) {
    entry.rules = robots::RobotsTxt::allow_all();  // RFC 9309: unavailable
  } else if (++entry.attempts <= retries_) {
    entry.state = State::kUnknown;  // unreachable: try again later
    entry.retry_at_ms = clock_.now_ms() + retry_.backoff_ms(entry.attempts, 0);
    return false;
  } else {
    entry.rules = robots::RobotsTxt::disallow_all();  // RFC 9309: unreachable
    entry.unreachable = result.error;
  }
  become_ready(origin, entry);
  return true;
}

void RobotsCache::adopt(const std::string& origin, int status, const std::string& error, const std::string& body) {
  Entry& entry = origins_[origin];
  entry.next_url.clear();
  entry.hops = 0;
  entry.unreachable.clear();
  if (error.empty() && status >= 200 && status < 300) {
    entry.rules = robots::RobotsTxt::parse(body, user_agent_);
  } else if (error.empty() && status >= 300 && status < 500) {
    entry.rules = robots::RobotsTxt::allow_all();
  } else {
    entry.rules = robots::RobotsTxt::disallow_all();
    entry.unreachable = error;
  }
  become_ready(origin, entry);
}

// The next hop goes out from the dispatch loop like any fetch.
bool RobotsCache::follow_redirect(Entry& entry, const protocol::FetchResult& result) {
  bool redirect = result.status >= 300 && result.status < 400 && !result.redirect_to.empty();
  if (!redirect || entry.hops >= kMaxRobotsRedirects) return false;
  auto target = url::normalize(result.redirect_to);
  if (!target) return false;
  entry.state = State::kUnknown;
  entry.next_url = *target;
  ++entry.hops;
  return true;
}

void RobotsCache::become_ready(const std::string& origin, Entry& entry) {
  entry.state = State::kReady;
  entry.attempts = 0;  // a refresh a day later gets its own retries
  entry.fetched_at_ms = clock_.now_ms();
  if (auto delay = entry.rules.crawl_delay_seconds()) {
    int64_t ms = std::min<int64_t>(static_cast<int64_t>(*delay * 1000), kMaxHostDelayMs);
    slots_.raise_delay(url::host(origin + "/"), ms);
  }
}

const RobotsCache::Entry* RobotsCache::find(const std::string& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? nullptr : &it->second;
}

bool RobotsCache::ready(const std::string& origin) const {
  const Entry* entry = find(origin);
  return entry && entry->state == State::kReady;
}

bool RobotsCache::allowed(const std::string& origin, std::string_view path_and_query) const {
  const Entry* entry = find(origin);
  return !entry || entry->rules.allowed(path_and_query);
}

std::string RobotsCache::refusal(const std::string& origin) const {
  const Entry* entry = find(origin);
  return entry && !entry->unreachable.empty() ? entry->unreachable : std::string(errors::kRobots);
}

const std::vector<std::string>& RobotsCache::sitemaps(const std::string& origin) const {
  static const std::vector<std::string> kNone;
  const Entry* entry = find(origin);
  return entry ? entry->rules.sitemaps() : kNone;
}

}  // namespace forager
