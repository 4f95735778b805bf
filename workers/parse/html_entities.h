// The HTML Standard's named character references ("&amp;", "&not", ...),
// matched the way the tokenizer matches them (longest match).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace forager::html_entities {

struct Match {
  size_t length = 0;         // bytes of the name matched (';' included), 0: none
  bool semicolon = false;    // the matched name ends with ';'
  uint32_t first = 0;        // code points the reference stands for
  uint32_t second = 0;       // 0: only one
};

// The longest named reference at the start of `text` (the bytes after '&'):
// a name with ';' when the whole run of ASCII letters and digits followed by
// ';' is one, else the longest prefix of that run that is a legacy name
// without ';' ("not" in "notit;"). length 0 when none matches.
Match longest_match(std::string_view text);

// Every named reference, for tests: calls `visit(name, first, second)`.
template <typename Visit>
void for_each(Visit visit);

namespace detail {
struct Entry {
  const char* name;
  uint32_t first;
  uint32_t second;
};
extern const Entry kEntries[];
extern const size_t kEntryCount;
}  // namespace detail

template <typename Visit>
void for_each(Visit visit) {
  for (size_t i = 0; i < detail::kEntryCount; ++i) {
    visit(std::string_view(detail::kEntries[i].name), detail::kEntries[i].first, detail::kEntries[i].second);
  }
}

}  // namespace forager::html_entities
