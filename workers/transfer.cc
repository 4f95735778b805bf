#include "workers/transfer.h"

#include <malloc.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>

#include "crawler/util/url.h"
#include "crawler/wire/error_codes.h"
#include "workers/parse/charset.h"
#include "workers/parse/extractor.h"
#include "workers/parse/html_document.h"
#include "workers/parse/robots_directives.h"
#include "workers/parse/sitemap.h"
#include "workers/rules/rules.h"

namespace forager {
namespace {

// X-Robots-Tag headers of one response that are read at most.
constexpr size_t kMaxRobotsHeaders = 32;

// After a page body larger than this, the worker hands the heap memory freed
// by the parse back to the kernel (malloc_trim): glibc keeps freed heap pages,
// and after a big page they would stay in the worker's RSS for good.
constexpr uint64_t kTrimAfterBytes = 1 << 20;

// Room left in a frame for what encoded_size() does not know about, and for
// the cookie changes the fetch loop adds to a result after finish().
constexpr size_t kFrameSlack = 4096 + protocol::kMaxCookieChanges * (4 + protocol::kMaxCookieLineBytes);

int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A header value that can go into a request line as is.
bool is_safe_header_value(std::string_view value) {
  return value.find_first_of("\r\n") == std::string_view::npos && value.find('\0') == std::string_view::npos;
}

}  // namespace

std::string_view error_code(CURLcode code, bool too_large) {
  if (too_large && (code == CURLE_WRITE_ERROR || code == CURLE_OK)) return errors::kTooLarge;
  switch (code) {
    case CURLE_OK:
      return "";
    case CURLE_OPERATION_TIMEDOUT:
      return errors::kTimeout;
    case CURLE_COULDNT_CONNECT:
      return errors::kConnect;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return errors::kDns;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return errors::kTls;
    case CURLE_FILESIZE_EXCEEDED:
      return errors::kTooLarge;
    case CURLE_TOO_MANY_REDIRECTS:
      return errors::kTooManyRedirects;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return errors::kBadUrl;
    case CURLE_BAD_CONTENT_ENCODING:
      return errors::kContentEncoding;
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return errors::kHttp2;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN:
    case CURLE_WRITE_ERROR:  // without too_large: the write callback failed
    case CURLE_ABORTED_BY_CALLBACK:
      return errors::kInternal;
    default:  // recv/send errors, partial bodies, empty or malformed replies, ...
      return errors::kNetwork;
  }
}

Transfer::Transfer(protocol::FetchTask task, const protocol::Config& config, CurlEasy handle,
                   const Rules* rules, CURLSH* share)
    : task_(std::move(task)),
      config_(config),
      rules_(rules),
      share_(share),
      handle_(std::move(handle)),
      body_limit_(task_.purpose == protocol::Purpose::kRobots
                      ? std::min<uint64_t>(config.max_bytes, protocol::kMaxRobotsBytes)
                      : config.max_bytes),
      archive_(!config.warc_dir.empty()),
      capture_(config.max_bytes) {}

CURLcode Transfer::configure() {
  CURL* h = handle_.get();
  if (h == nullptr) return CURLE_FAILED_INIT;
  const long timeout_ms = static_cast<long>(config_.timeout_ms);
  const long connect_timeout_ms = timeout_ms == 0 ? 10000 : std::min(timeout_ms, 10000L);
  if (!task_.if_none_match.empty() && is_safe_header_value(task_.if_none_match) &&
      !request_headers_.append(("If-None-Match: " + task_.if_none_match).c_str())) {
    return CURLE_OUT_OF_MEMORY;
  }
  if (!task_.if_modified_since.empty() && is_safe_header_value(task_.if_modified_since) &&
      !request_headers_.append(("If-Modified-Since: " + task_.if_modified_since).c_str())) {
    return CURLE_OUT_OF_MEMORY;
  }
  for (const std::string& line : config_.headers) {
    if (is_safe_header_value(line) && !request_headers_.append(line.c_str())) return CURLE_OUT_OF_MEMORY;
  }
  for (const std::string& entry : config_.resolve) {
    if (!resolve_.append(entry.c_str())) return CURLE_OUT_OF_MEMORY;
  }
  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode result) {
    if (rc == CURLE_OK) rc = result;
  };
  if (resolve_.get() != nullptr) set(curl_easy_setopt(h, CURLOPT_RESOLVE, resolve_.get()));
  if (sends_credentials()) {
    set(curl_easy_setopt(h, CURLOPT_USERNAME, config_.user.c_str()));
    if (!config_.password.empty()) {
      set(curl_easy_setopt(h, CURLOPT_PASSWORD, config_.password.c_str()));
    } else {
      set(curl_easy_setopt(h, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_OPTIONAL)));
    }
    set(curl_easy_setopt(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC | CURLAUTH_DIGEST)));
  }
  set(curl_easy_setopt(h, CURLOPT_URL, task_.url.c_str()));
  // The request line carries exactly the path and query robots.txt was checked
  // against: libcurl would otherwise remove dot segments and (7.88) collapse a
  // leading "//" into "/", sending a path the check never saw. An http:// URL
  // through a proxy is not tunnelled: --proxy gets the whole normalized URL;
  // a proxy from the environment gets libcurl's own.
  const bool plain_http = task_.url.starts_with("http://");
  const bool env_proxy = config_.proxy.empty() && (std::getenv("http_proxy") != nullptr ||
                                                   std::getenv("all_proxy") != nullptr ||
                                                   std::getenv("ALL_PROXY") != nullptr);
  std::string target = url::path_and_query(task_.url);
  if (plain_http && !config_.proxy.empty()) target = task_.url;
  if (plain_http && env_proxy) target.clear();
  set(curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L));
  set(curl_easy_setopt(h, CURLOPT_REQUEST_TARGET, target.empty() ? nullptr : target.c_str()));
  set(curl_easy_setopt(h, CURLOPT_PRIVATE, this));
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""));
  set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms));
  set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms));
  set(curl_easy_setopt(h, CURLOPT_USERAGENT, config_.user_agent.c_str()));
  set(curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS)));
  if (!config_.proxy.empty()) set(curl_easy_setopt(h, CURLOPT_PROXY, config_.proxy.c_str()));
  if (share_ != nullptr) {
    set(curl_easy_setopt(h, CURLOPT_SHARE, share_));
    // Turns the cookie engine on (see FetchLoop::release_handle).
    if (config_.cookies) set(curl_easy_setopt(h, CURLOPT_COOKIEFILE, ""));
  }
  set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Transfer::on_write));
  set(curl_easy_setopt(h, CURLOPT_WRITEDATA, this));
  if (request_headers_.get() != nullptr) {
    set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, request_headers_.get()));
  }
  if (archive_) {  // curl calls the debug function only in verbose mode
    set(curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, &Transfer::on_debug));
    set(curl_easy_setopt(h, CURLOPT_DEBUGDATA, this));
    set(curl_easy_setopt(h, CURLOPT_VERBOSE, 1L));
  }
  return rc;
}

