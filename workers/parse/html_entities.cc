#include "workers/parse/html_entities.h"

#include <algorithm>
#include <iterator>

namespace forager::html_entities {
namespace detail {

const Entry kEntries[] = {
#include "workers/parse/html_entities_table.inc"
};
const size_t kEntryCount = std::size(kEntries);

}  // namespace detail
namespace {

// The longest name in the table ("CounterClockwiseContourIntegral;").
constexpr size_t kMaxNameBytes = 32;

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

const detail::Entry* find(std::string_view name) {
  const detail::Entry* begin = detail::kEntries;
  const detail::Entry* end = detail::kEntries + detail::kEntryCount;
  const detail::Entry* it = std::lower_bound(
      begin, end, name, [](const detail::Entry& e, std::string_view n) { return std::string_view(e.name) < n; });
  return it != end && std::string_view(it->name) == name ? it : nullptr;
}

}  // namespace

Match longest_match(std::string_view text) {
  size_t run = 0;
  while (run < text.size() && run < kMaxNameBytes && is_alnum(text[run])) ++run;
  Match match;
  if (run == 0) return match;
  if (run < text.size() && text[run] == ';') {
    if (const detail::Entry* e = find(text.substr(0, run + 1))) {
      return Match{run + 1, true, e->first, e->second};
    }
  }
  for (size_t length = run; length > 0; --length) {
    if (const detail::Entry* e = find(text.substr(0, length))) return Match{length, false, e->first, e->second};
  }
  return match;
}

}  // namespace forager::html_entities
