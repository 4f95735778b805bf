// The coordinator <-> worker wire format: every message kind, its fields and
// its size limits, in one place. crawler/wire/PROTOCOL.md describes the same
// format in prose; change both together and bump kProtocolVersion.
//
// A frame is:  u32 length (little endian, counts everything after itself)
//              u8  version (kProtocolVersion)
//              u8  kind    (MessageKind)
//              payload     (the fields of that kind, in declaration order)
// Integers are little endian; a string is a u32 byte count then the bytes;
// a list is a u32 element count then the elements.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace forager::protocol {

inline constexpr uint8_t kProtocolVersion = 9;
// No frame may be larger than this; the decoder rejects a larger length as a
// protocol error, and the worker trims a result's links to stay below it.
inline constexpr uint32_t kMaxFrameBytes = 16u << 20;
// Caps a worker applies to what one page can put in a result.
inline constexpr size_t kMaxLinksPerPage = 10000;
inline constexpr size_t kMaxTextFieldBytes = 64u << 10;   // title, description
inline constexpr size_t kMaxRobotsBytes = 500u << 10;     // RFC 9309 parse limit
inline constexpr size_t kMaxSitemapBytes = 50u << 20;     // sitemaps.org: 50 MiB uncompressed
// Cookie lines (the crawl's one jar, see FetchBatch.cookies and
// FetchResult.cookies): each at most kMaxCookieLineBytes; a result reports
// at most kMaxCookieChanges of them.
inline constexpr size_t kMaxCookieLineBytes = 8192;
inline constexpr size_t kMaxCookieChanges = 64;

enum class MessageKind : uint8_t {
  kConfig = 1,      // coordinator -> worker, once, first
  kFetchBatch = 2,  // coordinator -> worker
  kShutdown = 3,    // coordinator -> worker: finish nothing new, exit
  kReady = 10,      // worker -> coordinator, once, after kConfig
  kResult = 11,     // worker -> coordinator, one per task
};

// Settings that hold for the whole crawl.
struct Config {
  std::string user_agent;
  uint32_t concurrency = 32;      // transfers in flight in this worker
  uint32_t timeout_ms = 30000;    // whole-transfer limit
  uint64_t max_bytes = 10u << 20; // decompressed body limit
  std::string rules_json;         // extraction rules file contents, or empty
  bool insecure = false;          // skip TLS certificate and host verification
  std::string proxy;              // proxy URL; empty: libcurl's proxy environment variables
  bool cookies = true;            // keep cookies across the worker's transfers
  std::string ca_file;            // PEM CA bundle to trust (CURLOPT_CAINFO); empty: the system's
  std::vector<std::string> headers;  // extra request headers, "Name: value" (checked by the CLI)
  std::vector<std::string> resolve;  // CURLOPT_RESOLVE entries, "HOST:PORT:ADDR[,ADDR...]"
  std::string user;                  // HTTP auth user name, or empty for none
  std::string password;              // its password, or empty: looked up in ~/.netrc
  std::vector<std::string> auth_hosts;  // the hosts that get user and password (the seeds')
  std::string robots_agent;       // product token for <meta name=TOKEN> and "TOKEN:" in X-Robots-Tag
  std::string warc_dir;           // write WARC files there (--warc); empty: no WARC
  uint64_t warc_max_bytes = 1ull << 30;  // roll a WARC file over at this size
  std::string warcinfo;           // the warcinfo block of every WARC file
};

enum class Purpose : uint8_t {
  kPage = 0,    // fetch, parse if HTML, extract
  kRobots = 1,  // fetch /robots.txt; the body is returned, not parsed
  kSitemap = 2, // fetch a sitemap: `links` gets its page URLs, `follow_links` its child sitemaps
  kExtract = 3, // no fetch: extract from the archived response at warc_file/warc_offset (`forager extract`)
};

