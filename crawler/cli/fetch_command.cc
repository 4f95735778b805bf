// `forager fetch`: one page, fetched and extracted by the same code as a
// crawl's workers (workers/transfer: curl options, body limit, charset,
// parsing, rules), in this process and without a store, then printed as the
// record a crawl would store (storage/exporter's record_to_json).
//
// Politeness as in a crawl: robots.txt of every origin the request reaches is
// fetched and obeyed (RobotsCache, no retries) unless --ignore-robots; each
// redirect hop is checked like a crawl's (redirect_error: at most 10 hops, no
// loops) but there is no scope. One request per hop; no retries.
#include <curl/curl.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <variant>

#include "crawler/cli/commands.h"
#include "crawler/cli/crawl_cli.h"
#include "crawler/cli/rules_file.h"
#include "crawler/frontier/redirects.h"
#include "crawler/frontier/robots_cache.h"
#include "crawler/util/url.h"
#include "crawler/wire/error_codes.h"
#include "storage/exporter.h"
#include "workers/parse/charset.h"
#include "workers/rules/rules.h"
#include "workers/transfer.h"

namespace forager {
namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "forager fetch: %s\nRun 'forager fetch --help' for more information.\n", message.c_str());
  return kExitUsage;
}

// One request, run to its end on this thread by the worker's Transfer.
protocol::FetchResult perform(const std::string& url, protocol::Purpose purpose, const protocol::Config& config,
                              const Rules* rules, CURLSH* jar, std::string* body) {
  protocol::FetchTask task;
  task.task_id = 1;
  task.url = url;
  task.purpose = purpose;
  Transfer transfer(std::move(task), config, CurlEasy::create(), rules, jar);
  if (body != nullptr) transfer.keep_body(body);
  CURLcode rc = transfer.configure();
  if (rc == CURLE_OK) rc = curl_easy_perform(transfer.handle());
  return transfer.finish(rc);
}

// What a page's result puts in its record, as the coordinator stores it.
void fill_record(storage::PageRecord& record, protocol::FetchResult& result) {
  record.error = result.error;
  record.content_type = result.content_type;
  record.bytes = static_cast<int64_t>(result.bytes);
  record.content_hash = result.content_hash;
  record.title = std::move(result.title);
  record.description = std::move(result.description);
  record.links = std::move(result.links);
  record.fields_json = std::move(result.fields_json);
}

// Fetches one URL and its redirect hops, robots.txt first for each origin.
class PageFetch {
 public:
  PageFetch(const CrawlOptions& options, const Rules* rules)
      : config_(worker_config(options)),
        rules_(rules),
        ignore_robots_(options.ignore_robots),
        robots_(robots_agent(options), 0, slots_, retry_, clock_),
        scope_(std::get<Scope>(Scope::make(ScopeMode::kAny, {}, {}))),
        jar_(CurlShare::create(options.cookies)) {}

  // The record of `url` (normalized); `body` gets the final body as received.
  storage::PageRecord fetch(const std::string& url, std::string& body) {
    PendingUrl page;
    page.url = url;
    storage::PageRecord record;
    record.url = url;
    for (;;) {
      if (!ignore_robots_ && !robots_allow(page.target())) {
        if (!page.chain.empty()) {
          record.final_url = page.chain.back();
          record.status = page.last_status;
        }
        // An origin whose robots.txt got no answer at all is unreachable:
        // say why (connect, dns, timeout ...) rather than "robots".
        record.error = robots_error_.empty() ? errors::kRobots : robots_error_;
        record.fetched_at_ms = clock_.wall_ms();
        return record;
      }
      body.clear();
      protocol::FetchResult result =
          perform(page.target(), protocol::Purpose::kPage, config_, rules_, jar_.get(), &body);
      record.final_url = page.target();
      record.fetched_at_ms = result.fetched_at_ms ? result.fetched_at_ms : clock_.wall_ms();
      record.content_type = result.content_type;
      if (result.status > 0) record.status = result.status;
      if (result.status >= 300 && result.status < 400 && !result.redirect_to.empty()) {
        auto target = url::normalize(result.redirect_to);
        if (const char* error = redirect_error(page, target, scope_)) {
          record.error = error;
          return record;
        }
        page.chain.push_back(page.target());
        page.redirect_target = *target;
        page.last_status = result.status;
        continue;
      }
      fill_record(record, result);
      return record;
    }
  }

 private:
  // Fetches robots.txt of the URL's origin when not known yet (following its
  // redirects as RobotsCache says), then answers from its rules.
  bool robots_allow(const std::string& url) {
    const std::string origin = url::origin(url);
    while (!robots_.ready(origin)) {
      auto robots_url = robots_.due_fetch(origin, clock_.now_ms());
      if (!robots_url) return false;  // cannot happen without retries; refuse rather than loop
      robots_.fetch_started(origin);
      auto result = perform(*robots_url, protocol::Purpose::kRobots, config_, nullptr, jar_.get(), nullptr);
      robots_error_ = result.status == 0 ? result.error : std::string();
      robots_.on_result(origin, result);
    }
    return robots_.allowed(origin, url::path_and_query(url));
  }

