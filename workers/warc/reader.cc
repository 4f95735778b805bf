#include "workers/warc/reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "crawler/util/ascii.h"
#include "crawler/util/unique_fd.h"

namespace forager::warc {
namespace {

constexpr size_t kChunk = 64 << 10;

std::string_view trim(std::string_view s) {
  while (!s.empty() && ascii::is_whitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii::is_whitespace(s.back())) s.remove_suffix(1);
  return s;
}

// Inflates the gzip member at `offset`; false with `error` set when it
// cannot be read whole within `max_bytes`.
bool inflate_member(int fd, uint64_t offset, uint64_t max_bytes, std::string& out, std::string& error) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    error = "zlib init failed";
    return false;
  }
  std::string in(kChunk, '\0');
  char buffer[kChunk];
  uint64_t position = offset;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0) {
      const ssize_t n = ::pread(fd, in.data(), in.size(), static_cast<off_t>(position));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n < 0 ? std::string("read failed: ") + std::strerror(errno) : "the record ends early (torn gzip member)";
        break;
      }
      position += static_cast<uint64_t>(n);
      z.next_in = reinterpret_cast<Bytef*>(in.data());
      z.avail_in = static_cast<uInt>(n);
    }
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      error = "not a gzip member at this offset";
      break;
    }
    out.append(buffer, sizeof buffer - z.avail_out);
    if (out.size() > max_bytes) {
      error = "the record is larger than " + std::to_string(max_bytes) + " bytes";
      break;
    }
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END && error.empty();
}

}  // namespace

std::string field_value(const Record& record, std::string_view name) {
  for (const auto& [key, value] : record.fields)
    if (ascii::iequals(key, name)) return value;
  return {};
}

std::optional<Record> read_record(const std::string& path, uint64_t offset, uint64_t max_bytes, std::string& error) {
  error.clear();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  if (!inflate_member(fd.get(), offset, max_bytes, text, error)) {
    error = path + " at " + std::to_string(offset) + ": " + error;
    return std::nullopt;
  }
  const size_t head_end = text.find("\r\n\r\n");
  if (!text.starts_with("WARC/1.") || head_end == std::string::npos) {
    error = path + " at " + std::to_string(offset) + ": not a WARC record";
    return std::nullopt;
  }
  Record record;
  int64_t length = -1;
  size_t pos = text.find("\r\n") + 2;
  while (pos < head_end + 2) {
    const size_t eol = text.find("\r\n", pos);
    const std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    std::string value(trim(line.substr(colon + 1)));
    if (ascii::iequals(name, "WARC-Type")) {
      record.type = value;
    } else if (ascii::iequals(name, "WARC-Record-ID")) {
      record.record_id = value;
    } else if (ascii::iequals(name, "WARC-Date")) {
      record.date = value;
    } else if (ascii::iequals(name, "Content-Length")) {
      char* end = nullptr;
      length = std::strtoll(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0') length = -1;
    } else {
      record.fields.emplace_back(std::move(name), std::move(value));
    }
  }
  const size_t block_start = head_end + 4;
  if (length < 0 || static_cast<uint64_t>(length) > text.size() - block_start) {
    error = path + " at " + std::to_string(offset) + ": the record's Content-Length does not match its block";
    return std::nullopt;
  }
  record.block = text.substr(block_start, static_cast<size_t>(length));
  return record;
}

}  // namespace forager::warc
