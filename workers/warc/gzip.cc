#include "workers/warc/gzip.h"

#include <libdeflate.h>

#include <new>

namespace forager::warc {
namespace {

constexpr int kLevel = 1;

}  // namespace

GzipCompressor::GzipCompressor() : compressor_(libdeflate_alloc_compressor(kLevel)) {
  if (compressor_ == nullptr) throw std::bad_alloc();
}

GzipCompressor::~GzipCompressor() { libdeflate_free_compressor(compressor_); }

bool GzipCompressor::append_member(std::string_view data, std::string& out) {
  const size_t start = out.size();
  out.resize(start + libdeflate_gzip_compress_bound(compressor_, data.size()));
  const size_t written =
      libdeflate_gzip_compress(compressor_, data.data(), data.size(), out.data() + start, out.size() - start);
  out.resize(start + written);  // 0 written: out as it was
  return written > 0;
}

}  // namespace forager::warc
