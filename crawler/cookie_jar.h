// The crawl's one cookie jar, kept by the coordinator: loaded from --cookies,
// changed by what workers report (FetchResult.cookies), sent to every worker
// (FetchBatch.cookies), written to --save-cookies at the end. Cookies are
// Netscape cookie-file lines (crawler/util/cookie_line.h), keyed by domain,
// subdomain flag, path and name. Values are secrets: nothing here logs them,
// and error messages name line numbers, never contents.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crawler/util/cookie_line.h"

namespace forager {

class CookieJar {
 public:
  // Bounds on what the jar holds, as browsers bound theirs; a new cookie
  // beyond them is dropped (changes to cookies already held still apply).
  static constexpr size_t kMaxCookies = 3000;
  static constexpr size_t kMaxBytes = 4u << 20;

  // Adds the cookies of a Netscape cookie file (blank lines and comments
  // skipped; cookies already expired at `now_s` left out). Returns "" or what
  // is wrong ("line 3 is not a cookie ..."); the jar is unchanged then.
  std::string load_file(const std::string& path, int64_t now_s);

  // Writes the jar (expired cookies left out) as a Netscape cookie file,
  // readable by the owner only, replacing `path` whole. Returns "" or why not.
  std::string save_file(const std::string& path, int64_t now_s) const;

  // Applies reported lines: a new or different cookie is stored, one whose
  // expiry is before `now_s` removes the cookie; malformed lines are
  // ignored. Returns the cookies that changed the jar (removed ones as
  // their expired line).
  std::vector<CookieLine> apply(const std::vector<std::string>& lines, int64_t now_s);

  // Every cookie held, as lines (what a new worker is given).
  std::vector<std::string> lines() const;
  size_t size() const { return cookies_.size(); }

 private:
  // False when the cookie was dropped (the jar is full).
  bool put(const CookieLine& cookie);

  std::map<std::string, CookieLine> cookies_;  // by CookieLine::key
  size_t bytes_ = 0;
};

}  // namespace forager
