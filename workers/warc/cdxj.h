// CDXJ index lines for WARC files (the pywb / OutbackCDX format):
//   urlkey timestamp {"url": ..., "mime": ..., "status": ..., "digest": ...,
//                     "length": ..., "offset": ..., "filename": ...}
// one line per response or revisit record (mime "warc/revisit"), sorted byte-wise, so that a replay tool can
// find a URL's capture by binary search without reading the WARC files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "workers/warc/record.h"

namespace forager::warc {

// The SURT key of an http(s) URL as pywb and warcio compute it: lower case,
// a leading "www." (or www2. ...) dropped, host labels reversed and joined by
// commas, a non-default port kept, ")" then the path, then the query with its
// parameters sorted; the fragment dropped. Other URLs are returned as given.
//   "http://www.Example.com:8080/a/b?z=1&a=2#f" -> "com,example:8080)/a/b?a=2&z=1"
std::string surt_key(std::string_view url);

// The index line (without its newline) of a response or revisit record that sits at
// `offset` with `length` compressed bytes in `filename`; "" for a record of
// another type.
std::string cdxj_line(const Record& record, uint64_t offset, uint64_t length, std::string_view filename);

// Writes `lines` sorted, one per line, to `path` through a temporary file
// renamed into place (a reader sees the whole index or none). False, with
// `error` set, when it could not.
bool write_cdxj(const std::string& path, std::vector<std::string> lines, std::string& error);

}  // namespace forager::warc
