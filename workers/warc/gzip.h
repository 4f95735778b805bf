// Records compressed as gzip members (RFC 1952), one member per record (the
// .warc.gz convention, so that a reader can start at any record's offset).
//
// libdeflate at level 1, one compressor kept for the life of the object: on
// the bench site's HTML it is about five times faster than zlib at level 1
// (Z_BEST_SPEED) and writes about 6 % fewer bytes (bench/RESULTS.md), and
// it allocates nothing per member. The workers that compress are the ones
// that parse, so compression time comes off the parse budget.
#pragma once

#include <string>
#include <string_view>

struct libdeflate_compressor;

namespace forager::warc {

class GzipCompressor {
 public:
  GzipCompressor();  // throws std::bad_alloc when libdeflate cannot allocate
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;

  // Appends `data` to `out` as one complete gzip member. False, with `out`
  // as it was, when it could not (never for an input that fits in memory
  // twice over; std::bad_alloc propagates).
  bool append_member(std::string_view data, std::string& out);

 private:
  libdeflate_compressor* compressor_;
};

}  // namespace forager::warc
