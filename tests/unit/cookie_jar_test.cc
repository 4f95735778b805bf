// Netscape cookie-file lines and the coordinator's cookie jar.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "crawler/cookie_jar.h"
#include "crawler/util/cookie_line.h"

namespace forager {
namespace {

constexpr int64_t kNow = 1800000000;

TEST(CookieLine, ParsesCurlsFormat) {
  auto plain = parse_cookie_line(".Example.org\tTRUE\t/shop\tTRUE\t1900000000\tid\ta b=c");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->key, "example.org\tTRUE\t/shop\tid");
  EXPECT_EQ(plain->expires, 1900000000);
  auto http_only = parse_cookie_line("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t");
  ASSERT_TRUE(http_only);
  EXPECT_EQ(http_only->key, "127.0.0.1\tFALSE\t/\tsession");
  EXPECT_EQ(http_only->expires, 0);
  EXPECT_EQ(expired_cookie_line(*http_only), "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t1\tsession\t");
}

TEST(CookieLine, RefusesWhatIsNotACookie) {
  for (const char* bad : {"", "# a comment", "a\tFALSE\t/\tFALSE\t0\tname",  // six fields
                          "a\tYES\t/\tFALSE\t0\tn\tv", "a\tFALSE\t/\tFALSE\tsoon\tn\tv", "a\tFALSE\t/\tFALSE\t-5\tn\tv",
                          "\tFALSE\t/\tFALSE\t0\tn\tv", "a\tFALSE\t/\tFALSE\t0\t\tv", "a\tFALSE\t/\tFALSE\t0\tn\tv\r",
                          "a\tFALSE\t/\tFALSE\t0\tn\tv\tx"})
    EXPECT_FALSE(parse_cookie_line(bad)) << bad;
  EXPECT_FALSE(parse_cookie_line("a\tFALSE\t/\tFALSE\t0\tn\t" + std::string(kMaxCookieLine, 'v')));
  EXPECT_TRUE(is_cookie_comment("  "));
  EXPECT_FALSE(is_cookie_comment("#HttpOnly_a\tFALSE\t/\tFALSE\t0\tn\tv"));
}

TEST(CookieJar, AppliesChangesAndRemovals) {
  CookieJar jar;
  auto changed = jar.apply({"a.test\tFALSE\t/\tFALSE\t0\tsid\tone", "garbage"}, kNow);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_TRUE(jar.apply({"a.test\tFALSE\t/\tFALSE\t0\tsid\tone"}, kNow).empty());  // nothing new
  EXPECT_EQ(jar.apply({"a.test\tFALSE\t/\tFALSE\t0\tsid\ttwo"}, kNow).size(), 1u);
  EXPECT_EQ(jar.lines(), (std::vector<std::string>{"a.test\tFALSE\t/\tFALSE\t0\tsid\ttwo"}));
  // An expired line removes the cookie (once).
  EXPECT_EQ(jar.apply({"a.test\tFALSE\t/\tFALSE\t1\tsid\t"}, kNow).size(), 1u);
  EXPECT_EQ(jar.size(), 0u);
  EXPECT_TRUE(jar.apply({"a.test\tFALSE\t/\tFALSE\t1\tsid\t"}, kNow).empty());
}

TEST(CookieJar, IsBounded) {
  CookieJar jar;
  std::vector<std::string> many;
  for (size_t i = 0; i <= CookieJar::kMaxCookies; ++i)
    many.push_back("a.test\tFALSE\t/\tFALSE\t0\tn" + std::to_string(i) + "\tv");
  EXPECT_EQ(jar.apply(many, kNow).size(), CookieJar::kMaxCookies);
  EXPECT_EQ(jar.size(), CookieJar::kMaxCookies);
  // A cookie already held still changes.
  EXPECT_EQ(jar.apply({"a.test\tFALSE\t/\tFALSE\t0\tn0\tw"}, kNow).size(), 1u);
}

TEST(CookieJar, FileRoundTrip) {
  const std::string dir = std::filesystem::temp_directory_path() / ("cookie-jar-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/in.txt") << "# Netscape HTTP Cookie File\r\n\r\n"
                                 << "#HttpOnly_.a.test\tTRUE\t/\tTRUE\t1900000000\tsid\tx\r\n"
                                 << "a.test\tFALSE\t/\tFALSE\t1000\tstale\ty\n";
  CookieJar jar;
  EXPECT_EQ(jar.load_file(dir + "/in.txt", kNow), "");
  EXPECT_EQ(jar.size(), 1u);  // the expired one is left out
  EXPECT_EQ(jar.save_file(dir + "/out.txt", kNow), "");
  CookieJar again;
  EXPECT_EQ(again.load_file(dir + "/out.txt", kNow), "");
  EXPECT_EQ(again.lines(), (std::vector<std::string>{"#HttpOnly_.a.test\tTRUE\t/\tTRUE\t1900000000\tsid\tx"}));
  std::ofstream(dir + "/bad.txt") << "a.test\tFALSE\t/\tFALSE\t0\tsid\tok\nnot a cookie secretvalue\n";
  const std::string error = again.load_file(dir + "/bad.txt", kNow);
  EXPECT_EQ(error.rfind("line 2 of", 0), 0u) << error;
  EXPECT_EQ(error.find("secretvalue"), std::string::npos);
  EXPECT_EQ(again.size(), 1u);  // unchanged by the failed load
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace forager
