// The bytes of one HTTP exchange as they crossed the wire, for WARC: fed by
// curl's debug callback (CURLOPT_DEBUGFUNCTION, which curl calls only with
// CURLOPT_VERBOSE on), and turned into request, response and metadata
// records once the transfer is done.
//
// What is archived:
//   request:  the request head exactly as sent (CURLINFO_HEADER_OUT) and any
//             request body (CURLINFO_DATA_OUT);
//   response: the status line and header lines exactly as received
//             (CURLINFO_HEADER_IN) and the body as received (CURLINFO_DATA_IN:
//             before libcurl undoes Content-Encoding, so a gzip'd or br'd
//             body is archived compressed, as the server sent it).
// Chunked transfer coding: an HTTP/1.1 body sent chunked is archived
// de-chunked, and its Transfer-Encoding header line is dropped (as warcio
// and pywb do when they write), so that the payload is the entity body the
// WARC standard's WARC-Payload-Digest is defined over. A chunked stream
// that does not parse is archived raw, with its header.
// HTTP/2 responses are archived as curl shows them: an "HTTP/2 200" status
// line and the header fields in HTTP/1 form.
// Every buffer is bounded: the request and the response head at kMaxHead,
// the body at the byte limit given (then the record says WARC-Truncated).
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "workers/warc/record.h"

namespace forager {

class Capture {
 public:
  static constexpr size_t kMaxHead = 1 << 20;

  explicit Capture(uint64_t body_limit) : body_limit_(body_limit) {}

  // Takes one debug callback call. Never throws (drops what cannot be kept).
  void on_debug(curl_infotype type, std::string_view data) noexcept;

  bool has_response() const { return head_complete_; }
  const std::string& request() const { return request_; }
  const std::string& response_head() const { return head_; }
  const std::string& raw_body() const { return body_; }
  bool body_cut() const { return body_cut_; }

  // The application/http block of the response record: the head (less a
  // chunked Transfer-Encoding line) and the de-chunked body, or the raw
  // exchange when the chunks do not parse.
  std::string response_block() const;

 private:
  uint64_t body_limit_;
  std::string request_;
  std::string head_;
  std::string body_;
  bool head_complete_ = false;
  bool body_cut_ = false;
};

// Decodes an HTTP/1.1 chunked body (RFC 9112 7.1); chunk extensions and
// trailers are dropped. A stream that ends early (cut at a limit) decodes
// up to where it ends. False when the framing is malformed.
bool dechunk(std::string_view chunked, std::string& out);

// What the records of one fetch need besides the capture.
struct FetchFacts {
  std::string url;
  std::string ip;          // the server's IP address, "" when unknown
  int64_t fetched_at_ms = 0;
  uint32_t elapsed_ms = 0;
  bool disconnected = false;  // the response ended early (timeout, network error)
  const std::vector<std::string>* links = nullptr;  // outlinks, for the metadata record
  int status = 0;             // the HTTP status
  // The URL's previous capture (FetchTask.previous_*): the response record
  // holding its payload; an empty uri or a zero date: none.
  std::string previous_digest;
  std::string previous_uri;
  int64_t previous_date_ms = 0;
  std::string previous_record_id;
};

// The revisit profiles of WARC 1.1 (section 6.7) that forager writes.
inline constexpr char kProfileIdenticalPayload[] =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";
inline constexpr char kProfileNotModified[] = "http://netpreserve.org/warc/1.1/revisit/server-not-modified";

// The request, response and metadata records of a fetch, in that order
// (request and response linked by WARC-Concurrent-To, metadata pointing to
// the response); empty when no response head arrived.
// With a previous capture, the response becomes a `revisit` record (as
// Heritrix writes them) when the status is 304 (profile server-not-modified,
// block: the 304 response) or when the complete payload has the previous
// capture's digest (profile identical-payload-digest, block: the response
// head only, WARC-Payload-Digest kept); it names the original with
// WARC-Refers-To-Target-URI, WARC-Refers-To-Date and WARC-Refers-To.
std::vector<warc::Record> fetch_records(const Capture& capture, const FetchFacts& facts);

}  // namespace forager
