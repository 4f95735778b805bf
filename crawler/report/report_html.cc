#include "crawler/report/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <utility>

#include "storage/exporter.h"

namespace forager::report {
namespace {

using storage::CodeCount;
using storage::HostCount;
using storage::PageBrief;

// ---- text ------------------------------------------------------------------

// At most `max` code points of `text` (valid UTF-8), with "…" when cut.
std::string clip(std::string_view text, size_t max) {
  std::string valid = storage::valid_utf8(text);
  size_t points = 0;
  for (size_t i = 0; i < valid.size(); ++i) {
    if ((static_cast<unsigned char>(valid[i]) & 0xC0) == 0x80) continue;
    if (points++ == max) return valid.substr(0, i) + "\u2026";
  }
  return valid;
}

std::string num(double value, int decimals = 0) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// 1234567 -> "1,234,567".
std::string count(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string bytes_text(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  return num(v, u == 0 ? 0 : 1) + " " + units[u];
}

// Seconds as "0.4s", "45s", "2m05s", "1h02m".
std::string duration_text(double seconds) {
  if (seconds < 9.95) {
    std::string out = num(seconds, 1);
    if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
    return out + "s";
  }
  auto s = static_cast<long long>(std::llround(seconds));
  if (s < 60) return std::to_string(s) + "s";
  char buffer[48];
  if (s < 3600)
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", s / 3600, s / 60 % 60);
  std::string out = buffer;
  if (out.size() > 4 && out.compare(out.size() - 3, 3, "00s") == 0) out.resize(out.size() - 3);  // "2m00s" -> "2m"
  return out;
}

// "08:07:15 UTC" (the time of day) and "2026-11-22" (the date) of a Unix time in ms.
std::string utc_time(int64_t unix_ms) { return storage::format_iso8601_utc(unix_ms).substr(11, 8) + " UTC"; }
std::string utc_date(int64_t unix_ms) { return storage::format_iso8601_utc(unix_ms).substr(0, 10); }

std::string ms_text(int64_t ms) {
  return ms < 1000 ? std::to_string(ms) + " ms" : num(ms / 1000.0, ms < 10000 ? 2 : 1) + " s";
}

std::string code_color(const std::string& code) {
  if (code.empty() || code[0] < '0' || code[0] > '9') return code == "none" ? "#9aa0a6" : "#8e5bc4";
  switch (code[0]) {
    case '2':
      return "#2e9d5b";
    case '3':
      return "#3b7dd8";
    case '4':
      return "#e8912d";
    default:
      return "#d64545";
  }
}

const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                          "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#6b6ecf"};

// ---- SVG primitives ---------------------------------------------------------

constexpr double kWidth = 1000, kHeight = 260;
constexpr double kLeft = 64, kRight = 16, kTop = 16, kBottom = 44;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

// A round step that splits [0, max] into at most `ticks` parts.
double nice_step(double max, int ticks, double least) {
  if (max <= 0) return least;
  double raw = max / ticks, magnitude = std::pow(10, std::floor(std::log10(raw)));
  double norm = raw / magnitude;
  double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
  return std::max(step, least);
}

double time_step(double span_s) {
  static const double kSteps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400};
  for (double s : kSteps)
    if (span_s / s <= 8) return s;
  return nice_step(span_s, 8, 86400);
}

void open_svg(std::ostream& out, const std::string& id, const std::string& label, double height = kHeight) {
  out << "<svg id=\"" << id << "\" class=\"chart\" role=\"img\" aria-label=\"" << html_escape(label)
      << "\" viewBox=\"0 0 " << num(kWidth) << ' ' << num(height) << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
}

// Horizontal grid lines and y labels for [0, y_max]; returns the axis top.
double y_axis(std::ostream& out, double y_max, const std::string& title, double least_step = 1) {
  double step = nice_step(y_max, 5, least_step);
  double top = std::max(step, std::ceil(y_max / step) * step);
  for (double v = 0; v <= top + step / 2; v += step) {
    double y = kTop + kPlotH - v / top * kPlotH;
    out << "<line class=\"grid\" x1=\"" << num(kLeft) << "\" x2=\"" << num(kLeft + kPlotW) << "\" y1=\"" << num(y, 1)
        << "\" y2=\"" << num(y, 1) << "\"/><text class=\"tick\" x=\"" << num(kLeft - 6) << "\" y=\"" << num(y + 4, 1)
        << "\" text-anchor=\"end\">" << (step < 1 ? num(v, 1) : count(static_cast<int64_t>(std::llround(v))))
        << "</text>\n";
  }
  out << "<text class=\"axis-title\" transform=\"translate(14," << num(kTop + kPlotH / 2) << ") rotate(-90)\" "
      << "text-anchor=\"middle\">" << html_escape(title) << "</text>\n";
  return top;
}

void time_axis(std::ostream& out, double span_s) {
  double step = time_step(span_s);
  for (double t = 0; t <= span_s + 1e-9; t += step) {
    double x = kLeft + t / span_s * kPlotW;
    out << "<line class=\"axis\" x1=\"" << num(x, 1) << "\" x2=\"" << num(x, 1) << "\" y1=\"" << num(kTop + kPlotH)
        << "\" y2=\"" << num(kTop + kPlotH + 4) << "\"/><text class=\"tick\" x=\"" << num(x, 1) << "\" y=\""
        << num(kTop + kPlotH + 18) << "\" text-anchor=\"middle\">" << duration_text(t) << "</text>\n";
  }
  out << "<text class=\"axis-title\" x=\"" << num(kLeft + kPlotW / 2) << "\" y=\"" << num(kHeight - 4)
      << "\" text-anchor=\"middle\">time since the run started</text>\n";
}

struct Series {
  std::string name, color;
  std::vector<double> y;    // one value per bucket
  size_t from = 0, to = 0;  // drawn buckets [from, to)
  double x_offset = 0.5;    // where in its bucket a value is drawn (0 start, 1 end)
  bool dashed = false;
  bool area = false;
};

void draw_series(std::ostream& out, const Series& s, double bucket_s, double span_s, double y_top) {
  if (s.from >= s.to) return;
  std::ostringstream path;
  auto x_of = [&](size_t i) { return kLeft + std::min(span_s, (i + s.x_offset) * bucket_s) / span_s * kPlotW; };
  auto y_of = [&](double v) { return kTop + kPlotH - v / y_top * kPlotH; };
  for (size_t i = s.from; i < s.to; ++i)
    path << (i == s.from ? 'M' : 'L') << num(x_of(i), 1) << ' ' << num(y_of(s.y[i]), 1);
  if (s.area) {
    out << "<path class=\"area\" fill=\"" << s.color << "\" d=\"M" << num(x_of(s.from), 1) << ' ' << num(y_of(0), 1)
        << path.str().replace(0, 1, "L") << 'L' << num(x_of(s.to - 1), 1) << ' ' << num(y_of(0), 1) << "Z\"/>\n";
  }
  out << "<path class=\"line\" stroke=\"" << s.color << "\"" << (s.dashed ? " stroke-dasharray=\"5 3\"" : "") << " d=\""
      << path.str() << "\"><title>" << html_escape(s.name) << "</title></path>\n";
  if (s.to - s.from == 1) {  // a single point: make it visible
    out << "<circle cx=\"" << num(x_of(s.from), 1) << "\" cy=\"" << num(y_of(s.y[s.from]), 1) << "\" r=\"3\" fill=\""
        << s.color << "\"/>\n";
  }
}

void legend(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& items) {
  out << "<div class=\"legend\">";
  for (const auto& [name, color] : items)
    out << "<span><i style=\"background:" << color << "\"></i>" << html_escape(name) << "</span>";
  out << "</div>\n";
}

struct Bar {
  std::string label;
  std::vector<std::pair<double, std::string>> parts;  // stacked values and their colors
  std::string tip;
};

void bar_chart(std::ostream& out, const std::string& id, const std::string& label, const std::vector<Bar>& bars,
               const std::string& y_title) {
  open_svg(out, id, label);
  double y_max = 0;
  for (const auto& b : bars) {
    double total = 0;
    for (const auto& p : b.parts) total += p.first;
    y_max = std::max(y_max, total);
  }
  double top = y_axis(out, y_max, y_title);
  double slot = kPlotW / std::max<size_t>(bars.size(), 1), width = std::min(slot * 0.7, 80.0);
  // About one label per 60 px.
  const size_t label_every = std::max<size_t>(1, static_cast<size_t>(std::ceil(60.0 / slot)));
  for (size_t i = 0; i < bars.size(); ++i) {
    double x = kLeft + slot * i + (slot - width) / 2, y = kTop + kPlotH, total = 0;
    out << "<g><title>" << html_escape(bars[i].tip) << "</title>";
    for (const auto& [value, color] : bars[i].parts) {
      double h = value / top * kPlotH;
      if (value > 0) h = std::max(h, 1.0);
      y -= h;
      total += value;
      out << "<rect x=\"" << num(x, 1) << "\" y=\"" << num(y, 1) << "\" width=\"" << num(width, 1) << "\" height=\""
          << num(h, 1) << "\" fill=\"" << color << "\"/>";
    }
    if (bars.size() <= 24)
      out << "<text class=\"value\" x=\"" << num(x + width / 2, 1) << "\" y=\"" << num(y - 4, 1)
          << "\" text-anchor=\"middle\">" << count(static_cast<int64_t>(total)) << "</text>";
    out << "</g>\n";
    if (i % label_every == 0)
      out << "<text class=\"tick\" x=\"" << num(x + width / 2, 1) << "\" y=\"" << num(kTop + kPlotH + 18)
          << "\" text-anchor=\"middle\">" << html_escape(clip(bars[i].label, 14)) << "</text>\n";
  }
  if (bars.empty())
    out << "<text class=\"empty\" x=\"" << num(kLeft + kPlotW / 2) << "\" y=\"" << num(kTop + kPlotH / 2)
        << "\" text-anchor=\"middle\">no records</text>\n";
  out << "</svg>\n";
}

// ---- sections ---------------------------------------------------------------

void section(std::ostream& out, const std::string& title, const std::string& what) {
  out << "<section>\n<h2>" << html_escape(title) << "</h2>\n<p class=\"what\">" << html_escape(what) << "</p>\n";
}

void card(std::ostream& out, const std::string& name, const std::string& value, const std::string& detail = "") {
  out << "<div class=\"card\"><div class=\"name\">" << html_escape(name) << "</div><div class=\"value\">"
      << html_escape(value) << "</div>";
  if (!detail.empty()) out << "<div class=\"detail\">" << html_escape(detail) << "</div>";
  out << "</div>\n";
}

void summary(std::ostream& out, const ReportModel& m) {
  const auto& r = m.run;
  const auto& s = m.data.stats;
  const auto& l = m.data.latency;
  int64_t failed = 0;
  for (const auto& c : s.failures_by_code) failed += c.count;
  out << "<div class=\"cards\">\n";
  card(out, "run", "#" + std::to_string(r.id) + " " + r.state, "job " + r.job);
  card(out, "started", r.started_at_ms ? utc_time(r.started_at_ms) : "-",
       utc_date(r.started_at_ms) + (r.finished_at_ms ? ", finished " + utc_time(r.finished_at_ms) : ", not finished"));
  card(out, "duration", duration_text(s.duration_s), num(s.pages_per_second, 1) + " records/s");
  card(out, "records", count(r.pages), bytes_text(m.data.bytes) + " of bodies");
  card(out, "failed", count(failed), count(r.errors) + " errors, " + count(failed - r.errors) + " HTTP \u2265 400");
  card(out, "frontier", count(r.queued) + " queued",
       count(r.leased) + " leased, " + count(r.done) + " done, " + count(r.failed) + " failed");
  card(out, "response time", "p50 " + ms_text(l.p50_ms),
       "p90 " + ms_text(l.p90_ms) + ", p99 " + ms_text(l.p99_ms) + ", max " + ms_text(l.max_ms));
  std::map<int, std::string> pids;  // pid -> how it ended
  for (const auto& e : m.events) {
    std::string& how = pids[e.pid];
    if (e.event != "start" && how != "crash") how = e.event;  // a stalled worker is then killed: one replacement
  }
  for (const auto& w : m.data.timeline.workers)
    if (w.pid) pids.try_emplace(w.pid);
  int replaced = 0, recycled = 0;
  for (const auto& [pid, how] : pids) replaced += how == "crash" || how == "stall", recycled += how == "recycle";
  card(out, "worker processes", std::to_string(pids.size()),
       std::to_string(replaced) + " replaced, " + std::to_string(recycled) + " recycled");
  out << "</div>\n";
}

void pages_chart(std::ostream& out, const ReportModel& m) {
  const auto& t = m.data.timeline;
  const double bucket_s = t.bucket_ms / 1000.0, span_s = std::max(1.0, t.pages.size() * bucket_s);
  section(out, "Pages over time",
          "Records stored since the run started, cumulative, in buckets of " + duration_text(bucket_s) +
              "; the lower line counts the failed ones (an error or HTTP \u2265 400).");
  // Point i is the count before bucket i: from (0, 0) to (span, total).
  Series all{"all records", "#4e79a7", {0}, 0, t.pages.size() + 1, 0.0, false, true};
  Series bad{"failed records", "#d64545", {0}, 0, t.failed.size() + 1, 0.0, false, false};
  double total = 0, failed = 0;
  for (size_t i = 0; i < t.pages.size(); ++i) {
    all.y.push_back(total += t.pages[i]);
    bad.y.push_back(failed += t.failed[i]);
  }
  open_svg(out, "chart-pages", "cumulative records over time");
  double top = y_axis(out, total, "records");
  time_axis(out, span_s);
  draw_series(out, all, bucket_s, span_s, top);
  draw_series(out, bad, bucket_s, span_s, top);
  out << "</svg>\n";
  legend(out, {{"all records", "#4e79a7"}, {"failed records", "#d64545"}});
  out << "</section>\n";
}

// Where the time axes start: the run's start, or its first record if earlier.
int64_t t0_of(const ReportModel& m) { return m.data.timeline.t0_ms ? m.data.timeline.t0_ms : m.run.started_at_ms; }

struct Marker {
  std::string color, shape;
};

Marker marker_of(const std::string& event) {
  if (event == "crash") return {"#d64545", "x"};
  if (event == "stall") return {"#8e5bc4", "x"};
  if (event == "recycle") return {"#e8912d", "o"};
  if (event == "start") return {"#2e9d5b", "^"};
  return {"#5f6368", "o"};
}

void event_markers(std::ostream& out, const ReportModel& m, double span_s) {
  std::map<int, std::string> last_event;  // by slot
  size_t drawn = 0;
  for (const auto& e : m.events) {
    std::string before = std::exchange(last_event[e.slot], e.event);
    // A start is marked only when the run was resumed (the slot's earlier
    // process ended unrecorded): the crawl starting needs no marker, and a
    // replacement is told by the end before it.
    if (e.event == "start" && before != "start" && before != "stop") continue;
    if (e.event == "stop" || ++drawn > 400) continue;
    double t = std::clamp((e.at_ms - t0_of(m)) / 1000.0, 0.0, span_s);
    double x = kLeft + t / span_s * kPlotW, y = kTop + 6;
    Marker mk = marker_of(e.event);
    out << "<g class=\"marker\"><title>"
        << html_escape(e.event + ": worker pid " + std::to_string(e.pid) + ", slot " + std::to_string(e.slot) +
                       ", at " + duration_text(t))
        << "</title><line x1=\"" << num(x, 1) << "\" x2=\"" << num(x, 1) << "\" y1=\"" << num(kTop) << "\" y2=\""
        << num(kTop + kPlotH) << "\" stroke=\"" << mk.color << "\" stroke-dasharray=\"3 3\"/>";
    if (mk.shape == "^")
      out << "<path d=\"M" << num(x, 1) << ' ' << num(y - 5, 1) << "l5 9h-10z\" fill=\"" << mk.color << "\"/>";
    else if (mk.shape == "x")
      out << "<path d=\"M" << num(x - 4, 1) << ' ' << num(y - 4, 1) << "l8 8m0 -8l-8 8\" stroke=\"" << mk.color
          << "\" stroke-width=\"2.5\"/>";
    else
      out << "<circle cx=\"" << num(x, 1) << "\" cy=\"" << num(y, 1) << "\" r=\"4.5\" fill=\"" << mk.color << "\"/>";
    out << "</g>\n";
  }
}

void workers_chart(std::ostream& out, const ReportModel& m) {
  const auto& t = m.data.timeline;
  const double bucket_s = t.bucket_ms / 1000.0, span_s = std::max(1.0, t.pages.size() * bucket_s);
  section(out, "Throughput of each worker process",
          "Records per second fetched by each worker process (one line per pid, averaged over " +
              duration_text(bucket_s) +
              "). Dashed verticals mark a worker that crashed or stalled (\u2716) or was "
              "recycled (\u25cf); the line of its replacement starts there. Hover a line or marker for its pid.");
  std::vector<Series> series;
  std::vector<std::pair<std::string, std::string>> names;
  double y_max = 0;
  for (size_t w = 0; w < t.workers.size(); ++w) {
    const auto& worker = t.workers[w];
    Series s;
    s.name = worker.pid ? "pid " + std::to_string(worker.pid) : "other workers";
    s.color = worker.pid ? kPalette[w % std::size(kPalette)] : "#9aa0a6";
    s.dashed = w >= std::size(kPalette);
    for (int64_t c : worker.per_bucket) s.y.push_back(c / bucket_s);
    auto active = [](int64_t c) { return c > 0; };
    s.from = static_cast<size_t>(std::find_if(worker.per_bucket.begin(), worker.per_bucket.end(), active) -
                                 worker.per_bucket.begin());
    s.to = worker.per_bucket.size() -
           static_cast<size_t>(std::find_if(worker.per_bucket.rbegin(), worker.per_bucket.rend(), active) -
                               worker.per_bucket.rbegin());
    for (double v : s.y) y_max = std::max(y_max, v);
    names.push_back({s.name + " (" + count(worker.pages) + ")", s.color});
    series.push_back(std::move(s));
  }
  open_svg(out, "chart-workers", "records per second by worker process");
  double top = y_axis(out, y_max, "records/s", 0.1);
  time_axis(out, span_s);
  for (const auto& s : series) draw_series(out, s, bucket_s, span_s, top);
  event_markers(out, m, span_s);
  if (series.empty())
    out << "<text class=\"empty\" x=\"" << num(kLeft + kPlotW / 2) << "\" y=\"" << num(kTop + kPlotH / 2)
        << "\" text-anchor=\"middle\">no fetches</text>\n";
  out << "</svg>\n";
  legend(out, names);
}

void workers_table(std::ostream& out, const ReportModel& m) {
  struct Life {
    int slot = 0;
    int64_t started = -1, ended = -1;
    std::string how;
    int64_t pages = 0;
  };
  std::map<int, Life> lives;
  std::vector<int> order;
  for (const auto& e : m.events) {
    auto [it, fresh] = lives.try_emplace(e.pid);
    if (fresh) order.push_back(e.pid);
    it->second.slot = e.slot;
    if (e.event == "start")
      it->second.started = e.at_ms;
    else
      it->second.ended = e.at_ms, it->second.how = e.event;
  }
  for (const auto& w : m.data.timeline.workers)
    if (lives.count(w.pid)) lives[w.pid].pages = w.pages;
  if (order.empty()) {
    out << "</section>\n";
    return;
  }
  auto at = [&](int64_t ms) { return ms < 0 ? std::string("-") : duration_text((ms - t0_of(m)) / 1000.0); };
  out << "<table class=\"small\"><tr><th>pid</th><th>slot</th><th>started</th><th>ended</th><th>how</th>"
         "<th class=\"n\">records</th></tr>\n";
  size_t shown = 0;
  for (int pid : order) {
    if (++shown > 200) break;
    const Life& l = lives[pid];
    out << "<tr><td>" << pid << "</td><td>" << l.slot << "</td><td>" << at(l.started) << "</td><td>" << at(l.ended)
        << "</td><td>" << html_escape(l.how.empty() ? "running" : l.how) << "</td><td class=\"n\">" << count(l.pages)
        << "</td></tr>\n";
  }
  out << "</table>\n</section>\n";
}

// A shared run's members: each forager process that worked on it, with its
// own records per second. No section for a run crawled by one process.
void members_table(std::ostream& out, const ReportModel& m) {
  if (m.members.empty()) return;
  section(out, "Members",
          "The forager processes that crawled this shared run, in the order they joined: records each one "
          "committed, and its records per second from joining to leaving (or, while it is a member, to its "
          "last heartbeat). Times are the database server's clock.");
  auto at = [&](int64_t ms) { return duration_text(std::max(0.0, (ms - t0_of(m)) / 1000.0)); };
  out << "<table class=\"small\"><tr><th>host</th><th>pid</th><th>joined</th><th>left</th>"
         "<th class=\"n\">records</th><th class=\"n\">records/s</th></tr>\n";
  for (const auto& member : m.members) {
    out << "<tr><td>" << html_escape(clip(member.host, 80)) << "</td><td>" << member.pid << "</td><td>"
        << at(member.started_at_ms) << "</td><td>"
        << (member.live() ? "member (last heartbeat " + at(member.heartbeat_at_ms) + ")" : at(member.left_at_ms))
        << "</td><td class=\"n\">" << count(member.pages) << "</td><td class=\"n\">"
        << num(member.pages_per_second, 1) << "</td></tr>\n";
  }
  out << "</table>\n</section>\n";
}

void codes_chart(std::ostream& out, const ReportModel& m) {
  section(out, "HTTP status and error codes",
          "Records by HTTP status, or by error name when there was one (robots, timeout, ...). Green 2xx, blue 3xx, "
          "orange 4xx, red 5xx, purple errors.");
  std::vector<Bar> bars;
  for (const auto& c : m.data.codes)
    bars.push_back(
        {c.code, {{static_cast<double>(c.count), code_color(c.code)}}, c.code + ": " + count(c.count) + " records"});
  bar_chart(out, "chart-codes", "records by status or error code", bars, "records");
  out << "</section>\n";
}

void latency_chart(std::ostream& out, const ReportModel& m) {
  const auto& l = m.data.latency;
  section(out, "Response times",
          "Fetches by how long the transfer took (" + count(l.fetched) + " fetches; p50 " + ms_text(l.p50_ms) +
              ", p90 " + ms_text(l.p90_ms) + ", p99 " + ms_text(l.p99_ms) + ").");
  std::vector<Bar> bars;
  int64_t low = 0;
  const auto& bounds = storage::Latency::kBounds;
  for (size_t i = 0; i < l.buckets.size(); ++i) {
    std::string label = i < std::size(bounds) ? "<" + ms_text(bounds[i]) : "\u2265" + ms_text(low);
    std::string range = i < std::size(bounds) ? ms_text(low) + " to " + ms_text(bounds[i]) : ms_text(low) + " or more";
    bars.push_back(
        {label, {{static_cast<double>(l.buckets[i]), "#4e79a7"}}, range + ": " + count(l.buckets[i]) + " fetches"});
    if (i < std::size(bounds)) low = bounds[i];
  }
  // No empty buckets past the slowest fetch.
  while (bars.size() > 1 && l.buckets[bars.size() - 1] == 0) bars.pop_back();
  if (l.fetched == 0) bars.clear();
  bar_chart(out, "chart-latency", "fetches by response time", bars, "fetches");
  out << "</section>\n";
}

void depth_chart(std::ostream& out, const ReportModel& m) {
  section(out, "Depth", "Records by link depth from the seeds (seeds are depth 0).");
  std::vector<Bar> bars;
  for (const auto& d : m.data.depths)
    bars.push_back(
        {d.code, {{static_cast<double>(d.count), "#76b7b2"}}, "depth " + d.code + ": " + count(d.count) + " records"});
  bar_chart(out, "chart-depth", "records by depth", bars, "records");
  out << "</section>\n";
}

void recrawl_chart(std::ostream& out, const ReportModel& m) {
  section(out, "Runs of this job",
          "What each run of job \u201c" + clip(m.run.job, 80) +
              "\u201d found compared with the run before: new, "
              "changed, unchanged and gone pages. A first run has nothing to compare with: its bar is all records.");
  struct Kind {
    const char* name;
    const char* color;
  };
  const Kind kinds[] = {{"first run", "#9aa0a6"},
                        {"new", "#4e79a7"},
                        {"changed", "#f28e2b"},
                        {"unchanged", "#59a14f"},
                        {"gone", "#d64545"}};
  std::vector<Bar> bars;
  for (const auto& r : m.job_runs) {
    int64_t compared = r.new_pages + r.changed + r.unchanged + r.gone;
    double v[] = {compared ? 0.0 : static_cast<double>(r.pages), double(r.new_pages), double(r.changed),
                  double(r.unchanged), double(r.gone)};
    Bar b{"#" + std::to_string(r.id), {}, "run " + std::to_string(r.id) + ":"};
    for (size_t k = 0; k < std::size(kinds); ++k) {
      b.parts.push_back({v[k], kinds[k].color});
      if (v[k] > 0) b.tip += " " + count(static_cast<int64_t>(v[k])) + " " + kinds[k].name;
    }
    bars.push_back(std::move(b));
  }
  bar_chart(out, "chart-recrawl", "new, changed, unchanged and gone pages per run", bars, "records");
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& k : kinds) items.push_back({k.name, k.color});
  legend(out, items);
  out << "</section>\n";
}

