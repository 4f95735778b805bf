#include "crawler/frontier/robots.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace forager::robots {
namespace {

constexpr const char* kAgent = "forager/0.1.0";

RobotsTxt parse(std::string_view body) { return RobotsTxt::parse(body, kAgent); }

// ---- product token and group selection ----------------------------------------------

TEST(ProductTokenTest, Extraction) {
  EXPECT_EQ(product_token("forager/0.1.0"), "forager");
  EXPECT_EQ(product_token("forager"), "forager");
  EXPECT_EQ(product_token("  Forager/1 (+http://x)"), "Forager");
  EXPECT_EQ(product_token("forager (+http://x)"), "forager");
  EXPECT_EQ(product_token(""), "");
}

TEST(ProductTokenTest, RobotsTokenOfBrowserStyleStrings) {
  EXPECT_EQ(robots_token("Mozilla/5.0 (compatible; ExampleBot/0.1; +https://example.org/bot)"), "ExampleBot");
  EXPECT_EQ(robots_token("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), "Googlebot");
  EXPECT_EQ(robots_token("Mozilla/5.0 (X11; Linux x86_64) (Compatible;  Foo-Bot)"), "Foo-Bot");
  EXPECT_EQ(robots_token("Mozilla/5.0 (compatible;bar_bot/1)"), "bar_bot");
  EXPECT_EQ(robots_token("Mozilla/5.0 (compatible; ) x"), "Mozilla");  // no name: the first product
  EXPECT_EQ(robots_token("Mozilla/5.0 (X11; Linux x86_64)"), "Mozilla");
  EXPECT_EQ(robots_token("forager/0.1.0 (+https://example.org)"), "forager");
  EXPECT_EQ(robots_token("ExampleBot"), "ExampleBot");  // a bare token is itself
  EXPECT_EQ(robots_token("Mozilla/5.0 (compatible"), "Mozilla");
  EXPECT_EQ(robots_token(""), "");
}

TEST(GroupTest, BrowserStyleAgentMatchesItsCompatibleName) {
  const std::string body =
      "User-agent: Mozilla\nDisallow: /m\n\n"
      "User-agent: ExampleBot\nDisallow: /e\n\n"
      "User-agent: *\nDisallow: /\n";
  const RobotsTxt rules =
      RobotsTxt::parse(body, "Mozilla/5.0 (compatible; ExampleBot/0.1; +https://example.org/bot)");
  EXPECT_FALSE(rules.allowed("/e"));
  EXPECT_TRUE(rules.allowed("/m"));
  EXPECT_TRUE(rules.allowed("/other"));
}

TEST(GroupTest, ExactTokenGroupApplies) {
  const RobotsTxt rules = parse(
      "User-agent: forager\n"
      "Disallow: /private\n"
      "\n"
      "User-agent: *\n"
      "Disallow: /\n");
  EXPECT_FALSE(rules.allowed("/private/x"));
  EXPECT_TRUE(rules.allowed("/public"));
}

TEST(GroupTest, TokenMatchIsCaseInsensitive) {
  const RobotsTxt rules = parse("user-agent: FORAGER\ndisallow: /x\n");
  EXPECT_FALSE(rules.allowed("/x"));
  const RobotsTxt upper_agent = RobotsTxt::parse("User-Agent: forager\nDisallow: /x\n", "Forager/2");
  EXPECT_FALSE(upper_agent.allowed("/x"));
}

TEST(GroupTest, GroupValueWithVersionOrCommentMatches) {
  EXPECT_FALSE(parse("User-agent: forager/9.9\nDisallow: /x\n").allowed("/x"));
  EXPECT_FALSE(parse("User-agent: forager # our crawler\nDisallow: /x\n").allowed("/x"));
  EXPECT_FALSE(parse("User-agent: forager extra words\nDisallow: /x\n").allowed("/x"));
}

TEST(GroupTest, OtherTokensDoNotMatch) {
  const RobotsTxt rules = parse(
      "User-agent: foragerbot\nDisallow: /a\n"
      "User-agent: forag\nDisallow: /b\n"
      "User-agent: googlebot\nDisallow: /c\n");
  EXPECT_TRUE(rules.allowed("/a"));
  EXPECT_TRUE(rules.allowed("/b"));
  EXPECT_TRUE(rules.allowed("/c"));
  EXPECT_EQ(rules.rule_count(), 0u);
}

TEST(GroupTest, AllGroupsNamingUsAreMerged) {
  const RobotsTxt rules = parse(
      "User-agent: forager\nDisallow: /a\n"
      "User-agent: other\nDisallow: /b\n"
      "User-agent: Forager\nDisallow: /c\n");
  EXPECT_FALSE(rules.allowed("/a"));
  EXPECT_TRUE(rules.allowed("/b"));
  EXPECT_FALSE(rules.allowed("/c"));
}

TEST(GroupTest, StarGroupsAreMergedFallback) {
  const RobotsTxt rules = parse(
      "User-agent: *\nDisallow: /a\n"
      "User-agent: other\nDisallow: /b\n"
      "User-agent: *\nDisallow: /c\n");
  EXPECT_FALSE(rules.allowed("/a"));
  EXPECT_TRUE(rules.allowed("/b"));
  EXPECT_FALSE(rules.allowed("/c"));
}

TEST(GroupTest, OurGroupReplacesStar) {
  const RobotsTxt rules = parse(
      "User-agent: *\nDisallow: /\n"
      "User-agent: forager\nDisallow: /only-this\n");
  EXPECT_TRUE(rules.allowed("/page"));
  EXPECT_FALSE(rules.allowed("/only-this"));
}

TEST(GroupTest, OurEmptyGroupStillReplacesStar) {
  const RobotsTxt rules = parse(
      "User-agent: forager\nAllow: /\n"
      "User-agent: *\nDisallow: /\n");
  EXPECT_TRUE(rules.allowed("/anything"));
}

TEST(GroupTest, NoMatchingGroupAllowsAll) {
  const RobotsTxt rules = parse("User-agent: googlebot\nDisallow: /\n");
  EXPECT_TRUE(rules.allowed("/"));
  EXPECT_TRUE(rules.allowed("/x"));
}

TEST(GroupTest, ConsecutiveUserAgentLinesShareOneGroup) {
  const RobotsTxt rules = parse(
      "User-agent: googlebot\n"
      "\n"
      "User-agent: forager\n"
      "Disallow: /shared\n"
      "User-agent: bingbot\n"
      "Disallow: /bing\n");
  EXPECT_FALSE(rules.allowed("/shared"));
  EXPECT_TRUE(rules.allowed("/bing"));
}

TEST(GroupTest, RulesBeforeAnyUserAgentAreIgnored) {
  const RobotsTxt rules = parse("Disallow: /\nUser-agent: *\nDisallow: /x\n");
  EXPECT_TRUE(rules.allowed("/"));
  EXPECT_FALSE(rules.allowed("/x"));
}

TEST(GroupTest, CrawlDelayEndsTheUserAgentRun) {
  const RobotsTxt rules = parse(
      "User-agent: other\nCrawl-delay: 5\n"
      "User-agent: forager\nDisallow: /x\n");
  EXPECT_FALSE(rules.allowed("/x"));
  EXPECT_EQ(rules.crawl_delay_seconds(), std::nullopt);
}

// ---- longest match ----------------------------------------------------------------

TEST(MatchTest, LongestMatchWins) {
  const RobotsTxt rules = parse(
      "User-agent: *\n"
      "Disallow: /shop\n"
      "Allow: /shop/public\n"
      "Disallow: /shop/public/secret\n");
  EXPECT_FALSE(rules.allowed("/shop"));
  EXPECT_FALSE(rules.allowed("/shop/cart"));
  EXPECT_TRUE(rules.allowed("/shop/public"));
  EXPECT_TRUE(rules.allowed("/shop/public/page"));
  EXPECT_FALSE(rules.allowed("/shop/public/secret/x"));
  EXPECT_TRUE(rules.allowed("/elsewhere"));
}

TEST(MatchTest, OrderOfLinesDoesNotMatter) {
  const RobotsTxt a = parse("User-agent: *\nAllow: /a/b\nDisallow: /a\n");
  const RobotsTxt b = parse("User-agent: *\nDisallow: /a\nAllow: /a/b\n");
  for (const RobotsTxt* rules : {&a, &b}) {
    EXPECT_TRUE(rules->allowed("/a/b/c"));
    EXPECT_FALSE(rules->allowed("/a/c"));
  }
}

TEST(MatchTest, TieGoesToAllow) {
  const RobotsTxt a = parse("User-agent: *\nDisallow: /page\nAllow: /page\n");
  const RobotsTxt b = parse("User-agent: *\nAllow: /page\nDisallow: /page\n");
  EXPECT_TRUE(a.allowed("/page"));
  EXPECT_TRUE(b.allowed("/page"));
  // Same length, different patterns, both matching.
  const RobotsTxt c = parse("User-agent: *\nDisallow: /a*\nAllow: /*b\n");
  EXPECT_TRUE(c.allowed("/ab"));
}

TEST(MatchTest, LengthCountsWildcards) {
  // "/*.php" (6 octets) beats "/a" (2 octets).
  const RobotsTxt rules = parse("User-agent: *\nAllow: /a\nDisallow: /*.php\n");
  EXPECT_FALSE(rules.allowed("/a/index.php"));
  EXPECT_TRUE(rules.allowed("/a/index.html"));
}

TEST(MatchTest, RulesMatchQueries) {
  const RobotsTxt rules = parse("User-agent: *\nDisallow: /search?\nDisallow: /*?sessionid=\n");
  EXPECT_TRUE(rules.allowed("/search"));
  EXPECT_FALSE(rules.allowed("/search?q=x"));
  EXPECT_FALSE(rules.allowed("/page?sessionid=12"));
  EXPECT_TRUE(rules.allowed("/page?id=12"));
}

TEST(MatchTest, MatchIsCaseSensitiveOnPaths) {
  const RobotsTxt rules = parse("User-agent: *\nDisallow: /Private\n");
  EXPECT_FALSE(rules.allowed("/Private/x"));
  EXPECT_TRUE(rules.allowed("/private/x"));
}

// ---- wildcards and anchors --------------------------------------------------------

TEST(PatternTest, Table) {
  struct Case {
    const char* pattern;
    const char* path;
    bool matches;
  };
  const Case cases[] = {
      {"/", "/", true},
      {"/", "/anything", true},
      {"/fish", "/fish", true},
      {"/fish", "/fish.html", true},
      {"/fish", "/fishheads/x", true},
      {"/fish", "/Fish.asp", false},
      {"/fish", "/catfish", false},
      {"/fish*", "/fish", true},
      {"/fish*", "/fishy", true},
      {"/fish/", "/fish", false},
      {"/fish/", "/fish/salmon", true},
      {"/*.php", "/index.php", true},
      {"/*.php", "/folder/x.php?a=1", true},
      {"/*.php", "/windows.PHP", false},
      {"/*.php$", "/x.php", true},
      {"/*.php$", "/x.php?a", false},
      {"/*.php$", "/x.php5", false},
      {"/fish*.php", "/fish.php", true},
      {"/fish*.php", "/fishheads/catfish.php?p", true},
      {"/fish*.php", "/Fish.PHP", false},
      {"/$", "/", true},
      {"/$", "/a", false},
      {"$", "", true},
      {"$", "/", false},
      {"*", "/x", true},
      {"/a$b", "/a$b", true},
      {"/a$b", "/a$bc", true},
      {"/a$b$", "/a$bc", false},
      {"/a**b", "/ab", true},
      {"/a*b*c$", "/a1b2c", true},
      {"/a*b*c$", "/a1b2c3", false},
      {"/a*b*c$", "/abcbc", true},
      {"/a*bc$", "/abcbc", true},
      {"/a*bcb$", "/abcbc", false},
      {"/*aab", "/aaab", true},
      {"/*/x/*$", "/a/x/", true},
      {"/x*", "/", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(pattern_matches(c.pattern, c.path), c.matches)
        << "pattern " << c.pattern << " path " << c.path;
  }
}

// RFC 9309 section 2.2.3: "%2A" and "%24" in a rule are a literal '*' and '$'.
TEST(PatternTest, EncodedStarAndDollarAreLiteral) {
  const RobotsTxt star = parse("User-agent: *\nDisallow: /path/file-with-a-%2A.html\n");
  EXPECT_FALSE(star.allowed("/path/file-with-a-*.html"));
  EXPECT_FALSE(star.allowed("/path/file-with-a-%2A.html"));
  EXPECT_FALSE(star.allowed("/path/file-with-a-%2a.html"));
  EXPECT_TRUE(star.allowed("/path/file-with-a-x.html"));  // not a wildcard
  EXPECT_TRUE(star.allowed("/path/file-with-a-.html"));

  const RobotsTxt dollar = parse("User-agent: *\nDisallow: /price%24\nDisallow: /a$b\n");
  EXPECT_FALSE(dollar.allowed("/price$"));
  EXPECT_FALSE(dollar.allowed("/price$/more"));  // not an anchor
  EXPECT_FALSE(dollar.allowed("/price%24"));
  EXPECT_TRUE(dollar.allowed("/price"));
  EXPECT_FALSE(dollar.allowed("/a$b"));  // a '$' inside a pattern is literal
  EXPECT_FALSE(dollar.allowed("/a$bc"));
  EXPECT_TRUE(dollar.allowed("/ab"));

  // The special characters keep their meaning, and match literal ones in paths.
  const RobotsTxt wildcard = parse("User-agent: *\nDisallow: /w*x$\nAllow: /w*\n");
  EXPECT_FALSE(wildcard.allowed("/w*x"));
  EXPECT_FALSE(wildcard.allowed("/w-x"));
  EXPECT_TRUE(wildcard.allowed("/w-x$"));
  const RobotsTxt both = parse("User-agent: *\nDisallow: /q%2A%24$\n");
  EXPECT_FALSE(both.allowed("/q*$"));
  EXPECT_TRUE(both.allowed("/q*$x"));
}

TEST(PatternTest, WildcardsInRules) {
  const RobotsTxt rules = parse(
      "User-agent: *\n"
      "Disallow: /*.gif$\n"
      "Disallow: /private*/\n"
      "Allow: /private-ok/\n");
  EXPECT_FALSE(rules.allowed("/images/a.gif"));
  EXPECT_TRUE(rules.allowed("/images/a.gif?x=1"));
  EXPECT_FALSE(rules.allowed("/private-stuff/"));
  EXPECT_TRUE(rules.allowed("/private-ok/page"));
  EXPECT_TRUE(rules.allowed("/privately"));
}

// ---- percent-encoding -------------------------------------------------------------

TEST(EncodingTest, UnreservedEscapesAreEquivalent) {
  const RobotsTxt rules = parse("User-agent: *\nDisallow: /%7Euser\nDisallow: /a%2db\n");
  EXPECT_FALSE(rules.allowed("/~user"));
  EXPECT_FALSE(rules.allowed("/%7euser"));
  EXPECT_FALSE(rules.allowed("/a-b"));
  EXPECT_FALSE(rules.allowed("/a%2Db"));
}

TEST(EncodingTest, ReservedEscapesStayDistinct) {
  const RobotsTxt rules = parse("User-agent: *\nDisallow: /a%2fb\n");
  EXPECT_FALSE(rules.allowed("/a%2Fb"));
  EXPECT_FALSE(rules.allowed("/a%2fb"));
  EXPECT_TRUE(rules.allowed("/a/b"));
}

TEST(EncodingTest, NonAsciiPatternsMatchEncodedPaths) {
  const RobotsTxt rules = parse("User-agent: *\nDisallow: /caf\xc3\xa9\nDisallow: /b%c3%bc\n");
  EXPECT_FALSE(rules.allowed("/caf%C3%A9/menu"));
  EXPECT_FALSE(rules.allowed("/caf%c3%a9"));
  EXPECT_FALSE(rules.allowed("/caf\xc3\xa9"));
  EXPECT_FALSE(rules.allowed("/b%C3%BCcher"));
  EXPECT_TRUE(rules.allowed("/cafe"));
}

TEST(EncodingTest, SpacesInPatterns) {
  const RobotsTxt rules = parse("User-agent: *\nDisallow: /a b\n");
  EXPECT_FALSE(rules.allowed("/a%20b"));
}

// ---- special values ---------------------------------------------------------------

TEST(SpecialTest, EmptyDisallowAllowsEverything) {
  const RobotsTxt rules = parse("User-agent: *\nDisallow:\n");
  EXPECT_TRUE(rules.allowed("/"));
  EXPECT_TRUE(rules.allowed("/anything"));
  EXPECT_EQ(rules.rule_count(), 0u);
  // An empty Disallow in our group still makes our group the one that applies.
  const RobotsTxt ours = parse("User-agent: forager\nDisallow:\n\nUser-agent: *\nDisallow: /\n");
  EXPECT_TRUE(ours.allowed("/anything"));
}

TEST(SpecialTest, RobotsTxtIsAlwaysAllowed) {
  const RobotsTxt rules = parse("User-agent: *\nDisallow: /\n");
  EXPECT_FALSE(rules.allowed("/"));
  EXPECT_TRUE(rules.allowed("/robots.txt"));
  EXPECT_TRUE(rules.allowed("/robots.txt?x=1"));
  EXPECT_FALSE(rules.allowed("/robots.txt.bak"));
  EXPECT_TRUE(RobotsTxt::disallow_all().allowed("/robots.txt"));
}

TEST(SpecialTest, AllowAllAndDisallowAll) {
  EXPECT_TRUE(RobotsTxt::allow_all().allowed("/"));
  EXPECT_TRUE(RobotsTxt::allow_all().allowed("/x?y"));
  EXPECT_EQ(RobotsTxt::allow_all().crawl_delay_seconds(), std::nullopt);
  EXPECT_TRUE(RobotsTxt::allow_all().sitemaps().empty());
  EXPECT_FALSE(RobotsTxt::disallow_all().allowed("/"));
  EXPECT_FALSE(RobotsTxt::disallow_all().allowed("/x?y"));
  EXPECT_FALSE(RobotsTxt::disallow_all().allowed(""));
}

TEST(SpecialTest, EmptyPathIsRoot) {
  const RobotsTxt rules = parse("User-agent: *\nDisallow: /$\n");
  EXPECT_FALSE(rules.allowed(""));
  EXPECT_FALSE(rules.allowed("/"));
  EXPECT_TRUE(rules.allowed("/a"));
}

// ---- crawl-delay ------------------------------------------------------------------

TEST(CrawlDelayTest, Values) {
  EXPECT_EQ(parse("User-agent: *\nCrawl-delay: 10\n").crawl_delay_seconds(), 10.0);
  EXPECT_EQ(parse("User-agent: *\ncrawl-delay: 0.5\n").crawl_delay_seconds(), 0.5);
  EXPECT_EQ(parse("User-agent: *\nCrawl-Delay:2.25 # slow\n").crawl_delay_seconds(), 2.25);
  EXPECT_EQ(parse("User-agent: *\nCrawl-delay: 0\n").crawl_delay_seconds(), 0.0);
  const char* bad[] = {"-1", "abc", "10s", "", "nan", "inf", "1e999", "--2", "0x10", "1,5"};
  for (const char* value : bad) {
    EXPECT_EQ(parse(std::string("User-agent: *\nCrawl-delay: ") + value + "\n")
                  .crawl_delay_seconds(),
              std::nullopt)
        << value;
  }
}

TEST(CrawlDelayTest, ComesFromTheApplyingGroup) {
  const RobotsTxt rules = parse(
      "User-agent: *\nCrawl-delay: 30\n"
      "User-agent: forager\nCrawl-delay: 2\nDisallow: /x\n");
  EXPECT_EQ(rules.crawl_delay_seconds(), 2.0);
  const RobotsTxt other = parse("User-agent: googlebot\nCrawl-delay: 30\n");
  EXPECT_EQ(other.crawl_delay_seconds(), std::nullopt);
}

TEST(CrawlDelayTest, LargestOfMergedGroups) {
  const RobotsTxt rules = parse(
      "User-agent: forager\nCrawl-delay: 2\n"
      "User-agent: forager\nCrawl-delay: 5\nCrawl-delay: junk\n");
  EXPECT_EQ(rules.crawl_delay_seconds(), 5.0);
}

// ---- sitemaps -----------------------------------------------------------------------

TEST(SitemapTest, KeptFromEveryGroup) {
  const RobotsTxt rules = parse(
      "Sitemap: https://example.com/top.xml\n"
      "User-agent: googlebot\n"
      "sitemap: https://example.com/google.xml\n"
      "Disallow: /\n"
      "User-agent: *\n"
      "SITEMAP:https://example.com/star.xml\n"
      "Sitemap:\n");
  const std::vector<std::string> expected = {"https://example.com/top.xml",
                                             "https://example.com/google.xml",
                                             "https://example.com/star.xml"};
  EXPECT_EQ(rules.sitemaps(), expected);
}

TEST(SitemapTest, DoesNotSplitAUserAgentRun) {
  const RobotsTxt rules = parse(
      "User-agent: googlebot\n"
      "Sitemap: https://example.com/s.xml\n"
      "User-agent: forager\n"
      "Disallow: /x\n");
  EXPECT_FALSE(rules.allowed("/x"));
  EXPECT_EQ(rules.sitemaps().size(), 1u);
}

// ---- syntax tolerance ---------------------------------------------------------------

TEST(SyntaxTest, LineEndingsCommentsWhitespaceAndCase) {
  const std::string bodies[] = {
      "User-agent: *\nDisallow: /a\nDisallow: /b\n",
      "User-agent: *\r\nDisallow: /a\r\nDisallow: /b\r\n",
      "User-agent: *\rDisallow: /a\rDisallow: /b",
      "USER-AGENT:*\n  disallow :  /a  # no a\n\tDISALLOW:\t/b\t\n",
      "# header\n\nuser-agent: * # everyone\n\n# comment\ndisallow: /a\n\n\ndisallow: /b",
      "\xEF\xBB\xBFUser-agent: *\nDisallow: /a\nDisallow: /b\n",
      "User-agent *\nDisallow /a\nDisallow /b\n",
      "User-agent: *\nDissallow: /a\nDisalow: /b\n",
  };
  for (const std::string& body : bodies) {
    const RobotsTxt rules = parse(body);
    EXPECT_FALSE(rules.allowed("/a")) << body;
    EXPECT_FALSE(rules.allowed("/b")) << body;
    EXPECT_TRUE(rules.allowed("/c")) << body;
  }
}

TEST(SyntaxTest, BomOnlyAtStart) {
  const RobotsTxt rules = parse("\xEF\xBB\xBFuser-agent: forager\ndisallow: /x\n");
  EXPECT_FALSE(rules.allowed("/x"));
}

TEST(SyntaxTest, UnknownLinesAreIgnored) {
  const RobotsTxt rules = parse(
      "User-agent: *\nHost: example.com\nNoindex: /y\nClean-param: a\nDisallow: /x\n"
      "this is not a robots line\n");
  EXPECT_FALSE(rules.allowed("/x"));
  EXPECT_TRUE(rules.allowed("/y"));
}

TEST(SyntaxTest, EmptyAndHtmlBodies) {
  EXPECT_TRUE(parse("").allowed("/"));
  const RobotsTxt html = parse("<html><body><h1>Not found</h1></body></html>");
  EXPECT_TRUE(html.allowed("/"));
  EXPECT_EQ(html.rule_count(), 0u);
}

TEST(SyntaxTest, GarbageNeverCrashes) {
  std::mt19937 rng(4242);
  std::uniform_int_distribution<int> byte(0, 255);
  const std::string words[] = {"user-agent:", "disallow:", "allow:", "*", "$", "/", "\n",
                               "\r", "#", " ", "forager", "crawl-delay:", "sitemap:", "%",
                               "%4", "%C3", "\xEF\xBB\xBF", ":"};
  std::uniform_int_distribution<size_t> word(0, std::size(words) - 1);
  for (int i = 0; i < 3000; ++i) {
    std::string body;
    for (int k = 0; k < 200; ++k) {
      if (k % 3 == 0) {
        body += static_cast<char>(byte(rng));
      } else {
        body += words[word(rng)];
      }
    }
    const RobotsTxt rules = parse(body);
    std::string path = "/";
    for (int k = 0; k < 20; ++k) path += static_cast<char>(byte(rng));
    (void)rules.allowed(path);
    (void)rules.allowed("");
    (void)rules.crawl_delay_seconds();
  }
}

// ---- limits -----------------------------------------------------------------------

TEST(LimitTest, OnlyTheFirst500KiBAreParsed) {
  const std::string header = "User-agent: *\nDisallow: /early\n";
  const std::string tail = "Disallow: /fits\n";
  const size_t pad = kMaxRobotsBytes - header.size() - tail.size();
  // A rule that ends exactly at the limit is parsed...
  const std::string body = header + "#" + std::string(pad - 2, 'x') + "\n" + tail;
  ASSERT_EQ(body.size(), kMaxRobotsBytes);
  // ...one after it is not, nor one cut by it.
  const std::string late = body + "Disallow: /late\n";
  const RobotsTxt rules = parse(late);
  EXPECT_FALSE(rules.allowed("/early"));
  EXPECT_FALSE(rules.allowed("/fits"));
  EXPECT_TRUE(rules.allowed("/late"));

  std::string cut = body.substr(0, kMaxRobotsBytes - 10) + "\nDisallow: /\n";
  const RobotsTxt cut_rules = parse(cut);
  EXPECT_TRUE(cut_rules.allowed("/anything"));  // "Disallow: /" straddles the limit
}

TEST(LimitTest, BomDoesNotCountTowardsTheLimit) {
  std::string body = "User-agent: *\n";
  body.resize(kMaxRobotsBytes - 12, '\n');
  body += "Disallow: /\n";
  ASSERT_EQ(body.size(), kMaxRobotsBytes);
  EXPECT_FALSE(parse(body).allowed("/x"));
  EXPECT_FALSE(parse("\xEF\xBB\xBF" + body).allowed("/x"));
}

TEST(LimitTest, PathologicalPatternsFinish) {
  const std::string hostile = "/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
  const std::string path = "/" + std::string(8000, 'a');
  EXPECT_FALSE(pattern_matches(hostile, path));
  EXPECT_FALSE(pattern_matches(hostile + "$", path));
  EXPECT_TRUE(pattern_matches(hostile, path + "b"));

  // Many hostile rules against long paths, many times.
  std::string body = "User-agent: *\n";
  for (int i = 0; i < 2000; ++i) body += "Disallow: " + hostile + std::to_string(i) + "\n";
  body += "Disallow: /*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab$\n";
  const RobotsTxt rules = parse(body);
  EXPECT_EQ(rules.rule_count(), 2001u);
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += rules.allowed(path) ? 1 : 0;
  EXPECT_EQ(allowed, 100);
  EXPECT_FALSE(rules.allowed(path + "b5"));
}

TEST(LimitTest, HugeSingleLine) {
  std::string body = "User-agent: *\nDisallow: /";
  body += std::string(2 * kMaxRobotsBytes, '*');
  EXPECT_TRUE(parse(body).allowed("/x"));  // the line is cut by the limit: dropped
  std::string fits = "User-agent: *\nDisallow: /" + std::string(400000, '*') + "x\n";
  const RobotsTxt rules = parse(fits);
  EXPECT_FALSE(rules.allowed("/" + std::string(8000, 'y') + "x"));
  EXPECT_TRUE(rules.allowed("/" + std::string(8000, 'y')));
}

}  // namespace
}  // namespace forager::robots
