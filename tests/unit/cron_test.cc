// Cron expressions: parsing, errors, and the next matching instant, against a
// table of expressions and instants, including DST in named zones.
#include "crawler/schedule/cron.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace forager {
namespace {

// "2024-03-10T07:00Z" <-> Unix seconds.
int64_t at(const std::string& iso) {
  int y, mo, d, h, mi;
  EXPECT_EQ(std::sscanf(iso.c_str(), "%d-%d-%dT%d:%dZ", &y, &mo, &d, &h, &mi), 5) << iso;
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}
std::string iso(std::optional<int64_t> t) {
  if (!t) return "never";
  std::string s = format_local_time(TimeZone::utc().at(*t), true);
  return s.substr(0, 16) + "Z";  // minutes are enough
}

Cron parse(const std::string& text) {
  auto parsed = Cron::parse(text);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    ADD_FAILURE() << text << ": " << *error;
    return std::get<Cron>(Cron::parse("* * * * *"));
  }
  return std::get<Cron>(parsed);
}

TimeZone zone(const std::string& name) {
  if (name == "UTC") return TimeZone::utc();
  auto z = TimeZone::named(name);
  if (!z) {
    ADD_FAILURE() << "time zone " << name << " is not installed";
    return TimeZone::utc();
  }
  return *z;
}

struct Case {
  const char* expr;
  const char* zone;
  const char* after;
  const char* expected;
};

void check(const Case& c) {
  Cron cron = parse(c.expr);
  EXPECT_EQ(iso(cron.next_after(at(c.after), zone(c.zone))), c.expected)
      << "'" << c.expr << "' in " << c.zone << " after " << c.after;
}

TEST(CronTest, FieldForms) {
  const Case cases[] = {
      {"* * * * *", "UTC", "2024-01-01T00:00Z", "2024-01-01T00:01Z"},
      {"*/5 * * * *", "UTC", "2024-01-01T00:01Z", "2024-01-01T00:05Z"},
      {"*/5 * * * *", "UTC", "2024-01-01T00:55Z", "2024-01-01T01:00Z"},
      {"1-30/2 * * * *", "UTC", "2024-01-01T00:29Z", "2024-01-01T01:01Z"},
      {"5/15 * * * *", "UTC", "2024-01-01T00:50Z", "2024-01-01T01:05Z"},
      {"7,3,59 * * * *", "UTC", "2024-01-01T00:03Z", "2024-01-01T00:07Z"},
      {"0 9-17/4 * * *", "UTC", "2024-01-01T09:00Z", "2024-01-01T13:00Z"},
      {"0,30 9-17 * * mon-fri", "UTC", "2024-01-05T17:30Z", "2024-01-08T09:00Z"},  // Fri -> Mon
      {"0 12 * jan,JUL *", "UTC", "2024-01-31T12:00Z", "2024-07-01T12:00Z"},
      {"0 0 1 Jan *", "UTC", "2024-01-01T00:00Z", "2025-01-01T00:00Z"},
      {"0 0 * * 0", "UTC", "2024-01-01T00:00Z", "2024-01-07T00:00Z"},
      {"0 0 * * 7", "UTC", "2024-01-01T00:00Z", "2024-01-07T00:00Z"},
      {"0 0 * * SUN", "UTC", "2024-01-01T00:00Z", "2024-01-07T00:00Z"},
      {"0 0 * * fri-sun", "UTC", "2024-01-01T00:00Z", "2024-01-05T00:00Z"},
      {"0 0 * * sat-7", "UTC", "2024-01-06T00:00Z", "2024-01-07T00:00Z"},
      {"0 0 * * 1-5/2", "UTC", "2024-01-01T00:00Z", "2024-01-03T00:00Z"},  // mon, wed, fri
  };
  for (const auto& c : cases) check(c);
}

TEST(CronTest, MatchesStrictlyAfterTheInstant) {
  Cron cron = parse("0 * * * *");
  EXPECT_EQ(iso(cron.next_after(at("2024-01-01T10:00Z"), TimeZone::utc())), "2024-01-01T11:00Z");
  EXPECT_EQ(iso(cron.next_after(at("2024-01-01T10:00Z") - 1, TimeZone::utc())), "2024-01-01T10:00Z");
  EXPECT_EQ(iso(cron.next_after(at("2024-01-01T10:00Z") + 30, TimeZone::utc())), "2024-01-01T11:00Z");
}

TEST(CronTest, Feb29AndMonthEnds) {
  const Case cases[] = {
      {"0 0 29 2 *", "UTC", "2024-03-01T00:00Z", "2028-02-29T00:00Z"},
      {"0 0 29 2 *", "UTC", "2096-03-01T00:00Z", "2104-02-29T00:00Z"},  // 2100 is not a leap year
      {"0 0 29 feb *", "UTC", "2023-06-01T00:00Z", "2024-02-29T00:00Z"},
      {"0 0 31 * *", "UTC", "2024-01-31T00:00Z", "2024-03-31T00:00Z"},  // no Feb 31
      {"0 0 31 * *", "UTC", "2024-03-31T00:00Z", "2024-05-31T00:00Z"},  // no Apr 31
      {"0 0 30 * *", "UTC", "2023-01-30T00:00Z", "2023-03-30T00:00Z"},
      {"59 23 28-31 * *", "UTC", "2023-02-28T23:59Z", "2023-03-28T23:59Z"},
  };
  for (const auto& c : cases) check(c);
}