std::string codes_text(const std::vector<CodeCount>& codes) {
  std::string out;
  for (size_t i = 0; i < codes.size() && i < 4; ++i)
    out += (i ? ", " : "") + codes[i].code + " \u00d7 " + count(codes[i].count);
  if (codes.size() > 4) out += ", \u2026";
  return out;
}

void hosts_tables(std::ostream& out, const ReportModel& m) {
  section(out, "Hosts", "The hosts with the most records, and those with the most failed records.");
  out << "<div class=\"pair\"><div><h3>Top hosts by records</h3><table><tr><th>host</th><th class=\"n\">records</th>"
         "<th class=\"n\">failed</th></tr>\n";
  for (const HostCount& h : m.data.top_hosts)
    out << "<tr><td class=\"url\">" << html_escape(clip(h.host, 60)) << "</td><td class=\"n\">" << count(h.pages)
        << "</td><td class=\"n\">" << count(h.failed) << "</td></tr>\n";
  out << "</table></div><div><h3>Top hosts by failures</h3><table><tr><th>host</th><th class=\"n\">failed</th>"
         "<th>codes</th></tr>\n";
  for (const HostCount& h : m.data.stats.top_failed_hosts)
    out << "<tr><td class=\"url\">" << html_escape(clip(h.host, 60)) << "</td><td class=\"n\">" << count(h.failed)
        << "</td><td>" << html_escape(codes_text(h.codes)) << "</td></tr>\n";
  if (m.data.stats.top_failed_hosts.empty()) out << "<tr><td colspan=\"3\">no failures</td></tr>\n";
  out << "</table></div></div>\n</section>\n";
}