bool Transfer::sends_credentials() const {
  if (config_.user.empty()) return false;
  auto url = url::normalize(task_.url);
  if (!url) return false;
  const std::string host = url::host(*url);
  return std::find(config_.auth_hosts.begin(), config_.auth_hosts.end(), host) != config_.auth_hosts.end();
}

size_t Transfer::on_write(char* data, size_t size, size_t count, void* self) noexcept {
  return static_cast<Transfer*>(self)->append(data, size * count);
}

int Transfer::on_debug(CURL*, curl_infotype type, char* data, size_t size, void* self) noexcept {
  static_cast<Transfer*>(self)->capture_.on_debug(type, std::string_view(data, size));
  return 0;
}

size_t Transfer::append(const char* data, size_t length) noexcept {
  try {
    const uint64_t room = body_limit_ - body_.size();
    const size_t take = static_cast<size_t>(std::min<uint64_t>(room, length));
    const size_t needed = body_.size() + take;
    if (needed > body_.capacity()) {
      curl_off_t announced = -1;
      if (body_.empty() &&
          curl_easy_getinfo(handle_.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced) != CURLE_OK)
        announced = -1;
      body_.reserve(body_capacity(body_.size(), body_.capacity(), needed, body_limit_, announced));
    }
    body_.append(data, take);
    if (take < length) too_large_ = true;  // a short count makes curl stop
    return take;
  } catch (...) {
    write_failed_ = true;
    return 0;
  }
}

