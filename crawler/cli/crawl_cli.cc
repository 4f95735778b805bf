#include "crawler/cli/crawl_cli.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "crawler/util/ascii.h"
#include "crawler/util/byte_size.h"
#include "crawler/util/duration.h"

namespace forager {
namespace {

// Largest --delay and --timeout: one day.
constexpr int64_t kMaxDelayMs = 86400 * 1000;

// A duration option: a number in `plain_unit_ms` units or with a suffix
// (crawler/util/duration.h), between min_ms and max_ms, stored in `target`.
CLI::Option* add_duration_option(CLI::App& cmd, const std::string& name, int64_t& target, int64_t plain_unit_ms,
                                 int64_t min_ms, int64_t max_ms, const std::string& description) {
  const std::string unit = plain_unit_ms == kMillisecond ? "milliseconds" : "seconds";
  auto validate = [=](std::string& text) -> std::string {
    auto ms = parse_duration_ms(text, plain_unit_ms);
    if (!ms) return "'" + text + "' is not a duration: a number of " + unit + ", or with ms, s, m or h (500ms, 2s, 1m)";
    if (*ms < min_ms || *ms > max_ms)
      return "'" + text + "' is out of range " + std::to_string(min_ms) + " ms to " + std::to_string(max_ms / 1000) +
             " s";
    return "";
  };
  return cmd
      .add_option_function<std::string>(
          name, [&target, plain_unit_ms](const std::string& text) { target = *parse_duration_ms(text, plain_unit_ms); },
          description)
      ->check(CLI::Validator(validate, ""))
      ->type_name("DURATION");
}

// A byte-size option: bytes or K/M/G (KiB/MiB/GiB) suffixes, at least 1 byte.
CLI::Option* add_size_option(CLI::App& cmd, const std::string& name, int64_t& target,
                             const std::string& description) {
  auto validate = [](std::string& text) -> std::string {
    auto bytes = parse_byte_size(text);
    if (!bytes)
      return "'" + text + "' is not a size: a number of bytes, or with K, M or G (512K, 10M, 1GiB; 1K = 1024)";
    if (*bytes < 1 || *bytes > (int64_t{1} << 40)) return "'" + text + "' is out of range 1 byte to 1024G";
    return "";
  };
  return cmd
      .add_option_function<std::string>(
          name, [&target](const std::string& text) { target = *parse_byte_size(text); }, description)
      ->check(CLI::Validator(validate, ""))
      ->type_name("SIZE");
}

// RFC 9110 token characters (a header name).
bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) return false;
  }
  return true;
}

bool has_control(std::string_view text) {
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\t') || c == 0x7F) return true;
  return false;
}

std::string check_header(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return "'" + text + "' is not 'Name: value'";
  const std::string name = text.substr(0, colon);
  if (!is_token(name)) return "'" + name + "' is not a header name";
  if (has_control(text)) return "a header may not hold CR, LF or other control characters";
  if (ascii::iequals(name, "Host")) return "Host may not be set: use --resolve to reach another address";
  return "";
}

bool is_address(const std::string& text) {
  unsigned char buffer[16];
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    return ::inet_pton(AF_INET6, text.substr(1, text.size() - 2).c_str(), buffer) == 1;
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1;
}

// HOST:PORT:ADDR[,ADDR...] as curl's --resolve takes it (HOST may be '*').
std::string check_resolve(const std::string& text) {
  const std::string usage = "'" + text + "' is not HOST:PORT:ADDR (e.g. shop.test:443:127.0.0.1)";
  const size_t first = text.find(':');
  const size_t second = first == std::string::npos ? first : text.find(':', first + 1);
  if (second == std::string::npos) return usage;
  const std::string host = text.substr(0, first), port = text.substr(first + 1, second - first - 1);
  if (host.empty() || has_control(host) || host.find_first_of(" ,/[]") != std::string::npos) return usage;
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) < 1 || std::stoi(port) > 65535)
    return usage + ": bad port";
  std::string addresses = text.substr(second + 1);
  if (addresses.empty()) return usage;
  for (size_t start = 0; start <= addresses.size();) {
    size_t end = addresses.find(',', start);
    if (end == std::string::npos) end = addresses.size();
    if (!is_address(addresses.substr(start, end - start)))
      return usage + ": '" + addresses.substr(start, end - start) + "' is not an IP address ([...] for IPv6)";
    start = end + 1;
  }
  return "";
}

