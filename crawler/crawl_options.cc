#include "crawler/crawl_options.h"

#include <algorithm>

#include "crawler/frontier/robots.h"
#include "crawler/util/url.h"

namespace forager {
namespace {

const char* scope_name(ScopeMode mode) {
  switch (mode) {
    case ScopeMode::kHost: return "host";
    case ScopeMode::kDomain: return "domain";
    case ScopeMode::kAny: return "any";
  }
  return "host";
}

}  // namespace

std::optional<ScopeMode> parse_scope(std::string_view name) {
  if (name == "host") return ScopeMode::kHost;
  if (name == "domain") return ScopeMode::kDomain;
  if (name == "any") return ScopeMode::kAny;
  return std::nullopt;
}

protocol::Config worker_config(const CrawlOptions& o) {
  protocol::Config config;
  config.user_agent = o.user_agent;
  config.concurrency = static_cast<uint32_t>(o.concurrency);
  config.timeout_ms = static_cast<uint32_t>(o.timeout_ms);
  config.max_bytes = static_cast<uint64_t>(o.max_bytes);
  config.rules_json = o.rules_json;
  config.insecure = o.insecure;
  config.proxy = o.proxy;
  config.ca_file = o.ca_file;
  config.cookies = o.cookies;
  config.headers = o.headers;
  config.resolve = o.resolve;
  config.user = o.user;
  config.password = o.password;
  if (!o.user.empty()) {
    for (const auto& seed : o.seeds) {
      std::string host = url::host(seed);
      if (std::find(config.auth_hosts.begin(), config.auth_hosts.end(), host) == config.auth_hosts.end())
        config.auth_hosts.push_back(std::move(host));
    }
  }
  config.robots_agent = robots_agent(o);
  config.warc_dir = o.warc_dir;
  config.warc_max_bytes = static_cast<uint64_t>(o.warc_max_bytes);
  if (!o.warc_dir.empty()) config.warcinfo = warcinfo_fields(o);
  return config;
}

std::string robots_agent(const CrawlOptions& options) {
  if (!options.robots_agent.empty()) return options.robots_agent;
  return std::string(robots::robots_token(options.user_agent));
}

nlohmann::json to_json(const CrawlOptions& o) {
  nlohmann::json j = {
      {"job", o.job},           {"seeds", o.seeds},
      {"workers", o.workers},   {"concurrency", o.concurrency},
      {"per_host", o.per_host}, {"delay_ms", o.delay_ms},
      {"scope", scope_name(o.scope)}, {"allow", o.allow},
      {"deny", o.deny},         {"rules_path", o.rules_path},
      {"user_agent", o.user_agent}, {"timeout_ms", o.timeout_ms},
      {"retries", o.retries},   {"max_bytes", o.max_bytes},
      {"ignore_robots", o.ignore_robots}, {"max_query_params", o.max_query_params},
  };
  if (o.max_pages_per_host) j["max_pages_per_host"] = *o.max_pages_per_host;
  j["robots_agent"] = robots_agent(o);
  j["worker_max_pages"] = o.worker_max_pages;
  j["insecure"] = o.insecure;
  j["proxy"] = o.proxy;
  j["cacert"] = o.ca_file;
  j["cookies"] = o.cookies;
  // The cookie files' names only: their contents are secrets.
  if (!o.cookie_file.empty()) j["cookie_file"] = o.cookie_file;
  if (!o.save_cookies.empty()) j["save_cookies"] = o.save_cookies;
  // Header values may hold tokens and the password is never recorded: the
  // run keeps the header names and the user name only.
  nlohmann::json header_names = nlohmann::json::array();
  for (const auto& header : o.headers) header_names.push_back(header.substr(0, header.find(':')));
  j["header_names"] = header_names;
  j["resolve"] = o.resolve;
  j["user"] = o.user;
  j["sitemaps"] = o.sitemaps;
  j["worker_max_memory_mb"] = o.worker_max_memory_mb;
  // The rules themselves (parsed: a re-crawl compares them, whatever the
  // file's whitespace), so that a run knows whether its fields can be kept.
  j["rules"] = o.rules_json.empty() ? nlohmann::json() : nlohmann::json::parse(o.rules_json, nullptr, false);
  if (o.max_pages) j["max_pages"] = *o.max_pages;
  if (o.max_depth) j["max_depth"] = *o.max_depth;
  if (o.max_time_ms) j["max_time_ms"] = *o.max_time_ms;
  if (!o.warc_dir.empty()) {
    j["warc_dir"] = o.warc_dir;
    j["warc_max_bytes"] = o.warc_max_bytes;
    if (o.keep_bodies) j["keep_bodies"] = true;
  }
  return j;
}

std::string keep_bodies_dir(const std::string& db_location) {
  if (db_location.starts_with("postgres://") || db_location.starts_with("postgresql://")) return "";
  return db_location + ".bodies";
}

std::string warcinfo_fields(const CrawlOptions& o) {
  nlohmann::json options = to_json(o);
  options.erase("seeds");  // may be long; they are in the store
  std::string text;
  text += std::string("software: forager/") + FORAGER_VERSION + "\r\n";
  text += "format: WARC File Format 1.1\r\n";
  text += "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n";
  text += "http-header-user-agent: " + o.user_agent + "\r\n";
  text += std::string("robots: ") + (o.ignore_robots ? "ignore" : "obey") + "\r\n";
  text += "forager-job: " + o.job + "\r\n";
  text += "forager-options: " + options.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\r\n";
  return text;
}

}  // namespace forager
