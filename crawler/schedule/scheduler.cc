#include "crawler/schedule/scheduler.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace forager {

const char* outcome_for_exit(int exit_status) {
  if (exit_status == 0) return "ok";
  if (exit_status == kExitJobRunning) return "skipped";
  if (exit_status == 128 + SIGINT || exit_status == 128 + SIGTERM) return "interrupted";
  return "failed";
}

std::optional<int64_t> next_due_ms(const storage::Schedule& schedule, const TimeZone& local) {
  if (schedule.every_ms) {
    if (!schedule.last_started_at_ms) return schedule.created_at_ms;  // a new --every schedule: due at once
    return *schedule.last_started_at_ms + *schedule.every_ms;
  }
  if (!schedule.cron) return std::nullopt;
  auto parsed = Cron::parse(*schedule.cron);
  const auto* cron = std::get_if<Cron>(&parsed);
  if (cron == nullptr) return std::nullopt;
  const int64_t base_ms = schedule.last_started_at_ms.value_or(schedule.created_at_ms);
  const int64_t base_s = base_ms / 1000 - (base_ms % 1000 < 0 ? 1 : 0);
  auto next = cron->next_after(base_s, schedule.utc ? TimeZone::utc() : local);
  if (!next) return std::nullopt;
  return *next * 1000;
}

std::string format_duration_ms(int64_t ms) {
  struct Unit {
    int64_t ms;
    const char* suffix;
  };
  static constexpr Unit kUnits[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const auto& unit : kUnits)
    if (ms > 0 && ms % unit.ms == 0) return std::to_string(ms / unit.ms) + unit.suffix;
  return std::to_string(ms) + "ms";
}

std::string describe_schedule(const storage::Schedule& schedule) {
  if (schedule.every_ms) return "--every " + format_duration_ms(*schedule.every_ms);
  return "--cron '" + schedule.cron.value_or("") + "'" + (schedule.utc ? " --utc" : "");
}

// ---- Scheduler -------------------------------------------------------------

Scheduler::Scheduler(storage::ScheduleStore& store, Spawner& spawner, const Clock& clock, const TimeZone& local,
                     std::FILE* log, SchedulerOptions options)
    : store_(store), spawner_(spawner), clock_(clock), local_(local), log_(log), options_(std::move(options)) {}

void Scheduler::log(const std::string& line) {
  if (log_ == nullptr) return;
  const int64_t now = clock_.wall_ms();
  const int64_t s = now / 1000 - (now % 1000 < 0 ? 1 : 0);
  std::fprintf(log_, "forager schedule: %s %s\n", format_local_time(TimeZone::utc().at(s), true).c_str(),
               line.c_str());
  std::fflush(log_);
}

int Scheduler::run() {
  std::optional<int> stop;
  bool started = false;  // with `once`: the due runs have been started
  for (;;) {
    flush_unrecorded();
    int64_t wait_ms = options_.max_wait_ms;
    if (!stop && !(options_.once && started)) {
      try {
        wait_ms = start_due();
      } catch (const std::exception& e) {
        log(std::string("store error: ") + e.what());
        if (options_.once) any_failed_ = true;
      }
      if (options_.once && running_.empty() && !started) log("nothing is due");
      started = true;
    }
    if ((stop || options_.once) && running_.empty()) break;

    Spawner::Events events = spawner_.wait(std::max<int64_t>(wait_ms, 1));
    for (const auto& exit : events.exits) finished(exit.pid, exit.status);
    if (events.stop_signal) {
      log(std::string(stop ? "signal again: " : "") + "stopping on " +
          (*events.stop_signal == SIGINT ? "SIGINT" : "SIGTERM") + "; no new runs; waiting for " +
          std::to_string(running_.size()) + " running crawl(s)" + (stop ? " to stop now" : ""));
      stop = events.stop_signal;
      for (const auto& [name, running] : running_) spawner_.signal(running.pid, *stop);
    }
  }
  flush_unrecorded();
  if (!unrecorded_.empty()) log("could not record the outcome of " + std::to_string(unrecorded_.size()) + " run(s)");
  if (options_.once && stop) return 128 + *stop;
  if (options_.once && any_failed_) return 1;
  return 0;
}

int64_t Scheduler::start_due() {
  int64_t wait_ms = options_.max_wait_ms;
  for (const auto& schedule : store_.list()) {
    if (running_.count(schedule.name) != 0) continue;  // never twice at once
    const auto due = next_due_ms(schedule, local_);
    if (!due) continue;
    const int64_t now = clock_.wall_ms();
    if (*due <= now) {
      start(schedule, now);
    } else {
      wait_ms = std::min(wait_ms, *due - now);
    }
  }
  return wait_ms;
}