std::string check_user(const std::string& text) {
  if (text.empty() || has_control(text)) return "'" + text + "' is not a user name";
  if (text.find(':') != std::string::npos)
    return "the user name may not hold ':'; give the password in FORAGER_PASSWORD or a netrc file, never on the "
           "command line";
  return "";
}

CLI::Validator text_check(std::string (*check)(const std::string&)) {
  return CLI::Validator([check](std::string& text) { return check(text); }, "");
}

}  // namespace

void read_password(CrawlOptions& o) {
  if (o.user.empty()) return;
  if (const char* password = std::getenv("FORAGER_PASSWORD")) o.password = password;
}

std::vector<CLI::Option*> add_http_options(CLI::App& cmd, CrawlOptions& o) {
  const size_t before = cmd.get_options().size();
  cmd.add_option("--user-agent", o.user_agent, "User-Agent header sent with every request")
      ->type_name("STRING")
      ->capture_default_str();
  cmd.add_option("--robots-agent", o.robots_agent,
                 "product token matched in robots.txt [derived from --user-agent: its first product, or the "
                 "compatible; NAME/ part of a browser-style string]")
      ->type_name("NAME")
      ->check([](const std::string& name) {
        const bool ok = !name.empty() && name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                "0123456789_-.") == std::string::npos;
        return ok ? std::string() : "a product token is letters, digits, '_', '-' and '.'";
      });
  add_duration_option(cmd, "--timeout", o.timeout_ms, kSecond, 1, kMaxDelayMs,
                      "whole-transfer limit: seconds (decimals allowed), or 500ms, 1m [30]");
  add_size_option(cmd, "--max-bytes", o.max_bytes,
                  "body limit after decompression: bytes, or 512K, 10M, 1G (binary: 1K = 1024) [10M]");
  cmd.add_flag("--ignore-robots", o.ignore_robots, "do not fetch or obey robots.txt");
  cmd.add_flag("--insecure", o.insecure, "do not verify TLS certificates");
  cmd.add_option("--cacert", o.ca_file, "also trust the CA certificates in this PEM file")->type_name("FILE");
  cmd.add_option("--proxy", o.proxy, "proxy URL [the http_proxy/https_proxy/no_proxy environment variables]")
      ->type_name("URL");
  cmd.add_flag_callback("--no-cookies", [&o] { o.cookies = false; }, "do not keep cookies between requests");
  cmd.add_option("--header", o.headers, "extra request header 'Name: value' (repeatable; not Host)")
      ->type_name("'NAME: VALUE'")
      ->allow_extra_args(false)
      ->check(text_check(check_header));
  cmd.add_option("--resolve", o.resolve, "connect to ADDR for HOST:PORT, as curl's --resolve (repeatable)")
      ->type_name("HOST:PORT:ADDR")
      ->allow_extra_args(false)
      ->check(text_check(check_resolve));
  cmd.add_option("--user", o.user,
                 "HTTP auth (basic or digest) user for the seeds' hosts; the password from FORAGER_PASSWORD or "
                 "~/.netrc, never argv")
      ->type_name("NAME")
      ->check(text_check(check_user));
  std::vector<CLI::Option*> added;
  auto all = cmd.get_options();
  for (size_t i = before; i < all.size(); ++i) added.push_back(all[i]);
  return added;
}

