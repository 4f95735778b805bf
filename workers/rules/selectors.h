// CSS selectors on gumbo's tree, with Scrapy/parsel's pseudo-elements ::text
// and ::attr(NAME): the engine behind extraction rules (workers/rules/rules.h).
// No selector library for gumbo is packaged in Debian, so this one parser and
// one matcher live here; docs/RULES.md lists the syntax for users.
//
// Supported: type, *, #id, .class, [a] [a=v] [a~=v] [a|=v] [a^=v] [a$=v]
// [a*=v] (quoted or unquoted values, `i`/`s` flags), the combinators
// descendant, >, +, ~, groups (a, b), :first-child :last-child :only-child
// :first-of-type :last-of-type :only-of-type :nth-child() :nth-last-child()
// :nth-of-type() :nth-last-of-type() (an+b, odd, even) :root :empty :not()
// :has() (relative: `:has(> a)`, `:has(+ b)`) :is() :where() :matches()
// :contains("text") :lang(x), and cssselect's HTML state pseudo-classes
// :checked :disabled :enabled :link (with cssselect's exact definitions)
// and :visited :hover :active :focus :target (never match); the
// pseudo-elements ::text and ::attr(NAME), last in a selector only.
//
// Values, as in parsel:
//   X::attr(a)   the attribute a of each X that has it;
//   X::text      X's own text nodes (children), one value per node;
//   X *::text    every text node under X, X's own included (parsel's
//                translation of a bare `*` before ::text); *::text alone is
//                every text node of the document;
//   X            (no pseudo-element) all the text under X, joined.
// A group gives every value of every member, in document order, each node
// once (an element before its attributes, attributes in their order), as
// parsel's XPath union does. Text nodes that are only whitespace are
// skipped unless `keep_blank` is set.
//
// Bounds, for hostile rules and pages: a selector is at most kMaxSelectorBytes
// long, holds at most kMaxSelectors complex selectors (counting those inside
// :not/:has), kMaxCompounds compound selectors each, and nests :not/:has at
// most kMaxNesting deep. Matching never recurses along the document (only
// along the selector, so its stack depth is bounded by the caps above), and
// one select() call stops after kMaxMatchSteps steps (a step is one
// compound tested against one node, or one node visited), returning what it
// found until then with `truncated` set.
//
// Thread safety: a parsed Selector is immutable and may be shared by threads.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace forager::css {

inline constexpr size_t kMaxSelectorBytes = 4096;
inline constexpr size_t kMaxSelectors = 256;
inline constexpr size_t kMaxCompounds = 32;
inline constexpr size_t kMaxNesting = 8;
inline constexpr uint64_t kMaxMatchSteps = 20'000'000;

// Where and why a selector did not parse. `column` is 1-based, in bytes.
struct ParseError {
  size_t column = 0;
  std::string message;
};

enum class PseudoElement { kNone, kText, kAttr };

namespace detail {
struct List;
}

// What a select() found, in document order.
struct Selection {
  std::vector<std::string> values;  // raw (not whitespace-normalized)
  bool truncated = false;           // the step budget ran out
  uint64_t steps = 0;               // steps spent
};

class Selector {
 public:
  // Parses a selector group. Never throws on any input.
  static std::variant<Selector, ParseError> parse(std::string_view text);

  const std::string& text() const { return text_; }
  // Whether some selector of the group ends in ::text (or ::attr).
  bool uses(PseudoElement pseudo) const;

  // The values (see above) of what the group matches under `root` (a
  // document or element node), in document order, at most `limit` of them.
  // `keep_blank`: whitespace-only text nodes are values too.
  Selection select(const GumboNode* root, size_t limit = SIZE_MAX, uint64_t max_steps = kMaxMatchSteps,
                   bool keep_blank = false) const;

  // The elements the group matches under `root` in document order,
  // pseudo-elements ignored (a `*::text` selector matches no element).
  // `steps`, when given, receives the steps spent (truncated: more than
  // max_steps).
  std::vector<const GumboNode*> select_elements(const GumboNode* root, size_t limit = SIZE_MAX,
                                                uint64_t max_steps = kMaxMatchSteps,
                                                bool* truncated = nullptr, uint64_t* steps = nullptr) const;

 private:
  Selector(std::string text, std::shared_ptr<const detail::List> list);
  std::string text_;
  std::shared_ptr<const detail::List> list_;
};

// All the text under `node` (text, whitespace and CDATA nodes, document
// order, templates skipped), concatenated. Iterative: any depth.
std::string text_content(const GumboNode* node);

}  // namespace forager::css
