// gzip (RFC 1952) of a body, as a test server sends it with
// Content-Encoding: gzip or as a .gz sitemap.
#pragma once

#include <zlib.h>

#include <string>

namespace forager::testing {

// `data` compressed by zlib's deflate with `window_bits` choosing the
// wrapper: 15 + 16 gzip, 15 zlib, -15 raw deflate (the two forms servers send
// as Content-Encoding: deflate).
inline std::string deflated(const std::string& data, int window_bits) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string gzip(const std::string& data) { return deflated(data, 15 + 16); }

}  // namespace forager::testing
