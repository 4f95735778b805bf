// Sizes and durations as users write them on the command line
// (crawler/util/byte_size.h, crawler/util/duration.h), and the typo
// suggestion for unknown commands (crawler/cli/command_names.h).
#include <gtest/gtest.h>

#include "crawler/cli/command_names.h"
#include "crawler/util/byte_size.h"
#include "crawler/util/duration.h"

namespace forager {
namespace {

TEST(ByteSize, SuffixesAreBinaryAndCaseInsensitive) {
  EXPECT_EQ(parse_byte_size("65536"), 65536);
  EXPECT_EQ(parse_byte_size("10M"), 10 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("10MiB"), 10 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("10mb"), 10 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("512K"), 512 * 1024);
  EXPECT_EQ(parse_byte_size("512kib"), 512 * 1024);
  EXPECT_EQ(parse_byte_size("1G"), int64_t{1} << 30);
  EXPECT_EQ(parse_byte_size("1.5K"), 1536);
  EXPECT_EQ(parse_byte_size("100B"), 100);
}

TEST(ByteSize, RefusesWhatIsNotASize) {
  for (const char* bad : {"", "M", "-1", "10X", "10 M", "1e3", "10MM", "0x10", "1.2.3", "10Mi", "inf", "nan"})
    EXPECT_FALSE(parse_byte_size(bad)) << bad;
  EXPECT_FALSE(parse_byte_size("99999999999999999999G"));  // overflow
}

TEST(Duration, PlainNumbersKeepTheOptionsUnit) {
  EXPECT_EQ(parse_duration_ms("500", kMillisecond), 500);
  EXPECT_EQ(parse_duration_ms("30"), 30000);
  EXPECT_EQ(parse_duration_ms("0.25"), 250);
  EXPECT_EQ(parse_duration_ms("2.5", kMillisecond), 3);  // rounded to the nearest ms
}

TEST(Duration, SuffixesOverrideTheUnit) {
  EXPECT_EQ(parse_duration_ms("500ms", kMillisecond), 500);
  EXPECT_EQ(parse_duration_ms("2s", kMillisecond), 2000);
  EXPECT_EQ(parse_duration_ms("1.5s", kMillisecond), 1500);
  EXPECT_EQ(parse_duration_ms("1m"), 60000);
  EXPECT_EQ(parse_duration_ms("6h"), 6 * 3600 * 1000);
  EXPECT_EQ(parse_duration_ms("1d"), 86400 * 1000);
}

TEST(Duration, RefusesWhatIsNotADuration) {
  for (const char* bad : {"", "s", "-1s", "2y", "2 s", "1e3", "2S", "1..5s", "inf"})
    EXPECT_FALSE(parse_duration_ms(bad)) << bad;
  EXPECT_FALSE(parse_duration_ms("99999999999999999999d"));
}

TEST(CommandNames, SuggestsTheNearestCommand) {
  const std::vector<std::string> names = {"crawl", "export", "status", "report", "schedule"};
  EXPECT_EQ(nearest_name("crawll", names), "crawl");
  EXPECT_EQ(nearest_name("craw", names), "crawl");
  EXPECT_EQ(nearest_name("exprot", names), "export");  // a swap is one edit
  EXPECT_EQ(nearest_name("stauts", names), "status");
  EXPECT_EQ(nearest_name("frobnicate", names), "");
  EXPECT_EQ(nearest_name("x", names), "");
}

TEST(CommandNames, EditDistance) {
  EXPECT_EQ(edit_distance("crawl", "crawl", 2), 0u);
  EXPECT_EQ(edit_distance("crawl", "crwal", 2), 1u);
  EXPECT_EQ(edit_distance("crawl", "cawl", 2), 1u);
  EXPECT_EQ(edit_distance("crawl", "schedule", 2), 3u);  // capped: cap + 1
}

}  // namespace
}  // namespace forager
