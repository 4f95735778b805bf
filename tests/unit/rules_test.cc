// Extraction rules (workers/rules/rules.h): parsing errors with exact messages,
// field values on the demo catalogue's product page, follow links, and the
// rules files shipped in seeds/.
#include "workers/rules/rules.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "workers/parse/extractor.h"

namespace forager {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kProductUrl = "http://127.0.0.1:8765/catalogue/les-miserables_42/index.html";

std::string product_page() {
  return read_file(std::string(FORAGER_SOURCE_DIR) + "/seeds/demo-site/catalogue/les-miserables_42/index.html");
}

Rules must_parse(const std::string& text) {
  auto parsed = Rules::parse(text);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    ADD_FAILURE() << *error;
    return Rules{};
  }
  return std::get<Rules>(std::move(parsed));
}

std::string error_of(const std::string& text) {
  auto parsed = Rules::parse(text);
  auto* error = std::get_if<std::string>(&parsed);
  return error != nullptr ? *error : "(parsed)";
}

RulesOutput apply(const Rules& rules, const std::string& html, const std::string& page_url) {
  const HtmlDocument doc = HtmlDocument::parse(html);
  return apply_rules(rules, doc, page_url, document_base_url(doc, page_url));
}

// Found by fuzz/rules_fuzzer: a number too large for a double threw past the
// parser's catch and ended the process.
TEST(RulesFuzzFinds, HugeNumberIsAnErrorNotACrash) {
  auto parsed = Rules::parse(R"({"rules":1e400})");
  ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
}

TEST(RulesParseTest, ErrorsNameTheRuleTheFieldAndTheColumn) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {R"({"rules":[{"fields":{"price":".price_color::txt"}}]})",
       R"(rules[0].fields.price: selector ".price_color::txt" column 13: unknown pseudo-element '::txt')"},
      {R"j({"rules":[{"fields":{"a":"h1"}},{"match":"x","fields":{"b":{"css":"p:nth-child(x)"}}}]})j",
       R"j(rules[1].fields.b: selector "p:nth-child(x)" column 13: expected an+b, odd or even)j"},
      {R"({"rules":[], "follow":["li.next a", "ul.nav >"]})",
       R"(follow[1]: selector "ul.nav >" column 9: expected a selector, found end of selector)"},
      {R"({"rules":[{"fields":{"a":"h1"}}], "folow":[]})",
       R"(unknown key "folow" (expected "rules" or "follow"))"},
      {R"({"rules":[{"feilds":{"a":"h1"}}]})",
       R"(rules[0]: unknown key "feilds" (expected "match" or "fields"))"},
      {R"({"rules":[{"match":"x"}]})", R"(rules[0]: missing "fields")"},
      {R"({"rules":[{"fields":{"a":{"css":"h1","al":true}}}]})",
       R"(rules[0].fields.a: unknown key "al" (expected "css" or "xpath", "all", "url", "raw", "re", "type"))"},
      {R"({"rules":[{"fields":{"a":{"css":"h1","all":"yes"}}}]})",
       R"(rules[0].fields.a.all: expected true or false, found a string)"},
      {R"({"rules":[{"fields":{"a":{"all":true}}}]})", R"(rules[0].fields.a: missing "css" or "xpath" (the selector))"},
      {R"({"rules":[{"fields":{"a":3}}]})",
       R"(rules[0].fields.a: expected a selector string or an object with "css" or "xpath" and options, found a number)"},
      {R"({"rules":[{"fields":{"a":{"css":7}}}]})", R"(rules[0].fields.a: expected a selector string, found a number)"},
      {R"({"rules":[{"fields":["h1"]}]})", R"(rules[0].fields: expected an object of NAME: selector, found a list)"},
      {R"({"rules":[{"match":5,"fields":{}}]})", R"(rules[0].match: expected a regular expression string, found a number)"},
      {R"({"rules":{"fields":{}}})", R"(rules: expected a list of rule sets, found an object)"},
      {R"({"rules":["h1"]})", R"(rules[0]: expected an object with "match" and "fields", found a string)"},
      {R"({"follow":"a"})", R"(follow: expected a list of selector strings, found a string)"},
      {R"j({"follow":["a::attr(href)"]})j",
       R"j(follow[0]: selector "a::attr(href)": follow selectors select elements (links, or elements holding links); drop the pseudo-element)j"},
      {R"([1,2])", R"(expected a JSON object with "rules" and/or "follow", found a list)"},
      {R"({"rules":[{"fields":{"":"h1"}}]})", R"(rules[0].fields: a field name is empty)"},
  };
  for (const Case& c : cases) EXPECT_EQ(error_of(c.text), c.error) << c.text;
}

