// Extraction rules (`forager crawl --rules FILE`, ../shared/PRODUCT.md and
// docs/RULES.md): parsing and checking the rules file, and applying it to a
// parsed page.
//
//   { "rules": [ { "match": REGEX,
//                  "fields": { NAME: "selector" | {"css" | "xpath": "...", "all": bool, "url": bool,
//                                                  "raw": bool, "re": REGEX,
//                                                  "type": "number" | "integer" | "boolean"} } } ],
//     "follow": ["selector", ...] }
//
// A field's values: what the CSS selector or the XPath expression
// (workers/rules/xpath.h) gives, whitespace-normalized unless `raw`; with
// `re`, every match of the regex in each value (its first group, else the
// whole match); then resolved as URLs (`url`) or converted (`type`).
//
// The coordinator parses the file once to refuse a bad one before anything
// happens (crawler/cli/crawl_command.cc); every worker parses the same text once
// from Config.rules_json and applies it to each HTML page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crawler/util/regex.h"
#include "workers/parse/extractor.h"
#include "workers/parse/html_document.h"
#include "workers/rules/selectors.h"
#include "workers/rules/value_type.h"
#include "workers/rules/xpath.h"

namespace forager {

// Caps on a rules file, and on what one page can produce.
inline constexpr size_t kMaxRuleSets = 100;
inline constexpr size_t kMaxFieldsPerRuleSet = 200;
inline constexpr size_t kMaxFollowSelectors = 100;
inline constexpr size_t kMaxListValues = 1000;           // items of one `all` field
inline constexpr size_t kMaxFieldValueBytes = 64u << 10;  // one value, cut on a UTF-8 boundary
inline constexpr size_t kMaxFieldsJsonBytes = 4u << 20;   // all values of a page; later ones become null
// Selector matching steps (see workers/rules/selectors.h) for all the fields and
// follow selectors of one page; once spent, later fields are null and later
// follow selectors pick nothing.
inline constexpr uint64_t kMaxPageMatchSteps = 4 * css::kMaxMatchSteps;

struct FieldRule {
  std::string name;
  std::variant<css::Selector, xpath::Expression> selector;
  bool all = false;  // every match, as a list
  bool url = false;  // resolve each value against the page's base URL
  bool raw = false;  // no whitespace normalization; whitespace-only text nodes kept
  std::optional<Regex> re = std::nullopt;  // values become its matches (first group, else whole match)
  ValueType type = ValueType::kString;
};

struct RuleSet {
  std::optional<Regex> match;  // searched in the page URL; none: every page
  std::vector<FieldRule> fields;
};

struct Rules {
  std::vector<RuleSet> rule_sets;
  bool has_follow = false;            // "follow" was given (possibly empty)
  std::vector<css::Selector> follow;  // elements only, no pseudo-element

  // Parses and checks a rules file's text. The error names the place, e.g.
  //   rules[0].fields.price: selector ".price_color::txt" column 13: unknown pseudo-element '::txt'
  //   rules[0].fields.price: xpath "//p[" column 5: ...
  //   rules[0].fields.price.re: invalid regular expression '(' at offset 1: ...
  static std::variant<Rules, std::string> parse(std::string_view json_text);
};

// What the rules give for one page.
struct RulesOutput {
  // The fields of every rule set whose `match` is found in `page_url`, as a
  // JSON object (keys in rules-file order; a name in two sets takes the
  // first set's value; no match -> null, `all` -> list). Empty when no rule
  // set applies. Always valid UTF-8.
  std::string fields_json;
  // When the rules have "follow": true, and follow_links holds the
  // resolved, normalized, deduplicated links (page order) of <a>/<area>
  // elements matched by a follow selector or inside a matched element
  // (rel="nofollow" skipped, at most protocol::kMaxLinksPerPage).
  bool follow_restricted = false;
  std::vector<std::string> follow_links;
};

// Applies `rules` to a parsed page. `page_url` is what `match` is searched
// in; `base_url` is what relative URLs resolve against (the page's <base
// href> or its URL, see document_base_url in workers/parse/extractor.h). Total:
// works on any document, bounded by the caps above and css::kMaxMatchSteps
// per selector. The libxml2 copy of the page for XPath fields is built only
// when a field that applies uses XPath, and freed before returning.
RulesOutput apply_rules(const Rules& rules, const HtmlDocument& document, std::string_view page_url,
                        std::string_view base_url);

// Whether applying `rules` to the page at `page_url` reads its tree: some
// rule set's `match` is found in the URL, or the rules have "follow". When
// not, apply_rules gives an empty RulesOutput for that page.
bool needs_tree(const Rules& rules, std::string_view page_url);

// extract_page (workers/parse/extractor.h) plus the rules: fields and follow
// links resolved against the same base as the links. `rules` may be null.
Extracted extract_page(const HtmlDocument& document, std::string_view page_url, const Rules* rules,
                       std::string_view robots_agent = {});

}  // namespace forager
