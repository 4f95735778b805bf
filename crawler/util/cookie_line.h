// One line of a Netscape/Mozilla cookie file, the format curl reads and
// writes (CURLOPT_COOKIEFILE / CURLOPT_COOKIEJAR / CURLINFO_COOKIELIST) and
// browsers' cookie exporters produce:
//
//   [#HttpOnly_]DOMAIN <TAB> INCLUDE_SUBDOMAINS <TAB> PATH <TAB> SECURE
//                      <TAB> EXPIRES <TAB> NAME <TAB> VALUE
//
// DOMAIN may start with '.'; the flags are TRUE or FALSE; EXPIRES is Unix
// seconds, 0 for a session cookie. Lines are hostile input (a cookie file,
// a worker's report): parse_cookie_line checks every field and the length.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace forager {

// Longest line accepted (curl's own limit is 5,000 bytes per line).
inline constexpr size_t kMaxCookieLine = 8192;

struct CookieLine {
  std::string key;      // what names the cookie in a jar: domain (lowercase, no
                        // leading '.'), subdomain flag, path and name
  int64_t expires = 0;  // Unix seconds; 0: a session cookie
  std::string line;     // the line as given (no line end)
};

// Parses one cookie line. nullopt for a blank line, a comment ('#' not
// followed by "HttpOnly_") or anything malformed: not 7 tab-separated fields,
// an empty domain or name, a flag other than TRUE/FALSE, a bad expiry,
// control characters, longer than kMaxCookieLine.
std::optional<CookieLine> parse_cookie_line(std::string_view line);

// Whether the line is a comment or blank (skipped by a cookie-file reader).
bool is_cookie_comment(std::string_view line);

// The same cookie with expiry 1 (1970): loading it removes the cookie.
std::string expired_cookie_line(const CookieLine& cookie);

}  // namespace forager