TEST(CronTest, BothDayFieldsRestrictedMeansEither) {
  const Case cases[] = {
      {"0 0 13 * fri", "UTC", "2024-01-01T00:00Z", "2024-01-05T00:00Z"},  // a Friday
      {"0 0 13 * fri", "UTC", "2024-01-12T00:00Z", "2024-01-13T00:00Z"},  // the 13th, a Saturday
      {"0 0 1,15 * 3", "UTC", "2024-01-01T00:00Z", "2024-01-03T00:00Z"},
      // A field starting with '*' is not restricted: both must match.
      {"0 0 13 * *", "UTC", "2024-01-01T00:00Z", "2024-01-13T00:00Z"},
      {"0 0 */10 * fri", "UTC", "2024-01-01T00:00Z", "2024-03-01T00:00Z"},
      {"0 0 29 2 */7", "UTC", "2004-03-01T00:00Z", "2032-02-29T00:00Z"},  // Feb 29 on a Sunday
  };
  for (const auto& c : cases) check(c);
}

TEST(CronTest, Macros) {
  const Case cases[] = {
      {"@hourly", "UTC", "2024-01-01T00:00Z", "2024-01-01T01:00Z"},
      {"@daily", "UTC", "2024-01-01T00:00Z", "2024-01-02T00:00Z"},
      {"@midnight", "UTC", "2024-01-01T12:00Z", "2024-01-02T00:00Z"},
      {"@weekly", "UTC", "2024-01-01T00:00Z", "2024-01-07T00:00Z"},
      {"@monthly", "UTC", "2024-01-15T00:00Z", "2024-02-01T00:00Z"},
      {"@yearly", "UTC", "2024-01-01T00:00Z", "2025-01-01T00:00Z"},
      {"@annually", "UTC", "2024-06-01T00:00Z", "2025-01-01T00:00Z"},
      {"@DAILY", "UTC", "2024-01-01T00:00Z", "2024-01-02T00:00Z"},
  };
  for (const auto& c : cases) check(c);
  EXPECT_TRUE(parse("@hourly").wildcard());
  EXPECT_FALSE(parse("@daily").wildcard());
}

// New York, 2024: 02:00 EST -> 03:00 EDT on Mar 10 (07:00Z);
// 02:00 EDT -> 01:00 EST on Nov 3 (06:00Z).
TEST(CronTest, DaylightSavingInNewYork) {
  const Case cases[] = {
      // Spring forward: a fixed time in the skipped hour runs right after the jump, once.
      {"30 2 * * *", "America/New_York", "2024-03-09T12:00Z", "2024-03-10T07:00Z"},
      {"30 2 * * *", "America/New_York", "2024-03-10T07:00Z", "2024-03-11T06:30Z"},
      {"0 2 * * *", "America/New_York", "2024-03-09T12:00Z", "2024-03-10T07:00Z"},
      {"0,15,30,45 2 * * *", "America/New_York", "2024-03-10T06:00Z", "2024-03-10T07:00Z"},
      {"0,15,30,45 2 * * *", "America/New_York", "2024-03-10T07:00Z", "2024-03-11T06:00Z"},
      {"0 3 * * *", "America/New_York", "2024-03-09T12:00Z", "2024-03-10T07:00Z"},
      // ... a wildcard one follows the wall clock: the skipped hour does not exist.
      {"30 * * * *", "America/New_York", "2024-03-10T06:30Z", "2024-03-10T07:30Z"},
      {"*/20 * * * *", "America/New_York", "2024-03-10T06:40Z", "2024-03-10T07:00Z"},
      // Fall back: a fixed time in the repeated hour runs once, the first time.
      {"30 1 * * *", "America/New_York", "2024-11-03T04:00Z", "2024-11-03T05:30Z"},
      {"30 1 * * *", "America/New_York", "2024-11-03T05:30Z", "2024-11-04T06:30Z"},
      {"30 1 * * *", "America/New_York", "2024-11-03T05:45Z", "2024-11-04T06:30Z"},
      // ... a wildcard one runs in both hours.
      {"30 * * * *", "America/New_York", "2024-11-03T05:30Z", "2024-11-03T06:30Z"},
      {"30 * * * *", "America/New_York", "2024-11-03T06:30Z", "2024-11-03T07:30Z"},
      // Midnight on either side of the change.
      {"@daily", "America/New_York", "2024-03-09T05:00Z", "2024-03-10T05:00Z"},
      {"@daily", "America/New_York", "2024-03-10T05:00Z", "2024-03-11T04:00Z"},
      {"0 9 * * *", "America/New_York", "2024-11-02T13:00Z", "2024-11-03T14:00Z"},
  };
  for (const auto& c : cases) check(c);
}

