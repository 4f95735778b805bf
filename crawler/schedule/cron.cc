#include "crawler/schedule/cron.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <vector>

namespace forager {

// ---- calendar arithmetic (Howard Hinnant's algorithms) ---------------------

int64_t days_from_civil(int year, int month, int day) {
  const int64_t y = static_cast<int64_t>(year) - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t days, int& year, int& month, int& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

int weekday_of(int64_t days) { return static_cast<int>(((days % 7) + 7 + 4) % 7); }  // 1970-01-01: Thursday

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month];
}

LocalTime utc_time(int64_t unix_s) {
  LocalTime t;
  const int64_t days = floor_div(unix_s, 86400);
  const int64_t secs = unix_s - days * 86400;
  civil_from_days(days, t.year, t.month, t.day);
  t.hour = static_cast<int>(secs / 3600);
  t.minute = static_cast<int>(secs % 3600 / 60);
  t.second = static_cast<int>(secs % 60);
  t.weekday = weekday_of(days);
  return t;
}

std::recursive_mutex& tz_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

}  // namespace

// Makes a zone the C library's current one for its lifetime (named zones set
// TZ and restore it afterwards), holding the process-wide zone mutex.
class ZoneSession {
 public:
  explicit ZoneSession(const TimeZone& zone) : zone_(zone), lock_(tz_mutex()) {
    if (zone.kind_ == TimeZone::Kind::kNamed) {
      const char* old = std::getenv("TZ");
      const std::string wanted = ":" + zone.name_;
      if (old == nullptr || wanted != old) {
        if (old != nullptr) saved_ = old;
        switched_ = true;
        ::setenv("TZ", wanted.c_str(), 1);
      }
    }
    if (zone.kind_ != TimeZone::Kind::kUtc) ::tzset();
  }
  ~ZoneSession() {
    if (!switched_) return;
    if (saved_) {
      ::setenv("TZ", saved_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  ZoneSession(const ZoneSession&) = delete;
  ZoneSession& operator=(const ZoneSession&) = delete;

  LocalTime at(int64_t unix_s) const {
    if (zone_.kind_ == TimeZone::Kind::kUtc) return utc_time(unix_s);
    const time_t t = static_cast<time_t>(unix_s);
    struct tm tm {};
    if (::localtime_r(&t, &tm) == nullptr) return utc_time(unix_s);
    LocalTime local;
    local.year = tm.tm_year + 1900;
    local.month = tm.tm_mon + 1;
    local.day = tm.tm_mday;
    local.hour = tm.tm_hour;
    local.minute = tm.tm_min;
    local.second = tm.tm_sec;
    local.weekday = tm.tm_wday;
    local.offset_s = static_cast<int>(tm.tm_gmtoff);
    return local;
  }
  int offset(int64_t unix_s) const { return zone_.kind_ == TimeZone::Kind::kUtc ? 0 : at(unix_s).offset_s; }

 private:
  const TimeZone& zone_;
  std::lock_guard<std::recursive_mutex> lock_;
  bool switched_ = false;
  std::optional<std::string> saved_;
};

// ---- time zones ------------------------------------------------------------

TimeZone TimeZone::utc() { return TimeZone(Kind::kUtc, "UTC"); }
TimeZone TimeZone::local() { return TimeZone(Kind::kLocal, "local"); }

std::optional<TimeZone> TimeZone::named(const std::string& name) {
  if (name == "UTC") return utc();
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) return std::nullopt;
  const char* dir = std::getenv("TZDIR");
  const std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo") + "/" + name;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return TimeZone(Kind::kNamed, name);
}

LocalTime TimeZone::at(int64_t unix_s) const {
  ZoneSession session(*this);
  return session.at(unix_s);
}

std::string format_local_time(const LocalTime& t, bool utc) {
  char text[64];
  int n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day, t.hour,
                        t.minute, t.second);
  if (utc) {
    std::snprintf(text + n, sizeof text - static_cast<size_t>(n), "Z");
  } else {
    const int off = std::abs(t.offset_s) / 60;
    std::snprintf(text + n, sizeof text - static_cast<size_t>(n), "%c%02d:%02d", t.offset_s < 0 ? '-' : '+',
                  off / 60, off % 60);
  }
  return text;
}

// ---- parsing -----------------------------------------------------------------

namespace {

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct Field {
  const char* name;
  int min, max;
  const char* const* names;  // nullptr, or (max - min + 1) names from `min`
  int name_count;
};

constexpr Field kFields[] = {
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames, 12},
    {"day-of-week", 0, 7, kDayNames, 7},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// (Appends rather than operator+: g++ 12 -O3 warns falsely on "'" + string.)
std::string quoted(std::string_view s) {
  std::string out(1, '\'');
  out.append(s);
  out += '\'';
  return out;
}

// A number or (for month and day-of-week) a name; nullopt when neither.
std::optional<int> parse_value(std::string_view token, const Field& field) {
  if (!token.empty() && token.size() <= 4 &&
      std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int value = 0;
    for (char c : token) value = value * 10 + (c - '0');
    return value;
  }
  const std::string name = lower(token);
  for (int i = 0; i < field.name_count; ++i)
    if (name == field.names[i]) return field.min + i;
  return std::nullopt;
}

// Parses one field into bits [field.min, field.max]; returns "" or a message.
std::string parse_field(std::string_view text, const Field& field, std::bitset<64>& bits) {
  const std::string where = std::string(field.name) + " field: ";
  for (std::string_view item : split(text, ',')) {
    if (item.empty()) return where + "empty list item in " + quoted(text);
    std::string_view range = item;
    int step = 1;
    const bool has_step = item.find('/') != std::string_view::npos;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      Field numbers{field.name, 0, 0, nullptr, 0};
      auto value = parse_value(step_text, numbers);
      if (!value || *value < 1 || *value > field.max)
        return where + "bad step " + quoted(step_text) + " in " + quoted(item) + " (a number from 1 to " +
               std::to_string(field.max) + ")";
      step = *value;
    }
    int first = field.min, last = field.max;
    if (range != "*") {
      size_t dash = range.find('-');
      std::string_view a = range.substr(0, dash);
      auto lo = parse_value(a, field);
      if (!lo) return where + "bad token " + quoted(a) + " in " + quoted(item) + " (not a number" +
                      (field.names ? " or name)" : ")");
      first = *lo;
      last = (dash == std::string_view::npos && !has_step) ? first : field.max;
      if (dash != std::string_view::npos) {
        std::string_view b = range.substr(dash + 1);
        auto hi = parse_value(b, field);
        if (!hi) return where + "bad token " + quoted(b) + " in " + quoted(item) + " (not a number" +
                        (field.names ? " or name)" : ")");
        last = *hi;
      }
      if (field.max == 7 && last == 0 && first > 0) last = 7;  // "fri-sun": Sunday as 7
      for (int v : {first, last})
        if (v < field.min || v > field.max)
          return where + quoted(item) + " is out of range " + std::to_string(field.min) + "-" +
                 std::to_string(field.max);
      if (first > last) return where + "range " + quoted(item) + " goes backwards";
    }
    for (int v = first; v <= last; v += step) bits.set(static_cast<size_t>(v));
  }
  return "";
}

std::optional<std::string_view> macro(std::string_view name) {
  const std::string n = lower(name);
  if (n == "@yearly" || n == "@annually") return "0 0 1 1 *";
  if (n == "@monthly") return "0 0 1 * *";
  if (n == "@weekly") return "0 0 * * 0";
  if (n == "@daily" || n == "@midnight") return "0 0 * * *";
  if (n == "@hourly") return "0 * * * *";
  return std::nullopt;
}

template <size_t N>
std::bitset<N> narrow(const std::bitset<64>& bits) {
  std::bitset<N> out;
  for (size_t i = 0; i < N; ++i) out[i] = bits[i];
  return out;
}

}  // namespace

