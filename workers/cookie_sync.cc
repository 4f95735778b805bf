#include "workers/cookie_sync.h"

#include <ctime>

#include "crawler/util/cookie_line.h"
#include "crawler/wire/protocol.h"

namespace forager {
namespace {

// Cookies of the jar compared at most: a site that stuffs the worker's jar
// costs bounded work per response (the coordinator keeps 3,000 at most).
constexpr size_t kMaxCompared = 10000;

bool expired(const CookieLine& cookie, int64_t now_s) { return cookie.expires != 0 && cookie.expires < now_s; }

}  // namespace

CookieSync::CookieSync(CURLSH* share) : handle_(CurlEasy::create()) {
  if (!handle_) return;
  curl_easy_setopt(handle_.get(), CURLOPT_SHARE, share);
  curl_easy_setopt(handle_.get(), CURLOPT_COOKIEFILE, "");  // the cookie engine on
}

void CookieSync::apply(const std::vector<std::string>& lines) {
  if (!handle_) return;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const auto& line : lines) {
    auto cookie = parse_cookie_line(line);
    if (!cookie) continue;
    curl_easy_setopt(handle_.get(), CURLOPT_COOKIELIST, line.c_str());
    if (expired(*cookie, now)) {
      known_.erase(cookie->key);
    } else {
      known_[cookie->key] = line;
    }
  }
}

std::vector<std::string> CookieSync::changes() {
  std::vector<std::string> changed;
  if (!handle_) return changed;
  curl_slist* list = nullptr;
  if (curl_easy_getinfo(handle_.get(), CURLINFO_COOKIELIST, &list) != CURLE_OK) return changed;
  CurlSlist owned;
  owned.adopt(list);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::unordered_map<std::string, std::string> current;
  size_t compared = 0;
  for (curl_slist* item = list; item != nullptr && compared < kMaxCompared; item = item->next, ++compared) {
    auto cookie = parse_cookie_line(item->data);
    if (cookie && !expired(*cookie, now)) current[cookie->key] = std::move(cookie->line);
  }
  for (auto& [key, line] : current) {
    if (changed.size() >= protocol::kMaxCookieChanges) return changed;
    auto it = known_.find(key);
    if (it != known_.end() && it->second == line) continue;
    changed.push_back(line);
    known_[key] = line;
  }
  for (auto it = known_.begin(); it != known_.end();) {
    if (current.count(it->first)) {
      ++it;
      continue;
    }
    if (changed.size() >= protocol::kMaxCookieChanges) break;
    if (auto cookie = parse_cookie_line(it->second)) changed.push_back(expired_cookie_line(*cookie));
    it = known_.erase(it);
  }
  return changed;
}

}  // namespace forager
