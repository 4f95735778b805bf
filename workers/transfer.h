// One fetch in a worker: the task, the curl easy handle configured for it,
// and the body as it arrives; when curl is done, the FetchResult.
//
// States (one per step of the fetch loop):
//   configured  - configure() set every option; the loop adds handle() to
//                 its multi handle;
//   running     - curl drives the transfer; on_write() fills the body;
//   finished    - curl reported a CURLcode; finish() built the result and
//                 the loop removes the handle and takes it back with
//                 take_handle() for reuse.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/wire/protocol.h"
#include "workers/capture.h"
#include "workers/curl_handles.h"

namespace forager {

struct Rules;  // workers/rules/rules.h

// The short error code of a finished transfer, "" for success. The one
// table from CURLcode to the codes in FetchResult.error:
//   timeout, connect, dns, tls, too_large, too_many_redirects, bad_url,
//   content_encoding, http2, network, internal.
// `too_large` says the write callback stopped the body at the byte limit.
std::string_view error_code(CURLcode code, bool too_large);

class Transfer {
 public:
  // `config`, `rules` (null: no extraction rules) and `share` (the worker's
  // share handle, see CurlShare; null: nothing shared, no cookies) must
  // outlive this object. Cookies are kept when `share` is set and
  // config.cookies is on. `handle` is a fresh or
  // curl_easy_reset easy handle.
  Transfer(protocol::FetchTask task, const protocol::Config& config, CurlEasy handle,
           const Rules* rules = nullptr, CURLSH* share = nullptr);
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Sets every option of the request on the easy handle, with CURLOPT_PRIVATE
  // pointing at this object (so the object must not move while curl may use
  // it; the fetch loop holds transfers by pointer). Returns the first failure.
  CURLcode configure();

  // With `out` set, finish() also copies the body there (decompressed, as
  // received, before charset conversion; left empty when finish() reports
  // no body). `out` must outlive finish().
  void keep_body(std::string* out) { kept_body_ = out; }

  CURL* handle() const { return handle_.get(); }
  uint64_t task_id() const { return task_.task_id; }
  // Whether the response (if any) carried a Set-Cookie header.
  bool sets_cookies() const;

  // Builds the result once curl has finished with `code` (or configuring or
  // adding the handle failed: then there is no response). Call once.
  //   status, headers, redirect_to (3xx only, absolute, as curl resolved the
  //   Location; not normalized): whenever a response arrived;
  //   bytes, content_hash, title, description, links, body: only when the
  //   body is complete or was cut at the limit (error "too_large"); a body
  //   cut short by a timeout or a network error is not reported.
  // A robots.txt cut at kMaxRobotsBytes is no error (RFC 9309 2.5).
  // With Config.warc_dir set, finish() also builds the fetch's WARC records
  // (see workers/capture.h) for take_warc_records().
  protocol::FetchResult finish(CURLcode code);

  // The request, response and metadata records built by finish(); empty
  // without --warc or when no response arrived.
  std::vector<warc::Record> take_warc_records() { return std::move(warc_records_); }

  // Gives the easy handle back (for reuse); call after removing it from the
  // multi handle.
  CurlEasy take_handle() { return std::move(handle_); }

 private:
  static size_t on_write(char* data, size_t size, size_t count, void* self) noexcept;
  static int on_debug(CURL* handle, curl_infotype type, char* data, size_t size, void* self) noexcept;
  size_t append(const char* data, size_t length) noexcept;
  std::string header(const char* name) const;
  // Whether the request gets the auth user and password: only when its host
  // is one of config_.auth_hosts.
  bool sends_credentials() const;
  // Adds the response's X-Robots-Tag directives to result.noindex / nofollow.
  void apply_robots_headers(protocol::FetchResult& result) const;
  void archive(const protocol::FetchResult& result, CURLcode code);

  protocol::FetchTask task_;
  const protocol::Config& config_;
  const Rules* rules_;
  CURLSH* share_;
  CurlEasy handle_;
  CurlSlist request_headers_;
  CurlSlist resolve_;       // CURLOPT_RESOLVE entries
  uint64_t body_limit_;     // bytes of body kept at most
  std::string body_;        // decompressed, at most body_limit_ bytes
  bool too_large_ = false;  // the body reached body_limit_ and was cut there
  bool write_failed_ = false;
  std::string* kept_body_ = nullptr;
  bool archive_;            // Config.warc_dir is set
  Capture capture_;         // the exchange's bytes, filled only when archive_
  std::vector<warc::Record> warc_records_;
};

// Fills bytes, content_hash and, for an HTML page (by result.content_type,
// or by sniffing when there is none), title, description and links of
// `result` from a complete body, and with `rules` also fields_json,
// follow_restricted and follow_links; puts a robots body in result.body
// instead. Expects result.status and result.content_type set. 3xx and 304
// bodies are hashed but not parsed.
// `robots_agent`: the product token whose meta robots elements count (see
// extract_page); noindex and nofollow are set from the page's meta robots.
void fill_content(protocol::FetchResult& result, std::string body, protocol::Purpose purpose,
                  std::string_view page_url, const Rules* rules = nullptr, std::string_view robots_agent = {});

// The capacity to give a body of `capacity` bytes that must take `needed`
// (> capacity): the whole announced Content-Length (`content_length`, < 0:
// none) when the body is still empty, so that a page arrives in one buffer
// and not through copies of doubling size (a 4 MB page held 4 + 8 MB at its
// last doubling); else double. Never more than `limit` (which is >= needed),
// whatever a server announces or a body decompresses to.
size_t body_capacity(size_t size, size_t capacity, size_t needed, uint64_t limit, int64_t content_length);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// The size of the frame that would carry `result`.
size_t encoded_size(const protocol::FetchResult& result);

// Drops links, then follow_links, from the end until the frame carrying
// `result` fits protocol::kMaxFrameBytes with room to spare for the most
// cookie lines a result may carry (added later by the fetch loop).
void fit_frame(protocol::FetchResult& result);

}  // namespace forager