std::variant<Cron, std::string> Cron::parse(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  std::string_view expanded = text;
  if (fields.size() == 1 && fields[0].front() == '@') {
    auto m = macro(fields[0]);
    if (!m) return "unknown macro " + quoted(fields[0]) +
                   " (known: @yearly @annually @monthly @weekly @daily @midnight @hourly)";
    expanded = *m;
    fields = split(expanded, ' ');
  }
  if (fields.size() != 5)
    return "expected 5 fields (minute hour day-of-month month day-of-week) or an @-macro, got " +
           std::to_string(fields.size()) + " in " + quoted(text);

  Cron cron;
  cron.text_ = std::string(text);
  std::bitset<64> bits[5];
  for (size_t f = 0; f < 5; ++f) {
    if (auto error = parse_field(fields[f], kFields[f], bits[f]); !error.empty()) return error;
  }
  if (bits[4][7]) bits[4].set(0);  // 7 is Sunday too
  cron.minutes_ = narrow<60>(bits[0]);
  cron.hours_ = narrow<24>(bits[1]);
  cron.days_ = narrow<32>(bits[2]);
  cron.months_ = narrow<13>(bits[3]);
  cron.weekdays_ = narrow<7>(bits[4]);
  cron.day_star_ = fields[2].front() == '*';
  cron.weekday_star_ = fields[4].front() == '*';
  cron.wildcard_ = fields[0].front() == '*' || fields[1].front() == '*';

  // With the AND rule, the days of the month must exist in some month given.
  if (!cron.day_star_ && cron.weekday_star_) {
    bool possible = false;
    for (int m = 1; m <= 12 && !possible; ++m)
      for (int d = 1; d <= days_in_month(2000, m) && !possible; ++d)  // 2000: a leap year
        possible = cron.months_[static_cast<size_t>(m)] && cron.days_[static_cast<size_t>(d)];
    if (!possible)
      return "day-of-month field: " + quoted(fields[2]) + " never falls in month field " + quoted(fields[3]) +
             ", so " + quoted(text) + " would never run";
  }
  return cron;
}

