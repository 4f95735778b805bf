#include "crawler/cookie_jar.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace forager {
namespace {

bool expired(const CookieLine& cookie, int64_t now_s) { return cookie.expires != 0 && cookie.expires < now_s; }

}  // namespace

std::string CookieJar::load_file(const std::string& path, int64_t now_s) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read the cookie file '" + path + "': " + std::strerror(errno);
  CookieJar loaded = *this;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (is_cookie_comment(line)) continue;
    auto cookie = parse_cookie_line(line);
    if (!cookie)
      return "line " + std::to_string(number) + " of '" + path +
             "' is not a cookie (7 tab-separated fields: domain, TRUE|FALSE, path, TRUE|FALSE, expiry, name, "
             "value)";
    if (expired(*cookie, now_s)) continue;
    if (!loaded.put(*cookie))
      return "'" + path + "' holds more than " + std::to_string(kMaxCookies) + " cookies or " +
             std::to_string(kMaxBytes >> 20) + " MiB";
  }
  if (in.bad()) return "cannot read the cookie file '" + path + "'";
  *this = std::move(loaded);
  return "";
}

std::string CookieJar::save_file(const std::string& path, int64_t now_s) const {
  std::string text =
      "# Netscape HTTP Cookie File\n"
      "# Written by forager at the end of a crawl; curl, wget and forager --cookies read it.\n\n";
  for (const auto& [key, cookie] : cookies_)
    if (!expired(cookie, now_s)) text += cookie.line + "\n";
  const std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot write '" + temporary + "': " + std::strerror(errno);
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const int saved_errno = errno;
  if (written < text.size() || ::fsync(fd) != 0) {
    ::close(fd);
    ::unlink(temporary.c_str());
    return "cannot write '" + temporary + "': " + std::strerror(saved_errno);
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temporary.c_str());
    return "cannot write '" + path + "': " + std::strerror(rename_errno);
  }
  return "";
}

std::vector<CookieLine> CookieJar::apply(const std::vector<std::string>& lines, int64_t now_s) {
  std::vector<CookieLine> changed;
  for (const auto& line : lines) {
    auto cookie = parse_cookie_line(line);
    if (!cookie) continue;
    auto it = cookies_.find(cookie->key);
    if (expired(*cookie, now_s)) {
      if (it == cookies_.end()) continue;
      bytes_ -= it->second.line.size();
      cookies_.erase(it);
      changed.push_back(std::move(*cookie));
      continue;
    }
    if (it != cookies_.end() && it->second.line == cookie->line) continue;
    if (put(*cookie)) changed.push_back(std::move(*cookie));
  }
  return changed;
}

std::vector<std::string> CookieJar::lines() const {
  std::vector<std::string> all;
  all.reserve(cookies_.size());
  for (const auto& [key, cookie] : cookies_) all.push_back(cookie.line);
  return all;
}

bool CookieJar::put(const CookieLine& cookie) {
  auto it = cookies_.find(cookie.key);
  if (it != cookies_.end()) {
    const size_t bytes = bytes_ - it->second.line.size() + cookie.line.size();
    if (bytes > kMaxBytes) return false;
    bytes_ = bytes;
    it->second = cookie;
    return true;
  }
  if (cookies_.size() >= kMaxCookies || bytes_ + cookie.line.size() > kMaxBytes) return false;
  bytes_ += cookie.line.size();
  cookies_.emplace(cookie.key, cookie);
  return true;
}

}  // namespace forager
