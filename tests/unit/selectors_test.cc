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

// ---- parsel parity: groups, text order, cssselect's pseudo-classes ----

TEST(SelectorsParselTest, GroupGivesEveryValueOfEveryMemberInDocumentOrder) {
  const std::string html =
      "<a href=/1 title=one>x</a><a title=two>y</a><a href=/3>z</a><a title=four href=/4>w</a>";
  // parsel: descendant-or-self::a/@href | descendant-or-self::a/@title, in
  // document order; an element's attributes in their source order.
  EXPECT_EQ(values("a::attr(href), a::attr(title)", html),
            (Values{"/1", "one", "two", "/3", "four", "/4"}));
  EXPECT_EQ(values("a::attr(title), a::attr(href)", html),
            (Values{"/1", "one", "two", "/3", "four", "/4"}));
  EXPECT_EQ(values("a::attr(href), a::attr(title)", html, 3), (Values{"/1", "one", "two"}));
  // A node selected by two members is given once.
  EXPECT_EQ(values("a::attr(href), a[title]::attr(href)", html), (Values{"/1", "/3", "/4"}));
  // The element itself comes before its attributes and its text.
  EXPECT_EQ(values("p::attr(id), p, p::text", "<p id=i>t<b>u</b></p>"), (Values{"tu", "i", "t"}));
}

TEST(SelectorsParselTest, TextOfAGroupComesInDocumentOrder) {
  const std::string html = "<dl><dd><p>A <em>B</em> C<em>D</em></p></dd></dl><p>E</p>";
  EXPECT_EQ(values("dd > p::text, dd > p em::text", html), (Values{"A ", "B", " C", "D"}));
  EXPECT_EQ(values("dd > p em::text, dd > p::text", html), (Values{"A ", "B", " C", "D"}));
  EXPECT_EQ(values("p::text, p *::text", html), (Values{"A ", "B", " C", "D", "E"}));
  EXPECT_EQ(values("em::text, p::attr(x), dd::text", html), (Values{"B", "D"}));
}

TEST(SelectorsParselTest, KeepBlankKeepsWhitespaceOnlyTextNodes) {
  const std::string html = "<pre>  a\n\n<b>b</b>\n  <i> </i>c  </pre>";
  const HtmlDocument doc = HtmlDocument::parse(html);
  const Selector all_text = must_parse("pre *::text");
  EXPECT_EQ(all_text.select(doc.document()).values, (Values{"  a\n\n", "b", "c  "}));
  EXPECT_EQ(all_text.select(doc.document(), SIZE_MAX, kMaxMatchSteps, true).values,
            (Values{"  a\n\n", "b", "\n  ", " ", "c  "}));
  EXPECT_EQ(must_parse("pre::text").select(doc.document(), SIZE_MAX, kMaxMatchSteps, true).values,
            (Values{"  a\n\n", "\n  ", "c  "}));
}

const char kForm[] = R"(<!DOCTYPE html><html lang="EN-gb"><body>
<form id="form">
  <input id="c1" type="checkbox" checked>
  <input id="c2" type="checkbox">
  <input id="r1" type="radio" checked>
  <input id="t1" type="text" checked>
  <input id="n1" checked>
  <input id="x1" type="Checkbox" checked>
  <select id="sel"><option id="o1" selected>a</option><option id="o2">b</option>
    <optgroup id="g1" disabled><option id="o3">c</option></optgroup>
    <option id="o4" disabled>d</option></select>
  <input id="d1" type="text" disabled>
  <input id="d2" disabled>
  <input id="h1" type="hidden" disabled>
  <button id="b1">go</button>
  <textarea id="ta" disabled></textarea>
  <fieldset id="fs" disabled><legend id="lg">L</legend><input id="f1" type="text"><button id="b2">x</button></fieldset>
  <keygen id="k1">
</form>
<a id="a1" href="/x">x</a><a id="a2">no href</a><link id="ln" href="/s.css">
<div id="fr" lang="fr"><p id="pf">fr</p><p id="pe" lang="en">en</p><p id="pz" lang="">none</p></div>
<p id="pg">inherits en-gb</p>
</body></html>)";

