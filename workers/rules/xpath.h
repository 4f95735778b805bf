// XPath 1.0 for extraction rules (`"xpath": "..."` fields, docs/RULES.md),
// evaluated by libxml2 on a copy of gumbo's HTML5 tree: the same tree the
// CSS selectors see (implied <tbody>, repaired misnesting), never a second
// parse by libxml2's own HTML parser.
//
// The copy: elements (lower-case names, no namespaces, as lxml.html gives
// them), their attributes, text, CDATA and comments, in document order;
// <template> contents are left out as by the CSS engine. It holds at most
// kMaxTreeNodes nodes: past that the rest of the document is left out.
//
// Values of an expression's result:
//   node-set   one value per node in document order: a text node its text
//              (whitespace-only ones skipped unless `keep_blank`), an
//              attribute its value, an element (or the document) its text
//              content (all text under it, joined), a comment its text;
//   string     the string;
//   number     XPath's string() of it ("3", "33.2", "NaN", "Infinity");
//   boolean    "true" or "false".
//
// Functions: XPath 1.0's core library, and re:test(string, pattern,
// flags?) from EXSLT regular expressions (the `re` prefix is bound as in
// parsel; PCRE2 syntax; flag "i" ignores case). An expression naming any
// other function, a variable, or an unknown prefix is refused at compile().
//
// Bounds: an expression is at most kMaxExpressionBytes long; one evaluation
// stops after `max_steps` libxml2 operations (its opLimit), giving no values
// and `truncated` set; libxml2 caps the evaluation's recursion depth.
//
// Not thread-safe (libxml2's XPath contexts and this file's error capture are
// per call but not shared-safe); workers evaluate on one thread.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "workers/rules/selectors.h"

namespace forager::xpath {

inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr size_t kMaxTreeNodes = 1'000'000;

// Where and why an expression did not compile. `column` is 1-based, in bytes.
struct CompileError {
  size_t column = 0;
  std::string message;
};

class Expression {
 public:
  // Compiles and checks an expression. Never throws on any input.
  static std::variant<Expression, CompileError> compile(std::string_view text);
  const std::string& text() const { return text_; }

 private:
  friend class Tree;
  struct Compiled;
  Expression(std::string text, std::shared_ptr<const Compiled> compiled);
  std::string text_;
  std::shared_ptr<const Compiled> compiled_;
};

// libxml2's copy of one gumbo document, built on the first evaluate() (a
// page whose rules use no XPath never pays for it) and freed with this. Its
// text nodes borrow gumbo's text: the document must outlive this object.
class Tree {
 public:
  explicit Tree(const GumboNode* document);
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  ~Tree();

  // The values (see above) of `expression` on the document, at most `limit`.
  css::Selection evaluate(const Expression& expression, size_t limit, uint64_t max_steps, bool keep_blank);

  // Nodes copied so far (0 before the first evaluate()).
  size_t nodes() const { return nodes_; }

 private:
  struct Doc;
  void build();
  const GumboNode* gumbo_;
  std::unique_ptr<Doc> doc_;
  size_t nodes_ = 0;
};

}  // namespace forager::xpath
