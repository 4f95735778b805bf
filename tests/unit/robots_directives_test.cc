// Page-level robots directives (workers/parse/robots_directives.h) and the
// robots meta elements extract_page reads.
#include "workers/parse/robots_directives.h"

#include <gtest/gtest.h>

#include "workers/parse/extractor.h"

namespace forager {
namespace {

RobotsDirectives meta(std::string_view content) {
  RobotsDirectives d;
  apply_meta_robots(content, d);
  return d;
}

RobotsDirectives header(std::string_view value, std::string_view agent = "forager") {
  RobotsDirectives d;
  apply_x_robots_tag(value, agent, d);
  return d;
}

TEST(MetaRobots, Words) {
  EXPECT_TRUE(meta("noindex").noindex);
  EXPECT_FALSE(meta("noindex").nofollow);
  EXPECT_TRUE(meta("NoFollow").nofollow);
  EXPECT_FALSE(meta("nofollow").noindex);
  const RobotsDirectives none = meta(" NONE ");
  EXPECT_TRUE(none.noindex && none.nofollow);
  const RobotsDirectives both = meta("noindex,nofollow");
  EXPECT_TRUE(both.noindex && both.nofollow);
  const RobotsDirectives spaced = meta("noarchive, noindex   nofollow");
  EXPECT_TRUE(spaced.noindex && spaced.nofollow);
  const RobotsDirectives plain = meta("index, follow, all, max-snippet:-1, noindexing");
  EXPECT_FALSE(plain.noindex || plain.nofollow);
  EXPECT_FALSE(meta("").noindex);
  EXPECT_FALSE(meta(",,, ,").nofollow);
}

TEST(XRobotsTag, WithoutPrefixAppliesToEveryone) {
  const RobotsDirectives d = header("noindex, nofollow");
  EXPECT_TRUE(d.noindex && d.nofollow);
  EXPECT_TRUE(header("none").nofollow);
  EXPECT_FALSE(header("max-snippet: 20, unavailable_after: 25 Jun 2010 15:00:00 PST").noindex);
  EXPECT_TRUE(header("max-image-preview: large, noindex").noindex);
}

TEST(XRobotsTag, PrefixNamesTheCrawler) {
  EXPECT_TRUE(header("forager: nofollow").nofollow);
  EXPECT_TRUE(header("FORAGER: noindex").noindex);
  EXPECT_FALSE(header("googlebot: noindex, nofollow").noindex);
  EXPECT_FALSE(header("googlebot: noindex, nofollow").nofollow);
  // A run for another crawler ends at the next prefix.
  const RobotsDirectives d = header("googlebot: noindex, forager: nofollow");
  EXPECT_FALSE(d.noindex);
  EXPECT_TRUE(d.nofollow);
  EXPECT_TRUE(header("ExampleBot: noindex", "ExampleBot").noindex);
  EXPECT_FALSE(header(": noindex").noindex);
  EXPECT_FALSE(header("forager: noindex", "").noindex);
}

TEST(XRobotsTag, DirectivesOnlyAdd) {
  RobotsDirectives d;
  apply_x_robots_tag("noindex", "forager", d);
  apply_x_robots_tag("index, follow", "forager", d);
  EXPECT_TRUE(d.noindex);
}

TEST(MetaRobotsInPages, RobotsAndOwnTokenCount) {
  const std::string links = "<a href=/a>a</a>";
  EXPECT_TRUE(extract_page("<meta name=robots content=noindex>" + links, "http://x.test/").robots.noindex);
  EXPECT_TRUE(extract_page("<meta name=\"ROBOTS\" content=\"nofollow\">" + links, "http://x.test/").robots.nofollow);
  const Extracted own = extract_page("<meta name=forager content=none>" + links, "http://x.test/", "forager");
  EXPECT_TRUE(own.robots.noindex && own.robots.nofollow);
  EXPECT_EQ(own.links.size(), 1u);  // the links are still extracted
  const Extracted other = extract_page("<meta name=googlebot content=none>" + links, "http://x.test/", "forager");
  EXPECT_FALSE(other.robots.noindex || other.robots.nofollow);
  // Several elements add up; description is still read.
  const Extracted many = extract_page(
      "<meta name=description content=D><meta name=robots content=noindex><meta name=forager content=nofollow>",
      "http://x.test/", "forager");
  EXPECT_TRUE(many.robots.noindex && many.robots.nofollow);
  EXPECT_EQ(many.description, "D");
  EXPECT_FALSE(extract_page("<meta content=noindex>", "http://x.test/").robots.noindex);
  EXPECT_FALSE(extract_page("<meta name=robots>", "http://x.test/").robots.noindex);
}

}  // namespace
}  // namespace forager
