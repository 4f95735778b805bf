#include "storage/postgres/pg_shared_run.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "crawler/util/clock.h"
#include "crawler/util/url.h"
#include "storage/postgres/pg_store.h"

namespace forager::storage {
namespace {

using pg::Element;
using pg::Param;
using pg::Statement;

const SystemClock kClock;

Param optional_integer(const std::optional<int64_t>& v) { return v ? pg::integer(*v) : pg::null(); }

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

const Statement kInsertJob = {"sh_insert_job",
                              "INSERT INTO jobs(name, created_at_ms) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"};
const Statement kLockJob = {"sh_lock_job", "SELECT id FROM jobs WHERE name = $1 FOR UPDATE"};
const Statement kNewestRun = {"sh_newest_run",
                              "SELECT id, state, options_json, shared FROM runs WHERE job = $1 ORDER BY id DESC LIMIT 1"};
const Statement kInsertRun = {"sh_insert_run",
                              "INSERT INTO runs(job, state, started_at_ms, options_json, shared) "
                              "VALUES ($1, 0, $2, $3, true) RETURNING id"};
const Statement kLiveMembers = {"sh_live_members",
                                "SELECT count(*) FROM members WHERE run_id = $1 AND left_at IS NULL "
                                "AND heartbeat_at >= now() - $2::bigint * interval '1 millisecond' AND id <> $3"};
// A run nobody is working on any more: its leases were never finished.
const Statement kForgetLeases = {"sh_forget_leases", "DELETE FROM leases WHERE run_id = $1"};
const Statement kUnleaseRun = {"sh_unlease_run",
                               "UPDATE frontier SET state = 0, lease_id = NULL WHERE run_id = $1 AND state = 1"};
const Statement kResetHosts = {"sh_reset_hosts",
                               "UPDATE hosts SET in_flight = 0, robots_busy = false WHERE run_id = $1"};
const Statement kLeaveAll = {"sh_leave_all",
                             "UPDATE members SET left_at = now() WHERE run_id = $1 AND left_at IS NULL"};
const Statement kResumeRun = {"sh_resume_run", "UPDATE runs SET state = 0, finished_at_ms = 0 WHERE id = $1"};
const Statement kInsertMember = {"sh_insert_member",
                                 "INSERT INTO members(run_id, host, pid) VALUES ($1, $2, $3) RETURNING id"};
const Statement kRunState = {"sh_run_state", "SELECT state FROM runs WHERE id = $1"};
// A resume takes the resuming member's options: later joiners are compared with them.
const Statement kSetOptions = {"sh_set_options", "UPDATE runs SET options_json = $2 WHERE id = $1"};
const Statement kRaiseDelays = {"sh_raise_delays",
                                "UPDATE hosts SET delay_ms = $2 WHERE run_id = $1 AND delay_ms < $2"};
// An older forager's crawl of one's own (runs.shared false), resumed as a
// shared run: its waiting URLs get their host, the run its fetch count.
const Statement kWaitingUrls = {"sh_waiting_urls",
                                "SELECT seq, url FROM frontier WHERE run_id = $1 AND state IN (0, 1)"};
const Statement kSetHosts = {"sh_set_hosts",
                             "UPDATE frontier f SET host = u.host, state = 0, lease_id = NULL "
                             "FROM unnest($2::bigint[], $3::text[]) "
                             "AS u(seq, host) WHERE f.run_id = $1 AND f.seq = u.seq"};
const Statement kMakeShared = {"sh_make_shared", "UPDATE runs SET shared = true, fetched = $2 WHERE id = $1"};
const Statement kHasPrevious = {"sh_has_previous",
                                "SELECT EXISTS (SELECT 1 FROM runs WHERE job = $1 AND id < $2)"};

const Statement kInsertEntries = {
    "sh_insert_entries",
    "INSERT INTO frontier(run_id, seq, url, depth, referrer, state, origin, host) "
    "SELECT $1::bigint, nextval('forager.frontier_seq'), e.url, e.depth, e.referrer, 0, e.origin, e.host "
    "FROM (SELECT unnest($2::text[]) AS url, unnest($3::integer[]) AS depth, unnest($4::text[]) AS referrer, "
    "      unnest($5::text[]) AS origin, unnest($6::text[]) AS host) e "
    "ORDER BY e.url COLLATE \"C\" ON CONFLICT DO NOTHING"};
const Statement kEnsureHosts = {"sh_ensure_hosts",
                                "INSERT INTO hosts(run_id, host, delay_ms) SELECT $1::bigint, h, $3::bigint "
                                "FROM unnest($2::text[]) AS h ORDER BY h COLLATE \"C\" ON CONFLICT DO NOTHING"};

const Statement kSeedsAfter = {"sh_seeds_after",
                               "SELECT seq, url FROM frontier WHERE run_id = $1 AND depth = 0 AND referrer IS NULL "
                               "AND seq > $2 ORDER BY seq"};
const Statement kUrlsAfter = {"sh_urls_after",
                              "SELECT seq, url FROM frontier WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"};
const Statement kQueuedCount = {
    "sh_queued_count",
    "SELECT count(*) FROM (SELECT 1 FROM frontier WHERE run_id = $1 AND state = 0 AND lease_id IS NULL "
    "AND depth >= 0 LIMIT $2) q"};
const Statement kTouchMember = {"sh_touch_member",
                                "UPDATE members SET heartbeat_at = now() WHERE id = $1 AND left_at IS NULL"};
// The host to lease and its URLs, in one statement: $2 per_host, $3
// max_pages, $4 max_pages_per_host, $5 host lease on, $6 the member's room
// (0: no limit), $7 the URLs of a given-up host. A host with a delay gets one
// request at a time: a grant while another is in flight could start just
// after that one ends, closer than the delay. No row: no host is ready; a
// row without a URL: its URLs are locked by another member's lease.
// OFFSET 0 keeps the EXISTS a subplan (a probe of frontier_by_host per host)
// instead of a semi-join, whose planning took twice as long (0.4 against
// 0.2 ms a pick).
//
// `plain`: the usual policy, the host lease on and no budget, in a text
// without their conditions ($1 run, $2 per_host, $3 room, $4 the URLs of a
// given-up host). It is prepared, and PostgreSQL takes its generic plan
// after the first five custom ones: planning the pick at each lease cost
// more than running it (bench/RESULTS.md). A generic plan made while the
// run is small can go bad as it grows: on the statistics of a near-empty
// run it scans the whole frontier (session 8's 48 s pick). The pick runs
// with sequential and bitmap scans off (kPickSettings), which leaves index
// scans; but while the statistics show one host, frontier_pkey (the run in
// seq order, filtered on the host) costs the same as frontier_by_host, and
// either may come out. So the member checks the plan it runs
// (PgSharedRun::plain_pick_plan_ok) and keeps to the general text, planned
// each time, once the plain one reads the frontier other than by host.
const char kPickSettingsSql[] =
    "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)";

std::string host_pick_sql(bool plain) {
  const std::string room = plain ? "$3::integer" : "$6::integer";
  const char* given_up_urls = plain ? "$4" : "$7";
  const std::string host_ready =
      "h.next_allowed <= now() AND (h.in_flight = 0 OR (h.delay_ms = 0 AND h.in_flight < $2::integer))";
  const std::string slots = "CASE WHEN p.delay_ms > 0 THEN 1 ELSE $2::integer - p.in_flight END";
  return std::string("WITH picked AS (SELECT h.host, h.in_flight, h.delay_ms, h.fetches, h.given_up FROM hosts h "
                     "  WHERE h.run_id = $1 AND NOT h.robots_busy AND ") +
         (plain ? host_ready : "(NOT $5::boolean OR (" + host_ready + "))") +
         "  AND EXISTS (SELECT 1 FROM frontier f WHERE f.run_id = $1 AND f.host = h.host AND f.state = 0 "
         "    AND f.lease_id IS NULL "
         "    AND (f.not_before IS NULL OR f.not_before <= now()) " +
         (plain ? ""
                : "    AND (f.counted OR (($3::bigint IS NULL "
                  "         OR (SELECT fetched FROM runs WHERE id = $1) < $3::bigint) "
                  "         AND ($4::bigint IS NULL OR h.fetches < $4::bigint))) ") +
         "OFFSET 0) "
         "  ORDER BY h.next_allowed LIMIT 1 FOR UPDATE OF h SKIP LOCKED) "
         "SELECT p.host, p.in_flight, p.delay_ms, p.fetches, p.given_up, u.seq, u.url, u.depth, u.referrer, "
         "  u.attempts, u.crashes, u.origin, u.target, u.chain, u.last_status, u.counted "
         "FROM picked p LEFT JOIN LATERAL ("
         "  SELECT seq, url, depth, referrer, attempts, crashes, origin, target, chain, last_status, counted "
         "  FROM frontier f WHERE f.run_id = $1 AND f.host = p.host AND f.state = 0 AND f.lease_id IS NULL "
         "  AND (f.not_before IS NULL OR f.not_before <= now()) ORDER BY f.seq "
         "  LIMIT greatest(1, CASE WHEN p.given_up IS NOT NULL THEN " + given_up_urls + "::integer "
         "    ELSE least(" + (plain ? slots : "CASE WHEN NOT $5::boolean THEN $2::integer ELSE " + slots + " END") +
         ", CASE WHEN " + room + " > 0 THEN " + room + " ELSE 2147483647 END) END) "
         "  FOR UPDATE OF f SKIP LOCKED) u ON true";
}

const std::string kPickSql = host_pick_sql(false);
const std::string kPlainPickSql = host_pick_sql(true);
const Statement kPickHostAndUrls = {"sh_pick_host_and_urls", kPickSql.c_str(), true};
const Statement kPlainPick = {"sh_plain_pick", kPlainPickSql.c_str()};
const Statement kPickSettings = {"sh_pick_settings", kPickSettingsSql};
// Stored robots.txt answers younger than $3 ms (kRobotsFreshMs), with their age in ms.
const Statement kFreshRobots = {"sh_fresh_robots",
                                "SELECT origin, status, error, body, "
                                "(extract(epoch FROM now() - fetched_at) * 1000)::bigint FROM robots "
                                "WHERE run_id = $1 AND origin = ANY($2::text[]) "
                                "AND fetched_at > now() - $3::bigint * interval '1 millisecond'"};
// An answer older than this is fetched again (the member's memo forgets it a
// minute before).
constexpr int64_t kRobotsFreshMs = 24ll * 3600 * 1000;
const Statement kLockRunBudget = {"sh_lock_budget", "SELECT fetched FROM runs WHERE id = $1 FOR UPDATE"};
const Statement kCountFetched = {"sh_count_fetched", "UPDATE runs SET fetched = fetched + $2 WHERE id = $1"};
const Statement kInsertLease = {"sh_insert_lease",
                                "INSERT INTO leases(run_id, member_id, host, slots, robots_origin) "
                                "VALUES ($1, $2, $3, $4, $5) RETURNING id"};
// A lease of URLs: its row, and its URLs marked leased to it. Planned each
// time: a plan cached while the run was small scans all of it (pg_connection.h).
const Statement kInsertUrlLease = {"sh_insert_url_lease",
                                   "WITH l AS (INSERT INTO leases(run_id, member_id, host, slots) "
                                   "VALUES ($1, $2, $3, $4) RETURNING id), "
                                   "u AS (UPDATE frontier SET state = 1, lease_id = (SELECT id FROM l), counted = true "
                                   "WHERE run_id = $1 AND seq = ANY($5::bigint[])) "
                                   "SELECT id FROM l",
                                   true};
// A grant: slots taken; with a delay, the next start waits for it (server clock).
const Statement kTakeHost = {
    "sh_take_host",
    "UPDATE hosts SET in_flight = in_flight + $3, fetches = fetches + $4, robots_busy = robots_busy OR $5, "
    "next_allowed = CASE WHEN delay_ms > 0 THEN now() + delay_ms * interval '1 millisecond' ELSE next_allowed END "
    "WHERE run_id = $1 AND host = $2"};

const Statement kRequeue = {
    "sh_requeue",
    "UPDATE frontier f SET state = 0, lease_id = NULL, attempts = r.attempts, crashes = r.crashes, "
    "not_before = now() + r.wait * interval '1 millisecond', target = r.target, chain = r.chain, "
    "last_status = r.last_status, host = r.host, origin = r.origin "
    "FROM unnest($2::bigint[], $3::integer[], $4::integer[], $5::bigint[], $6::text[], $7::text[], $8::integer[], "
    "$9::text[], $10::text[]) AS r(seq, attempts, crashes, wait, target, chain, last_status, host, origin) "
    "WHERE f.run_id = $1 AND f.seq = ANY($2::bigint[]) AND f.seq = r.seq",
    true};
const Statement kStoreRobots = {"sh_store_robots",
                                "INSERT INTO robots(run_id, origin, status, error, body) VALUES ($1, $2, $3, $4, $5) "
                                "ON CONFLICT (run_id, origin) DO UPDATE SET status = excluded.status, "
                                "error = excluded.error, body = excluded.body, fetched_at = now()"};
const Statement kCountPages = {"sh_count_pages",
                               "UPDATE members SET pages = pages + $2, heartbeat_at = now(), last_lease = $3 "
                               "WHERE id = $1"};
// The fence and the release, last in a finish's transaction: the lease's
// row deleted ($8 lease, $9 member), its slots back, the next start after
// the delay from now. Connection failures in a row, fleet-wide: $4 this
// lease's since its last response ($5: it had one), $6 the error; $7 of them
// give the host up. When the lease is gone (taken back, or this very finish
// committed before its answer was lost) the cast of the select list fails,
// which aborts the whole transaction: nothing of it is applied.
const Statement kFenceAndRelease = {
    "sh_fence_and_release",
    "WITH l AS (DELETE FROM leases WHERE id = $8 AND member_id = $9 "
    "  RETURNING slots, robots_origin IS NOT NULL AS robots), "
    "h AS (UPDATE hosts SET in_flight = greatest(0, in_flight - l.slots), delay_ms = greatest(delay_ms, $3::bigint), "
    "  next_allowed = greatest(next_allowed, now() + greatest(delay_ms, $3::bigint) * interval '1 millisecond'), "
    "  robots_busy = robots_busy AND NOT l.robots, "
    "  failures = CASE WHEN $5::boolean THEN $4::integer ELSE failures + $4::integer END, "
    "  given_up = CASE WHEN given_up IS NULL AND $4::integer > 0 AND "
    "    (CASE WHEN $5::boolean THEN $4::integer ELSE failures + $4::integer END) >= $7::integer "
    "    THEN $6::text ELSE given_up END "
    "  FROM l WHERE hosts.run_id = $1 AND hosts.host = $2 RETURNING 1) "
    "SELECT (CASE WHEN (SELECT count(*) FROM l) = 0 THEN 'forager: this lease was taken back' ELSE '1' END)::integer"};
// invalid_text_representation: kFenceAndRelease's cast, which the server's
// log shows as `invalid input syntax for type integer: "forager: this lease
// was taken back"`.
constexpr const char* kLeaseGoneState = "22P02";
// A partial release: the lease's slot count is its version (only its member
// lowers it, one release at a time), so a release applied twice finds no
// lease holding $4 and changes nothing. The host row is locked first and must
// have no delay ($5 run, $6 host).
const Statement kReleaseSlots = {
    "sh_release_slots",
    "WITH h AS (SELECT host FROM hosts WHERE run_id = $5 AND host = $6 AND delay_ms = 0 FOR UPDATE), "
    "l AS (UPDATE leases SET slots = slots - $3 FROM h WHERE leases.id = $1 AND leases.member_id = $2 "
    "  AND leases.slots = $4 AND leases.slots > $3 AND leases.robots_origin IS NULL AND leases.host = h.host "
    "  RETURNING leases.host) "
    "UPDATE hosts SET in_flight = greatest(0, in_flight - $3) FROM l WHERE hosts.run_id = $5 AND hosts.host = l.host"};
const Statement kDoneWithoutRecord = {"sh_done_without_record",
                                      "UPDATE frontier SET state = 2 WHERE run_id = $1 AND seq = ANY($2::bigint[])"};

const Statement kDeclareDead = {"sh_declare_dead",
                                "UPDATE members SET left_at = now() WHERE run_id = $1 AND left_at IS NULL "
                                "AND heartbeat_at < now() - $2::bigint * interval '1 millisecond' AND id <> $3 "
                                "RETURNING id"};
const Statement kGoneLeases = {"sh_gone_leases",
                               "DELETE FROM leases l USING members m WHERE l.run_id = $1 AND m.id = l.member_id "
                               "AND m.left_at IS NOT NULL RETURNING l.id, l.host, l.slots, l.robots_origin IS NOT NULL"};
const Statement kUnknownLeases = {"sh_unknown_leases",
                                  "DELETE FROM leases WHERE run_id = $1 AND member_id = $2 "
                                  "AND NOT (id = ANY($3::bigint[])) RETURNING id, host, slots, robots_origin IS NOT NULL"};
const Statement kLastLease = {"sh_last_lease", "SELECT last_lease FROM members WHERE id = $1"};
const Statement kUnleaseUrls = {"sh_unlease_urls",
                                "UPDATE frontier SET state = 0, lease_id = NULL WHERE run_id = $1 AND state = 1 "
                                "AND lease_id = ANY($2::bigint[])"};
const Statement kFreeHosts = {
    "sh_free_hosts",
    "UPDATE hosts h SET in_flight = greatest(0, h.in_flight - r.slots), robots_busy = h.robots_busy AND NOT r.robots "
    "FROM (SELECT host, sum(slots)::integer AS slots, bool_or(robots) AS robots "
    "      FROM unnest($2::text[], $3::integer[], $4::boolean[]) AS x(host, slots, robots) GROUP BY host) r "
    "WHERE h.run_id = $1 AND h.host = r.host"};

const Statement kFinished = {
    "sh_finished",
    "SELECT NOT EXISTS (SELECT 1 FROM leases WHERE run_id = $1) AND NOT EXISTS ("
    "  SELECT 1 FROM frontier f JOIN hosts h ON h.run_id = f.run_id AND h.host = f.host "
    "  WHERE f.run_id = $1 AND f.state IN (0, 1) AND (f.counted OR "
    "    (($2::bigint IS NULL OR (SELECT fetched FROM runs WHERE id = $1) < $2::bigint) "
    "     AND ($3::bigint IS NULL OR h.fetches < $3::bigint))))"};
const Statement kLeaveMember = {"sh_leave_member", "UPDATE members SET left_at = now() WHERE id = $1"};
// Liveness locks: each member holds a session advisory lock on its id (first
// int4 key "FRGM") for as long as its connection lives. A member of this
// machine whose lock is free and whose process is gone was killed: it is
// declared dead at once instead of after a lease lifetime. Its workers died
// with it (PR_SET_PDEATHSIG), so no fetch of its leases is still running.
// The lock alone would not do (a live member between reconnects has none),
// nor would the pid alone (another machine may have the same host name).
constexpr int64_t kMemberLockSpace = 1179797325;  // "FRGM"
const Statement kHoldMemberLock = {"sh_hold_member_lock",
                                   "SELECT pg_advisory_lock($1::integer, ($2::bigint % 2147483647)::integer)"};
const Statement kUnlockedLocalMembers = {
    "sh_unlocked_local_members",
    "SELECT id, pid FROM members WHERE run_id = $1 AND left_at IS NULL AND host = $2 AND id <> $3 "
    "AND pg_try_advisory_xact_lock($4::integer, (id % 2147483647)::integer)"};
const Statement kMarkGone = {"sh_mark_gone",
                             "UPDATE members SET left_at = now() WHERE id = ANY($1::bigint[]) AND left_at IS NULL"};
const Statement kEndRun = {"sh_end_run",
                           "UPDATE runs SET state = $2, finished_at_ms = $3 WHERE id = $1 AND state <> 2"};

// Rows of (seq, url) as frontier entries with just those two fields.
std::vector<FrontierEntry> seq_url_entries(const pg::Result& rows) {
  std::vector<FrontierEntry> entries;
  entries.reserve(static_cast<size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    FrontierEntry e;
    e.seq = rows.int64(i, 0);
    e.url = rows.text(i, 1);
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace

template <typename F>
auto PgSharedRun::retried(F&& body) {
  reconnected_ = false;
  for (int attempt = 1;; ++attempt) {
    try {
      return body();
    } catch (const pg::RetryableError&) {
      if (attempt >= kAttempts) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
    } catch (const StoreError& e) {
      if (!conn_.broken()) throw;
      reconnect(e);
    }
  }
}

void PgSharedRun::reconnect(const StoreError& lost) {
  std::fprintf(stderr, "\nforager: lost the connection to the store (%s); connecting again\n", lost.what());
  if (!conn_.reconnect(kReconnectMs))
    throw StoreError(std::string(lost.what()) + "; the server did not come back within " +
                     std::to_string(kReconnectMs / 1000) + " s");
  std::fprintf(stderr, "forager: connected to the store again\n");
  reconnected_ = true;
  plain_picks_ = 0;  // its prepared statements went with the session: a new plan, checked again
  if (member_ > 0) {
    hold_member_lock();
    release_unknown_leases();
  }
}

void PgSharedRun::hold_member_lock() {
  conn_.run(kHoldMemberLock, {pg::integer(kMemberLockSpace), pg::integer(member_)});
}

int PgSharedRun::declare_killed_local_members(int64_t run) {
  pg::Result unlocked = conn_.run(
      kUnlockedLocalMembers, {pg::integer(run), pg::text(host_name_), pg::integer(member_), pg::integer(kMemberLockSpace)});
  pg::ArrayParam gone(Element::kBigint);
  int count = 0;
  for (int i = 0; i < unlocked.rows(); ++i) {
    const auto pid = static_cast<pid_t>(unlocked.int64(i, 1));
    if (pid > 0 && pid != pid_ && ::kill(pid, 0) != 0 && errno == ESRCH) {
      gone.add(unlocked.int64(i, 0));
      ++count;
    }
  }
  if (count > 0) conn_.run(kMarkGone, {gone.param()});
  return count;
}

void PgSharedRun::release_unknown_leases() {
  pg::ArrayParam known(Element::kBigint);
  for (int64_t id : held_) known.add(id);
  pg::Transaction tx(conn_);
  release(conn_.run(kUnknownLeases, {pg::integer(run_), pg::integer(member_), known.param()}));
  tx.commit();
}

RunInfo PgSharedRun::join(const std::string& job, const std::string& options_json, const SharedPolicy& policy,
                          const std::function<std::optional<std::string>(const std::string&)>& refuse,
                          const std::string& host_name, int pid) {
  policy_ = policy;
  default_delay_ms_ = policy.delay_ms;
  lease_lifetime_ms_ = policy.lease_lifetime_ms;
  host_name_ = host_name;
  pid_ = pid;
  // A member stopped (SIGSTOP, a pause) inside a transaction keeps its rows
  // locked, its members row among them, and the others' reap would wait on
  // that lock for as long as it is stopped. The server ends such a session
  // well within the lease lifetime; the member reconnects when it resumes.
  const int64_t idle_limit_ms = std::max<int64_t>(1000, lease_lifetime_ms_ / 2);
  conn_.keep_session_setting("SET idle_in_transaction_session_timeout = " + std::to_string(idle_limit_ms));
  RunInfo joined = retried([&] {
    pg::Transaction tx(conn_);
    conn_.run(kInsertJob, {pg::text(job), pg::integer(kClock.wall_ms())});
    conn_.run(kLockJob, {pg::text(job)});  // one join of a job at a time
    RunInfo info;
    info.job = job;
    pg::Result newest = conn_.run(kNewestRun, {pg::text(job)});
    if (newest.rows() == 1 && newest.int64(0, 1) != static_cast<int>(RunState::kDone)) {
      info.id = newest.int64(0, 0);
      info.options_json = newest.text(0, 2);
      if (!newest.boolean(0, 3)) {
        if (info.options_json.find("\"extract_of\"") != std::string::npos)
          throw PolicyError("job '" + job + "' has an unfinished extract, run " + std::to_string(info.id) +
                            ": finish it first (forager extract resumes it)");
        adopt_own_run(info.id);
      }
      info.resumed = true;
      if (declare_killed_local_members(info.id) > 0) {  // their leases go back now, not at the next reap
        run_ = info.id;
        release_leases_of_gone_members();
      }
      info.other_members =
          conn_.run(kLiveMembers, {pg::integer(info.id), pg::integer(lease_lifetime_ms_), pg::integer(0)}).int64(0, 0);
      if (info.other_members > 0) {  // a joiner crawls with the run's policy
        if (auto why = refuse(info.options_json)) throw PolicyError(*why);
      } else {  // nobody works on it: a resume, as after a stop, with this crawl's options
        conn_.run(kLeaveAll, {pg::integer(info.id)});
        conn_.run(kForgetLeases, {pg::integer(info.id)});
        conn_.run(kUnleaseRun, {pg::integer(info.id)});
        conn_.run(kResetHosts, {pg::integer(info.id)});
        conn_.run(kRaiseDelays, {pg::integer(info.id), pg::integer(policy.delay_ms)});
        conn_.run(kSetOptions, {pg::integer(info.id), pg::text(options_json)});
        conn_.run(kResumeRun, {pg::integer(info.id)});
        info.options_json = options_json;
      }
    } else {
      info.id = conn_.run(kInsertRun, {pg::text(job), pg::integer(kClock.wall_ms()), pg::text(options_json)}).int64(0, 0);
      info.options_json = options_json;
    }
    member_ = conn_.run(kInsertMember, {pg::integer(info.id), pg::text(host_name), pg::integer(pid)}).int64(0, 0);
    has_previous_ = conn_.run(kHasPrevious, {pg::text(job), pg::integer(info.id)}).boolean(0, 0);
    tx.commit();
    run_ = info.id;
    alive_ = true;
    return info;
  });
  retried([&] { hold_member_lock(); });
  return joined;
}

bool PgSharedRun::rejoin() {
  return retried([&] {
    pg::Transaction tx(conn_);
    if (conn_.run(kRunState, {pg::integer(run_)}).int64(0, 0) == static_cast<int>(RunState::kDone)) return false;
    member_ = conn_.run(kInsertMember, {pg::integer(run_), pg::text(host_name_), pg::integer(pid_)}).int64(0, 0);
    tx.commit();
    alive_ = true;
    held_.clear();
    hold_member_lock();
    return true;
  });
}

void PgSharedRun::adopt_own_run(int64_t run) {
  run_ = run;  // ensure_hosts works on it
  pg::Result waiting = conn_.run(kWaitingUrls, {pg::integer(run)});
  pg::ArrayParam seqs(Element::kBigint), hosts(Element::kText);
  std::set<std::string> names;
  for (int i = 0; i < waiting.rows(); ++i) {
    std::string h = url::host(waiting.text(i, 1));
    seqs.add(waiting.int64(i, 0));
    hosts.add_text(h);
    names.insert(std::move(h));
  }
  pg::Pipeline writes(conn_);
  ensure_hosts(writes, std::vector<std::string>(names.begin(), names.end()));
  if (waiting.rows() > 0) writes.add(kSetHosts, {pg::integer(run), seqs.param(), hosts.param()});
  writes.send();
  conn_.run(kMakeShared, {pg::integer(run), pg::integer(store_.fetched_count(run))});
}

void PgSharedRun::ensure_hosts(pg::Pipeline& writes, const std::vector<std::string>& hosts) {
  if (hosts.empty()) return;
  pg::ArrayParam array(Element::kText);
  for (const std::string& h : hosts) array.add_text(h);
  writes.add(kEnsureHosts, {pg::integer(run_), array.param(), pg::integer(default_delay_ms_)});
}

void PgSharedRun::insert_entries(pg::Pipeline& writes, const std::vector<FrontierEntry>& entries) {
  if (entries.empty()) return;
  pg::ArrayParam url(Element::kText), depth(Element::kInteger), referrer(Element::kText), origin(Element::kText),
      host(Element::kText);
  std::set<std::string> hosts;
  for (const FrontierEntry& e : entries) {
    url.add_text(e.url);
    depth.add(int64_t{e.depth});
    referrer.add_text_or_null(e.referrer);
    origin.add_text(e.origin);
    std::string h = url::host(e.url);
    host.add_text(h);
    hosts.insert(std::move(h));
  }
  // Hosts first: a URL is never queued without its host row.
  ensure_hosts(writes, std::vector<std::string>(hosts.begin(), hosts.end()));
  writes.add(kInsertEntries, {pg::integer(run_), url.param(), depth.param(), referrer.param(), origin.param(),
                             host.param()});
}

void PgSharedRun::add_seeds(const std::vector<FrontierEntry>& seeds) {
  retried([&] {
    pg::Transaction tx(conn_);
    pg::Pipeline writes(conn_);
    insert_entries(writes, seeds);
    tx.commit(writes);
    return 0;
  });
}

std::vector<FrontierEntry> PgSharedRun::seeds_after(int64_t after_seq) {
  return seq_url_entries(
      retried([&] { return conn_.run(kSeedsAfter, {pg::integer(run_), pg::integer(after_seq)}); }));
}

int64_t PgSharedRun::queued(int64_t cap) {
  return retried([&] { return conn_.run(kQueuedCount, {pg::integer(run_), pg::integer(cap)}).int64(0, 0); });
}

std::vector<Param> PgSharedRun::urls_after_params(int64_t after_seq, int limit) const {
  return {pg::integer(run_), pg::integer(after_seq), pg::integer(limit)};
}

std::vector<FrontierEntry> PgSharedRun::urls_after(int64_t after_seq, int limit) {
  return seq_url_entries(retried([&] { return conn_.run(kUrlsAfter, urls_after_params(after_seq, limit)); }));
}

std::optional<Lease> PgSharedRun::lease(const SharedPolicy& policy, int max_urls,
                                        const std::vector<SlotRelease>& releases_first) {
  if (!alive_) return std::nullopt;
  std::optional<Lease> lease = retried([&] { return lease_once(policy, max_urls, releases_first); });
  if (lease) held_.insert(lease->id);
  return lease;
}

std::vector<Param> PgSharedRun::release_params(const SlotRelease& r) const {
  return {pg::integer(r.lease), pg::integer(member_), pg::integer(r.count), pg::integer(r.held),
          pg::integer(run_), pg::text(r.host)};
}

LeasedUrl PgSharedRun::leased_url(const pg::Result& rows, int row) {
  LeasedUrl u;
  u.entry.seq = rows.int64(row, 5);
  u.entry.url = rows.text(row, 6);
  u.entry.depth = rows.int32(row, 7);
  u.entry.referrer = rows.text(row, 8);
  u.entry.attempts = rows.int32(row, 9);
  u.entry.crashes = rows.int32(row, 10);
  u.entry.origin = rows.text(row, 11);
  u.entry.state = UrlState::kLeased;
  u.target = rows.text(row, 12);
  u.chain = split_lines(rows.text(row, 13));
  u.last_status = rows.int32(row, 14);
  u.counted = rows.boolean(row, 15);
  return u;
}

// The fresh robots.txt answers of `origins` (those the server holds), from
// the memo when it has every one of them, else from the server.
std::vector<RobotsAnswer> PgSharedRun::fresh_robots(const std::set<std::string>& origins) {
  const int64_t now = kClock.now_ms();
  std::vector<RobotsAnswer> answers;
  for (const std::string& origin : origins) {
    auto it = robots_memo_.find(origin);
    if (it == robots_memo_.end() || it->second.fresh_until_ms <= now) break;
    answers.push_back(it->second.answer);
  }
  if (answers.size() == origins.size()) return answers;
  answers.clear();
  pg::ArrayParam array(Element::kText);
  for (const std::string& origin : origins) array.add_text(origin);
  pg::Result rows = conn_.run(kFreshRobots, {pg::integer(run_), array.param(), pg::integer(kRobotsFreshMs)});
  for (int i = 0; i < rows.rows(); ++i) {
    RobotsAnswer answer{rows.text(i, 0), rows.int32(i, 1), rows.text(i, 2), rows.text(i, 3)};
    remember_robots(answer, now + kRobotsFreshMs - rows.int64(i, 4) - kRobotsMemoMarginMs);
    answers.push_back(std::move(answer));
  }
  return answers;
}

void PgSharedRun::remember_robots(const RobotsAnswer& answer, int64_t fresh_until_ms) {
  const size_t size = answer.origin.size() + answer.error.size() + answer.body.size();
  if (size > kRobotsMemoBytes / 8) return;
  if (robots_memo_bytes_ + size > kRobotsMemoBytes || robots_memo_.size() >= kRobotsMemoEntries) {
    robots_memo_.clear();  // bounded: start over (a lease reads what it misses from the server)
    robots_memo_bytes_ = 0;
  }
  auto [it, added] = robots_memo_.try_emplace(answer.origin);
  if (!added) robots_memo_bytes_ -= it->second.bytes;
  it->second = {answer, fresh_until_ms, size};
  robots_memo_bytes_ += size;
}

// Three round trips at most: the releases, the member's heartbeat, the host
// and its URLs; the robots.txt answers when the memo lacks one; the grant
// and COMMIT.
std::optional<Lease> PgSharedRun::lease_once(const SharedPolicy& policy, int max_urls,
                                             const std::vector<SlotRelease>& releases_first) {
  pg::Transaction tx(conn_);
  pg::Pipeline first(conn_);  // with the BEGIN: one round trip
  const LeaseAsk ask = ask_lease(first, policy, max_urls, releases_first);
  return grant_picked(tx, policy, first.send(), ask, !releases_first.empty());
}

PgSharedRun::LeaseAsk PgSharedRun::ask_lease(pg::Pipeline& first, const SharedPolicy& policy, int max_urls,
                                             const std::vector<SlotRelease>& releases_first) {
  for (const SlotRelease& r : releases_first)
    if (r.count > 0) first.add(kReleaseSlots, release_params(r));
  LeaseAsk ask;
  ask.touch = first.add(kTouchMember, {pg::integer(member_)});
  if (plain_pick_ && policy.host_lease && !policy.max_pages && !policy.max_pages_per_host) {
    first.add(kPickSettings);  // to the transaction's end
    const std::vector<Param> params = {pg::integer(run_), pg::integer(policy.per_host), pg::integer(max_urls),
                                       pg::integer(kGivenUpUrls)};
    ask.pick = first.add(kPlainPick, params);
    // Its plan for the next picks: checked at each of the first, then now and then.
    if (plain_picks_ < kPlanChecksFirst || plain_picks_ % kPlanCheckEvery == 0) {
      plan_check_sql_ = std::string("EXPLAIN (FORMAT JSON) EXECUTE ") + kPlainPick.name + "(" +
                        std::to_string(run_) + ", " + std::to_string(policy.per_host) + ", " +
                        std::to_string(max_urls) + ", " + std::to_string(kGivenUpUrls) + ")";
      ask.plan = first.add(pg::Statement{"sh_plain_pick_plan", plan_check_sql_.c_str(), true});
    }
    ++plain_picks_;
    return ask;
  }
  ask.pick = first.add(
      kPickHostAndUrls, {pg::integer(run_), pg::integer(policy.per_host), optional_integer(policy.max_pages),
                         optional_integer(policy.max_pages_per_host), pg::boolean(policy.host_lease),
                         pg::integer(max_urls), pg::integer(kGivenUpUrls)});
  return ask;
}

bool PgSharedRun::plain_pick_plan_ok(const std::string& explain_json) {
  std::function<bool(const nlohmann::json&)> ok = [&](const nlohmann::json& node) {
    if (node.value("Relation Name", "") == "frontier" &&
        (node.value("Node Type", "") != "Index Scan" || node.value("Index Name", "") != "frontier_by_host"))
      return false;
    if (node.contains("Plans"))
      for (const nlohmann::json& child : node["Plans"])
        if (!ok(child)) return false;
    return true;
  };
  const nlohmann::json plan = nlohmann::json::parse(explain_json, nullptr, false);
  return !plan.is_discarded() && plan.is_array() && !plan.empty() && plan[0].contains("Plan") && ok(plan[0]["Plan"]);
}

std::optional<Lease> PgSharedRun::grant_picked(pg::Transaction& tx, const SharedPolicy& policy,
                                               const std::vector<pg::Result>& answers, const LeaseAsk& ask,
                                               bool wrote) {
  const Param run = pg::integer(run_);
  // Nothing granted: what the transaction wrote before the pick still counts.
  auto none = [&]() -> std::optional<Lease> {
    if (wrote) tx.commit();
    return std::nullopt;
  };
  if (ask.plan && !plain_pick_plan_ok(answers[*ask.plan].text(0, 0))) plain_pick_ = false;
  if (answers[ask.touch].affected() == 0) {
    alive_ = false;  // declared dead: no lease for it
    return none();
  }
  const pg::Result& rows = answers[ask.pick];
  if (rows.rows() == 0) return none();
  Lease lease;
  lease.host = rows.text(0, 0);
  const int64_t host_fetches = rows.int64(0, 3);
  if (!rows.is_null(0, 4)) lease.given_up_error = rows.text(0, 4);
  const bool given_up = !lease.given_up_error.empty();  // its URLs are recorded unfetched: many a lease
  std::vector<LeasedUrl> urls;
  for (int i = 0; i < rows.rows(); ++i)
    if (!rows.is_null(i, 5)) urls.push_back(leased_url(rows, i));
  // In seq order, as the lateral join reads them; sorted here rather than by a
  // sort of the server's that its planner would add to every pick.
  std::sort(urls.begin(), urls.end(),
            [](const LeasedUrl& a, const LeasedUrl& b) { return a.entry.seq < b.entry.seq; });
  if (urls.empty()) return none();
  if (!policy.ignore_robots && !given_up) {
    std::set<std::string> origins;
    for (const LeasedUrl& u : urls) origins.insert(u.entry.origin);
    lease.robots = fresh_robots(origins);
    std::set<std::string> known;
    for (const RobotsAnswer& r : lease.robots) known.insert(r.origin);
    if (!known.count(urls.front().entry.origin)) {  // fetch it first, holding one slot of the host
      lease.robots_origin = urls.front().entry.origin;
      lease.robots.clear();
      pg::Pipeline grant(conn_);
      grant.add(kInsertLease, {run, pg::integer(member_), pg::text(lease.host), pg::integer(1),
                               pg::text(lease.robots_origin)});
      grant.add(kTakeHost, {run, pg::text(lease.host), pg::integer(1), pg::integer(0), pg::boolean(true)});
      lease.id = tx.commit(grant)[0].int64(0, 0);
      return lease;
    }
    urls.erase(std::remove_if(urls.begin(), urls.end(),
                              [&](const LeasedUrl& u) { return !known.count(u.entry.origin); }),
               urls.end());
  }
  // Budgets, fleet-wide: a URL counted once, when it is first leased.
  int64_t run_room = INT64_MAX, host_room = INT64_MAX;
  if (policy.max_pages) run_room = *policy.max_pages - conn_.run(kLockRunBudget, {run}).int64(0, 0);
  if (policy.max_pages_per_host) host_room = *policy.max_pages_per_host - host_fetches;
  int64_t counting = 0;
  std::vector<LeasedUrl> granted;
  for (LeasedUrl& u : urls) {
    // Neither a sitemap nor a URL of a given-up host is a fetch of a page.
    if (!u.counted && !given_up && u.entry.depth != kSitemapDepth) {
      if (counting >= run_room || counting >= host_room) continue;
      ++counting;
    }
    granted.push_back(std::move(u));
  }
  if (granted.empty()) return none();
  if (has_previous_) previous_records(granted);
  pg::ArrayParam seqs(Element::kBigint);
  for (const LeasedUrl& u : granted) seqs.add(u.entry.seq);
  const auto slots = static_cast<int64_t>(granted.size());
  pg::Pipeline grant(conn_);  // the grant's writes and its COMMIT: one round trip
  const size_t inserted =
      grant.add(kInsertUrlLease, {run, pg::integer(member_), pg::text(lease.host), pg::integer(slots), seqs.param()});
  if (policy.max_pages && counting > 0) grant.add(kCountFetched, {run, pg::integer(counting)});
  grant.add(kTakeHost, {run, pg::text(lease.host), pg::integer(slots), pg::integer(counting), pg::boolean(false)});
  lease.id = tx.commit(grant)[inserted].int64(0, 0);
  lease.urls = std::move(granted);
  return lease;
}

void PgSharedRun::previous_records(std::vector<LeasedUrl>& urls) {
  std::vector<std::string> wanted;
  for (const LeasedUrl& u : urls)
    if (u.chain.empty()) wanted.push_back(u.entry.url);  // a redirect hop is compared by its URL's own fetch
  if (wanted.empty()) return;
  std::map<std::string, PageRecord> previous = store_.previous_records(run_, wanted);
  for (LeasedUrl& u : urls) {
    if (!u.chain.empty()) continue;
    auto it = previous.find(u.entry.url);
    if (it != previous.end()) u.previous = std::move(it->second);
  }
}

bool PgSharedRun::finish(const LeaseOutcome& outcome) {
  const bool applied = retried([&] { return finish_once(outcome, nullptr); });
  held_.erase(outcome.lease);
  return applied;
}

void PgSharedRun::release_slots(int64_t lease, const std::string& host, int64_t held, int64_t count) {
  if (!alive_ || count <= 0) return;
  retried([&] {
    return conn_.run(kReleaseSlots, release_params({lease, host, held, count}));
  });
}

bool PgSharedRun::finish_and_learn(const LeaseOutcome& outcome, int64_t after_seq, int limit,
                                   std::vector<FrontierEntry>& learned) {
  Learning learning{after_seq, limit, {}};
  const bool applied = retried([&] { return finish_once(outcome, &learning); });
  held_.erase(outcome.lease);
  learned = std::move(learning.urls);
  return applied;
}

// One round trip: BEGIN, every write, the fence with the release, the read
// of `learning` and COMMIT in one pipeline. A lease that is gone aborts it.
bool PgSharedRun::finish_once(const LeaseOutcome& outcome, Learning* learning) {
  {
    pg::Transaction tx(conn_);
    pg::Pipeline writes(conn_);
    const size_t read = add_finish(writes, outcome, learning);
    try {
      std::vector<pg::Result> results = tx.commit(writes);
      if (learning) learning->urls = seq_url_entries(results[read]);
      return true;
    } catch (const pg::StatementError& e) {
      if (!lease_gone(e)) throw;
    }
  }  // rolled back
  return finish_refused(outcome, learning);
}

SharedRun::FinishedThenLeased PgSharedRun::finish_then_lease(const LeaseOutcome& outcome, int64_t after_seq,
                                                             int learn_limit, const SharedPolicy& policy, int max_urls,
                                                             const std::vector<SlotRelease>& releases_first) {
  if (!alive_)  // no lease for it: the finish alone
    return SharedRun::finish_then_lease(outcome, after_seq, learn_limit, policy, max_urls, releases_first);
  Learning learning{after_seq, learn_limit, {}};
  Learning* learn = learn_limit > 0 ? &learning : nullptr;
  FinishedThenLeased done;
  done.lease = retried(
      [&] { return finish_then_lease_once(outcome, learn, policy, max_urls, releases_first, done.applied); });
  held_.erase(outcome.lease);
  if (done.lease) held_.insert(done.lease->id);
  done.learned = std::move(learning.urls);
  return done;
}

// One transaction: the finish's pipeline (as finish_once's, without its
// COMMIT) and the lease's first one go in one round trip. When the fence
// refuses the finish, all of it rolls back and the lease is asked for alone.
std::optional<Lease> PgSharedRun::finish_then_lease_once(const LeaseOutcome& outcome, Learning* learning,
                                                         const SharedPolicy& policy, int max_urls,
                                                         const std::vector<SlotRelease>& releases_first,
                                                         bool& applied) {
  {
    pg::Transaction tx(conn_);
    pg::Pipeline first(conn_);
    const size_t read = add_finish(first, outcome, learning);
    const LeaseAsk ask = ask_lease(first, policy, max_urls, releases_first);
    std::optional<std::vector<pg::Result>> answers;
    try {
      answers = first.send();
    } catch (const pg::StatementError& e) {
      if (!lease_gone(e)) throw;
    }
    if (answers) {
      applied = true;
      if (learning) learning->urls = seq_url_entries((*answers)[read]);
      return grant_picked(tx, policy, *answers, ask, true);
    }
  }  // rolled back
  applied = finish_refused(outcome, learning);
  return lease_once(policy, max_urls, releases_first);
}

// A finish's writes, the fence with the release, and the read of
// `learning` (its index in `writes`; without one, the fence's).
size_t PgSharedRun::add_finish(pg::Pipeline& writes, const LeaseOutcome& outcome, const Learning* learning) {
  const Param run = pg::integer(run_);
  add_outcome(writes, outcome);
  const size_t fence =
      writes.add(kFenceAndRelease,
                 {run, pg::text(outcome.host), pg::integer(outcome.host_delay_ms),
                  pg::integer(outcome.connection_failures), pg::boolean(outcome.responded),
                  pg::text(outcome.failure_error), pg::integer(policy_.give_up_after), pg::integer(outcome.lease),
                  pg::integer(member_)});
  // The run's URLs, read inside the transaction: those it inserts included.
  if (!learning) return fence;
  return writes.add(kUrlsAfter, urls_after_params(learning->after_seq, learning->limit));
}

bool PgSharedRun::lease_gone(const pg::StatementError& e) {
  return e.sqlstate == kLeaseGoneState && e.statement == kFenceAndRelease.name;
}

// After the fence refused a finish (its transaction rolled back): the lease
// was taken back (this member was declared dead), or this very finish
// committed before the connection was lost and its answer with it.
bool PgSharedRun::finish_refused(const LeaseOutcome& outcome, Learning* learning) {
  const bool applied = reconnected_ && conn_.run(kLastLease, {pg::integer(member_)}).int64(0, 0) == outcome.lease;
  if (learning)
    learning->urls = seq_url_entries(conn_.run(kUrlsAfter, urls_after_params(learning->after_seq, learning->limit)));
  return applied;
}

// A finish's writes but the fence: links, records, requeues, ends without a
// record, robots.txt, the member's count.
void PgSharedRun::add_outcome(pg::Pipeline& writes, const LeaseOutcome& outcome) {
  const Param run = pg::integer(run_);
  insert_entries(writes, outcome.discovered);
  if (!outcome.completed.empty()) store_.apply_completions(writes, run_, outcome.completed, true);
  if (!outcome.requeued.empty()) {
    pg::ArrayParam seq(Element::kBigint), attempts(Element::kInteger), crashes(Element::kInteger),
        wait(Element::kBigint), target(Element::kText), chain(Element::kText), last_status(Element::kInteger),
        host(Element::kText), origin(Element::kText);
    std::set<std::string> hosts;
    for (const SharedRequeue& r : outcome.requeued) {
      const std::string& fetch = r.url.target.empty() ? r.url.entry.url : r.url.target;
      seq.add(r.url.entry.seq);
      attempts.add(int64_t{r.url.entry.attempts});
      crashes.add(int64_t{r.url.entry.crashes});
      wait.add(std::max<int64_t>(0, r.wait_ms));
      target.add_text_or_null(r.url.target);
      chain.add_text_or_null(join_lines(r.url.chain));
      last_status.add(r.url.last_status ? std::optional<int64_t>(r.url.last_status) : std::nullopt);
      std::string h = url::host(fetch);
      host.add_text(h);
      hosts.insert(std::move(h));
      origin.add_text(url::origin(fetch));
    }
    ensure_hosts(writes, std::vector<std::string>(hosts.begin(), hosts.end()));
    writes.add(kRequeue, {run, seq.param(), attempts.param(), crashes.param(), wait.param(), target.param(),
                          chain.param(), last_status.param(), host.param(), origin.param()});
  }
  if (!outcome.fetched_without_record.empty()) {
    pg::ArrayParam seqs(Element::kBigint);
    for (int64_t seq : outcome.fetched_without_record) seqs.add(seq);
    writes.add(kDoneWithoutRecord, {run, seqs.param()});
  }
  if (outcome.robots) {
    const RobotsAnswer& r = *outcome.robots;
    writes.add(kStoreRobots, {run, pg::text(r.origin), pg::integer(r.status), pg::text(r.error), pg::bytes(r.body)});
  }
  writes.add(kCountPages, {pg::integer(member_), pg::integer(static_cast<int64_t>(outcome.completed.size())),
                           pg::integer(outcome.lease)});
}

bool PgSharedRun::heartbeat() {
  if (!alive_) return false;
  alive_ = retried([&] { return conn_.run(kTouchMember, {pg::integer(member_)}).affected() > 0; });
  return alive_;
}

int PgSharedRun::release_leases_of_gone_members() {
  pg::Result gone = conn_.run(kGoneLeases, {pg::integer(run_)});
  release(gone);
  return gone.rows();
}

void PgSharedRun::release(const pg::Result& gone) {
  if (gone.rows() == 0) return;
  pg::ArrayParam ids(Element::kBigint), hosts(Element::kText), slots(Element::kInteger), robots(Element::kBoolean);
  for (int i = 0; i < gone.rows(); ++i) {
    ids.add(gone.int64(i, 0));
    hosts.add_text(gone.text(i, 1));
    slots.add(gone.int64(i, 2));
    robots.add_bool(gone.boolean(i, 3));
  }
  conn_.run(kUnleaseUrls, {pg::integer(run_), ids.param()});
  conn_.run(kFreeHosts, {pg::integer(run_), hosts.param(), slots.param(), robots.param()});
}

int PgSharedRun::reap(int64_t lease_lifetime_ms) {
  return retried([&] {
    pg::Transaction tx(conn_);
    declare_killed_local_members(run_);
    conn_.run(kDeclareDead, {pg::integer(run_), pg::integer(lease_lifetime_ms), pg::integer(member_)});
    // Every gone member's leases, not only those declared just now: a member
    // another one marked gone elsewhere (a joiner finding it killed) must not
    // keep its leases, or the run would never end.
    const int released = release_leases_of_gone_members();
    tx.commit();
    return released;
  });
}

bool PgSharedRun::run_finished(const SharedPolicy& policy) {
  return conn_
      .run(kFinished, {pg::integer(run_), optional_integer(policy.max_pages), optional_integer(policy.max_pages_per_host)})
      .boolean(0, 0);
}

bool PgSharedRun::finished(const SharedPolicy& policy) {
  return retried([&] { return run_finished(policy); });
}

RunState PgSharedRun::leave(bool interrupted) {
  return retried([&] {
    pg::Transaction tx(conn_);
    conn_.run(kLockRunBudget, {pg::integer(run_)});  // members leave one at a time
    conn_.run(kLeaveMember, {pg::integer(member_)});
    release_leases_of_gone_members();
    alive_ = false;
    const int64_t others =
        conn_.run(kLiveMembers, {pg::integer(run_), pg::integer(lease_lifetime_ms_), pg::integer(member_)})
            .int64(0, 0);
    RunState state = RunState::kRunning;
    if (run_finished(policy_)) {
      state = RunState::kDone;
    } else if (others == 0) {
      state = interrupted ? RunState::kInterrupted : RunState::kDone;
    }
    if (state != RunState::kRunning)
      conn_.run(kEndRun, {pg::integer(run_), pg::integer(static_cast<int64_t>(state)), pg::integer(kClock.wall_ms())});
    tx.commit();
    return state;
  });
}

}  // namespace forager::storage
