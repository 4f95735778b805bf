// User-supplied regular expressions (--allow, --deny, rules' `match` and `re`),
// searched in URLs from the web. PCRE2 with a match limit, so a hostile URL
// cannot make a search run away the way a backtracking std::regex can.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace forager {

class Regex {
 public:
  // The compiled pattern, or an error message naming the offset.
  static std::variant<Regex, std::string> compile(const std::string& pattern);

  // True when the pattern matches somewhere in `subject`. A search that hits
  // the match limit counts as no match.
  bool search(std::string_view subject) const;
  // Every match in `subject`, left to right, at most `limit`: the text of
  // the first capture group when the pattern has one ("" when that group
  // took no part in the match), else the whole match (as Python's findall
  // for patterns of zero or one group). A search that hits the match limit
  // ends the list.
  std::vector<std::string> extract(std::string_view subject, size_t limit) const;
  // The groups of one match: [0] is the whole match, [n] group n, as byte
  // offsets into the subject; a group that took no part is {npos, npos}.
  using Groups = std::vector<std::pair<size_t, size_t>>;
  // Every match in `subject`, left to right, at most `limit` (an empty match
  // moves on by one character). A search that hits the match limit ends it.
  std::vector<Groups> matches(std::string_view subject, size_t limit) const;
  // The number of capture groups, and the number of the group called `name`
  // (0 when there is none).
  uint32_t group_count() const;
  uint32_t group_number(const std::string& name) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  Regex(std::string pattern, std::shared_ptr<const Compiled> compiled);
  std::string pattern_;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace forager
