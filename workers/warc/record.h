// WARC/1.1 records (ISO 28500:2017) as bytes: the named fields and the
// block (workers/warc/gzip.h compresses them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forager::warc {

struct Record {
  std::string type;       // WARC-Type: warcinfo, request, response, metadata, revisit
  std::string record_id;  // WARC-Record-ID, "<urn:uuid:...>" (new_record_id())
  std::string date;       // WARC-Date (warc_date())
  // Further named fields, written in this order after the three above and
  // before Content-Length (computed from `block`). Names and values must not
  // contain CR or LF; add_field drops a value that does.
  std::vector<std::pair<std::string, std::string>> fields;
  std::string block;

  void add_field(std::string name, std::string value);
};

// A fresh "<urn:uuid:...>" (random version 4 UUID).
std::string new_record_id();

// "YYYY-MM-DDThh:mm:ssZ" in UTC, from Unix milliseconds (second precision:
// every WARC reader accepts it).
std::string warc_date(int64_t unix_ms);

// "YYYYMMDDhhmmss" in UTC: file names and CDXJ timestamps.
std::string compact_timestamp(int64_t unix_ms);

// "sha1:" and the base32 (RFC 4648, upper case, padded) SHA-1 of `data`, the
// form warcio, pywb and Heritrix write and check.
std::string sha1_digest(std::string_view data);

// The payload of an application/http block: what follows the first blank
// line ("\r\n\r\n"); empty when there is none.
std::string_view http_payload(std::string_view block);

// The record as WARC bytes, in `out` (replacing what it held; its capacity
// is reused): "WARC/1.1", the fields, Content-Length, a blank line, the
// block, and the two CRLFs that end a record.
void serialize(const Record& record, std::string& out);

}  // namespace forager::warc
