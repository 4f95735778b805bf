#include "workers/warc/cdxj.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "crawler/util/ascii.h"
#include "crawler/util/unique_fd.h"

namespace forager::warc {
namespace {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The value of the HTTP header `name` in an application/http block's head.
std::string http_header(std::string_view head, std::string_view name) {
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const size_t start = pos + 2;
    const size_t end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end == std::string_view::npos ? head.npos : end - start);
    if (line.size() > name.size() && line[name.size()] == ':' && ascii::iequals(line.substr(0, name.size()), name)) {
      std::string_view value = line.substr(name.size() + 1);
      while (!value.empty() && ascii::is_whitespace(value.front())) value.remove_prefix(1);
      while (!value.empty() && ascii::is_whitespace(value.back())) value.remove_suffix(1);
      return std::string(value);
    }
    pos = end;
  }
  return {};
}

std::string field(const Record& record, std::string_view name) {
  for (const auto& [key, value] : record.fields)
    if (key == name) return value;
  return {};
}

}  // namespace

std::string surt_key(std::string_view url) {
  const std::string lower = ascii::lower(url);
  std::string_view rest = lower;
  int default_port = 0;
  if (rest.substr(0, 7) == "http://") {
    default_port = 80;
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "https://") {
    default_port = 443;
    rest.remove_prefix(8);
  } else {
    return std::string(url);
  }
  rest = rest.substr(0, rest.find('#'));
  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path_query = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  std::string port;
  if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos && authority.back() != ']') {
    host = authority.substr(0, colon);
    port = std::string(authority.substr(colon + 1));
    if (port.empty() || port == std::to_string(default_port)) port.clear();
  }
  if (host.substr(0, 3) == "www") {
    size_t i = 3;
    while (i < host.size() && host[i] >= '0' && host[i] <= '9') ++i;
    if (i < host.size() && host[i] == '.') host.remove_prefix(i + 1);
  }
  std::vector<std::string_view> labels;
  size_t start = 0;
  while (start <= host.size()) {
    const size_t dot = host.find('.', start);
    labels.push_back(host.substr(start, dot == std::string_view::npos ? host.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  std::string key;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    if (!key.empty()) key += ',';
    key += *it;
  }
  if (!port.empty()) key += ":" + port;
  key += ')';
  const size_t question = path_query.find('?');
  const std::string_view path = path_query.substr(0, question);
  key += path.empty() ? "/" : std::string(path);
  if (question != std::string_view::npos && question + 1 < path_query.size()) {
    std::vector<std::string_view> params;
    std::string_view query = path_query.substr(question + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      const size_t amp = query.find('&', pos);
      params.push_back(query.substr(pos, amp == std::string_view::npos ? query.npos : amp - pos));
      if (amp == std::string_view::npos) break;
      pos = amp + 1;
    }
    std::sort(params.begin(), params.end());
    key += '?';
    for (size_t i = 0; i < params.size(); ++i) {
      if (i > 0) key += '&';
      key += params[i];
    }
  }
  return key;
}

std::string cdxj_line(const Record& record, uint64_t offset, uint64_t length, std::string_view filename) {
  if (record.type != "response" && record.type != "revisit") return {};
  const std::string url = field(record, "WARC-Target-URI");
  const size_t head_end = record.block.find("\r\n\r\n");
  const std::string_view head =
      std::string_view(record.block).substr(0, head_end == std::string::npos ? record.block.size() : head_end + 2);
  std::string status;
  const size_t space = head.find(' ');
  if (space != std::string_view::npos) {
    for (size_t i = space + 1; i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i) status += head[i];
  }
  std::string mime = http_header(head, "Content-Type");
  mime = mime.substr(0, mime.find(';'));
  while (!mime.empty() && ascii::is_whitespace(mime.back())) mime.pop_back();
  if (record.type == "revisit") mime = "warc/revisit";  // as pywb and warcio index revisits
  std::string digest = field(record, "WARC-Payload-Digest");
  if (const size_t colon = digest.find(':'); colon != std::string::npos) digest.erase(0, colon + 1);
  std::string timestamp;
  for (const char c : record.date)
    if (c >= '0' && c <= '9' && timestamp.size() < 14) timestamp += c;
  std::string line = surt_key(url) + " " + timestamp + " {\"url\":" + json_string(url);
  if (!mime.empty()) line += ",\"mime\":" + json_string(mime);
  if (!status.empty()) line += ",\"status\":\"" + status + "\"";
  if (!digest.empty()) line += ",\"digest\":" + json_string(digest);
  line += ",\"length\":\"" + std::to_string(length) + "\",\"offset\":\"" + std::to_string(offset) +
          "\",\"filename\":" + json_string(filename) + "}";
  return line;
}

bool write_cdxj(const std::string& path, std::vector<std::string> lines, std::string& error) {
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const std::string temporary = path + ".tmp";
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    error = "cannot create " + temporary + ": " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "cannot write " + temporary + ": " + std::strerror(n < 0 ? errno : ENOSPC);
      ::unlink(temporary.c_str());
      return false;
    }
    done += static_cast<size_t>(n);
  }
  fd.reset();
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + temporary + ": " + std::strerror(errno);
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace forager::warc
