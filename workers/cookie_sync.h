// A worker's side of the crawl's one cookie jar (crawler/wire/PROTOCOL.md,
// "Cookies"): applies the coordinator's cookie lines to the worker's curl
// jar (the share handle's) and finds what the worker's own responses
// changed in it, so that the coordinator can pass it on to the other workers.
// Lines are Netscape cookie-file lines (crawler/util/cookie_line.h).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "workers/curl_handles.h"

namespace forager {

class CookieSync {
 public:
  // `share` shares cookies (CURL_LOCK_DATA_COOKIE) and must outlive this.
  explicit CookieSync(CURLSH* share);
  CookieSync(const CookieSync&) = delete;
  CookieSync& operator=(const CookieSync&) = delete;

  // Loads the lines into the jar (CURLOPT_COOKIELIST); a line whose expiry
  // has passed removes its cookie. Malformed lines are ignored.
  void apply(const std::vector<std::string>& lines);

  // The cookies that differ from what apply() and earlier calls saw: new or
  // changed ones as their lines, removed (or expired) ones as their line with
  // expiry 1. At most protocol::kMaxCookieChanges; the rest are reported by a
  // later call. Only the first 10,000 cookies of the jar are compared.
  std::vector<std::string> changes();

 private:
  CurlEasy handle_;  // attached to the share: the jar is read and written through it
  std::unordered_map<std::string, std::string> known_;  // key -> line, as last reported or applied
};

}  // namespace forager