// Berlin, 2024: 02:00 CET -> 03:00 CEST on Mar 31 (01:00Z);
// 03:00 CEST -> 02:00 CET on Oct 27 (01:00Z).
TEST(CronTest, DaylightSavingInBerlin) {
  const Case cases[] = {
      {"30 2 * * *", "Europe/Berlin", "2024-03-30T12:00Z", "2024-03-31T01:00Z"},
      {"30 2 * * *", "Europe/Berlin", "2024-03-31T01:00Z", "2024-04-01T00:30Z"},
      {"*/30 * * * *", "Europe/Berlin", "2024-03-31T00:30Z", "2024-03-31T01:00Z"},
      {"30 2 * * *", "Europe/Berlin", "2024-10-26T12:00Z", "2024-10-27T00:30Z"},
      {"30 2 * * *", "Europe/Berlin", "2024-10-27T00:30Z", "2024-10-28T01:30Z"},
      {"*/30 * * * *", "Europe/Berlin", "2024-10-27T00:30Z", "2024-10-27T01:00Z"},
      {"*/30 * * * *", "Europe/Berlin", "2024-10-27T01:00Z", "2024-10-27T01:30Z"},
      {"*/30 * * * *", "Europe/Berlin", "2024-10-27T01:30Z", "2024-10-27T02:00Z"},
      {"0 12 * * *", "Europe/Berlin", "2024-07-01T00:00Z", "2024-07-01T10:00Z"},
      {"0 12 * * *", "Europe/Berlin", "2024-12-01T00:00Z", "2024-12-01T11:00Z"},
  };
  for (const auto& c : cases) check(c);
}

TEST(CronTest, NamedZonesLeaveTzAlone) {
  ::setenv("TZ", "UTC", 1);
  parse("30 2 * * *").next_after(at("2024-03-30T12:00Z"), zone("Europe/Berlin"));
  ASSERT_NE(std::getenv("TZ"), nullptr);
  EXPECT_STREQ(std::getenv("TZ"), "UTC");
  EXPECT_EQ(TimeZone::local().at(at("2024-07-01T10:00Z")).hour, 10);
  EXPECT_EQ(zone("Europe/Berlin").at(at("2024-07-01T10:00Z")).hour, 12);
  EXPECT_EQ(zone("Europe/Berlin").at(at("2024-07-01T10:00Z")).offset_s, 7200);
  EXPECT_EQ(format_local_time(zone("America/New_York").at(at("2024-03-10T07:00Z")), false),
            "2024-03-10T03:00:00-04:00");
  EXPECT_FALSE(TimeZone::named("Nowhere/Atlantis"));
  EXPECT_FALSE(TimeZone::named("../etc/passwd"));
  ::unsetenv("TZ");
}

TEST(CronTest, ErrorsNameTheFieldAndToken) {
  struct Bad {
    const char* expr;
    const char* message_part[2];
  };
  const Bad cases[] = {
      {"61 * * * *", {"minute field", "'61'"}},
      {"* 24 * * *", {"hour field", "'24'"}},
      {"* * 0 * *", {"day-of-month field", "'0'"}},
      {"* * 32 * *", {"day-of-month field", "'32'"}},
      {"* * * 13 *", {"month field", "'13'"}},
      {"* * * foo *", {"month field", "'foo'"}},
      {"* * * * 8", {"day-of-week field", "'8'"}},
      {"* * * * mon-xyz", {"day-of-week field", "'xyz'"}},
      {"*/0 * * * *", {"minute field", "step '0'"}},
      {"*/x * * * *", {"minute field", "step 'x'"}},
      {"5-1 * * * *", {"minute field", "'5-1' goes backwards"}},
      {"1,,2 * * * *", {"minute field", "empty list item"}},
      {"-5 * * * *", {"minute field", "''"}},
      {"* * * *", {"expected 5 fields", "got 4"}},
      {"* * * * * *", {"expected 5 fields", "got 6"}},
      {"", {"expected 5 fields", "got 0"}},
      {"@reboot", {"unknown macro", "'@reboot'"}},
      {"0 0 30 2 *", {"day-of-month field", "never"}},
      {"0 0 31 apr,jun,sep,nov *", {"day-of-month field", "never"}},
  };
  for (const auto& c : cases) {
    auto parsed = Cron::parse(c.expr);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << c.expr;
    const auto& message = std::get<std::string>(parsed);
    for (const char* part : c.message_part)
      EXPECT_NE(message.find(part), std::string::npos) << c.expr << " -> " << message;
  }
  // Feb 30 never matches, yet Feb 30 OR Mondays does.
  EXPECT_TRUE(std::holds_alternative<Cron>(Cron::parse("0 0 30 2 mon")));
}

TEST(CronTest, CalendarArithmetic) {
  for (int64_t days = -800000; days <= 800000; days += 997) {
    int y, m, d;
    civil_from_days(days, y, m, d);
    EXPECT_EQ(days_from_civil(y, m, d), days);
  }
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
}

}  // namespace
}  // namespace forager