std::string code_of(const PageBrief& p) {
  if (!p.error.empty()) return p.status ? p.error + " (" + std::to_string(*p.status) + ")" : p.error;
  return p.status ? std::to_string(*p.status) : "-";
}

void pages_tables(std::ostream& out, const ReportModel& m) {
  section(out, "Pages", "The slowest fetches, and the first failed records of the run.");
  out << "<h3>Slowest fetches</h3><table><tr><th class=\"n\">time</th><th>code</th><th>URL</th><th>title</th>"
         "<th>pid</th></tr>\n";
  for (const PageBrief& p : m.data.slowest)
    out << "<tr><td class=\"n\">" << ms_text(p.elapsed_ms) << "</td><td>" << html_escape(code_of(p))
        << "</td><td class=\"url\">" << html_escape(clip(p.url, 90)) << "</td><td>" << html_escape(clip(p.title, 70))
        << "</td><td>" << p.worker_pid << "</td></tr>\n";
  out << "</table>\n<h3>First failures</h3><table><tr><th>code</th><th>URL</th><th>linked from</th></tr>\n";
  for (const PageBrief& p : m.data.failures)
    out << "<tr><td>" << html_escape(code_of(p)) << "</td><td class=\"url\">" << html_escape(clip(p.url, 90))
        << "</td><td class=\"url\">" << html_escape(p.referrer.empty() ? "(seed)" : clip(p.referrer, 70))
        << "</td></tr>\n";
  if (m.data.failures.empty()) out << "<tr><td colspan=\"3\">no failures</td></tr>\n";
  out << "</table>\n</section>\n";
}

