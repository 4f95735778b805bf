#include "workers/content_coding.h"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <vector>

#include "crawler/util/ascii.h"

namespace forager {
namespace {

constexpr size_t kChunk = 64 << 10;

// Inflates with zlib's window_bits (16+15: gzip, 15: zlib, -15: raw deflate).
DecodeStatus inflate_all(std::string_view in, int window_bits, uint64_t limit, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) return DecodeStatus::kCorrupt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buffer[kChunk];
  DecodeStatus status = DecodeStatus::kCorrupt;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof buffer - z.avail_out;
    const size_t room = static_cast<size_t>(std::min<uint64_t>(limit - out.size(), produced));
    out.append(buffer, room);
    if (room < produced) {
      status = DecodeStatus::kCut;
      break;
    }
    if (rc == Z_STREAM_END) {
      status = DecodeStatus::kOk;
      break;
    }
    // A body cut short (the crawl's --max-bytes) decodes as far as it goes.
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      status = DecodeStatus::kOk;
      break;
    }
    if (rc != Z_OK) break;
  }
  inflateEnd(&z);
  return status;
}

DecodeStatus unbrotli(std::string_view in, uint64_t limit, std::string& out) {
  BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (state == nullptr) return DecodeStatus::kCorrupt;
  size_t available_in = in.size();
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
  uint8_t buffer[kChunk];
  DecodeStatus status = DecodeStatus::kCorrupt;
  for (;;) {
    size_t available_out = sizeof buffer;
    uint8_t* next_out = buffer;
    const BrotliDecoderResult rc =
        BrotliDecoderDecompressStream(state, &available_in, &next_in, &available_out, &next_out, nullptr);
    const size_t produced = sizeof buffer - available_out;
    const size_t room = static_cast<size_t>(std::min<uint64_t>(limit - out.size(), produced));
    out.append(reinterpret_cast<const char*>(buffer), room);
    if (room < produced) {
      status = DecodeStatus::kCut;
      break;
    }
    if (rc == BROTLI_DECODER_RESULT_SUCCESS || rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
      status = DecodeStatus::kOk;  // NEEDS_MORE_INPUT: a body cut short
      break;
    }
    if (rc != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) break;
  }
  BrotliDecoderDestroyInstance(state);
  return status;
}

DecodeStatus decode_one(std::string_view coding, const std::string& in, uint64_t limit, std::string& out) {
  if (coding == "gzip" || coding == "x-gzip") return inflate_all(in, 16 + MAX_WBITS, limit, out);
  if (coding == "deflate") {
    // RFC 9110 says zlib format; some servers send raw deflate.
    DecodeStatus status = inflate_all(in, MAX_WBITS, limit, out);
    if (status != DecodeStatus::kCorrupt) return status;
    out.clear();
    return inflate_all(in, -MAX_WBITS, limit, out);
  }
  if (coding == "br") return unbrotli(in, limit, out);
  return DecodeStatus::kUnsupported;
}

}  // namespace

DecodeStatus decode_content(std::string_view encodings, std::string body, uint64_t limit, std::string& out) {
  std::vector<std::string> codings;
  size_t pos = 0;
  while (pos <= encodings.size()) {
    size_t comma = encodings.find(',', pos);
    if (comma == std::string_view::npos) comma = encodings.size();
    std::string coding = ascii::lower(encodings.substr(pos, comma - pos));
    while (!coding.empty() && ascii::is_whitespace(coding.back())) coding.pop_back();
    while (!coding.empty() && ascii::is_whitespace(coding.front())) coding.erase(0, 1);
    if (!coding.empty() && coding != "identity") codings.push_back(std::move(coding));
    pos = comma + 1;
  }
  bool cut = false;
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    std::string decoded;
    const DecodeStatus status = decode_one(*it, body, limit, decoded);
    if (status == DecodeStatus::kUnsupported || status == DecodeStatus::kCorrupt) return status;
    cut = cut || status == DecodeStatus::kCut;
    body = std::move(decoded);
  }
  if (body.size() > limit) {
    body.resize(static_cast<size_t>(limit));
    cut = true;
  }
  out = std::move(body);
  return cut ? DecodeStatus::kCut : DecodeStatus::kOk;
}

}  // namespace forager
