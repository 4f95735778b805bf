// `forager status`: the runs of every job (or one) with their counts, speed,
// failures by code and the hosts with the most failures, and for a shared run
// (PostgreSQL) its members: host, pid, pages, last heartbeat. Reads the store
// through storage::open_reports, a read-only view of the store.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "crawler/cli/commands.h"
#include "crawler/cli/known_runs.h"
#include "storage/exporter.h"
#include "storage/open.h"

namespace forager {
namespace {

// Hosts listed per run under top_error_hosts.
constexpr size_t kTopErrorHosts = 5;

struct RunStatus {
  storage::RunSummary summary;
  storage::RunStats stats;
  std::vector<storage::MemberStats> members;  // empty unless a shared run
};

std::string time_or_dash(int64_t unix_ms) { return unix_ms > 0 ? storage::format_iso8601_utc(unix_ms) : "-"; }

double rounded(double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

std::string codes_text(const std::vector<storage::CodeCount>& codes) {
  std::string out;
  for (size_t i = 0; i < codes.size(); ++i)
    out += (i ? ", " : "") + codes[i].code + " x" + std::to_string(codes[i].count);
  return out;
}

// The live members of each shared run (those that left are only counted).
void print_members(const std::vector<RunStatus>& runs) {
  for (const auto& [r, s, members] : runs) {
    if (members.empty()) continue;
    const auto live = std::count_if(members.begin(), members.end(), [](const auto& m) { return m.live(); });
    std::printf("\nrun %lld members: %lld live, %lld left\n", static_cast<long long>(r.id),
                static_cast<long long>(live), static_cast<long long>(members.size() - live));
    if (live == 0) continue;
    std::printf("  %-32s %8s %8s %8s  %-24s %s\n", "host", "pid", "pages", "pages/s", "joined", "last heartbeat");
    for (const auto& m : members) {
      if (!m.live()) continue;
      std::printf("  %-32s %8d %8lld %8.1f  %-24s %s (%.1f s ago)\n", m.host.c_str(), m.pid,
                  static_cast<long long>(m.pages), m.pages_per_second, time_or_dash(m.started_at_ms).c_str(),
                  time_or_dash(m.heartbeat_at_ms).c_str(), m.heartbeat_age_ms / 1000.0);
    }
  }
}

void print_table(const std::vector<RunStatus>& runs) {
  std::printf("%-5s %-16s %-12s %-24s %8s %8s %8s %7s %7s %7s %7s %7s %7s %7s %9s %6s\n", "run", "job", "state",
              "started", "seconds", "pages/s", "pages", "errors", "queued", "leased", "done", "failed", "new",
              "changed", "unchanged", "gone");
  for (const auto& [r, s, members] : runs) {
    auto n = [](int64_t v) { return static_cast<long long>(v); };
    std::printf("%-5lld %-16s %-12s %-24s %8.1f %8.1f %8lld %7lld %7lld %7lld %7lld %7lld %7lld %7lld %9lld %6lld\n",
                n(r.id), r.job.c_str(), r.state.c_str(), time_or_dash(r.started_at_ms).c_str(), s.duration_s,
                s.pages_per_second, n(r.pages), n(r.errors), n(r.queued), n(r.leased), n(r.done), n(r.failed),
                n(r.new_pages), n(r.changed), n(r.unchanged), n(r.gone));
  }
  if (runs.empty()) std::printf("(no runs yet)\n");
  // Failures (errors and HTTP statuses >= 400) of the runs that had any.
  for (const auto& [r, s, members] : runs) {
    if (s.failures_by_code.empty()) continue;
    std::printf("\nrun %lld failures by code: %s\n", static_cast<long long>(r.id),
                codes_text(s.failures_by_code).c_str());
    for (const auto& h : s.top_failed_hosts)
      std::printf("  %-40s %7lld of %lld records failed: %s\n", h.host.c_str(), static_cast<long long>(h.failed),
                  static_cast<long long>(h.pages), codes_text(h.codes).c_str());
  }
  print_members(runs);
}

nlohmann::ordered_json codes_json(const std::vector<storage::CodeCount>& codes) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& c : codes) out[c.code] = c.count;
  return out;
}

nlohmann::ordered_json members_json(const std::vector<storage::MemberStats>& members) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& m : members)
    out.push_back({{"host", m.host},
                   {"pid", m.pid},
                   {"live", m.live()},
                   {"pages", m.pages},
                   {"pages_per_second", rounded(m.pages_per_second, 2)},
                   {"joined_at", time_or_dash(m.started_at_ms)},
                   {"last_heartbeat", time_or_dash(m.heartbeat_at_ms)},
                   {"heartbeat_age_s", rounded(m.heartbeat_age_ms / 1000.0, 3)},
                   {"left_at", m.left_at_ms ? nlohmann::ordered_json(time_or_dash(m.left_at_ms))
                                            : nlohmann::ordered_json()}});
  return out;
}

void print_json(const std::vector<RunStatus>& runs) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& [r, s, members] : runs) {
    nlohmann::ordered_json hosts = nlohmann::ordered_json::array();
    for (const auto& h : s.top_failed_hosts)
      hosts.push_back(
          {{"host", h.host}, {"errors", h.failed}, {"pages", h.pages}, {"errors_by_code", codes_json(h.codes)}});
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
                    {"frontier", {{"queued", r.queued}, {"leased", r.leased}, {"done", r.done}, {"failed", r.failed}}},
                    {"duration_s", rounded(s.duration_s, 3)},
                    {"pages_per_second", rounded(s.pages_per_second, 2)},
                    {"errors_by_code", codes_json(s.failures_by_code)},
                    {"top_error_hosts", hosts}});
    if (!members.empty()) list.back()["members"] = members_json(members);
  }
  std::cout << list.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace

int status_command(const StatusOptions& options) {
  if (!storage::exists(options.db_path)) {
    std::fprintf(stderr, "forager status: %s: no such store (crawl first, or pass --db)\n", options.db_path.c_str());
    return kExitUsage;
  }
  try {
    auto data_store = storage::open_reports(options.db_path);
    storage::ReportQueries& data = *data_store;
    if (options.job) {
      if (auto unknown = unknown_job_or_run(data.runs(std::nullopt), options.job, std::nullopt, options.db_path);
          !unknown.empty()) {
        std::fprintf(stderr, "forager status: %s\n", unknown.c_str());
        return kExitUsage;
      }
    }
    std::vector<RunStatus> runs;
    for (auto& summary : data.runs(options.job)) {
      auto stats = data.run_stats(summary, kTopErrorHosts);
      auto members = data.members(summary);
      runs.push_back({std::move(summary), std::move(stats), std::move(members)});
    }
    if (options.json)
      print_json(runs);
    else
      print_table(runs);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "forager status: %s\n", e.what());
    return kExitRuntime;
  }
}

}  // namespace forager
