// `forager crawl`: validate everything first (wrong usage writes nothing),
// fork the workers, then open the store and run the coordinator.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "crawler/cli/commands.h"
#include "crawler/cli/process_identity.h"
#include "crawler/cli/seed_list.h"
#include "crawler/coordinator.h"
#include "crawler/util/duration.h"
#include "storage/open.h"
#include "workers/rules/rules.h"
#include "workers/worker_main.h"

namespace forager {
namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "forager crawl: %s\nRun with --help for more information.\n", message.c_str());
  return kExitUsage;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Reads and checks the --rules file (workers/rules/rules.h); returns an error
// message naming the file, the rule, the field and the selector column, or "".
std::string load_rules(CrawlOptions& options) {
  if (options.rules_path.empty()) return "";
  std::ifstream in(options.rules_path, std::ios::binary);
  if (!in) return options.rules_path + ": cannot read the rules file";
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return options.rules_path + ": cannot read the rules file";
  auto rules = Rules::parse(text.str());
  if (auto* error = std::get_if<std::string>(&rules))
    return options.rules_path + ": " + *error + " (see docs/RULES.md)";
  options.rules_json = text.str();
  return "";
}

// Without seeds, a crawl can only resume an unfinished run of the job.
bool has_unfinished_run(const CrawlOptions& options) {
  if (!file_exists(options.db_path)) return false;
  auto store = storage::open(options.db_path);
  for (const auto& run : store->list_runs(options.job))
    if (run.state != "done") return true;
  return false;
}

std::string summary_text(const CrawlOptions& options, const CrawlSummary& s) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", s.fetched * 1000.0 / std::max<int64_t>(s.elapsed_ms, 1));
  std::string text = "forager: run " + std::to_string(s.run) + " of job '" + options.job + "'";
  if (s.resumed) text += " (resumed)";
  if (s.state == storage::RunState::kInterrupted) {
    text += std::string(" stopped by ") + (s.stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
  } else {
    text += " finished";
  }
  text += ": " + std::to_string(s.fetched) + " pages fetched, " + std::to_string(s.pages) + " records, " +
          std::to_string(s.errors) + " with errors, in " +
          std::to_string(s.elapsed_ms / 1000) + "." + std::to_string(s.elapsed_ms % 1000 / 100) + " s (" +
          rate + " pages/s)";
  if (s.workers_replaced) text += "; " + std::to_string(s.workers_replaced) + " workers replaced";
  if (s.workers_recycled) text += "; " + std::to_string(s.workers_recycled) + " workers recycled";
  text += "\nforager: robots.txt ";
  text += options.ignore_robots ? "ignored (--ignore-robots)" : "matched as '" + robots_agent(options) + "'";
  text += "\nforager: store " + options.db_path;
  if (s.state == storage::RunState::kInterrupted)
    text += "; " + std::to_string(s.queued_left) + " URLs still queued: run the same command again to resume";
  else
    text += "; export with: forager export --db " + options.db_path + " --job " + options.job;
  return text;
}

int default_workers() {
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? static_cast<int>(cores) : 1;
}

}  // namespace

int crawl_command(CrawlOptions options, const std::vector<std::string>& arguments, const std::string& max_time,
                  const std::string& scope_text) {
  auto seeds = read_seeds(arguments);
  if (auto* error = std::get_if<std::string>(&seeds)) return usage_error(*error);
  options.seeds = std::get<std::vector<std::string>>(std::move(seeds));
  if (!max_time.empty()) {
    auto ms = parse_duration_ms(max_time);
    if (!ms) return usage_error("--max-time: '" + max_time + "' is not a duration like 90s, 30m or 2h");
    options.max_time_ms = *ms;
  }
  options.scope = parse_scope(scope_text).value_or(ScopeMode::kHost);
  auto scope = Scope::make(options.scope, options.allow, options.deny);
  if (auto* error = std::get_if<std::string>(&scope)) return usage_error(*error);
  if (auto error = load_rules(options); !error.empty()) return usage_error(error);
  if (options.workers <= 0) options.workers = default_workers();

  try {
    if (options.seeds.empty() && !has_unfinished_run(options))
      return usage_error("no seed URLs given, and job '" + options.job + "' has no unfinished run to resume");

    // Order matters: signal handling first (the children reset it), then the
    // workers, then the store, which only the coordinator ever opens.
    SignalPipe signals;
    WorkerPool pool(options.workers, [](UniqueFd fd) { return run_worker(std::move(fd)); },
                    {"/proc/self/exe", "forager", kWorkerArgument});
    pool.start();
    auto store = storage::open(options.db_path);
    const std::string holder = current_process_identity();
    if (auto other = store->lock_job(options.job, holder, process_identity_alive)) {
      std::fprintf(stderr, "forager crawl: job '%s' is already running (pid %d)\n", options.job.c_str(),
                   process_identity_pid(*other));
      return kExitJobRunning;
    }
    struct Unlock {
      storage::Store& store;
      const CrawlOptions& options;
      const std::string& holder;
      ~Unlock() {
        try {
          store.unlock_job(options.job, holder);
        } catch (...) {  // a lock left behind is taken over: its holder is dead
        }
      }
    } unlock{*store, options, holder};
    SystemClock clock;
    Progress progress(stderr, options.progress);
    Coordinator coordinator(options, std::get<Scope>(std::move(scope)), *store, pool, signals, clock, progress);
    CrawlSummary summary = coordinator.run();
    pool.shutdown(2000);
    progress.summary(summary_text(options, summary));
    return summary.state == storage::RunState::kInterrupted ? 128 + summary.stop_signal : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nforager crawl: %s\n", e.what());
    return 1;
  }
}

}  // namespace forager
