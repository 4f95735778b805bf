#include "workers/archived.h"

#include <string_view>
#include <vector>

#include "crawler/util/ascii.h"
#include "crawler/wire/error_codes.h"
#include "workers/capture.h"
#include "workers/content_coding.h"
#include "workers/parse/robots_directives.h"
#include "workers/transfer.h"
#include "workers/warc/reader.h"

namespace forager {
namespace {

// Room for the WARC and HTTP heads around a body of max_bytes.
constexpr uint64_t kHeadRoom = Capture::kMaxHead + (64u << 10);
// X-Robots-Tag headers read at most (as a fetch reads).
constexpr size_t kMaxRobotsHeaders = 32;

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && ascii::is_whitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii::is_whitespace(s.back())) s.remove_suffix(1);
  return s;
}

// The status line, header lines and body of an application/http response
// block; false when it has no "HTTP/... NNN" status line.
bool parse_response(std::string block, HttpResponse& out) {
  const size_t head_end = block.find("\r\n\r\n");
  const std::string_view head(block.data(), head_end == std::string::npos ? block.size() : head_end);
  const size_t eol = head.find("\r\n");
  const std::string_view status_line = head.substr(0, eol);
  const size_t space = status_line.find(' ');
  if (!status_line.starts_with("HTTP/") || space == std::string_view::npos || status_line.size() < space + 4)
    return false;
  for (size_t i = space + 1; i < space + 4; ++i) {
    if (status_line[i] < '0' || status_line[i] > '9') return false;
    out.status = out.status * 10 + (status_line[i] - '0');
  }
  size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(pos, end - pos);
    pos = end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    out.headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  if (head_end != std::string::npos) out.body = block.substr(head_end + 4);
  return true;
}

std::string header(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers)
    if (ascii::iequals(key, name)) return value;
  return {};
}

protocol::FetchResult failed(uint64_t task_id, const char* error) {
  protocol::FetchResult result;
  result.task_id = task_id;
  result.error = error;
  return result;
}

}  // namespace

protocol::FetchResult extract_archived(const protocol::FetchTask& task, const protocol::Config& config,
                                       const Rules* rules) {
  std::string error;
  auto record = warc::read_record(task.warc_file, task.warc_offset, config.max_bytes + kHeadRoom, error);
  HttpResponse response;
  if (!record || record->type != "response" || !parse_response(std::move(record->block), response))
    return failed(task.task_id, errors::kWarc);
  protocol::FetchResult result;
  result.task_id = task.task_id;
  result.status = response.status;
  result.content_type = header(response, "Content-Type");
  result.etag = header(response, "ETag");
  result.last_modified = header(response, "Last-Modified");
  // A chunked body the crawl could not de-chunk was archived raw.
  std::string body = std::move(response.body);
  if (ascii::lower(header(response, "Transfer-Encoding")).find("chunked") != std::string::npos) {
    std::string plain;
    if (dechunk(body, plain)) body = std::move(plain);
  }
  std::string decoded;
  switch (decode_content(header(response, "Content-Encoding"), std::move(body), config.max_bytes, decoded)) {
    case DecodeStatus::kUnsupported:
    case DecodeStatus::kCorrupt:
      return failed(task.task_id, errors::kContentEncoding);
    case DecodeStatus::kCut:
      result.error = errors::kTooLarge;
      break;
    case DecodeStatus::kOk:
      break;
  }
  fill_content(result, std::move(decoded), protocol::Purpose::kPage, task.url, rules, config.robots_agent);
  RobotsDirectives directives{result.noindex, result.nofollow};
  size_t seen = 0;
  for (const auto& [key, value] : response.headers) {
    if (!ascii::iequals(key, "X-Robots-Tag") || ++seen > kMaxRobotsHeaders) continue;
    apply_x_robots_tag(value, config.robots_agent, directives);
  }
  result.noindex = directives.noindex;
  result.nofollow = directives.nofollow;
  fit_frame(result);
  return result;
}

}  // namespace forager
