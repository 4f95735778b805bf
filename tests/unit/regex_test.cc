// User regular expressions (crawler/util/regex.h): search, and extract as
// rules' `re` uses it (first group, else whole match; every match in order).
#include "crawler/util/regex.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace forager {
namespace {

Regex must_compile(const std::string& pattern) {
  auto compiled = Regex::compile(pattern);
  if (auto* error = std::get_if<std::string>(&compiled)) {
    ADD_FAILURE() << *error;
    return std::get<Regex>(Regex::compile("x"));
  }
  return std::get<Regex>(std::move(compiled));
}

using Strings = std::vector<std::string>;

TEST(RegexTest, Search) {
  EXPECT_TRUE(must_compile("b+").search("abbc"));
  EXPECT_FALSE(must_compile("^b").search("abbc"));
}

TEST(RegexExtractTest, FirstGroupElseWholeMatch) {
  EXPECT_EQ(must_compile("([0-9.]+)").extract("£33.20", 10), (Strings{"33.20"}));
  EXPECT_EQ(must_compile("[0-9]+").extract("a1 b22 c333", 10), (Strings{"1", "22", "333"}));
  EXPECT_EQ(must_compile("(\\w)=(\\d)").extract("a=1 b=2", 10), (Strings{"a", "b"}));
  EXPECT_EQ(must_compile("(x)?y").extract("y xy", 10), (Strings{"", "x"}));
  EXPECT_EQ(must_compile("\\d").extract("1234", 2), (Strings{"1", "2"}));
  EXPECT_EQ(must_compile("z").extract("abc", 10), Strings{});
}

TEST(RegexExtractTest, EmptyMatchesAdvanceByWholeCharacters) {
  EXPECT_EQ(must_compile("x*").extract("aé", 10), (Strings{"", "", ""}));
  EXPECT_EQ(must_compile("(é*)").extract("éaé", 10), (Strings{"é", "", "é", ""}));
  EXPECT_EQ(must_compile("").extract("", 10), (Strings{""}));
}

TEST(RegexExtractTest, InvalidUtf8SubjectIsNoCrash) {
  EXPECT_EQ(must_compile("b").extract("a\xff" "b\xfe", 10), (Strings{"b"}));
}

}  // namespace
}  // namespace forager