bool Cron::day_matches(int day, int month, int weekday) const {
  if (!months_[static_cast<size_t>(month)]) return false;
  const bool d = days_[static_cast<size_t>(day)];
  const bool w = weekdays_[static_cast<size_t>(weekday)];
  if (day_star_ || weekday_star_) return d && w;
  return d || w;
}

int Cron::candidate_instants(int64_t local_s, const ZoneSession& zone, int64_t out[2]) const {
  // The offsets in force around this wall time (zones change at most once a day).
  const int before = zone.offset(local_s - 86400);
  const int after = zone.offset(local_s + 86400);
  int64_t found[2];
  int n = 0;
  for (int offset : {before, after}) {
    const int64_t u = local_s - offset;
    if (u + zone.offset(u) == local_s && (n == 0 || found[0] != u)) found[n++] = u;
  }
  if (n == 2 && found[1] < found[0]) std::swap(found[0], found[1]);
  if (n == 2) {  // a repeated wall time (fall back)
    out[0] = found[0];
    if (!wildcard_) return 1;
    out[1] = found[1];
    return 2;
  }
  if (n == 1) {
    out[0] = found[0];
    return 1;
  }
  if (wildcard_) return 0;  // a skipped wall time (spring forward)
  // A fixed time of day that was skipped runs right after the jump: the first
  // instant whose wall time is past `local_s`.
  int64_t lo = local_s - std::max(before, after), hi = local_s - std::min(before, after);
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (mid + zone.offset(mid) > local_s) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  out[0] = lo;
  return 1;
}

std::optional<int64_t> Cron::next_after(int64_t after_unix_s, const TimeZone& tz) const {
  ZoneSession zone(tz);
  // Largest change of offset considered between two nearby instants.
  const int64_t max_shift = tz.is_utc() ? 0 : 4 * 3600;
  const int64_t from = after_unix_s + zone.offset(after_unix_s) - max_shift;  // wall seconds
  const int64_t first_day = floor_div(from, 86400);
  const int64_t last_day = first_day + 50 * 366;
  std::optional<int64_t> best;
  int64_t stop = INT64_MAX;  // wall seconds past which nothing can beat `best`
  for (int64_t d = first_day; d <= last_day; ++d) {
    const int64_t day_start = d * 86400;
    if (day_start > stop) break;
    int year, month, day;
    civil_from_days(d, year, month, day);
    if (!months_[static_cast<size_t>(month)]) {
      d = days_from_civil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - 1;
      continue;
    }
    if (!day_matches(day, month, weekday_of(d))) continue;
    for (int h = 0; h < 24; ++h) {
      const int64_t hour_start = day_start + h * 3600;
      if (!hours_[static_cast<size_t>(h)] || hour_start + 3599 < from) continue;
      if (hour_start > stop) break;
      for (int m = 0; m < 60; ++m) {
        const int64_t wall = hour_start + m * 60;
        if (!minutes_[static_cast<size_t>(m)] || wall < from) continue;
        if (wall > stop) break;
        int64_t instants[2];
        const int n = candidate_instants(wall, zone, instants);
        for (int k = 0; k < n; ++k) {
          if (instants[k] > after_unix_s && (!best || instants[k] < *best)) {
            best = instants[k];
            stop = wall + max_shift;
          }
        }
      }
    }
  }
  return best;
}

}  // namespace forager
