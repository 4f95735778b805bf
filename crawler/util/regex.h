// User-supplied regular expressions (--allow, --deny, rules' `match`),
// searched in URLs from the web. PCRE2 with a match limit, so a hostile URL
// cannot make a search run away the way a backtracking std::regex can.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace forager {

class Regex {
 public:
  // The compiled pattern, or an error message naming the offset.
  static std::variant<Regex, std::string> compile(const std::string& pattern);

  // True when the pattern matches somewhere in `subject`. A search that hits
  // the match limit counts as no match.
  bool search(std::string_view subject) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  Regex(std::string pattern, std::shared_ptr<const Compiled> compiled);
  std::string pattern_;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace forager
