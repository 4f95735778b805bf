#include "crawler/frontier/robots.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "crawler/util/ascii.h"
#include "crawler/util/url.h"

namespace forager::robots {
namespace {

// ---- text helpers -----------------------------------------------------------------

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

using ascii::iequals;

// Percent-encoding is compared normalized (RFC 9309 section 2.2.2), the same
// way url::normalize writes URLs: url::normalize_escapes. '*' and '$' are the
// patterns' special characters, so a literal one is compared in its encoded
// form (section 2.2.3): "%2A" in a pattern matches a '*' in a path.
std::string encode_special(std::string text, bool keep_final_dollar) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '*' && !keep_final_dollar) {
      out += "%2A";
    } else if (text[i] == '$' && !(keep_final_dollar && i + 1 == text.size())) {
      out += "%24";
    } else {
      out += text[i];
    }
  }
  return out;
}

// A pattern: '*' stays the wildcard, a final '$' the anchor, any other '$' is literal.
std::string pattern_form(std::string_view value) { return encode_special(url::normalize_escapes(value), true); }

// A path: every '*' and '$' is literal.
std::string path_form(std::string_view path) { return encode_special(url::normalize_escapes(path), false); }

// ---- line parsing -------------------------------------------------------------------

enum class Key { kUserAgent, kAllow, kDisallow, kCrawlDelay, kSitemap, kUnknown };

Key classify(std::string_view key) {
  if (iequals(key, "user-agent") || iequals(key, "useragent") || iequals(key, "user agent")) {
    return Key::kUserAgent;
  }
  if (iequals(key, "allow")) return Key::kAllow;
  if (iequals(key, "disallow") || iequals(key, "dissallow") || iequals(key, "dissalow") ||
      iequals(key, "disalow")) {
    return Key::kDisallow;
  }
  if (iequals(key, "crawl-delay") || iequals(key, "crawldelay")) return Key::kCrawlDelay;
  if (iequals(key, "sitemap") || iequals(key, "site-map")) return Key::kSitemap;
  return Key::kUnknown;
}

struct Line {
  Key key = Key::kUnknown;
  std::string_view value;
};

// "key: value # comment" -> {key, value}. A missing colon is tolerated when the key is
// a known one followed by whitespace ("Disallow /x").
Line parse_line(std::string_view text) {
  if (const size_t hash = text.find('#'); hash != std::string_view::npos) {
    text = text.substr(0, hash);
  }
  text = trim(text);
  size_t split = text.find(':');
  size_t value_start = split + 1;
  if (split == std::string_view::npos) {
    split = std::find_if(text.begin(), text.end(), is_space) - text.begin();
    if (split == text.size()) return {};
    value_start = split;
  }
  Line line;
  line.key = classify(trim(text.substr(0, split)));
  line.value = trim(text.substr(value_start));
  return line;
}

// The lines of the parsed part of a body: BOM skipped, cut at kMaxRobotsBytes, a line
// cut by the limit dropped.
std::vector<std::string_view> split_lines(std::string_view body) {
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  if (body.size() > kMaxRobotsBytes) {
    body = body.substr(0, kMaxRobotsBytes);
    const size_t last_end = body.find_last_of("\r\n");
    body = (last_end == std::string_view::npos) ? std::string_view() : body.substr(0, last_end);
  }
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = body.size();
    lines.push_back(body.substr(start, end - start));
    if (end < body.size() && body[end] == '\r' && end + 1 < body.size() &&
        body[end + 1] == '\n') {
      ++end;
    }
    start = end + 1;
  }
  return lines;
}

// A non-negative finite decimal number, or nullopt.
std::optional<double> parse_delay(std::string_view value) {
  double seconds = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
  if (ec != std::errc() || ptr != end || !std::isfinite(seconds) || seconds < 0) {
    return std::nullopt;
  }
  return seconds;
}

// ---- matching -----------------------------------------------------------------------

// Greedy segment matching: with '*' as the only wildcard, taking the leftmost occurrence
// of every segment between stars is optimal, so no backtracking is needed.
bool glob_matches(std::string_view body, bool anchored, std::string_view path) {
  size_t star = body.find('*');
  if (star == std::string_view::npos) {
    return anchored ? path == body : path.starts_with(body);
  }
  const std::string_view first = body.substr(0, star);
  if (!path.starts_with(first)) return false;
  size_t pos = first.size();
  while (true) {
    const size_t next = body.find('*', star + 1);
    if (next == std::string_view::npos) break;
    const std::string_view segment = body.substr(star + 1, next - star - 1);
    if (!segment.empty()) {
      const size_t found = path.find(segment, pos);
      if (found == std::string_view::npos) return false;
      pos = found + segment.size();
    }
    star = next;
  }
  const std::string_view last = body.substr(star + 1);
  if (anchored) return path.size() - pos >= last.size() && path.ends_with(last);
  return path.find(last, pos) != std::string_view::npos;
}

}  // namespace