constexpr const char* kStyle = R"css(
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;background:#f4f5f7;color:#202124}
header{background:#1f3a5f;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;opacity:.8}
main{max-width:1120px;margin:0 auto;padding:16px 24px 40px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:8px 0 16px}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card .name{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#5f6368}
.card .value{font-size:22px;font-weight:600;margin:2px 0}
.card .detail{font-size:12px;color:#5f6368}
section{background:#fff;border-radius:8px;padding:14px 18px;margin:0 0 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:17px;margin:0 0 2px}
h3{font-size:14px;margin:12px 0 6px}
p.what{margin:0 0 8px;color:#5f6368;font-size:13px}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#e3e5e8;stroke-width:1}
svg .axis{stroke:#9aa0a6}
svg .tick,svg .value{font-size:11px;fill:#5f6368}
svg .value{fill:#202124}
svg .axis-title{font-size:12px;fill:#5f6368}
svg .empty{font-size:14px;fill:#9aa0a6}
svg .line{fill:none;stroke-width:2;stroke-linejoin:round}
svg .area{opacity:.12}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:#3c4043;margin:4px 0 0 64px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eceef1;vertical-align:top}
th{color:#5f6368;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.url{word-break:break-all;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
table.small{margin-top:10px;max-width:640px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:24px}
footer{color:#5f6368;font-size:12px;text-align:center;margin-top:8px}
)css";

}  // namespace

std::string html_escape(std::string_view text) {
  std::string valid = storage::valid_utf8(text), out;
  out.reserve(valid.size());
  for (char c : valid) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void write_report_html(const ReportModel& m, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<link rel=\"icon\" href=\"data:,\">\n<title>forager report: "
      << html_escape(clip(m.run.job, 80)) << ", run " << m.run.id << "</title>\n<style>" << kStyle
      << "</style>\n</head>\n<body>\n<header><h1>forager report \u2014 job \u201c" << html_escape(clip(m.run.job, 80))
      << "\u201d, run " << m.run.id << "</h1><p>generated " << storage::format_iso8601_utc(m.generated_at_ms)
      << "</p></header>\n<main>\n";
  summary(out, m);
  pages_chart(out, m);
  workers_chart(out, m);
  workers_table(out, m);
  members_table(out, m);
  codes_chart(out, m);
  recrawl_chart(out, m);
  latency_chart(out, m);
  depth_chart(out, m);
  hosts_tables(out, m);
  pages_tables(out, m);
  out << "<footer>forager " << FORAGER_VERSION << "</footer>\n</main>\n</body>\n</html>\n";
}

}  // namespace forager::report
