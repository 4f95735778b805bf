// robots.txt parsing and matching (RFC 9309), written by hand.
//
// Contract:
//  - RobotsTxt::parse() never fails: any body (garbage, binary, empty) gives a RobotsTxt value.
//    Only the first kMaxRobotsBytes of the body are read; a line cut by that limit is
//    ignored. A UTF-8 byte order mark is skipped; CR, LF and CRLF end lines; '#' starts a
//    comment; keys are case-insensitive; whitespace around keys and values is ignored.
//  - Groups: one or more consecutive user-agent lines start a group; the allow, disallow
//    and crawl-delay lines after them belong to it. Every group whose user-agent names
//    our product token (case-insensitive) applies, merged; if none does, every "*" group
//    applies, merged; if there is none, everything is allowed.
//  - The product token is robots_token() of the string given to parse(): the first
//    product's name ("forager/0.1.0" -> "forager"), or for a browser-style string the
//    name after "compatible;" ("Mozilla/5.0 (compatible; ExampleBot/0.1)" ->
//    "ExampleBot"); a bare token is itself. A group's user-agent value is read with
//    product_token().
//  - allowed(): the matching rule with the longest pattern (in octets, after
//    normalization) decides; on a tie Allow wins; no match means allowed; "/robots.txt"
//    is always allowed. '*' matches any run of octets, a final '$' anchors the end.
//    Patterns and paths are compared after the same percent-encoding normalization
//    (upper-case hex, escapes of unreserved characters decoded, non-ASCII and other
//    octets not allowed in URIs encoded). A literal '*' or '$' is compared in its
//    encoded form (RFC 9309 section 2.2.3): "Disallow: /a-%2A.html" blocks "/a-*.html",
//    "%24" a literal '$' (and a '$' that does not end a pattern is literal too).
//    Empty allow/disallow values are ignored.
//    Matching is O(pattern * path) at worst per rule, never exponential.
//  - crawl_delay_seconds(): the largest valid Crawl-delay of the applying groups
//    (non-negative decimal number, e.g. "2" or "0.5"); others are ignored.
//  - sitemaps(): every Sitemap value in the file, in order, whatever group it is in.
//  - A RobotsTxt value is immutable after parse() and safe to share between threads.
#ifndef FORAGER_CRAWLER_ROBOTS_H_
#define FORAGER_CRAWLER_ROBOTS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forager::robots {

// Bytes of a robots.txt body that are parsed (RFC 9309 asks for at least 500 KiB).
inline constexpr size_t kMaxRobotsBytes = 512000;

class RobotsTxt {
 public:
  static RobotsTxt parse(std::string_view body, std::string_view user_agent);
  static RobotsTxt allow_all();
  static RobotsTxt disallow_all();

  // `path_and_query` is "/path[?query]" as url::path_and_query() returns it.
  bool allowed(std::string_view path_and_query) const;
  std::optional<double> crawl_delay_seconds() const;
  const std::vector<std::string>& sitemaps() const;

  // Number of allow/disallow rules that apply to us (for tests and logs).
  size_t rule_count() const { return rules_.size(); }

 private:
  struct Rule {
    std::string pattern;  // normalized; a trailing '$' is kept as the anchor
    bool allow = false;
  };

  RobotsTxt() = default;
  void sort_rules();

  std::vector<Rule> rules_;  // longest pattern first; Allow before Disallow on ties
  std::optional<double> crawl_delay_;
  std::vector<std::string> sitemaps_;
};

// The first product's name in a User-Agent string: "forager/0.1.0 (+url)" -> "forager".
std::string_view product_token(std::string_view user_agent);

// The token a crawler with this User-Agent is matched as in robots.txt: the name in a
// "(compatible; NAME/version; ...)" comment when there is one (the form browser-style
// crawler strings use), else product_token().
std::string_view robots_token(std::string_view user_agent);

// Whether `pattern` (with '*' wildcards and an optional final '$') matches the start of
// `path` (the whole of it when anchored). Both must already be normalized.
bool pattern_matches(std::string_view pattern, std::string_view path);

}  // namespace forager::robots

#endif  // FORAGER_CRAWLER_ROBOTS_H_
