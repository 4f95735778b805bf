#include "crawler/cli/report_command.h"

#include <chrono>
#include <cstdio>
#include <fstream>

#include "crawler/cli/commands.h"
#include "crawler/cli/known_runs.h"
#include "crawler/report/report_html.h"
#include "storage/open.h"

namespace forager {
namespace {

// The re-crawl chart shows at most this many runs (the newest, up to the reported one).
constexpr size_t kMaxJobRuns = 30;

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<int64_t> parse_run_id(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(text);
}

// The selected run, or an error message naming what does not exist.
std::optional<storage::RunSummary> select_run(storage::ReportQueries& data, const ReportOptions& options,
                                              std::string& error) {
  std::optional<int64_t> id;
  if (options.run != "latest") {
    id = parse_run_id(options.run);
    if (!id) {
      error = "--run must be a run ID or latest, not \"" + options.run + "\"";
      return std::nullopt;
    }
  }
  auto all_runs = data.runs(std::nullopt);
  error = unknown_job_or_run(all_runs, options.job, id, options.db_path);
  if (!error.empty()) return std::nullopt;
  for (const auto& r : all_runs)  // newest first
    if ((!options.job || r.job == *options.job) && (!id || r.id == *id)) return r;
  error = "no runs in " + options.db_path + " yet";
  return std::nullopt;
}

report::ReportModel build_model(storage::ReportQueries& data, const storage::RunSummary& run) {
  report::ReportModel model;
  model.run = run;
  model.data = data.aggregates(run);
  model.events = data.worker_events(run.id);
  model.members = data.members(run);
  for (const auto& r : data.runs(run.job)) {  // newest first
    if (r.id > run.id) continue;
    if (model.job_runs.size() == kMaxJobRuns) break;
    model.job_runs.insert(model.job_runs.begin(), r);
  }
  model.generated_at_ms = wall_ms();
  return model;
}

bool write_atomically(const std::string& path, const report::ReportModel& model, std::string& error) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      error = "cannot write " + tmp;
      return false;
    }
    report::write_report_html(model, out);
    out.flush();
    if (!out) {
      error = "cannot write " + tmp;
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + tmp + " to " + path;
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

int report_command(const ReportOptions& options) {
  if (!storage::exists(options.db_path)) {
    std::fprintf(stderr, "forager report: %s: no such store (crawl first, or pass --db)\n", options.db_path.c_str());
    return kExitUsage;
  }
  try {
    auto data_store = storage::open_reports(options.db_path);
    storage::ReportQueries& data = *data_store;
    std::string error;
    auto run = select_run(data, options, error);
    if (!run) {
      std::fprintf(stderr, "forager report: %s\n", error.c_str());
      return kExitUsage;
    }
    if (!write_atomically(options.output, build_model(data, *run), error)) {
      std::fprintf(stderr, "forager report: %s\n", error.c_str());
      return kExitRuntime;
    }
    std::fprintf(stderr, "forager report: wrote %s (run %lld of job %s)\n", options.output.c_str(),
                 static_cast<long long>(run->id), run->job.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "forager report: %s\n", e.what());
    return kExitRuntime;
  }
}

}  // namespace forager