TEST(RulesParseTest, BadJsonAndBadRegexSayWhere) {
  EXPECT_EQ(error_of("{\"rules\": [}"),
            "not valid JSON: parse error at line 1, column 12: syntax error while parsing value - unexpected '}'; "
            "expected '[', '{', or a literal");
  const std::string regex = error_of(R"({"rules":[{"match":"(unclosed","fields":{}}]})");
  EXPECT_EQ(regex.rfind("rules[0].match: invalid regular expression '(unclosed' at offset 9: ", 0), 0u) << regex;
}

TEST(RulesParseTest, EmptyRulesAndEmptyFollowAreValid) {
  Rules rules = must_parse("{}");
  EXPECT_TRUE(rules.rule_sets.empty());
  EXPECT_FALSE(rules.has_follow);
  rules = must_parse(R"({"follow": []})");
  EXPECT_TRUE(rules.has_follow);
  RulesOutput out = apply(rules, "<a href=/x>x</a>", "http://h/");
  EXPECT_TRUE(out.follow_restricted);
  EXPECT_TRUE(out.follow_links.empty());
  EXPECT_EQ(out.fields_json, "");
}

TEST(RulesApplyTest, ProductPageFields) {
  const Rules rules = must_parse(R"j({"rules": [
    {"match": "/catalogue/[^/]+_\\d+/index\\.html$",
     "fields": {
       "name": "h1::text",
       "price": ".product_main .price_color::text",
       "availability": ".product_main .availability::text",
       "rating": ".product_main .star-rating::attr(class)",
       "image": {"css": "#product_gallery img::attr(src)", "url": true},
       "category": "ul.breadcrumb li:nth-child(3) a::text",
       "tags": {"css": ".tags .tag::text", "all": true},
       "upc": "table tr:has(th:contains(\"UPC\")) td::text",
       "description": "#product_description + p",
       "missing": ".nothing::text",
       "missing_all": {"css": ".nothing", "all": true},
       "links": {"css": "ul.breadcrumb a::attr(href)", "all": true, "url": true}
     }}]})j");
  const RulesOutput out = apply(rules, product_page(), kProductUrl);
  const json fields = json::parse(out.fields_json);
  EXPECT_EQ(fields["name"], "Les Misérables");
  EXPECT_EQ(fields["price"], "£47.18");
  EXPECT_EQ(fields["availability"], "In stock (19 available)");
  EXPECT_EQ(fields["rating"], "star-rating Three");
  EXPECT_EQ(fields["image"], "http://127.0.0.1:8765/media/42.jpg");
  EXPECT_EQ(fields["category"], "Art");
  EXPECT_EQ(fields["tags"], json::array({"translated"}));
  EXPECT_EQ(fields["upc"], "f519f70a0019f8d7");
  EXPECT_EQ(fields["description"].get<std::string>().rfind("Les Misérables, filed under Art.", 0), 0u);
  EXPECT_TRUE(fields["missing"].is_null());
  EXPECT_EQ(fields["missing_all"], json::array());
  EXPECT_EQ(fields["links"], json::array({"http://127.0.0.1:8765/index.html",
                                          "http://127.0.0.1:8765/catalogue/page-1.html",
                                          "http://127.0.0.1:8765/catalogue/category/art/page-1.html"}));
  // Keys keep the rules file's order.
  EXPECT_EQ(out.fields_json.substr(0, 9), "{\"name\":\"");
  EXPECT_FALSE(out.follow_restricted);
}

TEST(RulesApplyTest, MatchSelectsRuleSetsAndFirstDefinitionWins) {
  const Rules rules = must_parse(R"({"rules": [
    {"match": "/a/", "fields": {"kind": "h1::text", "only_a": "p::text"}},
    {"fields": {"kind": "title::text", "everywhere": "title"}},
    {"match": "/never/", "fields": {"never": "h1"}}]})");
  const std::string html = "<title> The \n title </title><h1>Head</h1><p>para</p>";
  EXPECT_EQ(json::parse(apply(rules, html, "http://h/a/1").fields_json),
            json::parse(R"({"kind":"Head","only_a":"para","everywhere":"The title"})"));
  EXPECT_EQ(json::parse(apply(rules, html, "http://h/b/1").fields_json),
            json::parse(R"({"kind":"The title","everywhere":"The title"})"));
  const Rules only_matching = must_parse(R"({"rules": [{"match": "/a/", "fields": {"x": "h1"}}]})");
  EXPECT_EQ(apply(only_matching, html, "http://h/b/").fields_json, "");
}