std::string_view product_token(std::string_view user_agent) {
  user_agent = trim(user_agent);
  const size_t end = user_agent.find_first_of("/ \t");
  return user_agent.substr(0, end);
}

std::string_view robots_token(std::string_view user_agent) {
  constexpr std::string_view kCompatible = "compatible;";
  for (size_t open = user_agent.find('('); open != std::string_view::npos; open = user_agent.find('(', open + 1)) {
    std::string_view comment = trim(user_agent.substr(open + 1));
    if (comment.size() < kCompatible.size() || !iequals(comment.substr(0, kCompatible.size()), kCompatible)) continue;
    comment = trim(comment.substr(kCompatible.size()));
    const std::string_view name = comment.substr(0, comment.find_first_of("/;() \t"));
    if (!name.empty()) return name;
  }
  return product_token(user_agent);
}

bool pattern_matches(std::string_view pattern, std::string_view path) {
  const bool anchored = pattern.ends_with('$');
  if (anchored) pattern.remove_suffix(1);
  return glob_matches(pattern, anchored, path);
}

// ---- RobotsTxt ----------------------------------------------------------------------

namespace {

// Rules, delay and whether any group was seen, for one side (our token or "*").
struct Collected {
  bool seen = false;
  std::vector<std::pair<std::string, bool>> rules;  // normalized pattern, allow
  std::optional<double> delay;
};

void add_delay(Collected& side, std::optional<double> delay) {
  if (delay && (!side.delay || *delay > *side.delay)) side.delay = delay;
}

}  // namespace

RobotsTxt RobotsTxt::parse(std::string_view body, std::string_view user_agent) {
  const std::string_view ours = robots_token(user_agent);
  Collected mine;
  Collected star;
  RobotsTxt result;
  bool in_agent_run = false;  // the previous record was a user-agent line
  bool group_is_mine = false;
  bool group_is_star = false;
  for (const std::string_view text : split_lines(body)) {
    const Line line = parse_line(text);
    switch (line.key) {
      case Key::kUserAgent: {
        if (!in_agent_run) group_is_mine = group_is_star = false;
        in_agent_run = true;
        const std::string_view token = product_token(line.value);
        if (token == "*") {
          group_is_star = star.seen = true;
        } else if (!ours.empty() && iequals(token, ours)) {
          group_is_mine = mine.seen = true;
        }
        break;
      }
      case Key::kAllow:
      case Key::kDisallow: {
        in_agent_run = false;
        if (line.value.empty()) break;
        const bool allow = line.key == Key::kAllow;
        if (group_is_mine) mine.rules.emplace_back(pattern_form(line.value), allow);
        if (group_is_star) star.rules.emplace_back(pattern_form(line.value), allow);
        break;
      }
      case Key::kCrawlDelay: {
        in_agent_run = false;
        const auto delay = parse_delay(line.value);
        if (group_is_mine) add_delay(mine, delay);
        if (group_is_star) add_delay(star, delay);
        break;
      }
      case Key::kSitemap:
        if (!line.value.empty()) result.sitemaps_.emplace_back(line.value);
        break;
      case Key::kUnknown:
        break;
    }
  }
  Collected& chosen = mine.seen ? mine : star;
  result.rules_.reserve(chosen.rules.size());
  for (auto& [pattern, allow] : chosen.rules) {
    result.rules_.push_back(Rule{std::move(pattern), allow});
  }
  result.crawl_delay_ = chosen.delay;
  result.sort_rules();
  return result;
}

RobotsTxt RobotsTxt::allow_all() { return RobotsTxt(); }

RobotsTxt RobotsTxt::disallow_all() {
  RobotsTxt rules;
  rules.rules_.push_back(Rule{"/", false});
  return rules;
}

void RobotsTxt::sort_rules() {
  std::stable_sort(rules_.begin(), rules_.end(), [](const Rule& a, const Rule& b) {
    if (a.pattern.size() != b.pattern.size()) return a.pattern.size() > b.pattern.size();
    return a.allow && !b.allow;
  });
}

bool RobotsTxt::allowed(std::string_view path_and_query) const {
  if (rules_.empty()) return true;
  std::string path = path_form(path_and_query);
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  const std::string_view only_path = std::string_view(path).substr(0, path.find('?'));
  if (only_path == "/robots.txt") return true;
  for (const Rule& rule : rules_) {
    if (pattern_matches(rule.pattern, path)) return rule.allow;
  }
  return true;
}

std::optional<double> RobotsTxt::crawl_delay_seconds() const { return crawl_delay_; }

const std::vector<std::string>& RobotsTxt::sitemaps() const { return sitemaps_; }

}  // namespace forager::robots
