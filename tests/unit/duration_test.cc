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
                           " 5s", "5s ", "1,5h", "1h30m", "0x10", "five", "1e3", "inf", ".s"}) {
    EXPECT_EQ(parse_duration_ms(text), std::nullopt) << text;
  }
}

TEST(Duration, DecimalsAreRoundedToTheMillisecond) {
  EXPECT_EQ(parse_duration_ms("1.5h"), 5'400'000);
  EXPECT_EQ(parse_duration_ms("0.25"), 250);
  EXPECT_EQ(parse_duration_ms("0.0004s"), 0);
  EXPECT_EQ(parse_duration_ms("2.5", kMillisecond), 3);
}

// Anything from 9e18 ms up (a little below INT64_MAX) is refused, so that no
// caller can overflow adding a duration to a clock reading.
TEST(Duration, RejectsOverflow) {
  EXPECT_EQ(parse_duration_ms("8999999999999999ms"), int64_t{8'999'999'999'999'999});
  EXPECT_EQ(parse_duration_ms("9223372036854775807ms"), std::nullopt);
  EXPECT_EQ(parse_duration_ms("9223372036854775807"), std::nullopt);    // * 1000
  EXPECT_EQ(parse_duration_ms("9223372036854775808ms"), std::nullopt);  // past int64
  EXPECT_EQ(parse_duration_ms("99999999999999999999999"), std::nullopt);
  EXPECT_EQ(parse_duration_ms("104166666d"), int64_t{104'166'666} * 86'400'000);
  EXPECT_EQ(parse_duration_ms("106751991167d"), std::nullopt);
}

TEST(Duration, ReadsOnlyTheViewNotPastIt) {
  std::string_view text("30mXYZ", 3);  // "30m"
  EXPECT_EQ(parse_duration_ms(text), 30 * 60'000);
  std::string_view digits("12ms", 2);  // "12": seconds
  EXPECT_EQ(parse_duration_ms(digits), 12'000);
}

}  // namespace
}  // namespace forager
