// The CSS selector engine (workers/rules/selectors.h): a table of selectors against
// fixture documents, the pseudo-elements, parse errors with their column,
// and hostile input within bounded work.
#include "workers/rules/selectors.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "workers/parse/html_document.h"

namespace forager::css {
namespace {

// Every element carries id="N" so that matches can be named compactly.
const char kFixture[] = R"(<!DOCTYPE html>
<html id="html"><head id="head"><title id="title">T</title></head>
<body id="body">
  <div id="d1" class="box main" data-x="alpha beta" lang="en-US">
    <p id="p1" class="intro">Hello <b id="b1">bold</b> world</p>
    <p id="p2" title="Second">Two</p>
    <span id="s1"></span>
    <p id="p3" class="Intro outro">Three</p>
  </div>
  <div id="d2" class="box" data-x="gamma">
    <ul id="ul">
      <li id="l1">one</li><li id="l2">two</li><li id="l3">three</li>
      <li id="l4">four</li><li id="l5">five</li>
    </ul>
    <a id="a1" href="/x.pdf" rel="next">pdf</a>
    <a id="a2" href="https://example.com/page">page</a>
    <my-widget id="w1">custom</my-widget>
  </div>
  <section id="sec"><em id="e1">only</em><!-- c --></section>
  <footer id="f"></footer>
</body></html>)";

std::string ids(const Selector& selector, const HtmlDocument& doc) {
  std::string out;
  for (const GumboNode* node : selector.select_elements(doc.document())) {
    const GumboAttribute* id = gumbo_get_attribute(&node->v.element.attributes, "id");
    if (!out.empty()) out += ' ';
    out += id != nullptr ? id->value : "?";
  }
  return out;
}

Selector must_parse(const std::string& text) {
  auto parsed = Selector::parse(text);
  if (auto* error = std::get_if<ParseError>(&parsed)) {
    ADD_FAILURE() << text << ": column " << error->column << ": " << error->message;
    return std::get<Selector>(Selector::parse("*"));
  }
  return std::get<Selector>(std::move(parsed));
}

struct Case {
  const char* selector;
  const char* expected;  // ids in document order
};

TEST(SelectorsTest, TableOfMatches) {
  const HtmlDocument doc = HtmlDocument::parse(kFixture);
  const Case cases[] = {
      // type, universal, id, class
      {"p", "p1 p2 p3"},
      {"P", "p1 p2 p3"},
      {"section *", "e1"},
      {"#p2", "p2"},
      {".box", "d1 d2"},
      {".box.main", "d1"},
      {"p.intro", "p1"},  // class names are case-sensitive: not p3
      {"my-widget", "w1"},
      {"MY-WIDGET", "w1"},
      {"div#d2.box", "d2"},
      // attributes
      {"[title]", "p2"},
      {"[title=Second]", "p2"},
      {"[title='second']", ""},
      {"[title=\"second\" i]", "p2"},
      {"[data-x~=beta]", "d1"},
      {"[data-x~=bet]", ""},
      {"[lang|=en]", "d1"},
      {"[lang|=e]", ""},
      {"a[href^='https:']", "a2"},
      {"a[href$=\".PDF\" i]", "a1"},
      {"a[href*=example]", "a2"},
      {"[href^='']", ""},
      {"[ REL = next ]", "a1"},
      // combinators
      {"div p", "p1 p2 p3"},
      {"body > div > p", "p1 p2 p3"},
      {"body > p", ""},
      {"p + span", "s1"},
      {"#p1 + p", "p2"},
      {"#p1 ~ p", "p2 p3"},
      {"#p2 ~ *", "s1 p3"},
      {"li + li + li", "l3 l4 l5"},
      {"div ul li:first-child", "l1"},
      {"html   body  div>p b", "b1"},
      // groups: document order, no duplicates
      {"#l2, #p1, p", "p1 p2 p3 l2"},
      {"em , em", "e1"},
      // structural pseudo-classes
      {"li:first-child", "l1"},
      {"li:last-child", "l5"},
      {"em:only-child", "e1"},
      {"p:only-child", ""},
      {"li:nth-child(2)", "l2"},
      {"li:nth-child(odd)", "l1 l3 l5"},
      {"li:nth-child(even)", "l2 l4"},
      {"li:nth-child(2n+1)", "l1 l3 l5"},
      {"li:nth-child(3n)", "l3"},
      {"li:nth-child(-n+2)", "l1 l2"},
      {"li:nth-child(n+4)", "l4 l5"},
      {"li:nth-child( 2n - 1 )", "l1 l3 l5"},
      {"li:nth-child(2n-1)", "l1 l3 l5"},
      {"li:nth-child(+3)", "l3"},
      {"li:nth-last-child(1)", "l5"},
      {"#d1 > :nth-child(3)", "s1"},
      {"#d1 > p:nth-of-type(3)", "p3"},
      {"#d1 > p:nth-of-type(2n+1)", "p1 p3"},
      {"#d1 > :first-of-type", "p1 s1"},
      {"#d1 > :last-of-type", "s1 p3"},
      {"#d1 > :only-of-type", "s1"},
      {"#d1 > p:nth-last-of-type(1)", "p3"},
      {":root", "html"},
      {"body :empty", "s1 f"},
      {"section:empty", ""},
      // :not, :has, :contains
      {"p:not(.intro)", "p2 p3"},
      {"#d1 > :not(p, span)", ""},
      {"li:not(:first-child):not(:last-child)", "l2 l3 l4"},
      {"div:has(b)", "d1"},
      {"div:has(> a)", "d2"},
      {"div:has(> b)", ""},
      {"p:has(+ span)", "p2"},
      {"p:has(~ span)", "p1 p2"},
      {"li:has(+ li + li)", "l1 l2 l3"},
      {"div:has(ul li:nth-child(5))", "d2"},
      {"div:not(:has(a))", "d1"},
      {"p:contains(\"Two\")", "p2"},
      {"p:contains('bold')", "p1"},
      {"div:contains(custom)", "d2"},
      {"li:contains(\"o\")", "l1 l2 l4"},
      // escapes
      {"#\\70 2", "p2"},
      {".box\\.main", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ids(must_parse(c.selector), doc), c.expected) << "selector: " << c.selector;
  }
}

std::vector<std::string> values(const std::string& selector, const std::string& html, size_t limit = SIZE_MAX) {
  const HtmlDocument doc = HtmlDocument::parse(html);
  return must_parse(selector).select(doc.document(), limit).values;
}

using Values = std::vector<std::string>;

TEST(SelectorsTest, TextPseudoElementGivesOwnTextNodes) {
  const std::string html = "<div><p>Hello <b>bold</b> world</p><p>  </p><p>x<i>y</i></p></div>";
  EXPECT_EQ(values("p::text", html), (Values{"Hello ", " world", "x"}));
  EXPECT_EQ(values("p::text", html, 1), (Values{"Hello "}));
  EXPECT_EQ(values("b::text", html), (Values{"bold"}));
  EXPECT_EQ(values("div::text", html), Values{});
}

TEST(SelectorsTest, StarTextGivesEveryTextNodeUnder) {
  const std::string html = "<div id=a>A<p>Hello <b>bold</b> world</p><p>x<i>y</i></p></div><div>z</div>";
  EXPECT_EQ(values("#a *::text", html), (Values{"A", "Hello ", "bold", " world", "x", "y"}));
  EXPECT_EQ(values("#a ::text", html), (Values{"A", "Hello ", "bold", " world", "x", "y"}));
  EXPECT_EQ(values("#a > *::text", html), (Values{"A"}));
  EXPECT_EQ(values("p *::text", html), (Values{"Hello ", "bold", " world", "x", "y"}));
  EXPECT_EQ(values("body *::text", html), (Values{"A", "Hello ", "bold", " world", "x", "y", "z"}));
}

TEST(SelectorsTest, NoPseudoElementGivesAllTextJoined) {
  const std::string html = "<p>Hello <b>bold</b> world</p><p>two</p>";
  EXPECT_EQ(values("p", html), (Values{"Hello bold world", "two"}));
}

TEST(SelectorsTest, AttrPseudoElement) {
  const std::string html =
      "<img src=a.jpg alt=''><img alt=x><a HREF='/p?q=1'>l</a><p class='star-rating Three'></p>";
  EXPECT_EQ(values("img::attr(src)", html), (Values{"a.jpg"}));
  EXPECT_EQ(values("img::attr(alt)", html), (Values{"", "x"}));
  EXPECT_EQ(values("a::attr(href)", html), (Values{"/p?q=1"}));
  EXPECT_EQ(values("a::attr( HREF )", html), (Values{"/p?q=1"}));
  EXPECT_EQ(values(".star-rating::attr(class)", html), (Values{"star-rating Three"}));
  EXPECT_EQ(values("img::attr(src), a::attr(href)", html), (Values{"a.jpg", "/p?q=1"}));
  EXPECT_EQ(values("p::attr(id)", html), Values{});
}

TEST(SelectorsTest, PseudoElementUse) {
  EXPECT_TRUE(must_parse("a, b::text").uses(PseudoElement::kText));
  EXPECT_FALSE(must_parse("a, b::text").uses(PseudoElement::kAttr));
  EXPECT_TRUE(must_parse("a::attr(href)").uses(PseudoElement::kAttr));
  EXPECT_FALSE(must_parse("a").uses(PseudoElement::kText));
  EXPECT_TRUE(must_parse("*::text").select_elements(HtmlDocument::parse("<p>x</p>").document()).empty());
}

struct BadCase {
  const char* selector;
  size_t column;
  const char* message;
};

TEST(SelectorsTest, ParseErrorsNameTheColumn) {
  const BadCase cases[] = {
      {"", 1, "expected a selector, found end of selector"},
      {".price_color::txt", 13, "unknown pseudo-element '::txt'"},
      {"p:frist-child", 2, "unknown pseudo-class ':frist-child'"},
      {"div >", 6, "expected a selector, found end of selector"},
      {"a,", 3, "expected a selector, found end of selector"},
      {",a", 1, "expected a selector, found ','"},
      {"a[href", 2, "unclosed '['"},
      {"a[href=]", 8, "expected an attribute value, found ']'"},
      {"a[href!=x]", 7, "expected ']' or an operator (= ~= |= ^= $= *=), found '!'"},
      {"a[href~x]", 7, "expected '=' after '~'"},
      {"a[href='x]", 8, "unterminated string"},
      {"a[href=x y]", 10, "expected ']', found 'y'"},
      {"li:nth-child(2x)", 14, "expected an+b, odd or even"},
      {"li:nth-child(2", 13, "unclosed '('"},
      {"p:not(", 7, "expected a selector, found end of selector"},
      {"p:not(a::text)", 8, "pseudo-elements are not allowed inside :not() or :has()"},
      {"p::text b", 9, "a pseudo-element must come last in a selector"},
      {"p::attr", 2, "'::attr' needs an attribute name: ::attr(NAME)"},
      {"p::attr(1)", 9, "expected an attribute name, found '1'"},
      {"p:first-child()", 14, "':first-child' takes no argument"},
      {"p:not", 2, "':not()' needs an argument in parentheses"},
      {"# p", 2, "expected an id after '#', found ' '"},
      {"p..a", 3, "expected a class name after '.', found '.'"},
      {"p > > a", 5, "expected a selector, found '>'"},
      {"a)", 2, "unexpected ')'"},
      {"ns|a", 3, "namespaces are not supported"},
      {"p:contains(\"x)", 12, "unterminated string"},
  };
  for (const BadCase& c : cases) {
    auto parsed = Selector::parse(c.selector);
    auto* error = std::get_if<ParseError>(&parsed);
    ASSERT_NE(error, nullptr) << "parsed: " << c.selector;
    EXPECT_EQ(error->column, c.column) << c.selector << ": " << error->message;
    EXPECT_EQ(error->message, c.message) << c.selector;
  }
}

// ---- hostile input: bounded by caps and step budgets, not by clocks ----

TEST(SelectorsHostileTest, TenThousandSelectorGroupIsRefusedWithAColumn) {
  std::string group;
  for (int i = 0; i < 10000; ++i) group += (i ? "," : "") + std::string("a");
  auto parsed = Selector::parse(group);
  auto* error = std::get_if<ParseError>(&parsed);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->column, kMaxSelectorBytes + 1);

