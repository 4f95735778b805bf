// The scheduler loop with a clock the test moves and a fake of the process
// seam (runs "take" a set time and exit with a set status); the store is the
// real SQLite one.
#include "crawler/schedule/scheduler.h"
#include "storage/sqlite/schedule_store.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>

namespace forager {
namespace {

using storage::Schedule;
using storage::SqliteScheduleStore;

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;
// 2024-01-01T10:00:00Z
constexpr int64_t kStart = 1704103200000;

// Each started run lasts `duration_ms[job]` (default 10 s) and exits with
// `exit_status[job]` (default 0); a signalled run exits 128+N one second
// later. A stop signal can be scheduled at a time.
class FakeSpawner final : public Spawner {
 public:
  explicit FakeSpawner(ManualClock& clock) : clock_(clock) {}

  struct Start {
    std::string job;
    int64_t at_ms;
    std::vector<std::string> args;
    std::string db;
  };

  std::optional<int> start(const std::string& db, const std::string& job, const std::vector<std::string>& args,
                           std::string& error) override {
    if (fail_starts) {
      error = "fork: out of processes";
      return std::nullopt;
    }
    const int pid = next_pid_++;
    starts.push_back({job, clock_.now_ms(), args, db});
    const int64_t duration = duration_ms.count(job) ? duration_ms[job] : 10 * kSecond;
    live_[pid] = {clock_.now_ms() + duration, exit_status.count(job) ? exit_status[job] : 0};
    max_live = std::max(max_live, live_.size());
    return pid;
  }
  void signal(int pid, int signo) override {
    signals.push_back({pid, signo});
    auto it = live_.find(pid);
    if (it != live_.end()) it->second = {std::min(it->second.end_ms, clock_.now_ms() + kSecond), 128 + signo};
  }
  Events wait(int64_t timeout_ms) override {
    waits++;
    int64_t until = clock_.now_ms() + timeout_ms;
    for (const auto& [pid, run] : live_) until = std::min(until, run.end_ms);
    if (stop_at_ms && !stop_delivered_) until = std::min(until, *stop_at_ms);
    clock_.set(std::max(until, clock_.now_ms()));
    Events events;
    for (auto it = live_.begin(); it != live_.end();) {
      if (it->second.end_ms <= clock_.now_ms()) {
        events.exits.push_back({it->first, it->second.status});
        it = live_.erase(it);
      } else {
        ++it;
      }
    }
    if (stop_at_ms && !stop_delivered_ && *stop_at_ms <= clock_.now_ms()) {
      stop_delivered_ = true;
      events.stop_signal = stop_signal;
    }
    // A safety net: a loop that never ends fails the test instead of hanging.
    if (waits > 100000) events.stop_signal = SIGKILL;
    return events;
  }

  size_t live() const { return live_.size(); }
  std::vector<std::string> jobs_started() const {
    std::vector<std::string> jobs;
    for (const auto& s : starts) jobs.push_back(s.job);
    return jobs;
  }

  std::map<std::string, int64_t> duration_ms;
  std::map<std::string, int> exit_status;
  std::optional<int64_t> stop_at_ms;
  int stop_signal = SIGTERM;
  bool fail_starts = false;
  std::vector<Start> starts;
  std::vector<std::pair<int, int>> signals;
  size_t max_live = 0;
  int waits = 0;

 private:
  struct Run {
    int64_t end_ms;
    int status;
  };
  ManualClock& clock_;
  int next_pid_ = 1000;
  std::map<int, Run> live_;
  bool stop_delivered_ = false;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/forager-sched-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    store_ = SqliteScheduleStore::open(dir_ + "/s.db");
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void add_every(const std::string& name, int64_t every_ms, int64_t created_at_ms = kStart) {
    Schedule s;
    s.name = name;
    s.every_ms = every_ms;
    s.args = {"--max-pages", "5", "http://127.0.0.1:1/" + name};
    s.created_at_ms = created_at_ms;
    ASSERT_TRUE(store_->add(s));
  }
  void add_cron(const std::string& name, const std::string& cron, int64_t created_at_ms = kStart) {
    Schedule s;
    s.name = name;
    s.cron = cron;
    s.utc = true;
    s.args = {"http://127.0.0.1:1/" + name};
    s.created_at_ms = created_at_ms;
    ASSERT_TRUE(store_->add(s));
  }