std::vector<CLI::Option*> add_crawl_options(CLI::App& cmd, CrawlOptions& o, std::string& max_time,
                                            std::string& scope) {
  const size_t before = cmd.get_options().size();
  cmd.add_option("--db", o.db_path, "store: a SQLite file or a postgresql:// URI")->type_name("PATH|URI")->capture_default_str();
  cmd.add_option("--job", o.job, "the crawl job this run belongs to")->type_name("NAME")->capture_default_str();
  cmd.add_option("--workers", o.workers, "worker processes [number of cores]")->check(CLI::Range(1, 256));
  cmd.add_option("--concurrency", o.concurrency, "transfers in flight per worker")
      ->check(CLI::Range(1, 10000))->capture_default_str();
  cmd.add_option("--per-host", o.per_host, "transfers in flight per host, whole crawl")
      ->check(CLI::Range(1, 10000))->capture_default_str();
  add_duration_option(cmd, "--delay", o.delay_ms, kMillisecond, 0, kMaxDelayMs,
                      "least gap between two requests to one host: milliseconds, or 2s, 1.5s, 1m [0]");
  cmd.add_option("--max-pages", o.max_pages, "stop dispatching after N fetches")->check(CLI::NonNegativeNumber);
  cmd.add_option("--max-depth", o.max_depth, "link distance from a seed")->check(CLI::NonNegativeNumber);
  cmd.add_option("--max-time", max_time, "stop dispatching after DURATION (e.g. 90s, 30m, 2h)")->type_name("DURATION");
  cmd.add_option("--scope", scope, "host | domain | any")->check(CLI::IsMember({"host", "domain", "any"}))
      ->capture_default_str();
  // One value per occurrence, so that `--allow X URL` leaves URL a seed.
  cmd.add_option("--allow", o.allow, "follow only links matching REGEX (repeatable)")
      ->type_name("REGEX")
      ->allow_extra_args(false);
  cmd.add_option("--deny", o.deny, "never follow links matching REGEX (repeatable)")
      ->type_name("REGEX")
      ->allow_extra_args(false);
  cmd.add_option("--rules", o.rules_path, "extraction rules (JSON)")->type_name("FILE");
  add_http_options(cmd, o);
  CLI::Option* no_cookies = cmd.get_option("--no-cookies");
  cmd.add_option("--cookies", o.cookie_file,
                 "load this Netscape cookie file (curl's and browsers' export format) into the crawl's jar")
      ->type_name("FILE")
      ->excludes(no_cookies);
  cmd.add_option("--save-cookies", o.save_cookies,
                 "write the crawl's cookie jar to FILE at the end (Netscape format, mode 0600)")
      ->type_name("FILE")
      ->excludes(no_cookies);
  cmd.add_option("--retries", o.retries, "retries for timeouts, connection errors, 429 and 5xx")
      ->check(CLI::Range(0, 100))->capture_default_str();
  cmd.add_flag("--sitemaps", o.sitemaps, "also crawl the URLs in robots.txt's sitemaps and /sitemap.xml");
  cmd.add_option("--max-pages-per-host", o.max_pages_per_host, "fetches per host name [unlimited]")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--max-query-params", o.max_query_params, "links with more query parameters are not followed (0: no limit)")
      ->check(CLI::Range(0, 10000))->capture_default_str();
  cmd.add_option("--worker-max-pages", o.worker_max_pages, "recycle a worker after N pages (0: never)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd.add_option("--worker-max-memory", o.worker_max_memory_mb, "recycle a worker above N MiB resident (0: no cap)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd.add_option("--warc", o.warc_dir,
                 "write every request and response to WARC/1.1 files (.warc.gz) in DIR, created if missing")
      ->type_name("DIR");
  add_size_option(cmd, "--warc-max-size", o.warc_max_bytes,
                  "start a new WARC file past this size: bytes, or 100M, 1G [1G]");
  cmd.add_flag("--continue", o.continue_run,
               "go on with the job's last run although a budget (--max-pages, --max-time) ended it, instead of "
               "starting a new run; --max-pages counts the whole run");
  cmd.add_flag("--keep-bodies", o.keep_bodies,
               "keep every response as WARC files in the folder STORE.bodies beside the store (unless --warc "
               "names one), for forager extract");
  cmd.add_flag("--fail-on-error", o.fail_on_error,
               "exit 4 when any record of the run failed (an error code or HTTP status 400 or more)");
  cmd.add_flag_callback("--quiet", [&o] { o.progress = false; }, "no progress lines, only the summary");
  std::vector<CLI::Option*> added;
  auto all = cmd.get_options();
  for (size_t i = before; i < all.size(); ++i) added.push_back(all[i]);
  return added;
}

std::vector<std::string> given_arguments(const std::vector<CLI::Option*>& options,
                                         const std::vector<std::string>& skip) {
  std::vector<std::string> tokens;
  for (const CLI::Option* option : options) {
    if (option->count() == 0 || option->get_lnames().empty()) continue;
    const std::string name = "--" + option->get_lnames().front();
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    if (option->get_expected_min() == 0) {  // a flag
      tokens.push_back(name);
      continue;
    }
    for (const auto& value : option->results()) {
      tokens.push_back(name);
      tokens.push_back(value);
    }
  }
  return tokens;
}

}  // namespace forager
