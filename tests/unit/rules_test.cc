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

}  // namespace
}  // namespace forager
