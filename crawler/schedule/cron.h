// Cron expressions (the five classic fields and the @-macros) and the time
// zones they are read in.
//
// Syntax: "minute hour day-of-month month day-of-week", each field a comma
// list of `*`, `N`, `A-B`, with an optional `/STEP` (`*/5`, `1-30/2`, and
// `N/STEP` meaning N to the field's maximum). Months may be named jan..dec,
// days sun..sat (0 and 7 are both Sunday), in any case. When both
// day-of-month and day-of-week are restricted (neither field starts with `*`)
// a day matches if EITHER matches, as in Vixie cron. Macros: @yearly
// @annually @monthly @weekly @daily @midnight @hourly.
//
// Daylight saving (Vixie cron's rule, see docs/SCHEDULING.md): an expression
// whose minute or hour field starts with `*` ("wildcard": @hourly, */5 ...)
// follows the clock on the wall: it runs at every minute that exists, so a
// repeated hour runs twice and a skipped hour not at all. Any other
// expression runs at a fixed time of day: a time that the spring-forward jump
// skips runs once, right after the jump; a time that the fall-back repeats
// runs once, at its first occurrence.
//
// Time zones come from the C library (glibc's tzfile reader): TimeZone::local
// is the process's zone (TZ, else /etc/localtime); a named zone sets TZ for
// the length of one computation, under a mutex. Do not use local-time C
// functions on other threads while a named zone is in use.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace forager {

// A wall clock reading: the local time at an instant, in some zone.
struct LocalTime {
  int year = 1970, month = 1, day = 1;  // month 1-12, day 1-31
  int hour = 0, minute = 0, second = 0;
  int weekday = 4;                      // 0 Sunday .. 6 Saturday
  int offset_s = 0;                     // local minus UTC, in seconds
};

class ZoneSession;  // cron.cc: a zone made current for one computation

class TimeZone {
 public:
  static TimeZone utc();
  // The process's local zone: TZ when set, else the system's /etc/localtime.
  static TimeZone local();
  // An IANA zone such as "Europe/Berlin", or nullopt when it is not installed
  // (looked up under $TZDIR or /usr/share/zoneinfo).
  static std::optional<TimeZone> named(const std::string& name);

  // The wall clock at `unix_s` (seconds since the Unix epoch).
  LocalTime at(int64_t unix_s) const;
  bool is_utc() const { return kind_ == Kind::kUtc; }
  // "UTC", "local" or the IANA name.
  const std::string& name() const { return name_; }

 private:
  enum class Kind { kUtc, kLocal, kNamed };
  TimeZone(Kind kind, std::string name) : kind_(kind), name_(std::move(name)) {}
  friend class ZoneSession;
  Kind kind_;
  std::string name_;
};

// "2024-03-10T03:00:00-04:00", or "...Z" for UTC.
std::string format_local_time(const LocalTime& t, bool utc);

class Cron {
 public:
  // The expression, or a message naming the field and the bad token (also
  // for an expression that can never match, such as "0 0 30 2 *").
  static std::variant<Cron, std::string> parse(std::string_view text);

  // The first matching instant strictly after `after_unix_s`, in `zone`, in
  // Unix seconds; nullopt when nothing matches within 50 years.
  std::optional<int64_t> next_after(int64_t after_unix_s, const TimeZone& zone) const;

  const std::string& text() const { return text_; }
  // True when the minute or hour field starts with '*' (see the DST rule).
  bool wildcard() const { return wildcard_; }

 private:
  Cron() = default;
  bool day_matches(int day, int month, int weekday) const;
  // The instants at which local wall time `local_s` (seconds as if UTC)
  // should fire, by the DST rule; appends at most two.
  int candidate_instants(int64_t local_s, const ZoneSession& zone, int64_t out[2]) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;    // 1-31
  std::bitset<13> months_;  // 1-12
  std::bitset<7> weekdays_; // 0-6, Sunday 0
  bool day_star_ = false, weekday_star_ = false, wildcard_ = false;
};

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t days_from_civil(int year, int month, int day);
void civil_from_days(int64_t days, int& year, int& month, int& day);

}  // namespace forager
