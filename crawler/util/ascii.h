// ASCII-only case folding and whitespace, as the web's formats define them
// (HTML, CSS, HTTP headers, robots.txt keys): never locale-dependent, and
// bytes >= 0x80 are left alone, so UTF-8 passes through untouched.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace forager::ascii {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

constexpr bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// HTML's and CSS's "ASCII whitespace": tab, LF, FF, CR, space.
constexpr bool is_whitespace(char c) { return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '; }

}  // namespace forager::ascii
