// nesting_tag (workers/parse/html_document.h) against gumbo_tagn_enum: for
// every tag name as gumbo spells it, upper-cased, mixed and changed a little,
// and for random names, nesting_tag gives gumbo's tag whenever limit_nesting
// treats that tag apart, and GUMBO_TAG_UNKNOWN otherwise.
#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>

#include "workers/parse/html_document.h"

namespace forager {
namespace {

// limit_nesting's tags, by gumbo's lookup: a tag whose nesting_tag is not
// UNKNOWN must be gumbo's, and gumbo's tag must come back for every name
// nesting_tag knows.
void expect_as_gumbo(const std::string& name) {
  const GumboTag gumbo = gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size()));
  const GumboTag ours = nesting_tag(name);
  if (ours != GUMBO_TAG_UNKNOWN) {
    EXPECT_EQ(ours, gumbo) << "[" << name << "]";
  } else {
    const GumboTag back = gumbo == GUMBO_TAG_UNKNOWN ? GUMBO_TAG_UNKNOWN
                                                     : nesting_tag(gumbo_normalized_tagname(gumbo));
    EXPECT_EQ(back, GUMBO_TAG_UNKNOWN) << "[" << name << "] is gumbo's " << gumbo_normalized_tagname(gumbo);
  }
}

TEST(NestingTagTest, EveryTagNameAsGumbo) {
  size_t known = 0;
  for (int t = 0; t < GUMBO_TAG_UNKNOWN; ++t) {
    const std::string name = gumbo_normalized_tagname(static_cast<GumboTag>(t));
    std::string upper = name, mixed = name;
    for (size_t i = 0; i < name.size(); ++i) {
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[i])));
      if (i % 2 == 0) mixed[i] = upper[i];
    }
    for (const std::string& variant : {name, upper, mixed, name + "x", name + "@", "@" + name, name.substr(1),
                                       name + std::string(1, '\0')}) {
      expect_as_gumbo(variant);
    }
    if (nesting_tag(upper) != GUMBO_TAG_UNKNOWN) ++known;
  }
  EXPECT_EQ(known, 52u);  // kNonNesting (40), kRawText (10), svg, math
  EXPECT_EQ(nesting_tag("PlainText"), GUMBO_TAG_PLAINTEXT);
  EXPECT_EQ(nesting_tag("div"), GUMBO_TAG_UNKNOWN);
}

TEST(NestingTagTest, RandomNamesAsGumbo) {
  // Letters, and the bytes that become one when ORed with 0x20 do not.
  static constexpr char kBytes[] = "abcdeilmnoprstxyABCDEILMNOPRSTXY@[]^_{}~`019\xC1\xE1";
  std::mt19937 random(20261207);
  std::uniform_int_distribution<size_t> byte(0, sizeof kBytes - 2);
  std::uniform_int_distribution<size_t> length(1, 10);
  for (int round = 0; round < 300000; ++round) {
    std::string name;
    for (size_t n = length(random); n > 0; --n) name += kBytes[byte(random)];
    expect_as_gumbo(name);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace forager