  // Under the byte cap, the selector count cap holds: "a,a,...": 257th at column 513.
  std::string short_group;
  for (size_t i = 0; i < kMaxSelectors + 1; ++i) short_group += (i ? "," : "") + std::string("a");
  parsed = Selector::parse(short_group);
  error = std::get_if<ParseError>(&parsed);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->column, 2 * kMaxSelectors + 1);
  EXPECT_EQ(error->message, "more than 256 selectors");
}

TEST(SelectorsHostileTest, NestingOfNotAndHasIsCapped) {
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "a:not(";
  deep += "b";
  for (int i = 0; i < 20; ++i) deep += ")";
  auto parsed = Selector::parse(deep);
  auto* error = std::get_if<ParseError>(&parsed);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(error->message.find("nested"), std::string::npos);
  std::string long_chain;
  for (int i = 0; i < 40; ++i) long_chain += "a ";
  EXPECT_TRUE(std::holds_alternative<ParseError>(Selector::parse(long_chain)));
}

// A 1 MB document of 100k flat elements and a full group of the largest
// allowed size: the work is capped by steps, and a cheap budget cuts it.
TEST(SelectorsHostileTest, HugeDocumentAndLargeGroupStayBounded) {
  std::string html = "<html><body>";
  while (html.size() < (1u << 20)) html += "<p class=c>xxxx</p>";
  html += "</body></html>";
  const HtmlDocument doc = HtmlDocument::parse(html);
  std::string group;
  for (size_t i = 0; i + 1 < kMaxSelectors; ++i) group += "p > b.q" + std::to_string(i) + ",";
  group += "p.c:last-child";
  const Selector selector = must_parse(group);
  const Selection small = selector.select(doc.document(), SIZE_MAX, 1'000'000);
  EXPECT_TRUE(small.truncated);
  bool truncated = false;
  const auto elements = selector.select_elements(doc.document(), SIZE_MAX, kMaxMatchSteps, &truncated);
  // Either it finished (and found the last <p>) or the budget stopped it.
  EXPECT_TRUE(truncated || elements.size() == 1u);

  // :has() over everything would be quadratic: the budget cuts it.
  const Selector has_all = must_parse("p:has(~ i)");
  const Selection cut = has_all.select(doc.document(), SIZE_MAX, 2'000'000);
  EXPECT_TRUE(cut.truncated);
}