  protocol::Config config_;
  const Rules* rules_;
  bool ignore_robots_;
  HostSlots slots_{1, 0};
  RetryPolicy retry_;
  SystemClock clock_;
  RobotsCache robots_;
  Scope scope_;
  CurlShare jar_;
  std::string robots_error_;  // the last robots.txt fetch's error when no response came
};

// The local file at `path`, at most `limit` bytes; nullopt when unreadable.
std::optional<std::string> read_file(const std::string& path, int64_t limit, bool& cut) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string body(static_cast<size_t>(limit) + 1, '\0');
  in.read(body.data(), static_cast<std::streamsize>(body.size()));
  if (in.bad()) return std::nullopt;
  body.resize(static_cast<size_t>(in.gcount()));
  cut = body.size() > static_cast<size_t>(limit);
  if (cut) body.resize(static_cast<size_t>(limit));
  return body;
}

// A local HTML file, parsed as a fetched text/html page of URL `page_url`
// (the --base URL; a file:// URL resolves no relative link).
storage::PageRecord file_record(const std::string& path, const std::string& page_url, std::string body, bool cut,
                                const Rules* rules) {
  protocol::FetchResult result;
  result.content_type = "text/html";
  result.fetched_at_ms = SystemClock().wall_ms();
  fill_content(result, std::move(body), protocol::Purpose::kPage, page_url, rules);
  if (cut) result.error = errors::kTooLarge;
  storage::PageRecord record;
  record.fetched_at_ms = result.fetched_at_ms;
  record.url = page_url.empty() ? "file://" + path : page_url;
  record.final_url = record.url;
  fill_record(record, result);
  return record;
}

void print_record(const storage::PageRecord& page) {
  storage::ExportRecord record;
  record.page = page;
  nlohmann::ordered_json json = storage::record_to_json(record);
  // Without a store there is no run, job or previous record to compare with.
  for (const char* key : {"run", "job", "changed"}) json.erase(key);
  std::cout << storage::dump_json(json) << '\n';
}

}  // namespace

int fetch_command(FetchOptions options) {
  CrawlOptions& o = options.http;
  const Rules* rules = nullptr;
  std::optional<Rules> parsed;
  if (!o.rules_path.empty()) {
    if (auto error = load_rules_file(o.rules_path, o.rules_json); !error.empty()) return usage_error(error);
    parsed = std::get<Rules>(Rules::parse(o.rules_json));
    rules = &*parsed;
  }
  std::string base;
  if (!options.base.empty()) {
    auto normalized = url::normalize(options.base);
    if (!normalized) return usage_error("--base: '" + options.base + "' is not an absolute http(s) URL");
    base = *normalized;
  }
  const std::string& target = options.target;
  const bool is_url = target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0;
  storage::PageRecord record;
  std::string body;
  if (is_url) {
    if (!options.base.empty()) return usage_error("--base applies to a local file, not to a URL");
    auto url = url::normalize(target);
    if (!url) return usage_error("'" + target + "' is not a valid http(s) URL");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      std::fprintf(stderr, "forager fetch: curl_global_init failed\n");
      return kExitRuntime;
    }
    o.seeds = {*url};  // the host that gets --user's credentials
    read_password(o);
    PageFetch fetch(o, rules);
    record = fetch.fetch(*url, body);
    curl_global_cleanup();
  } else {
    std::error_code ec;
    const std::string path = std::filesystem::absolute(target, ec).string();
    bool cut = false;
    auto content = std::filesystem::is_regular_file(target, ec) ? read_file(target, o.max_bytes, cut) : std::nullopt;
    if (!content) return usage_error("'" + target + "' is neither an http(s) URL nor a readable file");
    body = *content;
    record = file_record(path, base, std::move(*content), cut, rules);
  }
  if (!record.error.empty()) std::fprintf(stderr, "forager fetch: %s: %s\n", record.url.c_str(), record.error.c_str());
  // As for a crawl: 3 when no response came (robots.txt refused it, the
  // connection failed, ...); the record with its error is printed all the same.
  const bool nothing_fetched = is_url && !record.status;
  if (nothing_fetched) {
    if (!options.html) print_record(record);
    return kExitNothingFetched;
  }
  if (options.html) {
    std::cout << charset::to_utf8(std::move(body), record.content_type);
  } else {
    print_record(record);
  }
  std::cout.flush();
  return std::cout ? 0 : kExitRuntime;
}

}  // namespace forager