void Scheduler::start(const storage::Schedule& schedule, int64_t now_ms) {
  // Recorded before the process exists; lost to another scheduler: not ours.
  if (!store_.claim_start(schedule.name, schedule.last_started_at_ms, now_ms)) return;
  std::string error;
  auto pid = spawner_.start(options_.db_path, schedule.name, schedule.args, error);
  if (!pid) {
    log("cannot start '" + schedule.name + "': " + error);
    any_failed_ = true;
    record({schedule.name, now_ms, clock_.wall_ms(), std::nullopt, "failed"});
    return;
  }
  running_[schedule.name] = Running{*pid, now_ms, clock_.now_ms()};
  log("started '" + schedule.name + "' (" + describe_schedule(schedule) + ", pid " + std::to_string(*pid) + ")");
}

void Scheduler::finished(int pid, int status) {
  auto it = std::find_if(running_.begin(), running_.end(),
                         [pid](const auto& entry) { return entry.second.pid == pid; });
  if (it == running_.end()) return;
  const std::string outcome = outcome_for_exit(status);
  if (outcome == "failed") any_failed_ = true;
  const int64_t elapsed = clock_.now_ms() - it->second.started_mono_ms;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f s", static_cast<double>(elapsed) / 1000.0);
  std::string line = "'" + it->first + "' " + outcome + " (exit " + std::to_string(status) + ", " + seconds + ")";
  if (status == kExitJobRunning) line += ": the job was already running elsewhere";
  log(line);
  record({it->first, it->second.started_at_ms, clock_.wall_ms(), status, outcome});
  running_.erase(it);
}

void Scheduler::record(const Unrecorded& finish) {
  try {
    store_.record_finish(finish.name, finish.started_at_ms, finish.finished_at_ms, finish.exit_status,
                         finish.outcome);
  } catch (const std::exception& e) {
    log(std::string("store error (will retry): ") + e.what());
    unrecorded_.push_back(finish);
  }
}

void Scheduler::flush_unrecorded() {
  std::vector<Unrecorded> pending;
  pending.swap(unrecorded_);
  for (const auto& finish : pending) record(finish);
}

// ---- ProcessSpawner --------------------------------------------------------

ProcessSpawner::ProcessSpawner(std::string binary)
    : binary_(std::move(binary)), signals_(std::make_unique<SignalPipe>()) {}

ProcessSpawner::~ProcessSpawner() = default;

std::optional<int> ProcessSpawner::start(const std::string& db_path, const std::string& job,
                                         const std::vector<std::string>& args, std::string& error) {
  // Everything the child needs is prepared before fork.
  std::vector<std::string> strings = {binary_, "crawl", "--db", db_path, "--job", job, "--quiet"};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  // Our handlers must not run in the child before exec (they would write to
  // the scheduler's signal pipe): block, fork, reset in the child, unblock.
  sigset_t block, old;
  sigemptyset(&block);
  for (int signo : {SIGINT, SIGTERM, SIGCHLD}) sigaddset(&block, signo);
  ::sigprocmask(SIG_BLOCK, &block, &old);
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (int signo : {SIGINT, SIGTERM, SIGCHLD, SIGPIPE}) ::signal(signo, SIG_DFL);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the scheduler died already
    int null = ::open("/dev/null", O_RDONLY);
    if (null > 0) {
      ::dup2(null, 0);
      ::close(null);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(fork_errno);
    return std::nullopt;
  }
  ::setpgid(pid, pid);  // also here, so that it holds before we ever signal it
  children_.push_back(pid);
  return pid;
}

void ProcessSpawner::signal(int pid, int signo) { ::kill(pid, signo); }

void ProcessSpawner::reap(Events& events) {
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    const pid_t r = ::waitpid(*it, &status, WNOHANG);
    if (r == *it || (r < 0 && errno == ECHILD)) {
      Exit exit{*it, 1};
      if (r == *it) exit.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      events.exits.push_back(exit);
      it = children_.erase(it);
    } else {
      ++it;
    }
  }
}

Spawner::Events ProcessSpawner::wait(int64_t timeout_ms) {
  Events events;
  reap(events);
  pollfd fd{signals_->fd(), POLLIN, 0};
  const int timeout = events.exits.empty() ? static_cast<int>(std::min<int64_t>(timeout_ms, 60000)) : 0;
  if (::poll(&fd, 1, timeout) > 0) {
    for (int signo : signals_->drain())
      if (signo == SIGINT || signo == SIGTERM) events.stop_signal = signo;
    reap(events);
  }
  return events;
}

}  // namespace forager