bool Transfer::sets_cookies() const {
  curl_header* found = nullptr;
  return curl_easy_header(handle_.get(), "Set-Cookie", 0, CURLH_HEADER, -1, &found) == CURLHE_OK;
}

std::string Transfer::header(const char* name) const {
  curl_header* found = nullptr;
  if (curl_easy_header(handle_.get(), name, 0, CURLH_HEADER, -1, &found) != CURLHE_OK ||
      found == nullptr || found->value == nullptr) {
    return {};
  }
  return found->value;
}

protocol::FetchResult Transfer::finish(CURLcode code) {
  protocol::FetchResult result;
  result.task_id = task_.task_id;
  result.fetched_at_ms = now_unix_ms();
  CURL* h = handle_.get();
  const bool too_large = too_large_ && !write_failed_;
  result.error = std::string(error_code(code, too_large));
  if (h == nullptr) {
    result.error = errors::kInternal;
    return result;
  }
  long status = 0;
  if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) {
    result.status = static_cast<int32_t>(status);
  }
  curl_off_t total_us = 0;
  if (curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total_us) == CURLE_OK && total_us > 0) {
    result.elapsed_ms = static_cast<uint32_t>(
        std::min<curl_off_t>(total_us / 1000, std::numeric_limits<uint32_t>::max()));
  }
  if (result.status == 0) return result;
  if (result.status >= 300 && result.status < 400) {
    char* location = nullptr;
    if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location != nullptr) {
      result.redirect_to = location;
    }
  }
  result.content_type = header("Content-Type");
  result.etag = header("ETag");
  result.last_modified = header("Last-Modified");
  result.retry_after = header("Retry-After");
  // A robots.txt longer than the limit is cut there: RFC 9309 lets a crawler
  // parse only the first 500 KiB, so that is no error.
  if (too_large && task_.purpose == protocol::Purpose::kRobots) result.error.clear();
  if (result.error.empty() || too_large) {
    if (kept_body_ != nullptr) *kept_body_ = body_;
    fill_content(result, std::move(body_), task_.purpose, task_.url, rules_, config_.robots_agent);
  }
  if (task_.purpose == protocol::Purpose::kPage) apply_robots_headers(result);
  body_ = std::string();
  if (result.bytes > kTrimAfterBytes) malloc_trim(0);
  if (archive_) archive(result, code);
  fit_frame(result);
  return result;
}

// Every X-Robots-Tag header of the response (there may be several).
void Transfer::apply_robots_headers(protocol::FetchResult& result) const {
  RobotsDirectives directives{result.noindex, result.nofollow};
  curl_header* found = nullptr;
  for (size_t index = 0; index < kMaxRobotsHeaders; ++index) {
    if (curl_easy_header(handle_.get(), "X-Robots-Tag", index, CURLH_HEADER, -1, &found) != CURLHE_OK ||
        found == nullptr)
      break;
    if (found->value != nullptr) apply_x_robots_tag(found->value, config_.robots_agent, directives);
    if (index + 1 >= found->amount) break;
  }
  result.noindex = directives.noindex;
  result.nofollow = directives.nofollow;
}

