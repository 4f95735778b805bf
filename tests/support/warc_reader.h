// An independent WARC reader for tests: splits a .warc.gz file into its gzip
// members with zlib, parses each record's header lines, and checks what a
// WARC consumer checks (Content-Length, WARC-Block-Digest,
// WARC-Payload-Digest). Written from ISO 28500 and RFC 4648, sharing no code
// with workers/warc, so that the writer is checked against a second reading
// of the standard.
#pragma once

#include <openssl/evp.h>
#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace forager::testing {

struct WarcRecord {
  std::string version;                        // "WARC/1.1"
  std::map<std::string, std::string> fields;  // names as written
  std::string block;
  size_t offset = 0;                          // of its gzip member in the file
  bool length_ok = false;                     // Content-Length equals the block's size, CRLFCRLF follows

  std::string field(const std::string& name) const {
    auto it = fields.find(name);
    return it == fields.end() ? "" : it->second;
  }
  // The payload of an application/http block: after the first blank line.
  std::string payload() const {
    size_t end = block.find("\r\n\r\n");
    return end == std::string::npos ? "" : block.substr(end + 4);
  }
  // The HTTP head of an application/http block (status or request line and headers).
  std::string http_head() const {
    size_t end = block.find("\r\n\r\n");
    return end == std::string::npos ? block : block.substr(0, end + 4);
  }
};

inline std::string test_sha1_base32(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha1(), nullptr);
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  // 20 bytes = 160 bits = 32 base32 characters, no padding needed.
  for (unsigned int bit = 0; bit < length * 8; bit += 5) {
    unsigned int value = 0;
    for (unsigned int k = 0; k < 5; ++k) {
      unsigned int b = bit + k;
      value = (value << 1) | (b < length * 8 ? (digest[b / 8] >> (7 - b % 8)) & 1 : 0);
    }
    out += alphabet[value];
  }
  return "sha1:" + out;
}

// Every gzip member of `data`, decompressed; `offsets` gets where each
// starts. Stops at a member that does not end (a torn tail) and sets `torn`.
inline std::vector<std::string> gunzip_members(const std::string& data, std::vector<size_t>& offsets,
                                               bool& torn) {
  std::vector<std::string> members;
  torn = false;
  size_t pos = 0;
  while (pos < data.size()) {
    z_stream z{};
    if (inflateInit2(&z, 16 + 15) != Z_OK) break;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + pos));
    z.avail_in = static_cast<uInt>(data.size() - pos);
    std::string out;
    char buffer[65536];
    int rc = Z_OK;
    while (rc == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(buffer);
      z.avail_out = sizeof buffer;
      rc = inflate(&z, Z_NO_FLUSH);
      out.append(buffer, sizeof buffer - z.avail_out);
      if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
    }
    const size_t used = data.size() - pos - z.avail_in;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
      torn = true;
      break;
    }
    offsets.push_back(pos);
    members.push_back(std::move(out));
    pos += used;
  }
  return members;
}

// One record per gzip member (the .warc.gz convention this reader insists on).
inline std::vector<WarcRecord> read_warc_file(const std::string& path, bool* torn_out = nullptr) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<size_t> offsets;
  bool torn = false;
  std::vector<std::string> members = gunzip_members(text.str(), offsets, torn);
  if (torn_out != nullptr) *torn_out = torn;
  std::vector<WarcRecord> records;
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string& m = members[i];
    WarcRecord r;
    r.offset = offsets[i];
    size_t head_end = m.find("\r\n\r\n");
    if (head_end == std::string::npos) continue;
    std::istringstream head(m.substr(0, head_end + 2));
    std::string line;
    std::getline(head, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    r.version = line;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      size_t start = line.find_first_not_of(' ', colon + 1);
      r.fields[line.substr(0, colon)] = start == std::string::npos ? "" : line.substr(start);
    }
    const size_t length = std::stoull(r.field("Content-Length").empty() ? "0" : r.field("Content-Length"));
    const size_t block_start = head_end + 4;
    r.block = m.substr(block_start, length);
    r.length_ok = block_start + length + 4 == m.size() && m.compare(block_start + length, 4, "\r\n\r\n") == 0;
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace forager::testing
