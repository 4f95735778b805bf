// `forager crawl`: validate everything first (wrong usage writes nothing),
// fork the workers, then open the store and run the coordinator. The exit
// status tells how the run went (crawler/util/exit_codes.h): 3 when no
// request got an HTTP response, 4 with --fail-on-error when a record failed.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crawler/cli/commands.h"
#include "crawler/cli/crawl_cli.h"
#include "crawler/cli/known_runs.h"
#include "crawler/cli/rules_file.h"
#include "crawler/cli/process_identity.h"
#include "crawler/cli/seed_list.h"
#include "crawler/coordinator.h"
#include "crawler/util/duration.h"
#include "storage/open.h"
#include "workers/worker_main.h"

namespace forager {
namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "forager crawl: %s\nRun 'forager crawl --help' for more information.\n", message.c_str());
  return kExitUsage;
}

// Checks that the --cacert file can be read and makes its path absolute (the
// workers and a later resume need not share the working directory); returns
// an error message, or "". Whether it holds valid PEM is libcurl's to say:
// every HTTPS fetch then fails with "tls".
std::string check_ca_file(CrawlOptions& options) {
  if (options.ca_file.empty()) return "";
  std::ifstream in(options.ca_file, std::ios::binary);
  struct stat st;
  if (!in || ::stat(options.ca_file.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return "--cacert: cannot read the CA file '" + options.ca_file + "'";
  std::error_code error;
  auto absolute = std::filesystem::absolute(options.ca_file, error);
  if (!error) options.ca_file = absolute.string();
  return "";
}

// Reads and checks the --rules file; returns an error message or "".
std::string load_rules(CrawlOptions& options) {
  if (options.rules_path.empty()) return "";
  return load_rules_file(options.rules_path, options.rules_json);
}

// Creates the --warc folder (or --keep-bodies' folder beside the store) if
// missing and makes its path absolute (workers write there, the store keeps
// the files' paths); returns an error message or "".
std::string prepare_warc_dir(CrawlOptions& options) {
  if (options.keep_bodies && options.warc_dir.empty()) {
    options.warc_dir = keep_bodies_dir(options.db_path);
    if (options.warc_dir.empty()) return "--keep-bodies: a PostgreSQL store has no folder beside it; name one with --warc DIR";
  }
  if (options.warc_dir.empty()) return "";
  std::error_code error;
  std::filesystem::create_directories(options.warc_dir, error);
  if (error || !std::filesystem::is_directory(options.warc_dir))
    return "--warc: cannot create the folder " + options.warc_dir + (error ? ": " + error.message() : "");
  std::filesystem::path absolute = std::filesystem::absolute(options.warc_dir, error);
  if (!error) {
    options.warc_dir = absolute.lexically_normal().string();
    if (options.warc_dir.size() > 1 && options.warc_dir.back() == '/') options.warc_dir.pop_back();
  }
  return "";
}

std::string absolute_path(const std::string& path) {
  std::error_code error;
  auto absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.lexically_normal().string();
}

// Loads --cookies into `jar` and checks that --save-cookies can be written
// (its folder exists); makes both paths absolute. Returns an error message or "".
std::string prepare_cookies(CrawlOptions& options, CookieJar& jar) {
  if (!options.cookie_file.empty()) {
    options.cookie_file = absolute_path(options.cookie_file);
    const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
    if (auto error = jar.load_file(options.cookie_file, now_s); !error.empty()) return "--cookies: " + error;
  }
  if (!options.save_cookies.empty()) {
    options.save_cookies = absolute_path(options.save_cookies);
    const auto folder = std::filesystem::path(options.save_cookies).parent_path();
    std::error_code error;
    if (!std::filesystem::is_directory(folder, error))
      return "--save-cookies: the folder " + folder.string() + " does not exist";
    if (std::filesystem::is_directory(options.save_cookies, error))
      return "--save-cookies: " + options.save_cookies + " is a folder";
  }
  return "";
}

// Writes the crawl's cookie jar to --save-cookies; false (with a message) when it cannot.
bool save_cookies(const CrawlOptions& options, const CookieJar& jar) {
  if (options.save_cookies.empty()) return true;
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string error = jar.save_file(options.save_cookies, now_s);
  if (error.empty()) return true;
  std::fprintf(stderr, "forager crawl: --save-cookies: %s\n", error.c_str());
  return false;
}

// --continue: the job's newest run, which the reopen goes on with. Returns ""
// or why it cannot: no such job, or a run that finished with nothing left queued.
std::string check_continue(const CrawlOptions& options, storage::RunSummary& newest) {
  if (!storage::exists(options.db_path))
    return "--continue: " + options.db_path + ": no such store, so job '" + options.job + "' has no run to continue";
  auto store = storage::open(options.db_path);
  const auto runs = store->list_runs(std::nullopt);
  if (auto unknown = unknown_job_or_run(runs, options.job, std::nullopt, options.db_path); !unknown.empty())
    return "--continue: " + unknown;
  for (const auto& run : runs) {
    if (run.job != options.job || run.id < newest.id) continue;
    newest = run;
  }
  if (newest.state == "done" && newest.queued + newest.leased == 0)
    return "--continue: run " + std::to_string(newest.id) + " of job '" + options.job +
           "' finished with no URL left queued: there is nothing to continue (without --continue a new run starts)";
  return "";
}

// Without seeds, a crawl can only resume an unfinished run of the job.
bool has_unfinished_run(const CrawlOptions& options) {
  if (!storage::exists(options.db_path)) return false;
  auto store = storage::open(options.db_path);
  for (const auto& run : store->list_runs(options.job))
    if (run.state != "done") return true;
  return false;
}

// The run's summary as the store has it (whole run, resumed parts included).
std::optional<storage::RunSummary> run_summary(storage::RecordReader& store, const std::string& job, int64_t run) {
  for (auto& r : store.list_runs(job))
    if (r.id == run) return r;
  return std::nullopt;
}

// What comes after "run N of job 'J'" when a crawl stopped or ended.
std::string ending_text(const CrawlOptions& options, const CrawlSummary& s) {
  if (s.state != storage::RunState::kInterrupted) return "; export with: forager export --db " + options.db_path + " --job " + options.job;
  const std::string when = s.warc_error.empty() ? "" : " once the WARC folder can be written";
  if (s.shared && s.run_state == storage::RunState::kRunning)
    return "; its leases went back to the other members, who go on with the run: run the same command again to rejoin it" + when;
  if (s.shared) return "; it was the run's last member: run the same command again to resume the run" + when;
  return "; " + std::to_string(s.queued_left) + " URLs still queued: run the same command again to resume" + when;
}

// The crawl's summary: this process's part, and for a shared run whose
// records are not all this member's, the whole run's (`run`).
std::string summary_text(const CrawlOptions& options, const CrawlSummary& s,
                         const std::optional<storage::RunSummary>& run) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", s.fetched * 1000.0 / std::max<int64_t>(s.elapsed_ms, 1));
  std::string text = "forager crawl: run " + std::to_string(s.run) + " of job '" + options.job + "'";
  if (s.joined) {
    text += " (joined)";
  } else if (s.resumed) {
    text += " (resumed)";
  }
  if (!s.warc_error.empty()) {
    text += " stopped: " + s.warc_error;
  } else if (s.state == storage::RunState::kInterrupted) {
    text += std::string(" stopped by ") + (s.stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
  } else {
    text += " finished";
  }
  const bool part = s.shared && run && run->pages != s.pages;
  text += std::string(": ") + (part ? "this member: " : "") + std::to_string(s.fetched) + " pages fetched, " +
          std::to_string(s.pages) + " records, " + std::to_string(s.errors) + " with errors, in " +
          std::to_string(s.elapsed_ms / 1000) + "." + std::to_string(s.elapsed_ms % 1000 / 100) + " s (" +
          rate + " pages/s)";
  if (s.workers_replaced) text += "; " + std::to_string(s.workers_replaced) + " workers replaced";
  if (s.workers_recycled) text += "; " + std::to_string(s.workers_recycled) + " workers recycled";
  if (part)
    text += "\nforager crawl: the whole run " + std::string(run->state == "done" ? "" : "so far") + ": " +
            std::to_string(run->pages) + " records, " + std::to_string(run->errors) + " with errors, " +
            std::to_string(run->queued + run->leased) + " URLs queued or in flight";
  text += "\nforager crawl: robots.txt ";
  text += options.ignore_robots ? "ignored (--ignore-robots)" : "matched as '" + robots_agent(options) + "'";
  text += "\nforager crawl: store " + options.db_path + ending_text(options, s);
  return text;
}

// Whether any record of the run got an HTTP response. A record without an
// error always has one; records with errors only when the error came after
// the response (too_large, a redirect not followed), so those are read.
bool run_has_response(storage::Store& store, const CrawlOptions& options, const CrawlSummary& s) {
  if (s.pages > s.errors) return true;
  auto summary = run_summary(store, options.job, s.run);
  if (!summary || summary->pages == 0) return false;
  if (summary->pages > summary->errors) return true;
  storage::ExportQuery query;
  query.job = options.job;
  query.runs = storage::ExportQuery::Runs::kOne;
  query.run_id = s.run;
  bool responded = false;
  store.for_each_record(query, [&](const storage::ExportRecord& record) {
    if (record.page.status) responded = true;
  });
  return responded;
}

// "connect x3, 404 x1": the run's failed records by code (errors, or HTTP
// statuses of 400 and more), most frequent first; "" when none failed.
std::string failures_text(const CrawlOptions& options, int64_t run) {
  auto reports = storage::open_reports(options.db_path);
  for (const auto& r : reports->runs(options.job)) {
    if (r.id != run) continue;
    std::string text;
    for (const auto& code : reports->run_stats(r, 0).failures_by_code)
      text += (text.empty() ? "" : ", ") + code.code + " x" + std::to_string(code.count);
    return text;
  }
  return "";
}

// The exit status of a run that ended without a stop signal, with a line
// saying why when it is not 0.
int finished_run_status(storage::Store& store, const CrawlOptions& options, const CrawlSummary& s) {
  if (!run_has_response(store, options, s)) {
    std::string codes = failures_text(options, s.run);
    std::fprintf(stderr, "forager crawl: not one page could be fetched in run %lld%s%s\n",
                 static_cast<long long>(s.run), codes.empty() ? "" : ": ", codes.c_str());
    return kExitNothingFetched;
  }
  if (!options.fail_on_error) return 0;
  std::string codes = failures_text(options, s.run);
  if (codes.empty()) return 0;
  std::fprintf(stderr, "forager crawl: records failed in run %lld (--fail-on-error): %s\n",
               static_cast<long long>(s.run), codes.c_str());
  return kExitRecordFailed;
}

// The job's newest run when it is an unfinished `forager extract` (which a
// crawl must not resume), else 0.
int64_t unfinished_extract(storage::Store& store, const std::string& job) {
  const auto runs = store.list_runs(job);
  if (runs.empty() || runs.front().state == "done") return 0;
  auto options = nlohmann::json::parse(store.run_options(runs.front().id), nullptr, false);
  return options.is_object() && options.contains("extract_of") ? runs.front().id : 0;
}

// Says on stderr, before the crawl starts, that it resumes an unfinished run
// (`continued`: one that --continue reopened).
void announce_resume(storage::Store& store, const CrawlOptions& options, bool continued) {
  for (const auto& r : store.list_runs(options.job)) {
    if (r.state == "done") return;  // newest first: the newest run is the one resumed
    // We hold the job's lock, so a run still marked running lost its crawl.
    const char* how = continued ? "--continue: a budget had ended it"
                      : r.state == "running" ? "its crawl ended without finishing it"
                                             : r.state.c_str();
    std::fprintf(stderr,
                 "forager crawl: %s run %lld of job '%s' (%s): %lld pages already stored, %lld URLs queued\n",
                 continued ? "continuing" : "resuming", static_cast<long long>(r.id), options.job.c_str(), how, static_cast<long long>(r.pages),
                 static_cast<long long>(r.queued + r.leased));
    return;
  }
}

// The job's lock (a crawl of one's own: SQLite), released when it goes.
class JobLock {
 public:
  JobLock(storage::Store& store, std::string job) : store_(store), job_(std::move(job)) {}
  JobLock(const JobLock&) = delete;
  JobLock& operator=(const JobLock&) = delete;
  ~JobLock() {
    if (!held_) return;
    try {
      store_.unlock_job(job_, holder_);
    } catch (...) {  // a lock left behind is taken over: its holder is dead
    }
  }
  // Takes it; the identity of the live process holding it instead, if any.
  std::optional<std::string> take() {
    auto other = store_.lock_job(job_, holder_, process_identity_alive);
    held_ = !other;
    return other;
  }

 private:
  storage::Store& store_;
  std::string job_;
  std::string holder_ = current_process_identity();
  bool held_ = false;
};

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
  if (auto error = check_ca_file(options); !error.empty()) return usage_error(error);
  read_password(options);
  if (auto error = prepare_warc_dir(options); !error.empty()) return usage_error(error);
  CookieJar jar;
  if (auto error = prepare_cookies(options, jar); !error.empty()) return usage_error(error);
  if (options.workers <= 0) options.workers = default_workers();
  try {
    storage::RunSummary newest;
    if (options.continue_run) {
      if (auto error = check_continue(options, newest); !error.empty()) return usage_error(error);
    } else if (options.seeds.empty() && !has_unfinished_run(options))
      return usage_error("no seed URLs given, and job '" + options.job + "' has no unfinished run to resume");

    // Order matters: signal handling first (the children reset it), then the
    // workers, then the store, which only the coordinator ever opens.
    SignalPipe signals;
    WorkerPool pool(options.workers, [](UniqueFd fd) { return run_worker(std::move(fd)); },
                    {"/proc/self/exe", "forager", kWorkerArgument});
    pool.start();
    auto store = storage::open(options.db_path);
    // With shared runs (PostgreSQL) every crawl of the job is a member of its
    // one run: no job lock, the run's own membership; else one crawl at a time.
    const bool shared = store->shared_run() != nullptr;
    JobLock lock(*store, options.job);
    if (!shared) {
      if (auto other = lock.take()) {
        std::fprintf(stderr, "forager crawl: job '%s' is already running (pid %d)\n", options.job.c_str(),
                     process_identity_pid(*other));
        return kExitJobRunning;
      }
    }
    if (int64_t run = unfinished_extract(*store, options.job)) {
      std::fprintf(stderr, "forager crawl: run %lld of job '%s' is an unfinished extract: finish it first "
                   "(forager extract --job %s --rules FILE resumes it)\n",
                   static_cast<long long>(run), options.job.c_str(), options.job.c_str());
      return kExitUsage;
    }
    // --continue reopens a run a budget finished, so that it is resumed as
    // an interrupted one is. A shared run's member says itself what it joined.
    const bool reopen = options.continue_run && newest.state == "done";
    if (reopen) store->finish_run(newest.id, storage::RunState::kInterrupted);
    if (!shared || reopen) announce_resume(*store, options, reopen);
    SystemClock clock;
    Progress progress(stderr, options.progress, options.job);
    Coordinator coordinator(options, std::get<Scope>(std::move(scope)), *store, pool, signals, clock, progress);
    if (options.cookies) coordinator.set_cookies(std::move(jar));
    CrawlSummary summary = coordinator.run();
    pool.shutdown(2000);
    const bool cookies_saved = save_cookies(options, coordinator.cookies());
    progress.summary(summary_text(options, summary,
                                  summary.shared ? run_summary(*store, options.job, summary.run) : std::nullopt));
    if (!cookies_saved) return kExitRuntime;
    if (!summary.warc_error.empty()) return kExitRuntime;
    if (summary.state == storage::RunState::kInterrupted) return 128 + summary.stop_signal;
    return finished_run_status(*store, options, summary);
  } catch (const storage::PolicyError& e) {
    std::fprintf(stderr, "forager crawl: cannot join job '%s': %s\n", options.job.c_str(), e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nforager crawl: %s\n", e.what());
    return kExitRuntime;
  }
}

}  // namespace forager