TEST(RulesApplyTest, UrlValuesResolveAgainstBaseAndDropNonHttp) {
  const Rules rules = must_parse(R"j({"rules": [{"fields": {
    "first": {"css": "a::attr(href)", "url": true},
    "all": {"css": "a::attr(href)", "url": true, "all": true}}}]})j");
  const std::string html =
      "<base href='/sub/'><a href='mailto:x@y'>m</a><a href=' p?q=1#f '>p</a><a href='//other.example/x'>o</a>";
  const json fields = json::parse(apply(rules, html, "http://h/dir/page").fields_json);
  EXPECT_TRUE(fields["first"].is_null());  // the first match is not an http(s) URL
  EXPECT_EQ(fields["all"], json::array({"http://h/sub/p?q=1", "http://other.example/x"}));
}

TEST(RulesApplyTest, InvalidUtf8AndHugeValuesStayValidAndBounded) {
  const Rules rules = must_parse(R"({"rules": [{"fields": {"t": "p::text", "all": {"css": "li::text", "all": true}}}]})");
  std::string html = "<p>bad \xff\xfe bytes</p><ul>";
  for (int i = 0; i < 5000; ++i) html += "<li>" + std::string(100, 'x') + "</li>";
  html += "</ul>";
  const RulesOutput out = apply(rules, html, "http://h/");
  const json fields = json::parse(out.fields_json);  // throws on invalid UTF-8
  EXPECT_EQ(fields["t"], "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  EXPECT_EQ(fields["all"].size(), kMaxListValues);
}

// Quadratic selectors on a big page: each stops at its step budget, and the
// page's budget leaves later fields null instead of running on.
TEST(RulesApplyTest, ExpensiveSelectorsAreBoundedPerPage) {
  std::string spec = R"({"rules": [{"fields": {)";
  for (int i = 0; i < 10; ++i) spec += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\": \"p:has(~ i)\"";
  spec += R"(, "cheap": "title::text"}}]})";
  const Rules rules = must_parse(spec);
  std::string html = "<title>T</title>";
  for (int i = 0; i < 50000; ++i) html += "<p>x</p>";
  const json fields = json::parse(apply(rules, html, "http://h/").fields_json);
  EXPECT_EQ(fields.size(), 11u);
  EXPECT_TRUE(fields["f9"].is_null());
  EXPECT_TRUE(fields["cheap"].is_null());  // the page's steps were spent
}

TEST(RulesApplyTest, FollowPicksLinksOfMatchedElements) {
  const Rules rules = must_parse(R"({"follow": ["ul.nav", "li.next a", "area", "p"]})");
  const std::string html = R"(
    <ul class=nav><li><a href="/c/1">1</a></li><li><a href="/c/2#x">2</a><a href="/c/1">again</a></li></ul>
    <a href="/product/1">product</a>
    <ul class=pager><li class=next><a href="page-2.html">next</a></li></ul>
    <map><area href="/area"></map>
    <p><a href="/nofollow" rel="nofollow">n</a><a href="javascript:x">j</a></p>)";
  const RulesOutput out = apply(rules, html, "http://h/list/page-1.html");
  EXPECT_TRUE(out.follow_restricted);
  EXPECT_EQ(out.follow_links, (std::vector<std::string>{"http://h/c/1", "http://h/c/2",
                                                         "http://h/list/page-2.html", "http://h/area"}));
  // extract_page carries the same, and keeps every outlink in links.
  const Extracted extracted = extract_page(HtmlDocument::parse(html), "http://h/list/page-1.html", &rules);
  EXPECT_EQ(extracted.follow_links, out.follow_links);
  EXPECT_TRUE(extracted.follow_restricted);
  EXPECT_EQ(extracted.links.size(), 5u);
}

// The shipped rules parse, and the demo rules give the catalogue's fields.
TEST(RulesFilesTest, SeedRulesParseAndDemoRulesScrapeTheProductPage) {
  for (const char* name : {"demo-rules.json", "books.toscrape-rules.json", "quotes.toscrape-rules.json"}) {
    const std::string text = read_file(std::string(FORAGER_SOURCE_DIR) + "/seeds/" + name);
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_TRUE(std::holds_alternative<Rules>(Rules::parse(text))) << name << ": " << error_of(text);
  }
  const Rules demo = must_parse(read_file(std::string(FORAGER_SOURCE_DIR) + "/seeds/demo-rules.json"));
  const json fields = json::parse(apply(demo, product_page(), kProductUrl).fields_json);
  EXPECT_EQ(fields["name"], "Les Misérables");
  EXPECT_EQ(fields["price"], "£47.18");
  EXPECT_EQ(fields["availability"], "In stock (19 available)");
  EXPECT_EQ(fields["rating"], "star-rating Three");
  EXPECT_EQ(fields["image"], "http://127.0.0.1:8765/media/42.jpg");
  EXPECT_EQ(fields["category"], "Art");
  EXPECT_TRUE(apply(demo, "<h1>x</h1>", "http://127.0.0.1:8765/catalogue/page-2.html").fields_json.empty());
}

