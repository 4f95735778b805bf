// `forager schedule add | list | remove | run`. `add` checks everything a
// crawl would check before anything is written, so that a bad schedule is
// refused when it is added, not when it first runs.
#include "crawler/cli/schedule_command.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "crawler/cli/commands.h"
#include "crawler/cli/rules_file.h"
#include "crawler/cli/seed_list.h"
#include "crawler/frontier/scope.h"
#include "crawler/schedule/cron.h"
#include "crawler/schedule/scheduler.h"
#include "crawler/util/clock.h"
#include "crawler/util/duration.h"
#include "storage/open.h"

namespace forager {
namespace {

int usage_error(const char* command, const std::string& message) {
  std::fprintf(stderr, "forager schedule %s: %s\nRun 'forager schedule %s --help' for more information.\n", command,
               message.c_str(), command);
  return kExitUsage;
}

int runtime_error(const char* command, const std::string& message) {
  std::fprintf(stderr, "forager schedule %s: %s\n", command, message.c_str());
  return kExitRuntime;
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool is_url(const std::string& argument) { return argument.find("://") != std::string::npos; }

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

// The crawl's own checks of its options (crawl_command.cc): "" or a message.
std::string check_crawl_options(const ScheduleAddRequest& r) {
  if (r.seeds.empty()) return "no seed URLs given: a schedule needs URLs or seed files";
  auto seeds = read_seeds(r.seeds);
  if (auto* error = std::get_if<std::string>(&seeds)) return *error;
  if (!r.max_time.empty() && !parse_duration_ms(r.max_time))
    return "--max-time: '" + r.max_time + "' is not a duration like 90s, 30m or 2h";
  auto scope = Scope::make(parse_scope(r.scope).value_or(ScopeMode::kHost), r.options.allow, r.options.deny);
  if (auto* error = std::get_if<std::string>(&scope)) return *error;
  if (!r.options.rules_path.empty()) {
    std::string json;
    if (auto error = load_rules_file(r.options.rules_path, json); !error.empty()) return error;
  }
  return "";
}

// The schedule's crawl arguments: files and --rules made absolute, so that
// the scheduler may run from any folder.
std::vector<std::string> stored_arguments(const ScheduleAddRequest& r) {
  std::vector<std::string> args = r.crawl_args;
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--rules") args[i + 1] = absolute(args[i + 1]);
  for (const auto& seed : r.seeds) args.push_back(is_url(seed) ? seed : absolute(seed));
  return args;
}

std::string time_text(std::optional<int64_t> ms, bool utc, const TimeZone& local) {
  if (!ms) return "-";
  const int64_t s = *ms / 1000 - (*ms % 1000 < 0 ? 1 : 0);
  return format_local_time(utc ? TimeZone::utc().at(s) : local.at(s), utc);
}

std::string next_run_text(const storage::Schedule& s, int64_t now_ms, const TimeZone& local) {
  auto due = next_due_ms(s, local);
  if (!due) return "never";
  if (*due <= now_ms) return "now";
  return time_text(due, s.utc, local);
}

std::string outcome_text(const storage::Schedule& s) {
  if (!s.last_started_at_ms) return "-";
  if (!s.last_outcome) return "running (or stopped without an outcome)";
  std::string text = *s.last_outcome;
  if (s.last_exit && *s.last_exit != 0) text += " (exit " + std::to_string(*s.last_exit) + ")";
  return text;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace

int schedule_add_command(const ScheduleAddRequest& r) {
  const char* cmd = "add";
  if (!valid_name(r.name))
    return usage_error(cmd, "NAME '" + r.name +
                                "' must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit");
  if (r.job_given) return usage_error(cmd, "--job cannot be given: the schedule's NAME is its job's name");
  if (r.cron.has_value() == r.every.has_value())
    return usage_error(cmd, "give exactly one of --cron EXPR and --every DURATION");
  if (r.utc && !r.cron) return usage_error(cmd, "--utc applies to --cron only");

  SystemClock clock;
  const int64_t now_ms = clock.wall_ms();
  storage::Schedule schedule;
  schedule.name = r.name;
  schedule.utc = r.utc;
  schedule.created_at_ms = now_ms;
  if (r.cron) {
    auto parsed = Cron::parse(*r.cron);
    if (auto* error = std::get_if<std::string>(&parsed)) return usage_error(cmd, "--cron: " + *error);
    const TimeZone zone = r.utc ? TimeZone::utc() : TimeZone::local();
    if (!std::get<Cron>(parsed).next_after(now_ms / 1000, zone))
      return usage_error(cmd, "--cron: '" + *r.cron + "' never runs");
    schedule.cron = *r.cron;
  } else {
    auto every = parse_duration_ms(*r.every);
    if (!every || *every < 1000)
      return usage_error(cmd, "--every: '" + *r.every + "' is not a duration of at least 1s, like 90s, 30m, 6h or 1d");
    schedule.every_ms = *every;
  }
  if (auto error = check_crawl_options(r); !error.empty()) return usage_error(cmd, error);
  schedule.args = stored_arguments(r);

  try {
    auto store = storage::open_schedules(r.options.db_path);
    if (!store->add(schedule))
      return usage_error(cmd, "a schedule named '" + r.name + "' already exists (remove it first)");
  } catch (const std::exception& e) {
    return runtime_error(cmd, e.what());
  }
  const TimeZone local = TimeZone::local();
  std::printf("forager schedule add: added schedule '%s' (%s); next run: %s\n", r.name.c_str(),
              describe_schedule(schedule).c_str(), next_run_text(schedule, now_ms, local).c_str());
  return 0;
}

int schedule_list_command(const std::string& db_path) {
  if (!storage::exists(db_path)) {
    std::fprintf(stderr, "forager schedule list: no schedules (no database at %s)\n", db_path.c_str());
    return 0;
  }
  try {
    auto store = storage::open_schedules(db_path);
    auto schedules = store->list();
    if (schedules.empty()) {
      std::fprintf(stderr, "forager schedule list: no schedules in %s\n", db_path.c_str());
      return 0;
    }
    const TimeZone local = TimeZone::local();
    const int64_t now_ms = SystemClock().wall_ms();
    std::vector<std::vector<std::string>> rows = {{"NAME", "SCHEDULE", "NEXT RUN", "LAST START", "LAST OUTCOME"}};
    for (const auto& s : schedules)
      rows.push_back({s.name, describe_schedule(s), next_run_text(s, now_ms, local),
                      time_text(s.last_started_at_ms, s.utc, local), outcome_text(s)});
    print_table(rows);
    return 0;
  } catch (const std::exception& e) {
    return runtime_error("list", e.what());
  }
}

int schedule_remove_command(const std::string& db_path, const std::string& name) {
  if (!storage::exists(db_path))
    return usage_error("remove", "no schedule named '" + name + "' (no database at " + db_path + ")");
  try {
    auto store = storage::open_schedules(db_path);
    if (!store->remove(name)) return usage_error("remove", "no schedule named '" + name + "'");
  } catch (const std::exception& e) {
    return runtime_error("remove", e.what());
  }
  std::printf("forager schedule remove: removed schedule '%s'; its records stay (forager export --job %s)\n",
              name.c_str(), name.c_str());
  return 0;
}

int schedule_run_command(const std::string& db_path, bool once) {
  if (once && !storage::exists(db_path)) {
    std::fprintf(stderr, "forager schedule run: nothing is due (no database at %s)\n", db_path.c_str());
    return 0;
  }
  try {
    auto store = storage::open_schedules(db_path);
    ProcessSpawner spawner;
    SystemClock clock;
    const TimeZone local = TimeZone::local();
    SchedulerOptions options;
    options.db_path = db_path;
    options.once = once;
    if (!once)
      std::fprintf(stderr, "forager schedule run: running the schedules in %s (SIGINT or SIGTERM stops)\n",
                   db_path.c_str());
    Scheduler scheduler(*store, spawner, clock, local, stderr, options);
    return scheduler.run();
  } catch (const std::exception& e) {
    return runtime_error("run", e.what());
  }
}

}  // namespace forager