// One fetch. The worker never follows redirects itself: it reports the
// Location so that the coordinator can check scope, robots and politeness for
// every hop and send the next hop as a new task.
struct FetchTask {
  uint64_t task_id = 0;
  std::string url;
  Purpose purpose = Purpose::kPage;
  std::string if_none_match;      // conditional re-crawl validators, or empty
  std::string if_modified_since;
  // Re-crawls with a WARC folder: the URL's previous capture (the response
  // record holding its payload), or empty. A 304 answer, or a payload whose
  // WARC-Payload-Digest equals previous_digest, is archived as a revisit
  // record referring to it instead of a second copy of the body.
  std::string previous_digest;     // "sha1:BASE32"
  std::string previous_uri;        // its WARC-Target-URI
  int64_t previous_date_ms = 0;    // its WARC-Date, Unix ms
  std::string previous_record_id;  // its WARC-Record-ID, or empty
  // Purpose::kExtract: the WARC file (absolute path) and the offset of the
  // gzip member of the response record to extract `url`'s page from.
  std::string warc_file;
  uint64_t warc_offset = 0;
};

struct FetchBatch {
  std::vector<FetchTask> tasks;
  // Changes to the crawl's cookie jar the worker has not seen yet, applied
  // before the tasks start: Netscape cookie-file lines (7 tab-separated
  // fields, "#HttpOnly_" prefix allowed); a line whose expiry is in the past
  // deletes that cookie. Empty with --no-cookies.
  std::vector<std::string> cookies;
};

struct Shutdown {};

struct Ready {
  uint32_t pid = 0;
};

struct FetchResult {
  uint64_t task_id = 0;
  int32_t status = 0;             // HTTP status; 0 when there was no response
  std::string error;              // empty, or a short code: timeout, connect, dns, tls, too_large, ...
  std::string redirect_to;        // absolute Location of a 3xx answer, or empty
  std::string retry_after;        // raw Retry-After header value, or empty
  int64_t fetched_at_ms = 0;      // Unix time in milliseconds when the response ended
  uint32_t elapsed_ms = 0;        // time the transfer took
  std::string content_type;
  uint64_t bytes = 0;             // decompressed body bytes kept
  std::string content_hash;       // hex SHA-256 of the decompressed body, or empty
  std::string etag;
  std::string last_modified;
  std::string title;              // UTF-8
  std::string description;        // UTF-8
  std::vector<std::string> links; // absolute, normalized, deduplicated, in page order
  std::string fields_json;        // extraction rule output as a JSON object, or empty
  std::string body;               // only for Purpose::kRobots, at most kMaxRobotsBytes
  // Link-following rules ("follow" in the rules file): when follow_restricted
  // is set, the crawl follows only follow_links (absolute, normalized,
  // deduplicated, page order; a subset of what the selectors matched), while
  // `links` still reports every outlink of the page. Encoded as a u8 (0/1).
  std::vector<std::string> follow_links;
  bool follow_restricted = false;
  // Page-level robots directives (meta robots, X-Robots-Tag) of a kPage
  // answer: noindex/none, and nofollow/none (the coordinator then follows
  // none of the page's links; `links` still lists them). Each a u8 (0/1).
  bool noindex = false;
  bool nofollow = false;
  // What this transfer's Set-Cookie headers changed in the worker's jar, as
  // Netscape cookie-file lines (a deleted cookie: its line with expiry 1);
  // at most kMaxCookieChanges lines of at most kMaxCookieLineBytes each.
  std::vector<std::string> cookies;
  // With Config.warc_dir, a fetch that got a response: where its response
  // (or revisit) record was written before this result was sent: the file
  // (absolute path) and the offset of the record's gzip member, its
  // WARC-Record-ID, the WARC-Payload-Digest of the payload, and whether it
  // is a revisit record (u8 0/1). Empty file: nothing archived.
  std::string warc_file;
  uint64_t warc_offset = 0;
  std::string warc_record_id;
  std::string payload_digest;
  bool revisit = false;
};

using Message = std::variant<Config, FetchBatch, Shutdown, Ready, FetchResult>;

// Appends one complete frame holding `message` to `out`.
void encode(const Message& message, std::string& out);

// Decodes the payload of one frame (version and kind already split off by the
// FrameDecoder). Returns nullopt when the payload is malformed: truncated,
// trailing bytes, an unknown kind or a count that cannot fit.
std::optional<Message> decode(uint8_t kind, std::string_view payload);

}  // namespace forager::protocol