// books.toscrape.com has the demo catalogue's markup; its rule sets split
// product pages from list pages by URL.
TEST(RulesFilesTest, BooksRulesSplitProductAndListPages) {
  const Rules books = must_parse(read_file(std::string(FORAGER_SOURCE_DIR) + "/seeds/books.toscrape-rules.json"));
  const json product = json::parse(
      apply(books, product_page(), "http://books.toscrape.com/catalogue/les-miserables_42/index.html").fields_json);
  EXPECT_EQ(product["name"], "Les Misérables");
  EXPECT_EQ(product["category"], "Art");
  EXPECT_EQ(product["upc"], "f519f70a0019f8d7");
  EXPECT_EQ(product["image"], "http://books.toscrape.com/media/42.jpg");
  EXPECT_FALSE(product.contains("listing"));
  const std::string list_html = "<div class='page-header action'><h1>Travel</h1></div>"
                                "<article class=product_pod><h3><a title='A Book' href='x'>A...</a></h3></article>";
  const json list = json::parse(
      apply(books, list_html, "http://books.toscrape.com/catalogue/category/books/travel_2/index.html").fields_json);
  EXPECT_EQ(list, json::parse(R"({"listing":"Travel","books":["A Book"]})"));
}

// Not a timing assertion: prints the engine's rate on the demo product page.
TEST(RulesFilesTest, DemoRulesRate) {
  const Rules demo = must_parse(read_file(std::string(FORAGER_SOURCE_DIR) + "/seeds/demo-rules.json"));
  const HtmlDocument doc = HtmlDocument::parse(product_page());
  const std::string base = document_base_url(doc, kProductUrl);
  size_t fields = 0;
  for (const RuleSet& set : demo.rule_sets) fields += set.fields.size();
  const int rounds = 2000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) ASSERT_FALSE(apply_rules(demo, doc, kProductUrl, base).fields_json.empty());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string html = product_page();
  const auto parse_start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) ASSERT_NE(HtmlDocument::parse(html).document(), nullptr);
  const double parse_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - parse_start).count();
  std::printf("demo product page: %zu fields x %d pages in %.3f s = %.0f fields/s, %.0f pages/s "
              "(gumbo parse alone: %.0f pages/s)\n",
              fields, rounds, seconds, fields * rounds / seconds, rounds / seconds, rounds / parse_seconds);
}

// ---- XPath, re, type, raw ----

TEST(RulesXpathTest, TextAttributeElementAndScalarResults) {
  const Rules rules = must_parse(R"j({"rules": [{"fields": {
    "price": {"xpath": "//p[@class='price_color']/text()"},
    "image": {"xpath": "//div[@id='product_gallery']//img/@src", "url": true},
    "title": {"xpath": "//div[contains(@class, 'product_main')]/h1"},
    "rows": {"xpath": "count(//table//tr)"},
    "ratio": {"xpath": "3 div 2"},
    "has_upc": {"xpath": "boolean(//th[. = 'UPC'])"},
    "upc": {"xpath": "string(//tr[th = 'UPC']/td)"},
    "tags": {"xpath": "//ul[@class='tags']/li/a/text()", "all": true},
    "ids": {"xpath": "id('product_gallery')/@id"},
    "poetry": {"xpath": "//a[re:test(@href, '/POETRY/', 'i')]/@href", "all": true},
    "case": {"xpath": "//a[re:test(@href, '/POETRY/')]/@href", "all": true},
    "none": {"xpath": "//nothing/text()"},
    "none_all": {"xpath": "//nothing", "all": true}
  }}]})j");
  const json fields = json::parse(apply(rules, product_page(), kProductUrl).fields_json);
  EXPECT_EQ(fields["price"], "£47.18");
  EXPECT_EQ(fields["image"], "http://127.0.0.1:8765/media/42.jpg");
  // An element gives its text content, whitespace-normalized (parsel: outer HTML).
  EXPECT_EQ(fields["title"], "Les Misérables");
  EXPECT_EQ(fields["rows"], "7");  // XPath's string() of a number
  EXPECT_EQ(fields["ratio"], "1.5");
  EXPECT_EQ(fields["has_upc"], "true");
  EXPECT_EQ(fields["upc"], "f519f70a0019f8d7");
  EXPECT_EQ(fields["tags"], json::array({"translated"}));
  EXPECT_EQ(fields["ids"], "product_gallery");
  EXPECT_EQ(fields["poetry"], json::array({"../../catalogue/category/poetry/page-1.html"}));
  EXPECT_EQ(fields["case"], json::array());
  EXPECT_TRUE(fields["none"].is_null());
  EXPECT_EQ(fields["none_all"], json::array());
}

