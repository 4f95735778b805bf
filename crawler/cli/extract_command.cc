// `forager extract`: checks everything first (wrong usage writes nothing),
// forks the workers, then opens the store, takes the job's lock and runs
// the ExtractRun (crawler/extract_run.h). Exit status: 0, 1 on a runtime
// failure, 2 on wrong usage (no such job or run, a run with no archived
// bodies, an unfinished crawl run in the way), 75 while the job is being
// crawled, 128+N when stopped by signal N.
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "crawler/cli/commands.h"
#include "crawler/cli/process_identity.h"
#include "crawler/cli/rules_file.h"
#include "crawler/extract_run.h"
#include "storage/open.h"
#include "workers/worker_main.h"

namespace forager {
namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "forager extract: %s\nRun 'forager extract --help' for more information.\n",
               message.c_str());
  return kExitUsage;
}

int default_workers() {
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? static_cast<int>(cores) : 1;
}

// The run to extract from: --run (a run of the job), or, when the job's
// newest run is an unfinished extract, that extract's source (it is
// resumed), else the job's newest run. Sets `error` when there is none or
// when the newest run is an unfinished crawl (a new run cannot start then).
int64_t source_run(storage::Store& store, const ExtractOptions& o, std::string& error) {
  const auto runs = store.list_runs(o.job);  // newest first
  if (runs.empty()) {
    error = "no job '" + o.job + "' in " + o.db_path;
    return 0;
  }
  const auto& newest = runs.front();
  if (newest.state != "done") {
    auto options = nlohmann::json::parse(store.run_options(newest.id), nullptr, false);
    if (!options.is_object() || !options.contains("extract_of")) {
      error = "run " + std::to_string(newest.id) + " of job '" + o.job +
              "' is an unfinished crawl: finish it first (forager crawl --job " + o.job + " resumes it)";
      return 0;
    }
    const int64_t resumed_source = options["extract_of"].get<int64_t>();
    if (o.run && *o.run != resumed_source) {
      error = "run " + std::to_string(newest.id) + " is an unfinished extract of run " +
              std::to_string(resumed_source) + ": finish it first (forager extract without --run resumes it)";
      return 0;
    }
    return resumed_source;
  }
  if (!o.run) return newest.id;
  for (const auto& run : runs)
    if (run.id == *o.run) return run.id;
  error = "job '" + o.job + "' has no run " + std::to_string(*o.run);
  return 0;
}

// The source run's settings that shape extraction: --max-bytes, the user
// agent and the robots token.
CrawlOptions extract_settings(storage::Store& store, const ExtractOptions& o, int64_t source, const std::string& rules_json) {
  CrawlOptions options;
  options.db_path = o.db_path;
  options.job = o.job;
  options.rules_path = o.rules_path;
  options.rules_json = rules_json;
  options.workers = o.workers > 0 ? o.workers : default_workers();
  options.progress = o.progress;
  options.timeout_ms = o.timeout_ms;  // how long a worker may stay silent (ExtractRun)
  auto recorded = nlohmann::json::parse(store.run_options(source), nullptr, false);
  if (!recorded.is_object()) return options;
  if (recorded.contains("max_bytes") && recorded["max_bytes"].is_number_integer())
    options.max_bytes = recorded["max_bytes"].get<int64_t>();
  if (recorded.contains("user_agent") && recorded["user_agent"].is_string())
    options.user_agent = recorded["user_agent"].get<std::string>();
  if (recorded.contains("robots_agent") && recorded["robots_agent"].is_string())
    options.robots_agent = recorded["robots_agent"].get<std::string>();
  return options;
}

bool has_archived_bodies(storage::Store& store, const std::string& job, int64_t run) {
  storage::ExportQuery query;
  query.job = job;
  query.runs = storage::ExportQuery::Runs::kOne;
  query.run_id = run;
  bool found = false;
  store.for_each_record(query, [&](const storage::ExportRecord& record) {
    if (!record.page.warc.body_file.empty()) found = true;
  });
  return found;
}

}  // namespace

int extract_command(const ExtractOptions& o) {
  std::string rules_json;
  if (auto error = load_rules_file(o.rules_path, rules_json); !error.empty()) return usage_error(error);
  if (!storage::exists(o.db_path)) return usage_error("no store at " + o.db_path);
  try {
    // As crawl: signal handling first, then the workers, then the store.
    SignalPipe signals;
    WorkerPool pool(o.workers > 0 ? o.workers : default_workers(),
                    [](UniqueFd fd) { return run_worker(std::move(fd)); },
                    {"/proc/self/exe", "forager", kWorkerArgument});
    pool.start();
    auto store = storage::open(o.db_path);
    const std::string holder = current_process_identity();
    if (auto other = store->lock_job(o.job, holder, process_identity_alive)) {
      std::fprintf(stderr, "forager extract: job '%s' is being crawled (pid %d)\n", o.job.c_str(),
                   process_identity_pid(*other));
      return kExitJobRunning;
    }
    struct Unlock {
      storage::Store& store;
      const std::string& job;
      const std::string& holder;
      ~Unlock() {
        try {
          store.unlock_job(job, holder);
        } catch (...) {  // a lock left behind is taken over: its holder is dead
        }
      }
    } unlock{*store, o.job, holder};
    std::string error;
    const int64_t source = source_run(*store, o, error);
    if (source == 0) return usage_error(error);
    if (!has_archived_bodies(*store, o.job, source))
      return usage_error("run " + std::to_string(source) + " of job '" + o.job +
                         "' has no archived bodies: crawl with --keep-bodies (or --warc DIR) to extract from it");
    SystemClock clock;
    ExtractRun extract(extract_settings(*store, o, source, rules_json), source, *store, pool, signals, clock);
    const ExtractSummary s = extract.run();
    pool.shutdown(2000);
    std::fprintf(stderr,
                 "forager extract: run %lld of job '%s'%s from run %lld: %lld records, %lld extracted from the "
                 "archive, %lld with errors, in %lld.%lld s%s\n",
                 static_cast<long long>(s.run), o.job.c_str(), s.resumed ? " (resumed)" : "",
                 static_cast<long long>(s.source_run), static_cast<long long>(s.records),
                 static_cast<long long>(s.extracted), static_cast<long long>(s.errors),
                 static_cast<long long>(s.elapsed_ms / 1000), static_cast<long long>(s.elapsed_ms % 1000 / 100),
                 s.workers_replaced ? ("; " + std::to_string(s.workers_replaced) + " workers replaced").c_str() : "");
    if (s.stop_signal) {
      std::fprintf(stderr, "forager extract: stopped; run the same command again to finish run %lld\n",
                   static_cast<long long>(s.run));
      return 128 + s.stop_signal;
    }
    std::fprintf(stderr, "forager extract: export with: forager export --db %s --job %s --run %lld\n",
                 o.db_path.c_str(), o.job.c_str(), static_cast<long long>(s.run));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "forager extract: %s\n", e.what());
    return kExitRuntime;
  }
}

}  // namespace forager
