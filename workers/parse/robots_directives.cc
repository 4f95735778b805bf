#include "workers/parse/robots_directives.h"

#include "crawler/util/ascii.h"

namespace forager {
namespace {

bool is_separator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_separator(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_separator(s.back())) s.remove_suffix(1);
  return s;
}

void apply_word(std::string_view word, RobotsDirectives& out) {
  if (ascii::iequals(word, "noindex")) {
    out.noindex = true;
  } else if (ascii::iequals(word, "nofollow")) {
    out.nofollow = true;
  } else if (ascii::iequals(word, "none")) {
    out.noindex = out.nofollow = true;
  }
}

// Directives whose value follows a colon: "max-snippet:0" is no agent prefix.
bool is_valued_directive(std::string_view name) {
  for (std::string_view known : {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"})
    if (ascii::iequals(name, known)) return true;
  return false;
}

}  // namespace

void apply_meta_robots(std::string_view content, RobotsDirectives& out) {
  size_t start = 0;
  while (start < content.size()) {
    while (start < content.size() && is_separator(content[start])) ++start;
    size_t end = start;
    while (end < content.size() && !is_separator(content[end])) ++end;
    if (end > start) apply_word(content.substr(start, end - start), out);
    start = end;
  }
}

void apply_x_robots_tag(std::string_view value, std::string_view agent, RobotsDirectives& out) {
  bool applies = true;  // no prefix yet: every crawler
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = trim(value.substr(start, comma - start));
    start = comma + 1;
    const size_t colon = item.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = trim(item.substr(0, colon));
      if (is_valued_directive(name)) continue;
      applies = !name.empty() && !agent.empty() && ascii::iequals(name, agent);
      item = trim(item.substr(colon + 1));
    }
    if (applies) apply_meta_robots(item, out);
  }
}

}  // namespace forager
