#include "storage/postgres/pg_store.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "storage/link_list.h"
#include "storage/postgres/pg_run_queries.h"
#include "storage/postgres/pg_schema.h"

namespace forager::storage {
namespace {

using pg::Element;
using pg::Param;
using pg::Statement;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The advisory lock space of job locks (the first int4 key): "FRGJ".
constexpr int64_t kJobLockSpace = 1179797322;

const Statement kNewestRun = {"newest_run",
                              "SELECT id, state, options_json, shared FROM runs WHERE job = $1 ORDER BY id DESC LIMIT 1"};
const Statement kResumeRun = {"resume_run", "UPDATE runs SET state = 0, finished_at_ms = 0 WHERE id = $1"};
const Statement kUnleaseAll = {"unlease_all",
                               "UPDATE frontier SET state = 0, lease_id = NULL WHERE run_id = $1 AND state = 1"};
const Statement kInsertJob = {"insert_job",
                              "INSERT INTO jobs(name, created_at_ms) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"};
const Statement kLockJobRow = {"lock_job_row", "SELECT id FROM jobs WHERE name = $1 FOR UPDATE"};
const Statement kJobId = {"job_id", "SELECT id FROM jobs WHERE name = $1"};
const Statement kInsertRun = {"insert_run",
                              "INSERT INTO runs(job, state, started_at_ms, options_json) VALUES ($1, 0, $2, $3) "
                              "RETURNING id"};
const Statement kFinishRun = {"finish_run", "UPDATE runs SET state = $2, finished_at_ms = $3 WHERE id = $1"};
const Statement kMaxSeq = {"max_seq", "SELECT coalesce(max(seq), 0) FROM frontier WHERE run_id = $1"};

constexpr const char* kFrontierColumns = "SELECT seq, url, depth, referrer, state, attempts, crashes, origin ";
const std::string kFrontierAfterSql = std::string(kFrontierColumns) +
                                      "FROM frontier WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
const Statement kFrontierAfter = {"frontier_after", kFrontierAfterSql.c_str()};
// The queue of a run of one's own (forager extract): its URLs have no host
// name. A shared run's queue is read by host (pg_shared_run.cc), and its rows
// are not in frontier_queued (pg_schema.cc, version 6).
const std::string kQueuedOfOriginSql = std::string(kFrontierColumns) +
                                       "FROM frontier WHERE run_id = $1 AND origin = $2 AND seq > $3 AND state = 0 "
                                       "AND lease_id IS NULL AND host = '' ORDER BY seq LIMIT $4";
const Statement kQueuedOfOrigin = {"queued_of_origin", kQueuedOfOriginSql.c_str()};
const Statement kFetchedCount = {"fetched_count",
                                 "SELECT count(*) FROM pages WHERE run_id = $1 AND (error IS NULL OR "
                                 "error NOT IN ('robots', 'out_of_scope', 'worker_crash'))"};

// Batch parts: one statement each, the rows as arrays. Rows are applied in
// batch order (WITH ORDINALITY), so the first of two discoveries of a URL wins.
const Statement kDiscover = {
    "discover",
    "INSERT INTO frontier(run_id, seq, url, depth, referrer, state, attempts, crashes, origin) "
    "SELECT $1::bigint, d.seq, d.url, d.depth, d.referrer, 0, d.attempts, d.crashes, d.origin "
    "FROM unnest($2::bigint[], $3::text[], $4::integer[], $5::text[], $6::integer[], $7::integer[], $8::text[]) "
    "WITH ORDINALITY AS d(seq, url, depth, referrer, attempts, crashes, origin, n) ORDER BY d.n "
    "ON CONFLICT DO NOTHING"};
const Statement kLease = {"lease", "UPDATE frontier SET state = 1 WHERE run_id = $1 AND seq = ANY($2::bigint[])"};
const Statement kRequeue = {"requeue",
                            "UPDATE frontier f SET state = 0, lease_id = NULL, attempts = r.attempts, "
                            "crashes = r.crashes "
                            "FROM unnest($2::bigint[], $3::integer[], $4::integer[]) AS r(seq, attempts, crashes) "
                            "WHERE f.run_id = $1 AND f.seq = r.seq"};
// A completion replaces the run's record of its seq or URL (as SQLite's
// INSERT OR REPLACE), so a completion committed twice leaves one record.
// A few rows of a big run: by whole keys (run_id and seq = ANY, run_id and
// url = ANY), never by a join or an OR that a plan could answer with a scan
// of the run (before an ANALYZE, run_id = $1 looks selective), and planned
// each time (pg_connection.h). Measured at 3-7 ms a call on a 10,000-page run
// otherwise (bench/scale-out.sh).
const Statement kDeletePages = {"delete_pages",
                                "DELETE FROM pages WHERE run_id = $1 AND seq = ANY($2::bigint[] || "
                                "ARRAY(SELECT seq FROM pages WHERE run_id = $1 AND url = ANY($3::text[])))",
                                true};
// unnest() in the select list, not in FROM: its rows go straight to the
// insert instead of through a tuplestore of the whole batch first (4 % of
// the server's CPU in a profile of bench/scale-out.sh).
const std::string kInsertPagesSql =
    "INSERT INTO pages(run_id, seq, url, final_url, status, error, depth, referrer, fetched_at_ms, content_type, "
    "bytes, content_hash, title, description, fields_json, changed, etag, last_modified, change, worker_pid, "
    "elapsed_ms, links, noindex, warc_file, warc_offset, warc_digest, warc_body_file, warc_body_offset, "
    "warc_body_id, warc_body_date_ms, warc_body_uri) "
    "SELECT $1::bigint, unnest($2::bigint[]), unnest($3::text[]), unnest($4::bytea[]), "
    "unnest($5::integer[]), unnest($6::text[]), unnest($7::integer[]), unnest($8::text[]), "
    "unnest($9::bigint[]), unnest($10::bytea[]), unnest($11::bigint[]), unnest($12::text[]), "
    "unnest($13::bytea[]), unnest($14::bytea[]), unnest($15::bytea[]), unnest($16::boolean[]), "
    "unnest($17::bytea[]), unnest($18::bytea[]), unnest($19::text[]), unnest($20::integer[]), "
    "unnest($21::bigint[]), unnest($22::bytea[]), unnest($23::boolean[]), unnest($24::text[]), "
    "unnest($25::bigint[]), unnest($26::text[]), unnest($27::text[]), unnest($28::bigint[]), "
    "unnest($29::text[]), unnest($30::bigint[]), unnest($31::bytea[])";
const Statement kInsertPages = {"insert_pages", kInsertPagesSql.c_str()};
// A shared run's finish: a seq's earlier record, if any, replaced in place.
// Its URL is its frontier entry's (unique in the run), so no other seq's
// record can hold it: no DELETE first (it cost 0.02 ms of server CPU a page,
// deleting nothing on a fresh run; bench/RESULTS.md).
const std::string kUpsertPagesSql = kInsertPagesSql +
    " ON CONFLICT (run_id, seq) DO UPDATE SET "
    "url = excluded.url, final_url = excluded.final_url, status = excluded.status, "
    "error = excluded.error, depth = excluded.depth, referrer = excluded.referrer, "
    "fetched_at_ms = excluded.fetched_at_ms, content_type = excluded.content_type, "
    "bytes = excluded.bytes, content_hash = excluded.content_hash, title = excluded.title, "
    "description = excluded.description, fields_json = excluded.fields_json, "
    "changed = excluded.changed, etag = excluded.etag, last_modified = excluded.last_modified, "
    "change = excluded.change, worker_pid = excluded.worker_pid, elapsed_ms = excluded.elapsed_ms, "
    "links = excluded.links, noindex = excluded.noindex, warc_file = excluded.warc_file, "
    "warc_offset = excluded.warc_offset, warc_digest = excluded.warc_digest, "
    "warc_body_file = excluded.warc_body_file, warc_body_offset = excluded.warc_body_offset, "
    "warc_body_id = excluded.warc_body_id, warc_body_date_ms = excluded.warc_body_date_ms, "
    "warc_body_uri = excluded.warc_body_uri";
const Statement kUpsertPages = {"upsert_pages", kUpsertPagesSql.c_str()};
// Done, or failed for the seqs in $3: one table, no join to plan (it is
// planned at each call).
const Statement kSetStates = {"set_states",
                              "UPDATE frontier SET state = CASE WHEN seq = ANY($3::bigint[]) THEN 3 ELSE 2 END "
                              "WHERE run_id = $1 AND seq = ANY($2::bigint[])",
                              true};
const Statement kInsertWorkerEvents = {
    "insert_worker_events",
    "INSERT INTO worker_events(run_id, at_ms, slot, pid, event) SELECT $1::bigint, e.at_ms, e.slot, e.pid, e.event "
    "FROM unnest($2::bigint[], $3::integer[], $4::integer[], $5::text[]) WITH ORDINALITY "
    "AS e(at_ms, slot, pid, event, n) ORDER BY e.n"};

const Statement kRunOptions = {"run_options", "SELECT options_json FROM runs WHERE id = $1"};
const Statement kPreviousRun = {"previous_run",
                                "SELECT coalesce(max(id), 0) FROM runs WHERE job = $1 AND id < $2"};

// The columns every record query selects, in the order read_record reads them.
constexpr const char* kRecordColumns =
    "SELECT p.run_id, r.job, p.seq, p.url, p.final_url, p.status, p.error, p.depth, "
    "p.referrer, p.fetched_at_ms, p.content_type, p.bytes, p.content_hash, p.title, "
    "p.description, p.fields_json, p.changed, p.etag, p.last_modified, p.change, p.worker_pid, "
    "p.elapsed_ms, p.links, p.noindex, p.warc_file, p.warc_offset, p.warc_digest, p.warc_body_file, "
    "p.warc_body_offset, p.warc_body_id, p.warc_body_date_ms, p.warc_body_uri "
    "FROM pages p JOIN runs r ON r.id = p.run_id ";
const std::string kRecordsAfterSql = std::string(kRecordColumns) +
                                     "WHERE p.run_id = ANY($1::bigint[]) AND (NOT $2::boolean OR p.changed) "
                                     "AND (p.run_id, p.seq) > ($3, $4) ORDER BY p.run_id, p.seq LIMIT $5";
const Statement kRecordsAfter = {"records_after", kRecordsAfterSql.c_str()};
const std::string kPreviousRecordSql = std::string(kRecordColumns) +
                                       "WHERE p.url = $1 AND r.job = $2 AND p.run_id < $3 AND p.error IS NULL "
                                       "AND p.status IS NOT NULL ORDER BY p.run_id DESC LIMIT 1";
const Statement kPreviousRecord = {"previous_record", kPreviousRecordSql.c_str()};
// The same for several URLs at once ($1 URLs, $2 the run): the newest of each.
const std::string kPreviousRecordsSql = std::string("SELECT DISTINCT ON (p.url) ") + (kRecordColumns + 7) +
                                        "WHERE p.url = ANY($1::text[]) AND r.job = (SELECT job FROM runs WHERE id = $2) "
                                        "AND p.run_id < $2 AND p.error IS NULL AND p.status IS NOT NULL "
                                        "ORDER BY p.url, p.run_id DESC";
const Statement kPreviousRecords = {"previous_records", kPreviousRecordsSql.c_str()};

// The runs an export covers ($1 = job or NULL, $2 = run id for kOne).
constexpr const char* kLatestRunsSql =
    "SELECT max(id) FROM runs WHERE ($1::text IS NULL OR job = $1::text) GROUP BY job ORDER BY 1";
constexpr const char* kOneRunSql =
    "SELECT id FROM runs WHERE id = $2::bigint AND ($1::text IS NULL OR job = $1::text)";
constexpr const char* kAllRunsSql = "SELECT id FROM runs WHERE ($1::text IS NULL OR job = $1::text) ORDER BY id";

const Statement kLockHolder = {"lock_holder", "SELECT holder FROM job_locks WHERE job = $1"};
const Statement kTakeLock = {"take_lock",
                             "INSERT INTO job_locks(job, holder, acquired_at_ms) VALUES ($1, $2, $3) "
                             "ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, "
                             "acquired_at_ms = excluded.acquired_at_ms"};
const Statement kReleaseLock = {"release_lock", "DELETE FROM job_locks WHERE job = $1 AND holder = $2"};
const Statement kTryAdvisory = {"try_advisory", "SELECT pg_try_advisory_lock($1::integer, $2::integer)"};
const Statement kUnlockAdvisory = {"unlock_advisory", "SELECT pg_advisory_unlock($1::integer, $2::integer)"};

FrontierEntry read_frontier_entry(const pg::Result& r, int row) {
  FrontierEntry e;
  e.seq = r.int64(row, 0);
  e.url = r.text(row, 1);
  e.depth = r.int32(row, 2);
  e.referrer = r.text(row, 3);
  e.state = static_cast<UrlState>(r.int32(row, 4));
  e.attempts = r.int32(row, 5);
  e.crashes = r.int32(row, 6);
  e.origin = r.text(row, 7);
  return e;
}

ExportRecord read_record(const pg::Result& r, int row) {
  ExportRecord rec;
  rec.run = r.int64(row, 0);
  rec.job = r.text(row, 1);
  rec.seq = r.int64(row, 2);
  PageRecord& p = rec.page;
  p.url = r.text(row, 3);
  p.final_url = r.text(row, 4);
  if (!r.is_null(row, 5)) p.status = r.int32(row, 5);
  p.error = r.text(row, 6);
  p.depth = r.int32(row, 7);
  p.referrer = r.text(row, 8);
  p.fetched_at_ms = r.int64(row, 9);
  p.content_type = r.text(row, 10);
  p.bytes = r.int64(row, 11);
  p.content_hash = r.text(row, 12);
  p.title = r.text(row, 13);
  p.description = r.text(row, 14);
  p.fields_json = r.text(row, 15);
  if (!r.is_null(row, 16)) p.changed = r.boolean(row, 16);
  p.etag = r.text(row, 17);
  p.last_modified = r.text(row, 18);
  p.change = r.text(row, 19);
  p.worker_pid = r.int32(row, 20);
  p.elapsed_ms = r.int64(row, 21);
  p.links = split_links(r.text(row, 22));
  p.noindex = r.boolean(row, 23);
  p.warc.file = r.text(row, 24);
  p.warc.offset = r.int64(row, 25);
  p.warc.digest = r.text(row, 26);
  p.warc.body_file = r.text(row, 27);
  p.warc.body_offset = r.int64(row, 28);
  p.warc.body_record_id = r.text(row, 29);
  p.warc.body_date_ms = r.int64(row, 30);
  p.warc.body_uri = r.text(row, 31);
  return rec;
}

Param job_param(const std::optional<std::string>& job) { return job ? pg::text(*job) : pg::null(); }

// The completions whose records stay: the last one of each seq and of each
// URL, in batch order (what applying them one by one would leave).
std::vector<const Batch::Completion*> surviving(const std::vector<Batch::Completion>& completions) {
  std::vector<const Batch::Completion*> kept;
  std::unordered_set<int64_t> seqs;
  std::unordered_set<std::string_view> urls;
  for (auto it = completions.rbegin(); it != completions.rend(); ++it) {
    const bool new_seq = seqs.insert(it->seq).second;
    const bool new_url = urls.insert(it->page.url).second;
    if (new_seq && new_url) kept.push_back(&*it);
  }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

}  // namespace

std::unique_ptr<PgStore> PgStore::open(const std::string& location) {
  pg::Connection conn = pg::Connection::open(location);
  pg::ensure_schema(conn);
  return std::unique_ptr<PgStore>(new PgStore(std::move(conn)));
}

RunInfo PgStore::open_run(const std::string& job, const std::string& options_json) {
  pg::Transaction tx(conn_);
  const int64_t now = now_ms();
  conn_.run(kInsertJob, {pg::text(job), pg::integer(now)});
  conn_.run(kLockJobRow, {pg::text(job)});  // one open_run of a job at a time
  RunInfo info;
  info.job = job;
  pg::Result newest = conn_.run(kNewestRun, {pg::text(job)});
  if (newest.rows() == 1 && newest.int64(0, 1) != static_cast<int>(RunState::kDone)) {
    info.id = newest.int64(0, 0);
    if (newest.boolean(0, 3))
      throw StoreError("run " + std::to_string(info.id) + " of job '" + job +
                       "' is an unfinished crawl: finish it first (forager crawl --job " + job + " resumes it)");
    info.options_json = newest.text(0, 2);
    info.resumed = true;
    conn_.run(kResumeRun, {pg::integer(info.id)});
    conn_.run(kUnleaseAll, {pg::integer(info.id)});
  } else {
    info.id = conn_.run(kInsertRun, {pg::text(job), pg::integer(now), pg::text(options_json)}).int64(0, 0);
    info.options_json = options_json;
  }
  tx.commit();
  return info;
}

void PgStore::finish_run(int64_t run, RunState state) {
  const int64_t finished = state == RunState::kRunning ? 0 : now_ms();
  pg::Result r = conn_.run(kFinishRun, {pg::integer(run), pg::integer(static_cast<int64_t>(state)),
                                        pg::integer(finished)});
  if (r.affected() == 0) throw StoreError(conn_.location() + ": no run " + std::to_string(run) + " to finish");
}

int64_t PgStore::max_seq(int64_t run) { return conn_.run(kMaxSeq, {pg::integer(run)}).int64(0, 0); }

void PgStore::for_each_frontier_entry(int64_t run, const std::function<void(const FrontierEntry&)>& visit) {
  int64_t after = 0;
  for (;;) {
    pg::Result rows = conn_.run(kFrontierAfter, {pg::integer(run), pg::integer(after), pg::integer(kFrontierChunk)});
    for (int i = 0; i < rows.rows(); ++i) {
      FrontierEntry e = read_frontier_entry(rows, i);
      after = e.seq;
      visit(e);
    }
    if (rows.rows() < kFrontierChunk) return;
  }
}

std::vector<FrontierEntry> PgStore::queued_entries(int64_t run, const std::string& origin, int64_t after_seq,
                                                   size_t limit) {
  pg::Result rows = conn_.run(kQueuedOfOrigin, {pg::integer(run), pg::text(origin), pg::integer(after_seq),
                                                pg::integer(static_cast<int64_t>(limit))});
  std::vector<FrontierEntry> out;
  out.reserve(static_cast<size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) out.push_back(read_frontier_entry(rows, i));
  return out;
}

int64_t PgStore::fetched_count(int64_t run) { return conn_.run(kFetchedCount, {pg::integer(run)}).int64(0, 0); }

void PgStore::commit(const Batch& batch) {
  if (batch.empty()) return;
  if (batch.run <= 0) throw StoreError(conn_.location() + ": commit of a batch without a run");
  for (int attempt = 1;; ++attempt) {
    try {
      pg::Transaction tx(conn_);
      pg::Pipeline parts(conn_);
      apply(parts, batch);
      tx.commit(parts);  // every part and the commit: one round trip
      return;
    } catch (const StoreError& e) {
      // A member of a shared run rides out a lost connection (every part of
      // a batch can be applied twice; see pg_shared_run.h).
      const bool lost = shared_.member() > 0 && conn_.broken() && attempt == 1;
      if (!lost || !conn_.reconnect(PgSharedRun::kReconnectMs))
        throw StoreError("commit rolled back: " + std::string(e.what()));
    }
  }
}

void PgStore::apply(pg::Pipeline& parts, const Batch& batch) {
  const Param run = pg::integer(batch.run);
  if (!batch.discovered.empty()) {
    pg::ArrayParam seq(Element::kBigint), url(Element::kText), depth(Element::kInteger), referrer(Element::kText),
        attempts(Element::kInteger), crashes(Element::kInteger), origin(Element::kText);
    for (const FrontierEntry& e : batch.discovered) {
      seq.add(e.seq);
      url.add_text(e.url);
      depth.add(int64_t{e.depth});
      referrer.add_text_or_null(e.referrer);
      attempts.add(int64_t{e.attempts});
      crashes.add(int64_t{e.crashes});
      origin.add_text(e.origin);
    }
    parts.add(kDiscover, {run, seq.param(), url.param(), depth.param(), referrer.param(), attempts.param(),
                          crashes.param(), origin.param()});
  }
  if (!batch.leased.empty()) {
    pg::ArrayParam seqs(Element::kBigint);
    for (int64_t s : batch.leased) seqs.add(s);
    parts.add(kLease, {run, seqs.param()});
  }
  if (!batch.requeued.empty()) {
    std::map<int64_t, const FrontierEntry*> last;  // a seq requeued twice: the last one counts
    for (const FrontierEntry& e : batch.requeued) last[e.seq] = &e;
    pg::ArrayParam seq(Element::kBigint), attempts(Element::kInteger), crashes(Element::kInteger);
    for (const auto& [s, e] : last) {
      seq.add(s);
      attempts.add(int64_t{e->attempts});
      crashes.add(int64_t{e->crashes});
    }
    parts.add(kRequeue, {run, seq.param(), attempts.param(), crashes.param()});
  }
  if (!batch.completed.empty()) apply_completions(parts, batch.run, batch.completed);
  if (!batch.worker_events.empty()) {
    pg::ArrayParam at(Element::kBigint), slot(Element::kInteger), pid(Element::kInteger), event(Element::kText);
    for (const WorkerEvent& e : batch.worker_events) {
      at.add(e.at_ms);
      slot.add(int64_t{e.slot});
      pid.add(int64_t{e.pid});
      event.add_text(e.event);
    }
    parts.add(kInsertWorkerEvents, {run, at.param(), slot.param(), pid.param(), event.param()});
  }
}

// Replaces the run's records of the completions' seqs and URLs (`leased`:
// of their seqs; see kUpsertPages), then marks their frontier entries done
// or failed.
void PgStore::apply_completions(pg::Pipeline& parts, int64_t run, const std::vector<Batch::Completion>& completions,
                                bool leased) {
  pg::ArrayParam seq(Element::kBigint), url(Element::kText), final_url(Element::kBytea), status(Element::kInteger),
      error(Element::kText), depth(Element::kInteger), referrer(Element::kText), fetched_at(Element::kBigint),
      content_type(Element::kBytea), bytes(Element::kBigint), content_hash(Element::kText), title(Element::kBytea),
      description(Element::kBytea), fields(Element::kBytea), changed(Element::kBoolean), etag(Element::kBytea),
      last_modified(Element::kBytea), change(Element::kText), worker_pid(Element::kInteger), elapsed(Element::kBigint),
      links(Element::kBytea), noindex(Element::kBoolean), warc_file(Element::kText), warc_offset(Element::kBigint),
      warc_digest(Element::kText), body_file(Element::kText), body_offset(Element::kBigint), body_id(Element::kText),
      body_date(Element::kBigint), body_uri(Element::kBytea);
  for (const Batch::Completion* c : surviving(completions)) {
    const PageRecord& p = c->page;
    seq.add(c->seq);
    url.add_text(p.url);
    final_url.add_bytes(p.final_url);
    status.add(p.status ? std::optional<int64_t>(*p.status) : std::nullopt);
    error.add_text_or_null(p.error);
    depth.add(int64_t{p.depth});
    referrer.add_text_or_null(p.referrer);
    fetched_at.add(p.fetched_at_ms);
    content_type.add_bytes(p.content_type);
    bytes.add(p.bytes);
    content_hash.add_text(p.content_hash);
    title.add_bytes(p.title);
    description.add_bytes(p.description);
    fields.add_bytes(p.fields_json);
    changed.add_bool(p.changed);
    etag.add_bytes(p.etag);
    last_modified.add_bytes(p.last_modified);
    change.add_text_or_null(p.change);
    worker_pid.add(int64_t{p.worker_pid});
    elapsed.add(p.elapsed_ms);
    links.add_bytes(join_links(p.links));
    noindex.add_bool(p.noindex);
    warc_file.add_text(p.warc.file);
    warc_offset.add(p.warc.offset);
    warc_digest.add_text(p.warc.digest);
    body_file.add_text(p.warc.body_file);
    body_offset.add(p.warc.body_offset);
    body_id.add_text(p.warc.body_record_id);
    body_date.add(p.warc.body_date_ms);
    body_uri.add_bytes(p.warc.body_uri);
  }
  const Param run_param = pg::integer(run);
  if (!leased) parts.add(kDeletePages, {run_param, seq.param(), url.param()});
  parts.add(leased ? kUpsertPages : kInsertPages,
            {run_param, seq.param(), url.param(), final_url.param(), status.param(), error.param(), depth.param(),
             referrer.param(), fetched_at.param(), content_type.param(), bytes.param(), content_hash.param(),
             title.param(), description.param(), fields.param(), changed.param(), etag.param(),
             last_modified.param(), change.param(), worker_pid.param(), elapsed.param(), links.param(),
             noindex.param(), warc_file.param(), warc_offset.param(), warc_digest.param(), body_file.param(),
             body_offset.param(), body_id.param(), body_date.param(), body_uri.param()});
  std::map<int64_t, UrlState> states;  // a seq completed twice: the last one counts
  for (const Batch::Completion& c : completions)
    states[c.seq] = c.page.error.empty() ? UrlState::kDone : UrlState::kFailed;
  pg::ArrayParam state_seq(Element::kBigint), failed(Element::kBigint);
  for (const auto& [s, st] : states) {
    state_seq.add(s);
    if (st == UrlState::kFailed) failed.add(s);
  }
  parts.add(kSetStates, {run_param, state_seq.param(), failed.param()});
}

std::vector<int64_t> PgStore::export_runs(const ExportQuery& query) {
  std::vector<Param> params = {job_param(query.job)};
  const char* sql = kAllRunsSql;
  if (query.runs == ExportQuery::Runs::kLatest) sql = kLatestRunsSql;
  if (query.runs == ExportQuery::Runs::kOne) {
    sql = kOneRunSql;
    params.push_back(pg::integer(query.run_id));
  }
  pg::Result rows = conn_.query(sql, params);
  std::vector<int64_t> ids;
  for (int i = 0; i < rows.rows(); ++i) ids.push_back(rows.int64(i, 0));
  return ids;
}

void PgStore::for_each_record(const ExportQuery& query, const std::function<void(const ExportRecord&)>& visit) {
  // The runs are fixed first: a run that starts during the export is not in it.
  pg::ArrayParam runs(Element::kBigint);
  for (int64_t id : export_runs(query)) runs.add(id);
  if (runs.empty()) return;
  int64_t last_run = 0, last_seq = 0;
  if (query.runs == ExportQuery::Runs::kOne) {
    last_run = query.run_id;
    last_seq = query.after_seq;
  }
  int64_t left = query.limit > 0 ? query.limit : std::numeric_limits<int64_t>::max();
  while (left > 0) {
    const int64_t chunk = std::min<int64_t>(kRecordChunk, left);
    pg::Result rows = conn_.run(kRecordsAfter, {runs.param(), pg::boolean(query.changed_only), pg::integer(last_run),
                                                pg::integer(last_seq), pg::integer(chunk)});
    for (int i = 0; i < rows.rows(); ++i) {
      last_run = rows.int64(i, 0);
      last_seq = rows.int64(i, 2);
      visit(read_record(rows, i));
    }
    left -= rows.rows();
    if (rows.rows() < chunk) return;
  }
}

std::vector<RunSummary> PgStore::list_runs(const std::optional<std::string>& job) {
  pg::Result rows = conn_.run(pg::kRunSummaries, {job_param(job)});
  std::vector<RunSummary> runs;
  for (int i = 0; i < rows.rows(); ++i) runs.push_back(pg::read_run_summary(rows, i));
  return runs;
}

int64_t PgStore::previous_run(const std::string& job, int64_t run) {
  return conn_.run(kPreviousRun, {pg::text(job), pg::integer(run)}).int64(0, 0);
}

std::string PgStore::run_options(int64_t run) {
  pg::Result rows = conn_.run(kRunOptions, {pg::integer(run)});
  return rows.rows() > 0 ? rows.text(0, 0) : std::string();
}

std::optional<PageRecord> PgStore::previous_record(const std::string& job, int64_t run, const std::string& url) {
  pg::Result rows = conn_.run(kPreviousRecord, {pg::text(url), pg::text(job), pg::integer(run)});
  if (rows.rows() == 0) return std::nullopt;
  return read_record(rows, 0).page;
}

std::map<std::string, PageRecord> PgStore::previous_records(int64_t run, const std::vector<std::string>& urls) {
  pg::ArrayParam array(Element::kText);
  for (const std::string& url : urls) array.add_text(url);
  pg::Result rows = conn_.run(kPreviousRecords, {array.param(), pg::integer(run)});
  std::map<std::string, PageRecord> out;
  for (int i = 0; i < rows.rows(); ++i) {
    PageRecord page = read_record(rows, i).page;
    std::string url = page.url;
    out.emplace(std::move(url), std::move(page));
  }
  return out;
}

int64_t PgStore::job_key(const std::string& job) {
  conn_.run(kInsertJob, {pg::text(job), pg::integer(now_ms())});
  return conn_.run(kJobId, {pg::text(job)}).int64(0, 0);
}

// Another session holding the lock is a running holder, or one whose
// process has died and whose server session is ending: a holder that `alive`
// says is dead gets kLockGraceMs to let go.
bool PgStore::try_advisory_lock(const std::string& job, const std::vector<pg::Param>& lock_key,
                                const std::function<bool(const std::string&)>& alive) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kLockGraceMs);
  for (;;) {
    if (conn_.run(kTryAdvisory, lock_key).boolean(0, 0)) return true;
    pg::Result current = conn_.run(kLockHolder, {pg::text(job)});
    const bool holder_alive = current.rows() == 1 && alive(current.text(0, 0));
    if (holder_alive || std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::optional<std::string> PgStore::lock_job(const std::string& job, const std::string& holder,
                                             const std::function<bool(const std::string&)>& alive) {
  const int64_t key = job_key(job);
  const std::vector<Param> lock_key = {pg::integer(kJobLockSpace), pg::integer(key)};
  if (!advisory_held_.count(key)) {
    if (!try_advisory_lock(job, lock_key, alive)) {
      pg::Result current = conn_.run(kLockHolder, {pg::text(job)});
      return current.rows() == 1 ? current.text(0, 0) : std::string();
    }
    advisory_held_.insert(key);
  }
  pg::Result current = conn_.run(kLockHolder, {pg::text(job)});
  if (current.rows() == 1 && current.text(0, 0) != holder && alive(current.text(0, 0))) {
    // Its connection ended but the process lives on (on this machine): as on SQLite, it keeps the job.
    conn_.run(kUnlockAdvisory, lock_key);
    advisory_held_.erase(key);
    return current.text(0, 0);
  }
  conn_.run(kTakeLock, {pg::text(job), pg::text(holder), pg::integer(now_ms())});
  return std::nullopt;
}

void PgStore::unlock_job(const std::string& job, const std::string& holder) {
  conn_.run(kReleaseLock, {pg::text(job), pg::text(holder)});
  const int64_t key = conn_.run(kJobId, {pg::text(job)}).int64(0, 0);
  if (advisory_held_.erase(key)) conn_.run(kUnlockAdvisory, {pg::integer(kJobLockSpace), pg::integer(key)});
}

std::vector<WorkerEvent> PgStore::worker_events(int64_t run) {
  pg::Result rows = conn_.run(pg::kWorkerEvents, {pg::integer(run)});
  std::vector<WorkerEvent> events;
  for (int i = 0; i < rows.rows(); ++i) events.push_back(pg::read_worker_event(rows, i));
  return events;
}

}  // namespace forager::storage
