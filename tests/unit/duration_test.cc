#include "crawler/util/duration.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace forager {
namespace {

TEST(Duration, EverySuffix) {
  EXPECT_EQ(parse_duration_ms("500ms"), 500);
  EXPECT_EQ(parse_duration_ms("90s"), 90'000);
  EXPECT_EQ(parse_duration_ms("30m"), 30 * 60'000);
  EXPECT_EQ(parse_duration_ms("6h"), 6 * 3'600'000);
  EXPECT_EQ(parse_duration_ms("1d"), 86'400'000);
}

TEST(Duration, ABareNumberIsSeconds) {
  EXPECT_EQ(parse_duration_ms("15"), 15'000);
  EXPECT_EQ(parse_duration_ms("0"), 0);
  EXPECT_EQ(parse_duration_ms("0ms"), 0);
  EXPECT_EQ(parse_duration_ms("007s"), 7'000);
}

TEST(Duration, RejectsEmptyAndUnitOnly) {
  EXPECT_EQ(parse_duration_ms(""), std::nullopt);
  EXPECT_EQ(parse_duration_ms("s"), std::nullopt);
  EXPECT_EQ(parse_duration_ms("ms"), std::nullopt);
}

TEST(Duration, RejectsNegativeAndSignedNumbers) {
  EXPECT_EQ(parse_duration_ms("-5"), std::nullopt);
  EXPECT_EQ(parse_duration_ms("-1s"), std::nullopt);
  EXPECT_EQ(parse_duration_ms("+5s"), std::nullopt);
}

TEST(Duration, RejectsUnknownOrMisspelledUnits) {
  for (const char* text : {"5S", "5M", "5H", "5D", "5MS", "10sec", "2w", "1y", "5mss", "5 s",
                           " 5s", "5s ", "1.5h", "1,5h", "1h30m", "0x10", "five"}) {
    EXPECT_EQ(parse_duration_ms(text), std::nullopt) << text;
  }
}

TEST(Duration, RejectsOverflow) {
  EXPECT_EQ(parse_duration_ms("9223372036854775807ms"), INT64_MAX);
  EXPECT_EQ(parse_duration_ms("9223372036854775807"), std::nullopt);    // * 1000
  EXPECT_EQ(parse_duration_ms("9223372036854775808ms"), std::nullopt);  // past int64
  EXPECT_EQ(parse_duration_ms("99999999999999999999999"), std::nullopt);
  // INT64_MAX / 86400000 = 106751991167 whole days fit, one more does not.
  EXPECT_EQ(parse_duration_ms("106751991167d"), int64_t{106751991167} * 86'400'000);
  EXPECT_EQ(parse_duration_ms("106751991168d"), std::nullopt);
}

TEST(Duration, ReadsOnlyTheViewNotPastIt) {
  std::string_view text("30mXYZ", 3);  // "30m"
  EXPECT_EQ(parse_duration_ms(text), 30 * 60'000);
  std::string_view digits("12ms", 2);  // "12": seconds
  EXPECT_EQ(parse_duration_ms(digits), 12'000);
}

}  // namespace
}  // namespace forager
