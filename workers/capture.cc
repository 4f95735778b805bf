#include "workers/capture.h"

#include <algorithm>

#include "crawler/util/ascii.h"

namespace forager {
namespace {

void append_bounded(std::string& to, std::string_view data, uint64_t limit, bool& cut) {
  const uint64_t room = limit > to.size() ? limit - to.size() : 0;
  const size_t take = static_cast<size_t>(std::min<uint64_t>(room, data.size()));
  to.append(data.data(), take);
  if (take < data.size()) cut = true;
}

// The head's Transfer-Encoding line when its last coding is chunked.
bool is_chunked_line(std::string_view line) {
  constexpr std::string_view kName = "transfer-encoding:";
  if (!ascii::istarts_with(line, kName)) return false;
  std::string value = ascii::lower(line.substr(kName.size()));
  while (!value.empty() && ascii::is_whitespace(value.back())) value.pop_back();
  return value.size() >= 7 && value.compare(value.size() - 7, 7, "chunked") == 0;
}

}  // namespace

void Capture::on_debug(curl_infotype type, std::string_view data) noexcept {
  try {
    bool ignored = false;
    switch (type) {
      case CURLINFO_HEADER_OUT:
      case CURLINFO_DATA_OUT:
        append_bounded(request_, data, kMaxHead, ignored);
        break;
      case CURLINFO_HEADER_IN:
        // A new status line after a complete head: that head was an interim
        // (1xx) response or a proxy's CONNECT answer; keep the final one.
        if (head_complete_ && data.substr(0, 5) == "HTTP/") {
          head_.clear();
          body_.clear();
          head_complete_ = false;
          body_cut_ = false;
        }
        append_bounded(head_, data, kMaxHead, ignored);
        if (data == "\r\n" || data == "\n") head_complete_ = true;
        break;
      case CURLINFO_DATA_IN:
        append_bounded(body_, data, body_limit_, body_cut_);
        break;
      default:
        break;
    }
  } catch (...) {
    body_cut_ = true;  // out of memory: what is kept is incomplete
  }
}

bool dechunk(std::string_view in, std::string& out) {
  size_t pos = 0;
  while (pos < in.size()) {
    const size_t eol = in.find("\r\n", pos);
    std::string_view line = in.substr(pos, eol == std::string_view::npos ? in.size() - pos : eol - pos);
    line = line.substr(0, line.find(';'));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty() || line.size() > 15) return eol == std::string_view::npos && line.empty();
    uint64_t size = 0;
    for (char c : line) {
      const int digit = (c >= '0' && c <= '9')   ? c - '0'
                        : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                        : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                 : -1;
      if (digit < 0) return false;
      size = size * 16 + static_cast<uint64_t>(digit);
    }
    if (eol == std::string_view::npos) return true;  // cut inside the size line
    if (size == 0) return true;                      // last chunk; trailers dropped
    pos = eol + 2;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(size, in.size() - pos));
    out.append(in.substr(pos, take));
    pos += take;
    if (take < size) return true;  // cut inside the chunk
    if (in.substr(pos, 2) != "\r\n" && pos + 2 <= in.size()) return false;
    pos += 2;
  }
  return true;
}

std::string Capture::response_block() const {
  std::string head;
  bool chunked = false;
  size_t pos = 0;
  while (pos < head_.size()) {
    size_t end = head_.find('\n', pos);
    end = end == std::string::npos ? head_.size() : end + 1;
    const std::string_view line(head_.data() + pos, end - pos);
    if (is_chunked_line(line)) {
      chunked = true;
    } else {
      head += line;
    }
    pos = end;
  }
  if (chunked) {
    std::string body;
    if (dechunk(body_, body)) return head + body;
  }
  return head_ + body_;
}

std::vector<warc::Record> fetch_records(const Capture& capture, const FetchFacts& facts) {
  std::vector<warc::Record> records;
  if (!capture.has_response()) return records;
  const std::string date = warc::warc_date(facts.fetched_at_ms);

  warc::Record response;
  response.type = "response";
  response.record_id = warc::new_record_id();
  response.date = date;
  response.block = capture.response_block();
  const std::string payload_digest = warc::sha1_digest(warc::http_payload(response.block));
  const bool complete = !capture.body_cut() && !facts.disconnected;
  const bool has_previous = !facts.previous_uri.empty() && facts.previous_date_ms > 0;
  const char* profile = nullptr;
  if (has_previous && complete && facts.status == 304) {
    profile = kProfileNotModified;
  } else if (has_previous && complete && facts.status >= 200 && facts.status < 300 &&
             payload_digest == facts.previous_digest) {
    profile = kProfileIdenticalPayload;
    const size_t head_end = response.block.find("\r\n\r\n");
    if (head_end != std::string::npos) response.block.resize(head_end + 4);
  }
  response.add_field("WARC-Target-URI", facts.url);
  if (!facts.ip.empty()) response.add_field("WARC-IP-Address", facts.ip);
  response.add_field("Content-Type", "application/http;msgtype=response");
  if (profile != nullptr) {
    response.type = "revisit";
    response.add_field("WARC-Profile", profile);
    response.add_field("WARC-Refers-To-Target-URI", facts.previous_uri);
    response.add_field("WARC-Refers-To-Date", warc::warc_date(facts.previous_date_ms));
    if (!facts.previous_record_id.empty()) response.add_field("WARC-Refers-To", facts.previous_record_id);
  }
  response.add_field("WARC-Block-Digest", warc::sha1_digest(response.block));
  if (profile != kProfileNotModified) response.add_field("WARC-Payload-Digest", payload_digest);
  if (capture.body_cut()) {
    response.add_field("WARC-Truncated", "length");
  } else if (facts.disconnected) {
    response.add_field("WARC-Truncated", "disconnect");
  }

  warc::Record request;
  request.type = "request";
  request.record_id = warc::new_record_id();
  request.date = date;
  request.block = capture.request();
  request.add_field("WARC-Target-URI", facts.url);
  if (!facts.ip.empty()) request.add_field("WARC-IP-Address", facts.ip);
  request.add_field("Content-Type", "application/http;msgtype=request");
  request.add_field("WARC-Concurrent-To", response.record_id);
  request.add_field("WARC-Block-Digest", warc::sha1_digest(request.block));

  warc::Record metadata;
  metadata.type = "metadata";
  metadata.record_id = warc::new_record_id();
  metadata.date = date;
  metadata.add_field("WARC-Target-URI", facts.url);
  metadata.add_field("WARC-Concurrent-To", response.record_id);
  metadata.add_field("Content-Type", "application/warc-fields");
  metadata.block = "fetchTimeMs: " + std::to_string(facts.elapsed_ms) + "\r\n";
  if (facts.links != nullptr) {
    for (const std::string& link : *facts.links) {
      if (link.find_first_of("\r\n") == std::string::npos) metadata.block += "outlink: " + link + "\r\n";
    }
  }
  metadata.add_field("WARC-Block-Digest", warc::sha1_digest(metadata.block));

  records.push_back(std::move(request));
  records.push_back(std::move(response));
  records.push_back(std::move(metadata));
  return records;
}

}  // namespace forager
