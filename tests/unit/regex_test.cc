#include "crawler/util/regex.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace forager {
namespace {

Regex compiled(const std::string& pattern) {
  auto result = Regex::compile(pattern);
  if (auto* error = std::get_if<std::string>(&result)) ADD_FAILURE() << *error;
  return std::get<Regex>(std::move(result));
}

std::string compile_error(const std::string& pattern) {
  auto result = Regex::compile(pattern);
  if (std::holds_alternative<Regex>(result)) return "";
  return std::get<std::string>(result);
}

TEST(Regex, SearchFindsAMatchAnywhere) {
  Regex regex = compiled("/product/\\d+");
  EXPECT_TRUE(regex.search("https://shop.example/product/42?x=1"));
  EXPECT_FALSE(regex.search("https://shop.example/product/abc"));
  EXPECT_EQ(regex.pattern(), "/product/\\d+");
}

TEST(Regex, AnchorsApplyToTheWholeSubject) {
  Regex regex = compiled("^https://a\\.example/$");
  EXPECT_TRUE(regex.search("https://a.example/"));
  EXPECT_FALSE(regex.search("https://a.example/x"));
  EXPECT_FALSE(regex.search("xhttps://a.example/"));
}

TEST(Regex, CaseSensitiveUnlessThePatternSaysOtherwise) {
  EXPECT_FALSE(compiled("PAGE").search("https://h/page"));
  EXPECT_TRUE(compiled("(?i)PAGE").search("https://h/page"));
}

TEST(Regex, EmptyPatternMatchesEverything) {
  Regex regex = compiled("");
  EXPECT_TRUE(regex.search(""));
  EXPECT_TRUE(regex.search("https://h/"));
}

TEST(Regex, SearchHonoursTheViewsLengthNotATerminator) {
  std::string text = "https://h/abc-secret";
  std::string_view prefix(text.data(), 13);  // "https://h/abc"
  EXPECT_FALSE(compiled("secret").search(prefix));
  EXPECT_TRUE(compiled("abc$").search(prefix));
  std::string with_nul("a\0b", 3);
  EXPECT_TRUE(compiled("a\\x00b").search(with_nul));
}

TEST(Regex, PatternsAreUtf8) {
  Regex regex = compiled("^caf.$");
  EXPECT_TRUE(regex.search("caf\xC3\xA9"));  // one code point, two bytes
}

TEST(Regex, InvalidUtf8SubjectsAreSearchedNotRejected) {
  Regex regex = compiled("needle");
  EXPECT_TRUE(regex.search("\xFF\xFE needle \xC3"));
  EXPECT_FALSE(regex.search("\xFF\xFE hay \xC3"));
}

TEST(Regex, CompileErrorsNameThePatternAndOffset) {
  std::string error = compile_error("ab(cd");
  ASSERT_FALSE(error.empty());
  EXPECT_EQ(error.rfind("invalid regular expression 'ab(cd' at offset 5: ", 0), 0u) << error;
  EXPECT_GT(error.size(), std::string("invalid regular expression 'ab(cd' at offset 5: ").size());

  EXPECT_NE(compile_error("[z-a]"), "");
  EXPECT_NE(compile_error("a{2,1}"), "");
  EXPECT_NE(compile_error("*"), "");
  EXPECT_NE(compile_error("\\"), "");
  EXPECT_NE(compile_error("\xFF"), "");  // a pattern must be valid UTF-8
}

TEST(Regex, MatchesGiveEveryGroupsOffsets) {
  const Regex regex = compiled("(?<key>[a-z])=([0-9])?");
  EXPECT_EQ(regex.group_count(), 2u);
  EXPECT_EQ(regex.group_number("key"), 1u);
  EXPECT_EQ(regex.group_number("nope"), 0u);
  const auto found = regex.matches("a=1 b= c=3", 10);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0], (Regex::Groups{{0, 3}, {0, 1}, {2, 3}}));
  const size_t npos = std::string_view::npos;
  EXPECT_EQ(found[1], (Regex::Groups{{4, 6}, {4, 5}, {npos, npos}}));  // group 2 took no part
  EXPECT_EQ(regex.matches("a=1 b= c=3", 2).size(), 2u);               // the limit holds
  // Empty matches move on by a whole UTF-8 character.
  EXPECT_EQ(compiled("x*").matches("é", 10).size(), 2u);
}

TEST(Regex, CopiesShareTheCompiledPattern) {
  Regex original = compiled("x+");
  Regex copy = original;
  EXPECT_TRUE(copy.search("axxb"));
  EXPECT_TRUE(original.search("xx"));
  EXPECT_EQ(copy.pattern(), original.pattern());
}

// Catastrophic backtracking: the first branch explores 2^n ways to split a
// run of 'a' before it fails, and only then would the second branch match.
// The match limit stops the search long before that, and a search stopped by
// the limit counts as no match even though the subject does match.
TEST(Regex, HostilePatternsHitTheMatchLimitAndCountAsNoMatch) {
  Regex regex = compiled("^(?:a|a)+b|^a+c");
  EXPECT_TRUE(regex.search("aaac"));  // few steps: found
  std::string subject(40, 'a');
  subject += 'c';
  EXPECT_FALSE(regex.search(subject));  // 2^40 steps: stopped by the limit

  Regex nested = compiled("(x+x+)+y");
  EXPECT_FALSE(nested.search(std::string(5000, 'x')));
}

TEST(Regex, LongSubjectsAreSearched) {
  std::string url = "https://h/" + std::string(100000, 'p') + "/end";
  EXPECT_TRUE(compiled("/end$").search(url));
  EXPECT_FALSE(compiled("/nope").search(url));
}

using Strings = std::vector<std::string>;

TEST(RegexExtractTest, FirstGroupElseWholeMatch) {
  EXPECT_EQ(compiled("([0-9.]+)").extract("£33.20", 10), (Strings{"33.20"}));
  EXPECT_EQ(compiled("[0-9]+").extract("a1 b22 c333", 10), (Strings{"1", "22", "333"}));
  EXPECT_EQ(compiled("(\\w)=(\\d)").extract("a=1 b=2", 10), (Strings{"a", "b"}));
  EXPECT_EQ(compiled("(x)?y").extract("y xy", 10), (Strings{"", "x"}));
  EXPECT_EQ(compiled("\\d").extract("1234", 2), (Strings{"1", "2"}));
  EXPECT_EQ(compiled("z").extract("abc", 10), Strings{});
}

TEST(RegexExtractTest, EmptyMatchesAdvanceByWholeCharacters) {
  EXPECT_EQ(compiled("x*").extract("aé", 10), (Strings{"", "", ""}));
  EXPECT_EQ(compiled("(é*)").extract("éaé", 10), (Strings{"é", "", "é", ""}));
  EXPECT_EQ(compiled("").extract("", 10), (Strings{""}));
}

TEST(RegexExtractTest, InvalidUtf8SubjectIsNoCrash) {
  EXPECT_EQ(compiled("b").extract("a\xff" "b\xfe", 10), (Strings{"b"}));
}

}  // namespace
}  // namespace forager
