// PgSharedRun: SharedRun (storage/shared_run.h) on the PostgreSQL server of a
// PgStore, on its connection: members, host leases, the fence, robots.txt and
// fleet-wide budgets as rows of forager.members, hosts, leases, robots and
// runs (pg_schema.cc). Every time is the server's clock (now()), never a
// member's.
//
// A member killed on the machine that looks for it (kill -9, a crash) is
// known dead at once: its liveness lock (a session advisory lock) is free and
// its pid gone. Elsewhere a member is dead when it has been silent for a
// lease lifetime.
//
// Each operation is one transaction, its statements sent in as few round
// trips as their answers allow (pg::Pipeline: a finish is one, the read of
// finish_and_learn with it); one the server aborts as a deadlock or
// serialization failure is tried again (up to kAttempts times). When the
// connection is lost (the server restarted, the session was terminated, the
// network dropped), it connects again with backoff for up to kReconnectMs and
// tries the operation again, after giving back any lease granted to this
// member whose grant it never heard of; a finish whose commit was applied but
// not acknowledged is recognized (members.last_lease) and not applied twice.
// Past kReconnectMs it throws StoreError.
//
// A crawl joins the job's unfinished run when it has live members (its policy
// must be theirs); when it has none, the crawl resumes it with its own
// options, as a crawl of one's own resumes an interrupted run.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "storage/postgres/pg_connection.h"
#include "storage/shared_run.h"

namespace forager::storage {

class PgStore;

class PgSharedRun final : public SharedRun {
 public:
  PgSharedRun(pg::Connection& conn, PgStore& store) : conn_(conn), store_(store) {}

  RunInfo join(const std::string& job, const std::string& options_json, const SharedPolicy& policy,
               const std::function<std::optional<std::string>(const std::string&)>& refuse,
               const std::string& host_name, int pid) override;
  bool rejoin() override;
  void add_seeds(const std::vector<FrontierEntry>& seeds) override;
  std::vector<FrontierEntry> seeds_after(int64_t after_seq) override;
  std::vector<FrontierEntry> urls_after(int64_t after_seq, int limit) override;
  std::optional<Lease> lease(const SharedPolicy& policy, int max_urls = 0,
                             const std::vector<SlotRelease>& releases_first = {}) override;
  bool finish(const LeaseOutcome& outcome) override;
  void release_slots(int64_t lease, const std::string& host, int64_t held, int64_t count) override;
  bool finish_and_learn(const LeaseOutcome& outcome, int64_t after_seq, int limit,
                        std::vector<FrontierEntry>& learned) override;
  FinishedThenLeased finish_then_lease(const LeaseOutcome& outcome, int64_t after_seq, int learn_limit,
                                       const SharedPolicy& policy, int max_urls,
                                       const std::vector<SlotRelease>& releases_first) override;
  bool heartbeat() override;
  int reap(int64_t lease_lifetime_ms) override;
  int64_t queued(int64_t cap) override;
  bool finished(const SharedPolicy& policy) override;
  RunState leave(bool interrupted) override;
  int64_t member() const override { return member_; }
  // Whether leases still use the prepared plain pick (pg_shared_run.cc):
  // false once its plan read the frontier other than by frontier_by_host.
  bool plain_pick() const { return plain_pick_; }
  // The plain pick's plan is checked at each of the first picks, then at
  // every kPlanCheckEvery-th.
  static constexpr int kPlanChecksFirst = 8;
  static constexpr int kPlanCheckEvery = 16;

  static constexpr int kAttempts = 5;
  static constexpr int64_t kReconnectMs = 60000;
  // URLs a lease of a given-up host carries (they are recorded unfetched).
  static constexpr int kGivenUpUrls = 100;
  // The robots.txt answers a member keeps (leases of their origins need no
  // read of them): at most this many bytes and entries; each until a minute
  // before the server would find it stale.
  static constexpr size_t kRobotsMemoBytes = 8u << 20;
  static constexpr size_t kRobotsMemoEntries = 10000;
  static constexpr int64_t kRobotsMemoMarginMs = 60000;

