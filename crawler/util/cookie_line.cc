#include "crawler/util/cookie_line.h"

#include <array>
#include <charconv>

#include "crawler/util/ascii.h"

namespace forager {
namespace {

constexpr std::string_view kHttpOnly = "#HttpOnly_";

bool is_flag(std::string_view field) { return field == "TRUE" || field == "FALSE"; }

bool has_control(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7F) return true;
  return false;
}

}  // namespace

bool is_cookie_comment(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && ascii::is_whitespace(line[i])) ++i;
  if (i == line.size()) return true;
  return line[i] == '#' && line.substr(i, kHttpOnly.size()) != kHttpOnly;
}

std::optional<CookieLine> parse_cookie_line(std::string_view line) {
  if (line.size() > kMaxCookieLine || is_cookie_comment(line)) return std::nullopt;
  std::string_view rest = line;
  if (rest.substr(0, kHttpOnly.size()) == kHttpOnly) rest.remove_prefix(kHttpOnly.size());
  std::array<std::string_view, 7> fields;
  for (size_t i = 0; i < fields.size(); ++i) {
    const size_t tab = i + 1 < fields.size() ? rest.find('\t') : std::string_view::npos;
    if (i + 1 < fields.size() && tab == std::string_view::npos) return std::nullopt;
    fields[i] = rest.substr(0, tab);
    if (has_control(fields[i])) return std::nullopt;
    if (tab != std::string_view::npos) rest.remove_prefix(tab + 1);
  }
  std::string_view domain = fields[0];
  if (!domain.empty() && domain.front() == '.') domain.remove_prefix(1);
  if (domain.empty() || domain.find(' ') != std::string_view::npos || !is_flag(fields[1]) ||
      fields[2].empty() || !is_flag(fields[3]) || fields[5].empty())
    return std::nullopt;
  CookieLine cookie;
  const auto [end, ec] = std::from_chars(fields[4].data(), fields[4].data() + fields[4].size(), cookie.expires);
  if (ec != std::errc() || end != fields[4].data() + fields[4].size() || cookie.expires < 0) return std::nullopt;
  cookie.key = ascii::lower(domain) + '\t' + std::string(fields[1]) + '\t' + std::string(fields[2]) + '\t' +
               std::string(fields[5]);
  cookie.line = std::string(line);
  return cookie;
}

std::string expired_cookie_line(const CookieLine& cookie) {
  // Fields 0-3, then expiry 1, then name and value.
  size_t at = 0;
  for (int tabs = 0; tabs < 4; ++tabs) at = cookie.line.find('\t', at) + 1;
  const size_t after = cookie.line.find('\t', at);
  return cookie.line.substr(0, at) + "1" + cookie.line.substr(after);
}

}  // namespace forager