TEST(SelectorsHostileTest, DeepNestingIsMatchedWithoutRecursion) {
  // Just under HtmlDocument's nesting cap: the matcher walks the tree
  // iteratively, and backtracking over ancestors is memoized (without it,
  // the second selector would try C(500, 5) ancestor combinations).
  std::string html;
  for (int i = 0; i < 500; ++i) html += "<div>";
  html += "<span>deep</span>";
  EXPECT_EQ(values("div div div div div div span::text", html), (Values{"deep"}));
  const HtmlDocument doc = HtmlDocument::parse(html);
  const Selection none = must_parse("section div div div div div span::text").select(doc.document());
  EXPECT_EQ(none.values, Values{});
  EXPECT_FALSE(none.truncated);
  EXPECT_EQ(values("div > div > div ~ span", html), Values{});

  // Far deeper than the cap: the parser flattens the excess.
  std::string deeper;
  for (int i = 0; i < 100000; ++i) deeper += "<div>";
  deeper += "<span>deep</span>";
  const HtmlDocument flat = HtmlDocument::parse(deeper);
  const Selection all = must_parse("div *::text").select(flat.document());
  EXPECT_EQ(all.values, (Values{"deep"}));
  EXPECT_FALSE(all.truncated);
}

TEST(SelectorsHostileTest, ManySiblingsWithNthChild) {
  std::string html = "<ul>";
  for (int i = 0; i < 20000; ++i) html += "<li>x</li>";
  html += "</ul>";
  const HtmlDocument doc = HtmlDocument::parse(html);
  const Selection selection = must_parse("li:nth-last-child(3n+1)").select(doc.document(), SIZE_MAX, 5'000'000);
  EXPECT_TRUE(selection.truncated || selection.values.size() == 6667u);
}

}  // namespace
}  // namespace forager::css