TEST(SelectorsParselTest, PseudoClassesWithCssselectSemantics) {
  const HtmlDocument doc = HtmlDocument::parse(kForm);
  const Case cases[] = {
      // (option and @selected) or (input|command, @checked, @type = checkbox|radio exactly)
      {":checked", "c1 r1 o1"},
      {"input:not(:checked)", "c2 t1 n1 x1 d1 d2 h1 f1"},
      // @disabled on a control (input with a type other than hidden), or a
      // button/select/textarea/input under fieldset[disabled]; fieldset,
      // optgroup, option with @disabled. (cssselect: no "first legend" rule.)
      {":disabled", "g1 o4 d1 ta fs f1 b2"},
      // links with href; fieldset/optgroup without @disabled; controls
      // neither disabled nor under fieldset[disabled]; options not disabled
      // nor in a disabled optgroup. An <input> without type is neither.
      {":enabled", "c1 c2 r1 t1 x1 sel o1 o2 b1 k1 a1 ln"},
      {":link", "a1 ln"},
      {"a:visited, a:hover, a:active, a:focus, :target", ""},
      // :lang(): the nearest lang attribute, lower-cased, is x or starts with x-
      {"p:lang(fr)", "pf"},
      {"p:lang(en)", "pe pg"},
      {"p:lang(EN-GB)", "pg"},
      {"p:lang(\"en\")", "pe pg"},
      {"div:lang(f)", ""},
      // :is(), :where(), :matches(): any of the list
      {"input:is(#c1, [type=radio])", "c1 r1"},
      {":where(#a1, #ln)", "a1 ln"},
      {"p:matches(:lang(fr), #pg)", "pf pg"},
      {":is(fieldset > input)", "f1"},
      {"select > :is(optgroup:disabled) > option", "o3"},
  };
  for (const Case& c : cases) EXPECT_EQ(ids(must_parse(c.selector), doc), c.expected) << "selector: " << c.selector;
}

TEST(SelectorsParselTest, StructuralPseudoClassesAsCssselect) {
  const HtmlDocument doc = HtmlDocument::parse(kFixture);
  const Case cases[] = {
      // cssselect needs a type before the -of-type pseudo-classes; with it:
      {"#d1 > p:first-of-type", "p1"},
      {"#d1 > p:last-of-type", "p3"},
      {"#d1 > span:only-of-type", "s1"},
      {"#d1 > p:only-of-type", ""},
      {"li:nth-last-child(2n+1)", "l1 l3 l5"},
      {"li:nth-of-type(2)", "l2"},
      {"li:nth-last-of-type(-n+2)", "l4 l5"},
      // :empty: no element child and no text (comments do not count)
      {"section:empty, footer:empty, span:empty", "s1 f"},
      {":root", "html"},
      {"[data-x=ALPHA\\ BETA i]", "d1"},  // the `i` flag (forager; cssselect has none)
      {"div:not(.main)", "d2"},
      {"ul:has(> li:contains(\"five\"))", "ul"},
  };
  for (const Case& c : cases) EXPECT_EQ(ids(must_parse(c.selector), doc), c.expected) << "selector: " << c.selector;
}

TEST(SelectorsParselTest, NewPseudoClassErrors) {
  const BadCase cases[] = {
      {"p:is(a::text)", 7, "pseudo-elements are not allowed inside :not() or :has()"},
      {"p:is()", 6, "expected a selector, found ')'"},
      {"p:lang()", 8, "expected a quoted string, found ')'"},
      {"p:checked(x)", 10, "':checked' takes no argument"},
      {"p:hovered", 2, "unknown pseudo-class ':hovered'"},
  };
  for (const BadCase& c : cases) {
    auto parsed = Selector::parse(c.selector);
    auto* error = std::get_if<ParseError>(&parsed);
    ASSERT_NE(error, nullptr) << "parsed: " << c.selector;
    EXPECT_EQ(error->column, c.column) << c.selector << ": " << error->message;
    EXPECT_EQ(error->message, c.message) << c.selector;
  }
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += "a:is(";
  deep += "b";
  for (int i = 0; i < 20; ++i) deep += ")";
  auto parsed = Selector::parse(deep);
  ASSERT_TRUE(std::holds_alternative<ParseError>(parsed));
  EXPECT_NE(std::get<ParseError>(parsed).message.find("nested"), std::string::npos);
}

// The tree is the one browsers build: `table > tr` does not match (the
// parser puts rows in an implied <tbody>), `table tr` does; parsel on lxml
// (no implied tbody) matches both.
TEST(SelectorsParselTest, TreeIsTheHtml5Tree) {
  const std::string html = "<table><tr><td>1</td></tr><tr><td>2</td></tr></table>";
  EXPECT_EQ(values("table > tr td::text", html), Values{});
  EXPECT_EQ(values("table tr td::text", html), (Values{"1", "2"}));
  EXPECT_EQ(values("table > tbody > tr > td::text", html), (Values{"1", "2"}));
  // Misnested tags are repaired as browsers do; entities are HTML5's.
  EXPECT_EQ(values("p::text", "<p>a<b>b<p>c</b>d</p>"), (Values{"a", "d"}));
  EXPECT_EQ(values("p::text", "<p>&NotEqualTilde; &amp &notin;</p>"), (Values{"\xE2\x89\x82\xCC\xB8 & \xE2\x88\x89"}));
}

}  // namespace
}  // namespace forager::css