 private:
  template <typename F>
  auto retried(F&& body);
  std::optional<Lease> lease_once(const SharedPolicy& policy, int max_urls,
                                  const std::vector<SlotRelease>& releases_first);
  // A lease's first pipeline: the releases, the member's heartbeat, the host
  // pick (the indexes of the last two's answers).
  struct LeaseAsk {
    size_t touch = 0;
    size_t pick = 0;
    std::optional<size_t> plan;  // EXPLAIN of the plain pick, when checked
  };
  LeaseAsk ask_lease(pg::Pipeline& first, const SharedPolicy& policy, int max_urls,
                     const std::vector<SlotRelease>& releases_first);
  // EXPLAIN (FORMAT JSON) of the plain pick: every scan of frontier is an
  // index scan of frontier_by_host.
  static bool plain_pick_plan_ok(const std::string& explain_json);
  // The rest of a lease's transaction once the pick answered: the grant and
  // COMMIT (also without a grant when the transaction `wrote`).
  std::optional<Lease> grant_picked(pg::Transaction& tx, const SharedPolicy& policy,
                                    const std::vector<pg::Result>& answers, const LeaseAsk& ask, bool wrote);
  // kUrlsAfter's parameters (urls_after(), or a finish's learning read).
  std::vector<pg::Param> urls_after_params(int64_t after_seq, int limit) const;
  // kReleaseSlots' parameters (release_slots(), or a lease's releases_first).
  std::vector<pg::Param> release_params(const SlotRelease& release) const;
  // A row of the host pick's answer (sh_pick_host_and_urls) as a leased URL.
  static LeasedUrl leased_url(const pg::Result& rows, int row);
  std::vector<RobotsAnswer> fresh_robots(const std::set<std::string>& origins);
  void remember_robots(const RobotsAnswer& answer, int64_t fresh_until_ms);
  struct Learning {
    int64_t after_seq;
    int limit;
    std::vector<FrontierEntry> urls;
  };
  bool finish_once(const LeaseOutcome& outcome, Learning* learning);
  std::optional<Lease> finish_then_lease_once(const LeaseOutcome& outcome, Learning* learning,
                                              const SharedPolicy& policy, int max_urls,
                                              const std::vector<SlotRelease>& releases_first, bool& applied);
  size_t add_finish(pg::Pipeline& writes, const LeaseOutcome& outcome, const Learning* learning);
  static bool lease_gone(const pg::StatementError& e);
  bool finish_refused(const LeaseOutcome& outcome, Learning* learning);
  void add_outcome(pg::Pipeline& writes, const LeaseOutcome& outcome);
  // Re-crawls: each URL's previous record in the job (one query for the
  // lease), whose validators go out with its fetch.
  void previous_records(std::vector<LeasedUrl>& urls);
  // Inserts entries (sorted by URL, ON CONFLICT DO NOTHING, seq from the
  // server) and a host row for each new host.
  void insert_entries(pg::Pipeline& writes, const std::vector<FrontierEntry>& entries);
  void ensure_hosts(pg::Pipeline& writes, const std::vector<std::string>& hosts);
  // An unfinished run an older forager crawled on its own (not shared):
  // its waiting URLs get their host (and host rows), the run its fetch count
  // for --max-pages, and it becomes shared, to be resumed as one.
  void adopt_own_run(int64_t run);
  // Deletes the leases of members that left or were declared dead and
  // queues their URLs again, releasing their hosts' slots.
  int release_leases_of_gone_members();
  bool run_finished(const SharedPolicy& policy);
  // Requeues the URLs of the leases in `gone` (id, host, slots, robots) and
  // gives their hosts' slots back.
  void release(const pg::Result& gone);
  // After a reconnect: gives back leases the server granted this member that
  // it does not know of (their grant's acknowledgement was lost).
  void release_unknown_leases();
  // Takes this member's liveness lock on its session (after joining and
  // after every reconnect).
  void hold_member_lock();
  // Declares dead the members of `run` on this machine (same host name)
  // whose liveness lock is free and whose process no longer exists; returns
  // how many.
  int declare_killed_local_members(int64_t run);
  void reconnect(const StoreError& lost);

  pg::Connection& conn_;
  PgStore& store_;
  SharedPolicy policy_;
  int64_t run_ = 0;
  int64_t member_ = 0;
  int64_t default_delay_ms_ = 0;
  int64_t lease_lifetime_ms_ = 0;
  bool alive_ = false;
  bool has_previous_ = false;      // the job has an earlier run: leases carry previous records
  bool reconnected_ = false;       // during the current operation
  bool plain_pick_ = true;         // see plain_pick()
  int64_t plain_picks_ = 0;        // on this connection
  std::string plan_check_sql_;     // the EXPLAIN of the lease being asked for
  std::set<int64_t> held_;         // leases granted to this member, not finished yet
  struct RobotsMemo {
    RobotsAnswer answer;
    int64_t fresh_until_ms = 0;    // steady clock
    size_t bytes = 0;
  };
  std::map<std::string, RobotsMemo> robots_memo_;
  size_t robots_memo_bytes_ = 0;
  std::string host_name_;
  int pid_ = 0;
};

}  // namespace forager::storage