// re:match and re:replace give what lxml's EXSLT functions give (parsel binds
// them to `re` too): re:match's <match> elements are the whole match and its
// groups, or with "g" every match (groups joined); re:replace is re.sub.
TEST(RulesXpathTest, RegexMatchAndReplaceAsLxml) {
  const Rules rules = must_parse(R"j({"rules": [{"fields": {
    "first": {"xpath": "re:match(//p[@class='price_color'], '([0-9]+)\\.([0-9]+)')", "all": true},
    "group": {"xpath": "re:match(//p[@class='price_color'], '([0-9]+)\\.([0-9]+)')[3]"},
    "string": {"xpath": "string(re:match(//p[@class='price_color'], '[0-9.]+'))"},
    "global": {"xpath": "re:match('a1b22c333', '[0-9]+', 'g')", "all": true},
    "global_groups": {"xpath": "re:match('k=v; x=y', '(\\w)=(\\w)', 'g')", "all": true},
    "unset_group": {"xpath": "re:match('ab', 'a(x)?b')", "all": true},
    "no_match": {"xpath": "re:match('abc', '[0-9]')", "all": true},
    "case": {"xpath": "re:match('ABC', 'b', 'i')"},
    "replace_one": {"xpath": "re:replace('a-b-c', '-', '', '+')"},
    "replace_all": {"xpath": "re:replace('a-b-c', '-', 'g', '+')"},
    "backrefs": {"xpath": "re:replace('2024-12-06', '(\\d+)-(\\d+)-(?P<day>\\d+)', '', '\\g<day>/\\2/\\1')"},
    "escapes": {"xpath": "re:replace('a b', ' ', '', '\\t')", "raw": true},
    "bad_ref": {"xpath": "re:replace('ab', 'a', '', '\\2')"},
    "in_predicate": {"xpath": "//p[re:match(., '^£4')]/text()"}
  }}]})j");
  const json fields = json::parse(apply(rules, product_page(), kProductUrl).fields_json);
  EXPECT_EQ(fields["first"], json::array({"47.18", "47", "18"}));
  EXPECT_EQ(fields["group"], "18");
  EXPECT_EQ(fields["string"], "47.18");
  EXPECT_EQ(fields["global"], json::array({"1", "22", "333"}));
  EXPECT_EQ(fields["global_groups"], json::array({"kv", "xy"}));
  EXPECT_EQ(fields["unset_group"], json::array({"ab", ""}));  // a group that took no part: an empty <match>
  EXPECT_EQ(fields["no_match"], json::array());
  EXPECT_EQ(fields["case"], "B");
  EXPECT_EQ(fields["replace_one"], "a+b-c");
  EXPECT_EQ(fields["replace_all"], "a+b+c");
  EXPECT_EQ(fields["backrefs"], "06/12/2024");
  EXPECT_EQ(fields["escapes"], "a\tb");
  EXPECT_TRUE(fields["bad_ref"].is_null());
  EXPECT_EQ(fields["in_predicate"], "£47.18");
}

// :scope is the root element, as for a whole-page parsel selector.
TEST(RulesCssTest, ScopeIsTheRootElement) {
  const Rules rules = must_parse(R"j({"rules": [{"fields": {
    "brand": {"css": ":scope > body > header a.brand::text"},
    "scope": {"css": ":scope::attr(lang)"},
    "deeper": {"css": ":scope > div"}
  }}]})j");
  const json fields = json::parse(apply(rules, product_page(), kProductUrl).fields_json);
  EXPECT_EQ(fields["brand"], "Forager Books");
  EXPECT_EQ(fields["scope"], "en");
  EXPECT_TRUE(fields["deeper"].is_null());
}

// XPath sees the tree gumbo built, as the CSS selectors do: rows sit in an
// implied <tbody>, so /table/tr matches nothing (it does in parsel on lxml).
TEST(RulesXpathTest, SameHtml5TreeAsCss) {
  const Rules rules = must_parse(R"j({"rules": [{"fields": {
    "child": {"xpath": "//table/tr/td/text()", "all": true},
    "descendant": {"xpath": "//table//tr/td/text()", "all": true},
    "tbody": {"xpath": "//table/tbody/tr/td/text()", "all": true},
    "css_child": {"css": "table > tr td::text", "all": true},
    "css": {"css": "table tr td::text", "all": true},
    "entity": {"xpath": "//p/text()"},
    "pre": {"xpath": "//pre/text()", "all": true, "raw": true},
    "pre_normal": {"xpath": "//pre//text()", "all": true},
    "comment": {"xpath": "//comment()"},
    "template": {"xpath": "count(//template)"}
  }}]})j");
  const std::string html = "<table><tr><td>1</td></tr><tr><td>2</td></tr></table><p>a&notin;b</p>"
                           "<pre>x\n  <b>y</b>\n</pre><!-- c --><template><i>t</i></template>";
  const json fields = json::parse(apply(rules, html, "http://h/").fields_json);
  EXPECT_EQ(fields["child"], json::array());
  EXPECT_EQ(fields["descendant"], json::array({"1", "2"}));
  EXPECT_EQ(fields["tbody"], json::array({"1", "2"}));
  EXPECT_EQ(fields["css_child"], json::array());
  EXPECT_EQ(fields["css"], json::array({"1", "2"}));
  EXPECT_EQ(fields["entity"], "a\xE2\x88\x89" "b");
  EXPECT_EQ(fields["pre"], json::array({"x\n  ", "\n"}));
  EXPECT_EQ(fields["pre_normal"], json::array({"x", "y"}));
  EXPECT_EQ(fields["comment"], "c");
  EXPECT_EQ(fields["template"], "0");
}

