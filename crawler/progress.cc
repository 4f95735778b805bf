#include "crawler/progress.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

namespace forager {

namespace {

// "0:07", "12:34", "1:02:03": elapsed time as a clock shows it.
std::string elapsed_text(int64_t ms) {
  const long long s = std::max<int64_t>(ms, 0) / 1000;
  char buffer[32];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld", s / 60, s % 60);
  return buffer;
}

}  // namespace

Progress::Progress(std::FILE* out, bool enabled, std::string job)
    : out_(out), enabled_(enabled), job_(std::move(job)), terminal_(::isatty(::fileno(out)) == 1) {}

std::string Progress::line(const CrawlCounters& c, int64_t now_ms) const {
  double seconds = std::max<int64_t>(now_ms - started_ms_, 1) / 1000.0;
  char buffer[256];
  std::snprintf(buffer, sizeof buffer,
                "pages %lld  %.1f/s  queued %lld  in flight %lld  errors %lld",
                static_cast<long long>(c.pages), c.pages / seconds, static_cast<long long>(c.queued),
                static_cast<long long>(c.in_flight), static_cast<long long>(c.errors));
  std::string text = (job_.empty() ? "" : "job " + job_ + "  ") + elapsed_text(now_ms - started_ms_) + "  " + buffer;
  if (c.workers_replaced > 0) text += "  workers replaced " + std::to_string(c.workers_replaced);
  return text;
}

void Progress::update(const std::function<CrawlCounters()>& counters, int64_t now_ms) {
  if (started_ms_ < 0) started_ms_ = last_print_ms_ = now_ms;
  if (!enabled_) return;
  int64_t every = terminal_ ? 250 : 5000;
  if (now_ms - last_print_ms_ < every) return;
  last_print_ms_ = now_ms;
  std::string text = line(counters(), now_ms);
  if (terminal_) {
    size_t width = text.size();
    text.append(last_width_ > width ? last_width_ - width : 0, ' ');
    last_width_ = width;
    std::fprintf(out_, "\r%s", text.c_str());
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

void Progress::summary(const std::string& text) {
  if (terminal_ && enabled_ && last_width_ > 0) std::fprintf(out_, "\r%*s\r", static_cast<int>(last_width_), "");
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

}  // namespace forager
