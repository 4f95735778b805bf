#include "workers/warc/record.h"

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <random>

namespace forager::warc {
namespace {

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

std::tm utc(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return parts;
}

std::string base32(const unsigned char* data, size_t length) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < length; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  while (out.size() % 8 != 0) out += '=';
  return out;
}

}  // namespace

void Record::add_field(std::string name, std::string value) {
  if (has_line_break(name) || has_line_break(value)) return;
  fields.emplace_back(std::move(name), std::move(value));
}

std::string new_record_id() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::array<uint8_t, 16> bytes{};
  for (size_t i = 0; i < bytes.size(); i += 8) {
    const uint64_t value = random();
    for (size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<uint8_t>(value >> (8 * j));
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char text[64];
  std::snprintf(text, sizeof text,
                "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x>",
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return text;
}

std::string warc_date(int64_t unix_ms) {
  const std::tm parts = utc(unix_ms);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string compact_timestamp(int64_t unix_ms) {
  const std::tm parts = utc(unix_ms);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &parts);
  return text;
}

std::string sha1_digest(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha1(), nullptr) != 1) return {};
  return "sha1:" + base32(digest, length);
}

std::string_view http_payload(std::string_view block) {
  const size_t end = block.find("\r\n\r\n");
  if (end == std::string_view::npos) return {};
  return block.substr(end + 4);
}

void serialize(const Record& record, std::string& out) {
  out.clear();
  out.reserve(record.block.size() + 512);
  const auto line = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  out += "WARC/1.1\r\n";
  line("WARC-Type", record.type);
  line("WARC-Record-ID", record.record_id);
  line("WARC-Date", record.date);
  for (const auto& [name, value] : record.fields) line(name, value);
  line("Content-Length", std::to_string(record.block.size()));
  out += "\r\n";
  out += record.block;
  out += "\r\n\r\n";
}

}  // namespace forager::warc
