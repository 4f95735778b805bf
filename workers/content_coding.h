// Undoes the Content-Encoding of an archived body (WARC keeps bodies as the
// server sent them; libcurl decodes them during a crawl, `forager extract`
// decodes them here): gzip / x-gzip, deflate (zlib or raw), br, identity,
// applied in the reverse of the order listed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace forager {

enum class DecodeStatus {
  kOk,
  kCut,          // the decoded body reached `limit` and was cut there
  kUnsupported,  // a coding other than the ones above (zstd, compress, ...)
  kCorrupt,      // the data does not decode
};

// Decodes `body` as described by the Content-Encoding header value
// `encodings` (empty: none) into `out`, keeping at most `limit` bytes.
DecodeStatus decode_content(std::string_view encodings, std::string body, uint64_t limit, std::string& out);

}  // namespace forager