TEST(RulesXpathTest, TreeIsBuiltOnlyWhenEvaluatedAndIsBounded) {
  const HtmlDocument doc = HtmlDocument::parse("<p id=a>x</p><p>y</p>");
  xpath::Tree tree(doc.document());
  EXPECT_EQ(tree.nodes(), 0u);
  auto expression = std::get<xpath::Expression>(xpath::Expression::compile("//p/text()"));
  EXPECT_EQ(tree.evaluate(expression, SIZE_MAX, 1000, false).values, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(tree.nodes(), 8u);  // html head body p @id "x" p "y"
  std::string big = "<body>";
  for (size_t i = 0; i < xpath::kMaxTreeNodes / 2 + 10; ++i) big += "<i>x</i>";
  const HtmlDocument big_doc = HtmlDocument::parse(big);
  xpath::Tree big_tree(big_doc.document());
  auto count = std::get<xpath::Expression>(xpath::Expression::compile("count(//i)"));
  const css::Selection counted = big_tree.evaluate(count, 1, css::kMaxMatchSteps, false);
  EXPECT_EQ(big_tree.nodes(), xpath::kMaxTreeNodes);
  ASSERT_EQ(counted.values.size(), 1u);
  EXPECT_LT(std::stoul(counted.values[0]), xpath::kMaxTreeNodes / 2);
}

// The copy's text nodes borrow gumbo's text (workers/rules/xpath.h): every
// level of a deep document reads right through libxml2's functions, and the
// copy is freed without freeing gumbo's strings (the sanitizer builds check).
TEST(RulesXpathTest, TextBorrowedFromGumboReadsAndFreesAtEveryDepth) {
  constexpr int kDepth = 300;
  std::string html = "<body>";
  std::string expected;
  for (int i = 0; i < kDepth; ++i) {
    html += "<div>t" + std::to_string(i) + "<!--c-->";
    expected += "t" + std::to_string(i);
  }
  for (int i = kDepth - 1; i >= 0; --i) {
    html += "u" + std::to_string(i) + "</div><b>v" + std::to_string(i) + "</b>";
    expected += "u" + std::to_string(i) + "v" + std::to_string(i);
  }
  const HtmlDocument doc = HtmlDocument::parse(html);
  auto eval = [&](const char* text) {
    xpath::Tree tree(doc.document());  // a fresh copy each time, freed here
    auto expression = std::get<xpath::Expression>(xpath::Expression::compile(text));
    return tree.evaluate(expression, SIZE_MAX, css::kMaxMatchSteps, true).values;
  };
  EXPECT_EQ(eval("string(//body)"), (std::vector<std::string>{expected}));
  const std::vector<std::string> texts = eval("//text()");
  ASSERT_EQ(texts.size(), 3u * kDepth);  // t, u and v at every level
  EXPECT_EQ(texts.front(), "t0");
  EXPECT_EQ(texts.back(), "v0");
  EXPECT_EQ(eval("string(//div[@*='x' or count(ancestor::div) = 299]/text()[2])"),
            (std::vector<std::string>{"u299"}));
  EXPECT_EQ(eval("re:replace(string((//b)[1]), 'v', '', 'w')"), (std::vector<std::string>{"w299"}));
  EXPECT_EQ(eval("concat(//comment()[1], normalize-space(' t0 '))"), (std::vector<std::string>{"ct0"}));
}

// A quadratic expression on a big page stops at its step budget: no value.
TEST(RulesXpathTest, ExpensiveExpressionsStopAtTheStepBudget) {
  std::string html = "<body>";
  for (int i = 0; i < 20000; ++i) html += "<p>x</p>";
  const HtmlDocument doc = HtmlDocument::parse(html);
  xpath::Tree tree(doc.document());
  auto quadratic = std::get<xpath::Expression>(xpath::Expression::compile("count(//p[count(//p) > 1])"));
  const css::Selection selection = tree.evaluate(quadratic, 1, 100'000, false);
  EXPECT_TRUE(selection.truncated);
  EXPECT_TRUE(selection.values.empty());
  EXPECT_LE(selection.steps, 100'000u);
  const Rules rules = must_parse(R"j({"rules": [{"fields": {
    "slow": {"xpath": "count(//p[count(//p) > 1])"}, "also_slow": {"xpath": "count(//p[count(//p) > 1])"},
    "three": {"xpath": "//p[3]/text()"}}}]})j");
  const json fields = json::parse(apply(rules, html, "http://h/").fields_json);
  EXPECT_TRUE(fields["slow"].is_null());
  EXPECT_TRUE(fields["also_slow"].is_null());
  EXPECT_EQ(fields["three"], "x");  // each stopped at its own budget; the page's is not spent
}

