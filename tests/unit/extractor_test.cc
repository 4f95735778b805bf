#include "workers/parse/extractor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "crawler/wire/protocol.h"
#include "workers/parse/charset.h"
#include "workers/parse/html_document.h"

namespace forager {
namespace {

using Links = std::vector<std::string>;

constexpr std::string_view kPage = "https://example.com/dir/page.html";

TEST(ExtractorTest, TitleAndDescriptionAreNormalized) {
  const Extracted e = extract_page(
      "<html><head><title>\n  Hello\t\t  World \r\n</title>"
      "<meta NAME=\"Description\" content=\"  A   page\n about  things \">"
      "</head><body><title>second</title></body></html>",
      kPage);
  EXPECT_EQ(e.title, "Hello World");
  EXPECT_EQ(e.description, "A page about things");
}

TEST(ExtractorTest, EntitiesAreDecoded) {
  const Extracted e = extract_page("<title>Fish &amp; Chips &eacute;</title>", kPage);
  EXPECT_EQ(e.title, "Fish & Chips \xC3\xA9");
}

TEST(ExtractorTest, MissingTitleIsEmpty) {
  const Extracted e = extract_page("<p>no title</p><meta name=keywords content=x>", kPage);
  EXPECT_EQ(e.title, "");
  EXPECT_EQ(e.description, "");
}

TEST(ExtractorTest, SvgTitleIsNotThePageTitle) {
  const Extracted e =
      extract_page("<body><svg><title>icon</title></svg><title>real</title></body>", kPage);
  EXPECT_EQ(e.title, "real");
}

TEST(ExtractorTest, RelativeLinksResolveAgainstThePage) {
  const Extracted e = extract_page(
      "<a href=\"other.html\">1</a><a href=\"../up.html\">2</a><a href=\"/root\">3</a>"
      "<a href=\"//cdn.example.org/x\">4</a><a href=\"?q=1\">5</a>"
      "<area href=\"map.html\">",
      kPage);
  EXPECT_EQ(e.links, (Links{"https://example.com/dir/other.html",
                                   "https://example.com/up.html", "https://example.com/root",
                                   "https://cdn.example.org/x",
                                   "https://example.com/dir/page.html?q=1",
                                   "https://example.com/dir/map.html"}));
}

TEST(ExtractorTest, BaseHrefIsUsedWhereverItIs) {
  const Extracted e = extract_page(
      "<a href=\"a.html\">before base</a>"
      "<base target=_blank><base href=\"/other/\"><base href=\"/ignored/\">"
      "<a href=\"b.html\">after</a>",
      kPage);
  EXPECT_EQ(e.links, (Links{"https://example.com/other/a.html",
                                   "https://example.com/other/b.html"}));
}

TEST(ExtractorTest, FragmentsAreDroppedAndDeduplicated) {
  const Extracted e = extract_page(
      "<a href=\"#top\">1</a><a href=\"x.html#a\">2</a><a href=\"x.html#b\">3</a>"
      "<a href=\"x.html\">4</a><a href=\"y.html\">5</a><a href=\"x.html\">6</a>",
      kPage);
  EXPECT_EQ(e.links, (Links{"https://example.com/dir/page.html",
                                   "https://example.com/dir/x.html",
                                   "https://example.com/dir/y.html"}));
}

TEST(ExtractorTest, NonHttpLinksAreSkipped) {
  const Extracted e = extract_page(
      "<a href=\"javascript:void(0)\">j</a><a href=\"mailto:a@b.c\">m</a>"
      "<a href=\"tel:123\">t</a><a href=\"ftp://x/y\">f</a><a href=\"data:text/html,hi\">d</a>"
      "<a>no href</a><a href=\"http://ok.example/\">ok</a>",
      kPage);
  EXPECT_EQ(e.links, (Links{"http://ok.example/"}));
}

TEST(ExtractorTest, NofollowLinksAreSkipped) {
  const Extracted e = extract_page(
      "<a href=\"/a\" rel=\"nofollow\">1</a><a href=\"/b\" rel=\"noopener NoFollow\">2</a>"
      "<area href=\"/c\" rel=nofollow><a href=\"/d\" rel=\"nofollowers\">4</a>"
      "<a href=\"/e\">5</a>",
      kPage);
  EXPECT_EQ(e.links, (Links{"https://example.com/d", "https://example.com/e"}));
}

TEST(ExtractorTest, LinksAreCapped) {
  std::string html;
  for (size_t i = 0; i < protocol::kMaxLinksPerPage + 500; ++i) {
    html += "<a href=\"/p" + std::to_string(i) + "\">x</a>";
  }
  const Extracted e = extract_page(html, kPage);
  ASSERT_EQ(e.links.size(), protocol::kMaxLinksPerPage);
  EXPECT_EQ(e.links.front(), "https://example.com/p0");
  EXPECT_EQ(e.links.back(),
            "https://example.com/p" + std::to_string(protocol::kMaxLinksPerPage - 1));
}

TEST(ExtractorTest, NonAsciiTextAndLinks) {
  const std::string html = charset::to_utf8(
      "<title>Caf\xE9 \x93menu\x94</title><a href=\"/caf\xE9\">x</a>",
      "text/html; charset=windows-1252");
  const Extracted e = extract_page(html, kPage);
  EXPECT_EQ(e.title, "Caf\xC3\xA9 \xE2\x80\x9Cmenu\xE2\x80\x9D");
  EXPECT_EQ(e.links, (Links{"https://example.com/caf%C3%A9"}));
}

TEST(ExtractorTest, LongTitleIsCutOnACharacterBoundary) {
  std::string title;
  while (title.size() < protocol::kMaxTextFieldBytes + 10) title += "\xE2\x82\xAC";  // €
  const Extracted e = extract_page("<title>x" + title + "</title>", kPage);
  EXPECT_LE(e.title.size(), protocol::kMaxTextFieldBytes);
  EXPECT_GT(e.title.size(), protocol::kMaxTextFieldBytes - 4);
  EXPECT_TRUE(charset::is_valid_utf8(e.title));
}

TEST(ExtractorTest, BrokenHtml) {
  const Extracted e = extract_page(
      "<html><head><title>Broken<body><p><a href=/x>x<div><a href='/y'>y</table></b></i>"
      "<a href=\"/z",
      kPage);
  // The unterminated title swallows the rest as text; that is what browsers do.
  EXPECT_EQ(e.title.substr(0, 6), "Broken");
  const Extracted f = extract_page("<p><a href=/x>x<div><a href='/y'>y</table></b></i><a href=", kPage);
  EXPECT_EQ(f.links, (Links{"https://example.com/x", "https://example.com/y"}));
}

TEST(ExtractorTest, DeepNestingDoesNotOverflowOrTakeLong) {
  std::string html = "<title>deep</title>";
  for (int i = 0; i < 100000; ++i) html += "<div>";
  html += "<a href=\"/bottom\">x</a>";
  for (int i = 0; i < 100000; ++i) html += "</div>";
  const auto start = std::chrono::steady_clock::now();
  const Extracted e = extract_page(html, kPage);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.title, "deep");
  EXPECT_EQ(e.links, (Links{"https://example.com/bottom"}));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(ExtractorTest, DeepNestingOfManyKinds) {
  // (Not <svg> or <math>: an <a> inside them is a foreign element, not a link.)
  for (const char* tag : {"b", "span", "table", "ul", "font", "div/", "a", "p", "td"}) {
    std::string html;
    for (int i = 0; i < 100000; ++i) html += std::string("<") + tag + ">";
    html += "<a href=\"/end\">x</a>";
    const auto start = std::chrono::steady_clock::now();
    const Extracted e = extract_page(html, kPage);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(e.links, (Links{"https://example.com/end"})) << tag;
    EXPECT_LT(took, std::chrono::seconds(5)) << tag;
  }
}

TEST(ExtractorTest, DeepSvgNestingTerminates) {
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "<svg><g><math>";
  html += "<title>t</title>";
  const auto start = std::chrono::steady_clock::now();
  const Extracted e = extract_page(html, kPage);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(e.title, "");
}

TEST(ExtractorTest, GarbageInputs) {
  std::mt19937 rng(7);
  const std::string alphabet = "<>/=\"' abcdefghijklmnopqrstuvwxyz!-&;#\n\t\0\x80\xFF";
  for (int round = 0; round < 500; ++round) {
    std::string garbage(1000, ' ');
    for (char& c : garbage) {
      c = (round % 2 == 0) ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    }
    const std::string html = charset::to_utf8(garbage, "");
    const Extracted e = extract_page(html, kPage);
    EXPECT_TRUE(charset::is_valid_utf8(e.title));
    EXPECT_TRUE(charset::is_valid_utf8(e.description));
    for (const std::string& link : e.links) EXPECT_EQ(link.rfind("http", 0), 0u);
  }
}

TEST(ExtractorTest, NormalizeWhitespace) {
  EXPECT_EQ(normalize_whitespace(""), "");
  EXPECT_EQ(normalize_whitespace(" \t\n "), "");
  EXPECT_EQ(normalize_whitespace(" a  b\f\rc "), "a b c");
  // Non-ASCII spaces are kept (U+00A0).
  EXPECT_EQ(normalize_whitespace("a\xC2\xA0 b"), "a\xC2\xA0 b");
}

TEST(ExtractorTest, TruncateUtf8) {
  std::string s = "ab\xE2\x82\xAC";
  truncate_utf8(s, 4);
  EXPECT_EQ(s, "ab");
  s = "ab\xE2\x82\xAC";
  truncate_utf8(s, 5);
  EXPECT_EQ(s, "ab\xE2\x82\xAC");
}

TEST(HtmlDocumentTest, MediaTypes) {
  EXPECT_TRUE(is_html_media_type("text/html"));
  EXPECT_TRUE(is_html_media_type(" Text/HTML ; charset=utf-8"));
  EXPECT_TRUE(is_html_media_type("application/xhtml+xml"));
  EXPECT_FALSE(is_html_media_type("text/plain"));
  EXPECT_FALSE(is_html_media_type("image/png"));
  EXPECT_FALSE(is_html_media_type(""));
}

TEST(HtmlDocumentTest, Sniffing) {
  EXPECT_TRUE(sniffs_as_html("  <!DOCTYPE html><html>"));
  EXPECT_TRUE(sniffs_as_html("\n<HTML>"));
  EXPECT_TRUE(sniffs_as_html("<p>hi"));
  EXPECT_TRUE(sniffs_as_html("<!-- c -->"));
  EXPECT_FALSE(sniffs_as_html("<pre>"));
  EXPECT_FALSE(sniffs_as_html("\x89PNG\r\n"));
  EXPECT_FALSE(sniffs_as_html("{\"json\": 1}"));
  EXPECT_FALSE(sniffs_as_html(""));
}

TEST(HtmlDocumentTest, LimitNestingKeepsNormalPagesIntact) {
  std::string html = "<html><body><div><ul><li>a<li>b</ul><script>if (a<b) x='<div>'</script>"
                     "<svg><path/><path/></svg></div></body></html>";
  const std::string before = html;
  EXPECT_FALSE(limit_nesting(html, 4));
  EXPECT_EQ(html, before);
}

TEST(HtmlDocumentTest, LimitNestingDropsTooDeepStartTags) {
  std::string html = "<div><div><div><span class='x>'>t</span></div></div></div>";
  EXPECT_TRUE(limit_nesting(html, 2));
  EXPECT_EQ(html, "<div><div>t</span></div></div></div>");
}

TEST(HtmlDocumentTest, MoveKeepsTheTreeValid) {
  HtmlDocument a = HtmlDocument::parse("<title>t</title>");  // short: SSO-sized source
  HtmlDocument b = std::move(a);
  HtmlDocument c = HtmlDocument::parse("<p>");
  c = std::move(b);
  const Extracted e = extract_page(c, kPage);
  EXPECT_EQ(e.title, "t");
}

TEST(ExtractorBenchmark, ThirtyKilobytePage) {
  std::string html = "<!doctype html><html><head><title>Benchmark page</title>"
                     "<meta name=description content='a typical page'></head><body>";
  int i = 0;
  while (html.size() < 30 * 1024) {
    html += "<div class=\"item\"><h2>Item " + std::to_string(i) + "</h2><p>Some text about "
            "the item, with <b>bold</b> and <i>italic</i> words.</p><a href=\"/item/" +
            std::to_string(i) + "\">more</a></div>\n";
    ++i;
  }
  html += "</body></html>";
  const auto start = std::chrono::steady_clock::now();
  constexpr int kRounds = 200;
  size_t links = 0;
  for (int r = 0; r < kRounds; ++r) links += extract_page(html, kPage).links.size();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(links, static_cast<size_t>(kRounds) * static_cast<size_t>(i));
  std::printf("extract_page on a %zu-byte page with %d links: %.0f pages/s\n", html.size(), i,
              kRounds / seconds);
}

}  // namespace
}  // namespace forager