void Transfer::archive(const protocol::FetchResult& result, CURLcode code) {
  FetchFacts facts;
  facts.url = task_.url;
  char* ip = nullptr;
  if (curl_easy_getinfo(handle_.get(), CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr) facts.ip = ip;
  facts.fetched_at_ms = result.fetched_at_ms;
  facts.elapsed_ms = result.elapsed_ms;
  facts.disconnected = code != CURLE_OK && !too_large_;
  facts.links = &result.links;
  facts.status = result.status;
  facts.previous_digest = task_.previous_digest;
  facts.previous_uri = task_.previous_uri;
  facts.previous_date_ms = task_.previous_date_ms;
  facts.previous_record_id = task_.previous_record_id;
  warc_records_ = fetch_records(capture_, facts);
}

void fill_content(protocol::FetchResult& result, std::string body, protocol::Purpose purpose,
                  std::string_view page_url, const Rules* rules, std::string_view robots_agent) {
  result.bytes = body.size();
  result.content_hash = sha256_hex(body);
  if (purpose == protocol::Purpose::kRobots) {
    if (body.size() > protocol::kMaxRobotsBytes) body.resize(protocol::kMaxRobotsBytes);
    result.body = std::move(body);
    return;
  }
  if (purpose == protocol::Purpose::kSitemap) {
    if (result.status < 200 || result.status >= 300) return;
    Sitemap sitemap = parse_sitemap(body, page_url, protocol::kMaxSitemapBytes);
    result.links = std::move(sitemap.pages);
    result.follow_links = std::move(sitemap.sitemaps);
    if (sitemap.malformed && result.links.empty() && result.follow_links.empty())
      result.error = errors::kBadSitemap;
    return;
  }
  // Redirect and Not Modified bodies carry nothing worth extracting.
  if ((result.status >= 300 && result.status < 400) || result.status == 304) return;
  const bool html = result.content_type.empty() ? sniffs_as_html(body)
                                                : is_html_media_type(result.content_type);
  if (!html) return;
  std::string utf8 = charset::to_utf8(std::move(body), result.content_type);
  // Without rules that read this page's tree, a tokenizer pass extracts the
  // same as gumbo's tree walk (extract_page_streaming), unless the page has
  // markup only the tree builder gets right.
  std::optional<Extracted> streamed;  // the streaming pass's, else the tree's
  if (rules == nullptr || !needs_tree(*rules, page_url))
    streamed = extract_page_streaming(utf8, page_url, robots_agent);
  if (!streamed) {
    const HtmlDocument document = HtmlDocument::parse(std::move(utf8));
    if (document.aborted()) {  // gumbo stopped on an assertion: nothing to extract
      result.error = errors::kHtmlParse;
      return;
    }
    streamed = extract_page(document, page_url, rules, robots_agent);
  }
  Extracted extracted = std::move(*streamed);
  result.noindex = extracted.robots.noindex;
  result.nofollow = extracted.robots.nofollow;
  result.title = std::move(extracted.title);
  result.description = std::move(extracted.description);
  result.links = std::move(extracted.links);
  result.fields_json = std::move(extracted.fields_json);
  result.follow_restricted = extracted.follow_restricted;
  result.follow_links = std::move(extracted.follow_links);
}

size_t body_capacity(size_t size, size_t capacity, size_t needed, uint64_t limit, int64_t content_length) {
  size_t wanted = std::max(needed, capacity * 2);
  if (size == 0 && content_length > 0)
    wanted = std::max(needed, static_cast<size_t>(std::min<uint64_t>(static_cast<uint64_t>(content_length), limit)));
  return static_cast<size_t>(std::min<uint64_t>(limit, wanted));
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

size_t encoded_size(const protocol::FetchResult& r) {
  // Frame header, then the fields in declaration order (see protocol.h).
  size_t size = 4 + 1 + 1;
  size += 8 + 4;  // task_id, status
  for (const std::string* s : {&r.error, &r.redirect_to, &r.retry_after}) size += 4 + s->size();
  size += 8 + 4;  // fetched_at_ms, elapsed_ms
  size += 4 + r.content_type.size();
  size += 8;  // bytes
  for (const std::string* s : {&r.content_hash, &r.etag, &r.last_modified, &r.title,
                               &r.description, &r.fields_json, &r.body}) {
    size += 4 + s->size();
  }
  size += 4;
  for (const std::string& link : r.links) size += 4 + link.size();
  size += 4 + 1 + 2;  // follow_links count, follow_restricted, noindex, nofollow
  for (const std::string& link : r.follow_links) size += 4 + link.size();
  for (const std::string* s : {&r.warc_file, &r.warc_record_id, &r.payload_digest}) size += 4 + s->size();
  size += 8 + 1;  // warc_offset, revisit
  size += 4;      // cookies count
  for (const std::string& line : r.cookies) size += 4 + line.size();
  return size;
}

void fit_frame(protocol::FetchResult& result) {
  size_t size = encoded_size(result);
  while (size + kFrameSlack > protocol::kMaxFrameBytes && !result.links.empty()) {
    size -= 4 + result.links.back().size();
    result.links.pop_back();
  }
  while (size + kFrameSlack > protocol::kMaxFrameBytes && !result.follow_links.empty()) {
    size -= 4 + result.follow_links.back().size();
    result.follow_links.pop_back();
  }
}

}  // namespace forager