TEST(RulesReTest, FirstGroupWholeMatchAndAll) {
  const Rules rules = must_parse(R"j({"rules": [{"fields": {
    "price": {"css": ".price::text", "re": "([0-9.]+)"},
    "whole": {"css": ".price::text", "re": "[0-9]+"},
    "first_hit": {"css": "li::text", "re": "n=(\\d+)"},
    "every": {"css": "li::text", "re": "\\d", "all": true},
    "unset_group": {"css": ".price::text", "re": "(x)?33", "all": true},
    "no_match": {"css": ".price::text", "re": "€"},
    "no_match_all": {"css": "li::text", "re": "€", "all": true},
    "href": {"css": "a::attr(href)", "re": "go=(.*)", "url": true},
    "xpath_re": {"xpath": "//p[@class='price']", "re": "£(\\S+)"}
  }}]})j");
  const std::string html = "<p class=price>Price: £33.20</p><ul><li>a1</li><li>b n=22 c3</li><li>7 8</li></ul>"
                           "<a href='/r?go=/target'>t</a>";
  const json fields = json::parse(apply(rules, html, "http://h/").fields_json);
  EXPECT_EQ(fields["price"], "33.20");
  EXPECT_EQ(fields["whole"], "33");
  EXPECT_EQ(fields["first_hit"], "22");  // parsel's .re_first(): the first value that matches
  EXPECT_EQ(fields["every"], json::array({"1", "2", "2", "3", "7", "8"}));
  EXPECT_EQ(fields["unset_group"], json::array({""}));
  EXPECT_TRUE(fields["no_match"].is_null());
  EXPECT_EQ(fields["no_match_all"], json::array());
  EXPECT_EQ(fields["href"], "http://h/target");
  EXPECT_EQ(fields["xpath_re"], "33.20");
}

TEST(RulesTypeTest, NumbersIntegersBooleans) {
  const Rules rules = must_parse(R"j({"rules": [{"fields": {
    "price": {"css": ".price::text", "re": "([0-9.]+)", "type": "number"},
    "numbers": {"css": "li.n::text", "all": true, "type": "number"},
    "integers": {"css": "li.n::text", "all": true, "type": "integer"},
    "booleans": {"css": "li.b::text", "all": true, "type": "boolean"},
    "count": {"xpath": "count(//li)", "type": "integer"},
    "exists": {"xpath": "boolean(//li)", "type": "boolean"},
    "missing": {"css": ".nothing::text", "type": "number"},
    "text": {"css": ".price::text", "type": "string"}
  }}]})j");
  const std::string html =
      "<p class=price>£33.20</p><ul>"
      "<li class=n>12</li><li class=n>-3.5</li><li class=n>+.5</li><li class=n>1e3</li><li class=n>1,234</li>"
      "<li class=n>12.0</li><li class=n>abc</li><li class=n>99999999999999999999</li><li class=n>1e999</li>"
      "<li class=b>TRUE</li><li class=b>no</li><li class=b>1</li><li class=b>0</li><li class=b>Yes</li>"
      "<li class=b>maybe</li></ul>";
  const json fields = json::parse(apply(rules, html, "http://h/").fields_json);
  EXPECT_EQ(fields["price"], 33.2);
  EXPECT_EQ(fields["numbers"], json::parse("[12, -3.5, 0.5, 1000.0, null, 12.0, null, 1e20, null]"));
  EXPECT_EQ(fields["integers"], json::parse("[12, null, null, null, null, null, null, null, null]"));
  EXPECT_EQ(fields["booleans"], json::parse("[true, false, true, false, true, null]"));
  EXPECT_EQ(fields["count"], 15);
  EXPECT_EQ(fields["exists"], true);
  EXPECT_TRUE(fields["missing"].is_null());
  EXPECT_EQ(fields["text"], "£33.20");
}

