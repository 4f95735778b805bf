// `forager status`: the runs of every job (or one) with their counts.
#include <sys/stat.h>

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "crawler/commands.h"
#include "storage/exporter.h"
#include "storage/sqlite_store.h"

namespace forager {
namespace {

std::string time_or_dash(int64_t unix_ms) { return unix_ms > 0 ? storage::format_iso8601_utc(unix_ms) : "-"; }

double duration_s(const storage::RunSummary& run) {
  return run.finished_at_ms > 0 ? (run.finished_at_ms - run.started_at_ms) / 1000.0 : 0.0;
}

void print_table(const std::vector<storage::RunSummary>& runs) {
  std::printf("%-5s %-16s %-12s %-24s %8s %8s %8s %7s %7s %7s %7s %9s %6s\n", "run", "job", "state", "started",
              "seconds", "pages/s", "pages", "errors", "queued", "new", "changed", "unchanged", "gone");
  for (const auto& r : runs) {
    double seconds = duration_s(r);
    auto n = [](int64_t v) { return static_cast<long long>(v); };
    std::printf("%-5lld %-16s %-12s %-24s %8.1f %8.1f %8lld %7lld %7lld %7lld %7lld %9lld %6lld\n", n(r.id),
                r.job.c_str(), r.state.c_str(), time_or_dash(r.started_at_ms).c_str(), seconds,
                seconds > 0 ? r.pages / seconds : 0.0, n(r.pages), n(r.errors), n(r.queued), n(r.new_pages),
                n(r.changed), n(r.unchanged), n(r.gone));
  }
  if (runs.empty()) std::printf("(no runs yet)\n");
}

void print_json(const std::vector<storage::RunSummary>& runs) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& r : runs) {
    list.push_back({{"run", r.id},
                    {"job", r.job},
                    {"state", r.state},
                    {"started_at", time_or_dash(r.started_at_ms)},
                    {"finished_at", r.finished_at_ms ? nlohmann::ordered_json(time_or_dash(r.finished_at_ms))
                                                     : nlohmann::ordered_json()},
                    {"pages", r.pages},
                    {"errors", r.errors},
                    {"new", r.new_pages},
                    {"changed", r.changed},
                    {"unchanged", r.unchanged},
                    {"gone", r.gone},
                    {"frontier", {{"queued", r.queued}, {"leased", r.leased}, {"done", r.done}, {"failed", r.failed}}}});
  }
  std::cout << list.dump(2) << "\n";
}

}  // namespace

int status_command(const StatusOptions& options) {
  struct stat st;
  if (::stat(options.db_path.c_str(), &st) != 0) {
    std::fprintf(stderr, "forager status: %s: no such store (crawl first, or pass --db)\n", options.db_path.c_str());
    return kExitUsage;
  }
  try {
    auto store = storage::SqliteStore::open(options.db_path);
    auto runs = store->list_runs(options.job);
    if (options.json) print_json(runs);
    else print_table(runs);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "forager status: %s\n", e.what());
    return 1;
  }
}

}  // namespace forager