  int run(bool once) {
    SchedulerOptions options;
    options.db_path = dir_ + "/s.db";
    options.once = once;
    const TimeZone utc = TimeZone::utc();
    Scheduler scheduler(*store_, spawner_, clock_, utc, nullptr, options);
    return scheduler.run();
  }
  Schedule get(const std::string& name) { return store_->get(name).value(); }

  std::string dir_;
  std::unique_ptr<storage::ScheduleStore> store_;
  ManualClock clock_{kStart};
  FakeSpawner spawner_{clock_};
};

TEST_F(SchedulerTest, NewEveryScheduleIsDueAtOnce) {
  add_every("news", kHour);
  EXPECT_EQ(run(/*once=*/true), 0);
  ASSERT_EQ(spawner_.starts.size(), 1u);
  EXPECT_EQ(spawner_.starts[0].at_ms, kStart);
  EXPECT_EQ(spawner_.starts[0].db, dir_ + "/s.db");
  EXPECT_EQ(spawner_.starts[0].args, (std::vector<std::string>{"--max-pages", "5", "http://127.0.0.1:1/news"}));
  Schedule s = get("news");
  EXPECT_EQ(s.last_started_at_ms, kStart);
  EXPECT_EQ(s.last_finished_at_ms, kStart + 10 * kSecond);
  EXPECT_EQ(s.last_exit, 0);
  EXPECT_EQ(s.last_outcome, "ok");
}

TEST_F(SchedulerTest, OnceStartsOnlyWhatIsDueNowAndWaitsForIt) {
  add_every("a", kMinute);
  add_every("b", kHour);
  add_cron("later", "0 12 * * *");  // due at 12:00, not now
  spawner_.duration_ms["a"] = 5 * kMinute;  // "a" is due again while it runs
  spawner_.duration_ms["b"] = 30 * kSecond;
  EXPECT_EQ(run(/*once=*/true), 0);
  EXPECT_EQ(spawner_.jobs_started(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(spawner_.live(), 0u);
  EXPECT_EQ(clock_.now_ms(), kStart + 5 * kMinute);  // returned when both ended
  EXPECT_EQ(get("a").last_outcome, "ok");
  EXPECT_EQ(get("b").last_outcome, "ok");
  EXPECT_FALSE(get("later").last_started_at_ms);

  // Right after, nothing new is due for "b" (1 h); "a" is (1 min after its start).
  spawner_.starts.clear();
  EXPECT_EQ(run(/*once=*/true), 0);
  EXPECT_EQ(spawner_.jobs_started(), (std::vector<std::string>{"a"}));
}

TEST_F(SchedulerTest, OnceWithNothingDueReturnsAtOnce) {
  add_every("news", kHour);
  ASSERT_TRUE(store_->claim_start("news", std::nullopt, kStart - kMinute));
  EXPECT_EQ(run(/*once=*/true), 0);
  EXPECT_TRUE(spawner_.starts.empty());
  EXPECT_EQ(clock_.now_ms(), kStart);
}

TEST_F(SchedulerTest, OutcomesFromExitStatus) {
  add_every("ok", kHour);
  add_every("busy", kHour);
  add_every("broken", kHour);
  spawner_.exit_status["busy"] = kExitJobRunning;
  spawner_.exit_status["broken"] = 1;
  EXPECT_EQ(run(/*once=*/true), 1);  // a run failed
  EXPECT_EQ(get("ok").last_outcome, "ok");
  EXPECT_EQ(get("busy").last_outcome, "skipped");
  EXPECT_EQ(get("busy").last_exit, kExitJobRunning);
  EXPECT_EQ(get("broken").last_outcome, "failed");
  EXPECT_EQ(get("broken").last_exit, 1);

  EXPECT_STREQ(outcome_for_exit(130), "interrupted");
  EXPECT_STREQ(outcome_for_exit(143), "interrupted");
  EXPECT_STREQ(outcome_for_exit(137), "failed");
  EXPECT_STREQ(outcome_for_exit(2), "failed");
}

TEST_F(SchedulerTest, SkippedRunsAreNotFailures) {
  add_every("busy", kHour);
  spawner_.exit_status["busy"] = kExitJobRunning;
  EXPECT_EQ(run(/*once=*/true), 0);
  EXPECT_EQ(get("busy").last_outcome, "skipped");
}

TEST_F(SchedulerTest, AStartThatFailsIsRecordedAsFailed) {
  add_every("news", kHour);
  spawner_.fail_starts = true;
  EXPECT_EQ(run(/*once=*/true), 1);
  EXPECT_EQ(get("news").last_outcome, "failed");
  EXPECT_FALSE(get("news").last_exit);
}

TEST_F(SchedulerTest, NeverTwoRunsOfAScheduleAtOnce) {
  add_every("slow", kMinute);
  spawner_.duration_ms["slow"] = 150 * kSecond;  // longer than the interval
  spawner_.stop_at_ms = kStart + 10 * kMinute;
  EXPECT_EQ(run(/*once=*/false), 0);
  EXPECT_EQ(spawner_.max_live, 1u);
  // Each run starts as soon as the previous one ended (it was due since).
  ASSERT_GE(spawner_.starts.size(), 4u);
  for (size_t i = 1; i < spawner_.starts.size(); ++i)
    EXPECT_EQ(spawner_.starts[i].at_ms - spawner_.starts[i - 1].at_ms, 150 * kSecond) << i;
}

TEST_F(SchedulerTest, EveryMeansAfterTheLastStart) {
  add_every("news", kMinute);
  spawner_.duration_ms["news"] = 20 * kSecond;
  spawner_.stop_at_ms = kStart + 3 * kMinute + 30 * kSecond;
  EXPECT_EQ(run(/*once=*/false), 0);
  std::vector<int64_t> at;
  for (const auto& s : spawner_.starts) at.push_back(s.at_ms - kStart);
  EXPECT_EQ(at, (std::vector<int64_t>{0, kMinute, 2 * kMinute, 3 * kMinute}));
}

TEST_F(SchedulerTest, CronRunsAtEachMatchingMinute) {
  add_cron("q", "*/15 * * * *", kStart - kSecond);  // created 09:59:59
  spawner_.stop_at_ms = kStart + kHour - kSecond;
  EXPECT_EQ(run(/*once=*/false), 0);
  std::vector<int64_t> at;
  for (const auto& s : spawner_.starts) at.push_back(s.at_ms - kStart);
  EXPECT_EQ(at, (std::vector<int64_t>{0, 15 * kMinute, 30 * kMinute, 45 * kMinute}));
}

TEST_F(SchedulerTest, ANewCronScheduleWaitsForItsFirstTime) {
  add_cron("q", "0 * * * *", kStart + 5 * kMinute);  // created 10:05
  clock_.set(kStart + 6 * kMinute);
  EXPECT_EQ(run(/*once=*/true), 0);
  EXPECT_TRUE(spawner_.starts.empty());
  auto due = next_due_ms(get("q"), TimeZone::utc());
  EXPECT_EQ(due, kStart + kHour);
}

TEST_F(SchedulerTest, OneCatchUpRunAfterALongGap) {
  add_cron("hourly", "0 * * * *", kStart - kHour);
  add_every("often", kMinute, kStart - kHour);
  ASSERT_TRUE(store_->claim_start("hourly", std::nullopt, kStart));
  ASSERT_TRUE(store_->claim_start("often", std::nullopt, kStart));
  // No scheduler ran for five hours and twenty minutes: each is due once.
  clock_.set(kStart + 5 * kHour + 20 * kMinute);
  EXPECT_EQ(run(/*once=*/true), 0);
  EXPECT_EQ(spawner_.jobs_started(), (std::vector<std::string>{"hourly", "often"}));
  EXPECT_EQ(run(/*once=*/true), 0);
  EXPECT_EQ(spawner_.starts.size(), 2u);
  EXPECT_EQ(next_due_ms(get("hourly"), TimeZone::utc()), kStart + 6 * kHour);

  // The same with the scheduler staying up: one run at start, then on time.
  spawner_.starts.clear();
  clock_.set(kStart + 9 * kHour + 30 * kMinute);
  spawner_.stop_at_ms = kStart + 11 * kHour + 30 * kMinute;
  ASSERT_TRUE(store_->remove("often"));
  EXPECT_EQ(run(/*once=*/false), 0);
  std::vector<int64_t> at;
  for (const auto& s : spawner_.starts) at.push_back(s.at_ms - kStart);
  EXPECT_EQ(at, (std::vector<int64_t>{9 * kHour + 30 * kMinute, 10 * kHour, 11 * kHour}));
}

TEST_F(SchedulerTest, StopsCleanlyForwardingTheSignalAndWaiting) {
  add_every("long", kMinute);
  add_every("other", kHour);
  spawner_.duration_ms["long"] = kHour;
  spawner_.duration_ms["other"] = 5 * kSecond;
  spawner_.stop_at_ms = kStart + 10 * kMinute;
  EXPECT_EQ(run(/*once=*/false), 0);
  // "long" was signalled once, then waited for; nothing started after the stop.
  ASSERT_EQ(spawner_.signals.size(), 1u);
  EXPECT_EQ(spawner_.signals[0].second, SIGTERM);
  EXPECT_EQ(spawner_.live(), 0u);
  EXPECT_EQ(clock_.now_ms(), kStart + 10 * kMinute + kSecond);
  EXPECT_EQ(spawner_.jobs_started(), (std::vector<std::string>{"long", "other"}));
  EXPECT_EQ(get("long").last_outcome, "interrupted");
  EXPECT_EQ(get("long").last_exit, 143);
  EXPECT_EQ(get("other").last_outcome, "ok");
}

TEST_F(SchedulerTest, OnceStoppedBySignalReportsIt) {
  add_every("long", kMinute);
  spawner_.duration_ms["long"] = kHour;
  spawner_.stop_at_ms = kStart + kMinute;
  spawner_.stop_signal = SIGINT;
  EXPECT_EQ(run(/*once=*/true), 128 + SIGINT);
  EXPECT_EQ(get("long").last_outcome, "interrupted");
  EXPECT_EQ(get("long").last_exit, 130);
}

TEST_F(SchedulerTest, StopWithNothingRunningReturnsAtOnce) {
  add_cron("later", "0 0 1 1 *");
  spawner_.stop_at_ms = kStart + 5 * kSecond;
  EXPECT_EQ(run(/*once=*/false), 0);
  EXPECT_TRUE(spawner_.starts.empty());
  EXPECT_EQ(clock_.now_ms(), kStart + 5 * kSecond);
}

TEST_F(SchedulerTest, SchedulesAddedOrRemovedWhileRunningAreSeen) {
  spawner_.stop_at_ms = kStart + 10 * kSecond;
  // Nothing at first; the fake adds a schedule on its third wait.
  struct AddingSpawner : Spawner {
    FakeSpawner& inner;
    std::function<void()> on_third;
    int calls = 0;
    AddingSpawner(FakeSpawner& f, std::function<void()> fn) : inner(f), on_third(std::move(fn)) {}
    std::optional<int> start(const std::string& db, const std::string& job, const std::vector<std::string>& args,
                             std::string& error) override {
      return inner.start(db, job, args, error);
    }
    void signal(int pid, int signo) override { inner.signal(pid, signo); }
    Events wait(int64_t timeout_ms) override {
      if (++calls == 3) on_third();
      return inner.wait(timeout_ms);
    }
  } adding(spawner_, [&] { add_every("new", kHour, clock_.wall_ms()); });
  SchedulerOptions options;
  options.db_path = dir_ + "/s.db";
  const TimeZone utc = TimeZone::utc();
  Scheduler scheduler(*store_, adding, clock_, utc, nullptr, options);
  EXPECT_EQ(scheduler.run(), 0);
  ASSERT_EQ(spawner_.starts.size(), 1u);
  EXPECT_EQ(spawner_.starts[0].job, "new");
  EXPECT_LE(spawner_.starts[0].at_ms, kStart + 4 * kSecond);  // read again at least every second
}

TEST_F(SchedulerTest, TwoSchedulersNeverStartTheSameDueRun) {
  add_every("news", kHour);
  auto other = SqliteScheduleStore::open(dir_ + "/s.db");
  // Another scheduler claimed this slot first (it read the same last start).
  ASSERT_TRUE(other->claim_start("news", std::nullopt, kStart));
  EXPECT_FALSE(store_->claim_start("news", std::nullopt, kStart));
  EXPECT_EQ(run(/*once=*/true), 0);
  EXPECT_TRUE(spawner_.starts.empty());
  // A finish is recorded only for the run that started then.
  store_->record_finish("news", kStart - 1, kStart + 5, 0, "ok");
  EXPECT_FALSE(get("news").last_outcome);
  store_->record_finish("news", kStart, kStart + 5, 0, "ok");
  EXPECT_EQ(get("news").last_outcome, "ok");
}

TEST(ScheduleStoreTest, AddListRemove) {
  char pattern[] = "/tmp/forager-sched-XXXXXX";
  std::string dir = ::mkdtemp(pattern);
  {
    auto store = SqliteScheduleStore::open(dir + "/s.db");
    Schedule s;
    s.name = "b";
    s.cron = "0 6 * * *";
    s.utc = true;
    s.args = {"--scope", "domain", "http://example.com/ a"};
    s.created_at_ms = 42;
    EXPECT_TRUE(store->add(s));
    EXPECT_FALSE(store->add(s));
    s.name = "a";
    s.cron.reset();
    s.every_ms = 90000;
    EXPECT_TRUE(store->add(s));
    auto all = store->list();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "a");
    EXPECT_EQ(all[0].every_ms, 90000);
    EXPECT_FALSE(all[0].cron);
    EXPECT_EQ(all[1].cron, "0 6 * * *");
    EXPECT_TRUE(all[1].utc);
    EXPECT_EQ(all[1].args, s.args);
    EXPECT_EQ(all[1].created_at_ms, 42);
    EXPECT_FALSE(all[1].last_started_at_ms);
    EXPECT_EQ(describe_schedule(all[0]), "--every 90s");
    EXPECT_EQ(describe_schedule(all[1]), "--cron '0 6 * * *' --utc");
    EXPECT_TRUE(store->remove("a"));
    EXPECT_FALSE(store->remove("a"));
    EXPECT_EQ(store->list().size(), 1u);
  }
  // The same file is a regular forager store too.
  EXPECT_EQ(SqliteScheduleStore::open(dir + "/s.db")->list().size(), 1u);
  std::filesystem::remove_all(dir);
}

TEST(ScheduleFormatTest, Durations) {
  EXPECT_EQ(format_duration_ms(3600000), "1h");
  EXPECT_EQ(format_duration_ms(5400000), "90m");
  EXPECT_EQ(format_duration_ms(86400000), "1d");
  EXPECT_EQ(format_duration_ms(90000), "90s");
  EXPECT_EQ(format_duration_ms(1500), "1500ms");
}

}  // namespace
}  // namespace forager
