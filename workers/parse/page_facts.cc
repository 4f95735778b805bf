#include "workers/parse/page_facts.h"

#include "crawler/util/ascii.h"

namespace forager {

using ascii::iequals;
using ascii::is_whitespace;

bool has_nofollow(std::string_view rel) {
  size_t pos = 0;
  while (pos < rel.size()) {
    while (pos < rel.size() && is_whitespace(rel[pos])) ++pos;
    size_t end = pos;
    while (end < rel.size() && !is_whitespace(rel[end])) ++end;
    if (end > pos && iequals(rel.substr(pos, end - pos), "nofollow")) return true;
    pos = end;
  }
  return false;
}

void note_meta(std::string_view name, std::string_view content, std::string_view robots_agent, PageFacts& facts) {
  while (!name.empty() && is_whitespace(name.front())) name.remove_prefix(1);
  while (!name.empty() && is_whitespace(name.back())) name.remove_suffix(1);
  if (!facts.description && iequals(name, "description")) facts.description = std::string(content);
  if (iequals(name, "robots") || (!robots_agent.empty() && iequals(name, robots_agent)))
    apply_meta_robots(content, facts.robots);
}

}  // namespace forager