TEST(RulesRawTest, RawKeepsTextAsItIs) {
  const Rules rules = must_parse(R"j({"rules": [{"fields": {
    "pre": {"css": "pre", "raw": true},
    "pieces": {"css": "pre *::text", "all": true, "raw": true},
    "normal": {"css": "pre *::text", "all": true},
    "first_raw": {"css": "pre::text", "raw": true}
  }}]})j");
  const std::string html = "<pre>def f():\n    return <b>1</b>\n\n<i> </i>end</pre>";
  const json fields = json::parse(apply(rules, html, "http://h/").fields_json);
  EXPECT_EQ(fields["pre"], "def f():\n    return 1\n\n end");
  EXPECT_EQ(fields["pieces"], json::array({"def f():\n    return ", "1", "\n\n", " ", "end"}));
  EXPECT_EQ(fields["normal"], json::array({"def f(): return", "1", "end"}));
  EXPECT_EQ(fields["first_raw"], "def f():\n    return ");
}

TEST(RulesParseTest, XpathRegexAndTypeErrorsNameTheRuleAndField) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {R"({"rules":[{"fields":{"price":{"xpath":"//p["}}}]})",
       R"(rules[0].fields.price: xpath "//p[" column 5: invalid expression)"},
      {R"({"rules":[{"fields":{"a":"h1"}},{"fields":{"b":{"xpath":"//p/text(", "all":true}}}]})",
       R"(rules[1].fields.b: xpath "//p/text(" column 10: invalid expression)"},
      {R"({"rules":[{"fields":{"p":{"xpath":"//p[re:split(., 'x')]"}}}]})",
       R"(rules[0].fields.p: xpath "//p[re:split(., 'x')]" column 5: unknown function 're:split()' (the EXSLT functions are re:test, re:match and re:replace))"},
      {R"j({"rules":[{"fields":{"p":{"xpath":"lower-case(//p)"}}}]})j",
       R"j(rules[0].fields.p: xpath "lower-case(//p)" column 1: unknown function 'lower-case()')j"},
      {R"({"rules":[{"fields":{"p":{"xpath":"//svg:rect"}}}]})",
       R"(rules[0].fields.p: xpath "//svg:rect" column 3: unknown namespace prefix 'svg')"},
      {R"({"rules":[{"fields":{"p":{"xpath":"//p[$x]"}}}]})",
       R"(rules[0].fields.p: xpath "//p[$x]" column 5: variables are not supported)"},
      {R"({"rules":[{"fields":{"p":{"xpath":5}}}]})", R"(rules[0].fields.p: expected an XPath expression string, found a number)"},
      {R"({"rules":[{"fields":{"p":{"xpath":"//p","css":"p"}}}]})", R"(rules[0].fields.p: give "css" or "xpath", not both)"},
      {R"({"rules":[{"fields":{"price":{"css":"p::text","re":"([0-9"}}}]})",
       "rules[0].fields.price.re: invalid regular expression '([0-9' at offset 5: missing terminating ] for character class"},
      {R"({"rules":[{"fields":{"price":{"css":"p::text","re":true}}}]})",
       R"(rules[0].fields.price.re: expected a regular expression string, found a boolean)"},
      {R"({"rules":[{"fields":{"n":{"css":"p::text","type":"float"}}}]})",
       R"(rules[0].fields.n.type: expected "number", "integer", "boolean" or "string", found "float")"},
      {R"({"rules":[{"fields":{"n":{"css":"p::text","type":1}}}]})",
       R"(rules[0].fields.n.type: expected "number", "integer", "boolean" or "string", found a number)"},
      {R"j({"rules":[{"fields":{"n":{"css":"a::attr(href)","type":"number","url":true}}}]})j",
       R"j(rules[0].fields.n: "url" gives URLs (strings); drop "url" or "type")j"},
      {R"({"rules":[{"fields":{"n":{"css":"pre","raw":"yes"}}}]})", R"(rules[0].fields.n.raw: expected true or false, found a string)"},
  };
  for (const Case& c : cases) EXPECT_EQ(error_of(c.text), c.error) << c.text;
  std::string long_xpath = R"({"rules":[{"fields":{"p":{"xpath":")" + std::string(5000, '(') + R"("}}}]})";
  EXPECT_EQ(error_of(long_xpath).rfind("rules[0].fields.p: xpath \"((", 0), 0u);
  EXPECT_NE(error_of(long_xpath).find("longer than 4096 bytes"), std::string::npos);
  std::string deep = std::string(4000, '(') + "1" + std::string(4000, ')');
  EXPECT_NE(error_of(R"({"rules":[{"fields":{"p":{"xpath":")" + deep + R"("}}}]})"), "(parsed)");
}

}  // namespace
}  // namespace forager
