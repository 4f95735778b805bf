#include "storage/sqlite/sqlite_store.h"

#include <chrono>
#include <string_view>
#include <utility>

#include "crawler/util/url.h"
#include "storage/link_list.h"
#include "storage/sqlite/run_queries.h"

namespace forager::storage {
namespace {

// Version 4 of the schema (see migrate() for what changed). Integers for states (UrlState, RunState), Unix ms
// for times, NULL for "none" (status, error, referrer, changed).
constexpr const char* kSchema = R"sql(
CREATE TABLE jobs (
  name          TEXT PRIMARY KEY NOT NULL,
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE runs (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  job            TEXT NOT NULL REFERENCES jobs(name),
  state          INTEGER NOT NULL CHECK (state IN (0, 1, 2)),  -- RunState
  started_at_ms  INTEGER NOT NULL,
  finished_at_ms INTEGER NOT NULL DEFAULT 0,                   -- 0 while unfinished
  options_json   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_by_job ON runs(job, id);

CREATE TABLE frontier (
  run_id   INTEGER NOT NULL REFERENCES runs(id),
  seq      INTEGER NOT NULL,
  url      TEXT NOT NULL CHECK (url <> ''),
  depth    INTEGER NOT NULL,
  referrer TEXT,                                            -- NULL for seeds
  state    INTEGER NOT NULL CHECK (state IN (0, 1, 2, 3)),  -- UrlState
  attempts INTEGER NOT NULL DEFAULT 0,
  crashes  INTEGER NOT NULL DEFAULT 0,
  origin   TEXT NOT NULL DEFAULT '',                        -- scheme://host[:port]
  PRIMARY KEY (run_id, seq),
  UNIQUE (run_id, url)
) WITHOUT ROWID;
-- The coordinator keeps a bounded window of each origin's queue in memory and
-- reads the rest from here, in seq order, as the window drains.
CREATE INDEX frontier_by_origin ON frontier(run_id, origin, seq);

-- One record per (run, URL). A rowid table: rows carry titles, descriptions
-- and extracted fields, too large to pay off as WITHOUT ROWID.
CREATE TABLE pages (
  run_id         INTEGER NOT NULL REFERENCES runs(id),
  seq            INTEGER NOT NULL,
  url            TEXT NOT NULL CHECK (url <> ''),
  final_url      TEXT NOT NULL,
  status         INTEGER,            -- NULL: no response
  error          TEXT,               -- NULL: no error
  depth          INTEGER NOT NULL,
  referrer       TEXT,               -- NULL for seeds
  fetched_at_ms  INTEGER NOT NULL,
  content_type   TEXT NOT NULL,
  bytes          INTEGER NOT NULL,
  content_hash   TEXT NOT NULL,
  title          TEXT NOT NULL,
  description    TEXT NOT NULL,
  fields_json    TEXT NOT NULL,      -- '' means {}
  changed        INTEGER,            -- NULL on a first run, else 0/1
  change         TEXT,               -- NULL on a first run, else new/changed/unchanged/gone
  worker_pid     INTEGER NOT NULL DEFAULT 0,
  elapsed_ms     INTEGER NOT NULL DEFAULT 0,
  etag           TEXT NOT NULL,
  last_modified  TEXT NOT NULL,
  links          TEXT NOT NULL DEFAULT '',  -- the page's links in order, one per line
  noindex        INTEGER NOT NULL DEFAULT 0,  -- 1: meta robots / X-Robots-Tag said noindex or none
  -- The capture (storage/records.h WarcCapture): '' when not archived.
  warc_file         TEXT NOT NULL DEFAULT '',
  warc_offset       INTEGER NOT NULL DEFAULT 0,
  warc_digest       TEXT NOT NULL DEFAULT '',
  warc_body_file    TEXT NOT NULL DEFAULT '',
  warc_body_offset  INTEGER NOT NULL DEFAULT 0,
  warc_body_id      TEXT NOT NULL DEFAULT '',
  warc_body_date_ms INTEGER NOT NULL DEFAULT 0,
  warc_body_uri     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, seq),
  UNIQUE (run_id, url)
);
-- For re-crawls: the previous record of a URL across the runs of a job.
CREATE INDEX pages_by_url ON pages(url);

-- Worker processes starting and ending during a run.
CREATE TABLE worker_events (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  at_ms  INTEGER NOT NULL,
  slot   INTEGER NOT NULL,
  pid    INTEGER NOT NULL,
  event  TEXT NOT NULL
);
CREATE INDEX worker_events_by_run ON worker_events(run_id, at_ms);

-- Who is crawling a job right now: one row per running job. A holder that
-- died keeps nothing: the next crawl checks the holder is alive.
CREATE TABLE job_locks (
  job            TEXT PRIMARY KEY NOT NULL,
  holder         TEXT NOT NULL,
  acquired_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t query_int(const Database& db, const char* sql) {
  Statement stmt(db.get(), sql);
  return stmt.step() ? stmt.int64(0) : 0;
}

// Refuses files that are not (empty or) forager databases of a known version,
// before anything is written to them.
bool check_identity(const Database& db, const std::string& path) {
  const int64_t app_id = query_int(db, "PRAGMA application_id");
  const int64_t version = query_int(db, "PRAGMA user_version");
  const int64_t objects = query_int(db, "SELECT count(*) FROM sqlite_schema");
  if (app_id == 0 && version == 0 && objects == 0) return false;  // new: needs the schema
  if (app_id != kApplicationId) {
    throw StoreError(path + " is not a forager database (it holds other SQLite data)");
  }
  if (version > kSchemaVersion) {
    throw StoreError(path + " has schema version " + std::to_string(version) +
                     ", newer than this forager understands (" +
                     std::to_string(kSchemaVersion) + "); upgrade forager");
  }
  if (version < 1) throw StoreError(path + " is a damaged forager database (no schema version)");
  return true;
}

void configure(const Database& db, const std::string& path) {
  db.exec("PRAGMA foreign_keys = ON");
  Statement wal(db.get(), "PRAGMA journal_mode = WAL");
  if (!wal.step() || wal.text(0) != "wal") {
    throw StoreError("cannot switch " + path + " to WAL mode");
  }
  // In WAL mode, NORMAL syncs at checkpoints, not at each commit: a commit
  // survives any process crash (SIGKILL included), which is what forager
  // promises; an OS crash or power loss may lose the latest commits only.
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA cache_size = -32768");  // 32 MiB: big batches stay in memory
}

// Brings a database of an older schema version up to kSchemaVersion.
//  1 -> 2: frontier.origin (filled in from each row's URL) and its index;
//          pages.links instead of the links table (a row per link).
//  2 -> 3: pages.noindex (0 for every record written before).
//  3 -> 4: the pages.warc_* columns of the capture ('' / 0: not archived).
void migrate(const Database& db, const std::string& path) {
  Transaction tx(db, "BEGIN IMMEDIATE");
  const int64_t version = query_int(db, "PRAGMA user_version");  // another process may have done it
  if (version >= kSchemaVersion) return;
  if (version < 2) {
    db.exec("ALTER TABLE frontier ADD COLUMN origin TEXT NOT NULL DEFAULT ''");
    db.exec("CREATE INDEX frontier_by_origin ON frontier(run_id, origin, seq)");
    {
      Statement rows(db.get(), "SELECT run_id, seq, url FROM frontier");
      Statement set(db.get(), "UPDATE frontier SET origin = ?3 WHERE run_id = ?1 AND seq = ?2");
      while (rows.step()) {
        set.bind(1, rows.int64(0));
        set.bind(2, rows.int64(1));
        set.bind(3, url::origin(rows.text(2)));
        set.run();
      }
    }
    db.exec("ALTER TABLE pages ADD COLUMN links TEXT NOT NULL DEFAULT ''");
    Statement read(db.get(), "SELECT run_id, seq, url FROM links ORDER BY run_id, seq, position");
    Statement write(db.get(), "UPDATE pages SET links = ?3 WHERE run_id = ?1 AND seq = ?2");
    int64_t run = -1, seq = -1;
    std::vector<std::string> links;
    auto flush = [&] {
      if (links.empty()) return;
      write.bind(1, run);
      write.bind(2, seq);
      write.bind(3, join_links(links));
      write.run();
      links.clear();
    };
    while (read.step()) {
      if (read.int64(0) != run || read.int64(1) != seq) {
        flush();
        run = read.int64(0);
        seq = read.int64(1);
      }
      links.push_back(read.text(2));
    }
    flush();
    db.exec("DROP TABLE links");
  }
  if (version < 3) db.exec("ALTER TABLE pages ADD COLUMN noindex INTEGER NOT NULL DEFAULT 0");
  if (version < 4) {
    for (const char* column : {"warc_file TEXT", "warc_offset INTEGER", "warc_digest TEXT", "warc_body_file TEXT",
                               "warc_body_offset INTEGER", "warc_body_id TEXT", "warc_body_date_ms INTEGER",
                               "warc_body_uri TEXT"}) {
      const std::string_view text(column);
      const bool number = text.ends_with("INTEGER");
      const std::string name(text.substr(0, text.find(' ')));
      if (query_int(db, ("SELECT count(*) FROM pragma_table_info('pages') WHERE name = '" + name + "'").c_str()))
        continue;  // added already (a store written by a build between versions)
      db.exec((std::string("ALTER TABLE pages ADD COLUMN ") + column + " NOT NULL DEFAULT " + (number ? "0" : "''"))
                  .c_str());
    }
  }
  db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
  tx.commit();
  (void)path;
}

void create_schema(const Database& db, const std::string& path) {
  Transaction tx(db, "BEGIN IMMEDIATE");
  // Another process may have created it between our check and the lock.
  if (query_int(db, "SELECT count(*) FROM sqlite_schema") != 0) {
    check_identity(db, path);
    return;  // rolls back the empty transaction
  }
  db.exec(kSchema);
  db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
  db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
  tx.commit();
}

FrontierEntry read_frontier_entry(const Statement& s) {
  FrontierEntry e;
  e.seq = s.int64(0);
  e.url = s.text(1);
  e.depth = s.int32(2);
  e.referrer = s.text(3);
  e.state = static_cast<UrlState>(s.int32(4));
  e.attempts = s.int32(5);
  e.crashes = s.int32(6);
  e.origin = s.text(7);
  return e;
}

// The columns every record query selects, in the order read_record reads them.
constexpr const char* kRecordColumns =
    "SELECT p.run_id, r.job, p.seq, p.url, p.final_url, p.status, p.error, p.depth, "
    "p.referrer, p.fetched_at_ms, p.content_type, p.bytes, p.content_hash, p.title, "
    "p.description, p.fields_json, p.changed, p.etag, p.last_modified, p.change, p.worker_pid, "
    "p.elapsed_ms, p.links, p.noindex, p.warc_file, p.warc_offset, p.warc_digest, p.warc_body_file, "
    "p.warc_body_offset, p.warc_body_id, p.warc_body_date_ms, p.warc_body_uri "
    "FROM pages p JOIN runs r ON r.id = p.run_id ";

ExportRecord read_record(const Statement& s) {
  ExportRecord rec;
  rec.run = s.int64(0);
  rec.job = s.text(1);
  rec.seq = s.int64(2);
  PageRecord& p = rec.page;
  p.url = s.text(3);
  p.final_url = s.text(4);
  if (!s.is_null(5)) p.status = s.int32(5);
  p.error = s.text(6);
  p.depth = s.int32(7);
  p.referrer = s.text(8);
  p.fetched_at_ms = s.int64(9);
  p.content_type = s.text(10);
  p.bytes = s.int64(11);
  p.content_hash = s.text(12);
  p.title = s.text(13);
  p.description = s.text(14);
  p.fields_json = s.text(15);
  if (!s.is_null(16)) p.changed = s.int64(16) != 0;
  p.etag = s.text(17);
  p.last_modified = s.text(18);
  p.change = s.text(19);
  p.worker_pid = s.int32(20);
  p.elapsed_ms = s.int64(21);
  p.links = split_links(s.text(22));
  p.noindex = s.int64(23) != 0;
  p.warc.file = s.text(24);
  p.warc.offset = s.int64(25);
  p.warc.digest = s.text(26);
  p.warc.body_file = s.text(27);
  p.warc.body_offset = s.int64(28);
  p.warc.body_record_id = s.text(29);
  p.warc.body_date_ms = s.int64(30);
  p.warc.body_uri = s.text(31);
  return rec;
}

// ?1 = job or NULL, ?2 = run id (kOne), ?3 = changed only.
std::string record_query_sql(ExportQuery::Runs runs) {
  std::string sql = kRecordColumns;
  sql += "WHERE (?1 IS NULL OR r.job = ?1) AND (?3 = 0 OR p.changed = 1) ";
  switch (runs) {
    case ExportQuery::Runs::kLatest:
      sql += "AND p.run_id IN (SELECT max(id) FROM runs GROUP BY job) ";
      break;
    case ExportQuery::Runs::kOne:
      sql += "AND p.run_id = ?2 ";
      break;
    case ExportQuery::Runs::kAll:
      break;
  }
  if (runs == ExportQuery::Runs::kOne) sql += "AND p.seq > ?4 ";
  sql += "ORDER BY p.run_id, p.seq LIMIT ?5";
  return sql;
}

}  // namespace

SqliteStore::Statements::Statements(sqlite3* db)
    : newest_run(db, "SELECT id, state, options_json FROM runs WHERE job = ?1 "
                     "ORDER BY id DESC LIMIT 1"),
      resume_run(db, "UPDATE runs SET state = 0, finished_at_ms = 0 WHERE id = ?1"),
      unlease_all(db, "UPDATE frontier SET state = 0 WHERE run_id = ?1 AND state = 1"),
      insert_job(db, "INSERT OR IGNORE INTO jobs(name, created_at_ms) VALUES (?1, ?2)"),
      insert_run(db, "INSERT INTO runs(job, state, started_at_ms, options_json) "
                     "VALUES (?1, 0, ?2, ?3)"),
      finish_run(db, "UPDATE runs SET state = ?2, finished_at_ms = ?3 WHERE id = ?1"),
      max_seq(db, "SELECT coalesce(max(seq), 0) FROM frontier WHERE run_id = ?1"),
      frontier_entries(db, "SELECT seq, url, depth, referrer, state, attempts, crashes, origin "
                           "FROM frontier WHERE run_id = ?1 ORDER BY seq"),
      queued_of_origin(db, "SELECT seq, url, depth, referrer, state, attempts, crashes, origin "
                           "FROM frontier WHERE run_id = ?1 AND origin = ?2 AND seq > ?3 "
                           "AND state = 0 ORDER BY seq LIMIT ?4"),
      fetched_count(db, "SELECT count(*) FROM pages WHERE run_id = ?1 AND (error IS NULL OR "
                        "error NOT IN ('robots', 'out_of_scope', 'worker_crash'))"),
      discover(db, "INSERT OR IGNORE INTO frontier"
                   "(run_id, seq, url, depth, referrer, state, attempts, crashes, origin) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8)"),
      lease(db, "UPDATE frontier SET state = 1 WHERE run_id = ?1 AND seq = ?2"),
      requeue(db, "UPDATE frontier SET state = 0, attempts = ?3, crashes = ?4 "
                  "WHERE run_id = ?1 AND seq = ?2"),
      set_url_state(db, "UPDATE frontier SET state = ?3 WHERE run_id = ?1 AND seq = ?2"),
      insert_page(db, "INSERT OR REPLACE INTO pages(run_id, seq, url, final_url, status, error, "
                      "depth, referrer, fetched_at_ms, content_type, bytes, content_hash, title, "
                      "description, fields_json, changed, etag, last_modified, change, worker_pid, "
                      "elapsed_ms, links, noindex, warc_file, warc_offset, warc_digest, warc_body_file, "
                      "warc_body_offset, warc_body_id, warc_body_date_ms, warc_body_uri) VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                      "?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)"),
      list_runs(db, kRunSummariesSql),
      previous_run(db, "SELECT coalesce(max(id), 0) FROM runs WHERE job = ?1 AND id < ?2"),
      run_options(db, "SELECT options_json FROM runs WHERE id = ?1"),
      previous_record(db, std::string(kRecordColumns) +
                              "WHERE p.url = ?1 AND r.job = ?2 AND p.run_id < ?3 AND p.error IS NULL "
                              "AND p.status IS NOT NULL ORDER BY p.run_id DESC LIMIT 1"),
      lock_holder(db, "SELECT holder FROM job_locks WHERE job = ?1"),
      take_lock(db, "INSERT OR REPLACE INTO job_locks(job, holder, acquired_at_ms) VALUES (?1, ?2, ?3)"),
      release_lock(db, "DELETE FROM job_locks WHERE job = ?1 AND holder = ?2"),
      insert_worker_event(db, "INSERT INTO worker_events(run_id, at_ms, slot, pid, event) "
                              "VALUES (?1, ?2, ?3, ?4, ?5)"),
      worker_events(db, kWorkerEventsSql) {}

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& path) {
  Database db = Database::open(path);
  try {
    if (sqlite3_busy_timeout(db.get(), 5000) != SQLITE_OK) {
      throw_sqlite_error(db.get(), "cannot set busy timeout");
    }
    const bool has_schema = check_identity(db, path);
    configure(db, path);
    if (!has_schema) create_schema(db, path);
    if (has_schema && query_int(db, "PRAGMA user_version") < kSchemaVersion) migrate(db, path);
  } catch (const StoreError& e) {
    const std::string what = e.what();
    if (what.find(path) != std::string::npos) throw;
    throw StoreError("cannot open " + path + ": " + what);
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db), path));
}

SqliteStore::SqliteStore(Database db, std::string path)
    : db_(std::move(db)), path_(std::move(path)), stmts_(db_.get()) {}

RunInfo SqliteStore::open_run(const std::string& job, const std::string& options_json) {
  Transaction tx(db_, "BEGIN IMMEDIATE");
  RunInfo info;
  info.job = job;
  {
    Statement& newest = stmts_.newest_run;
    ScopedReset reset(newest);
    newest.bind(1, job);
    if (newest.step() && newest.int32(1) != static_cast<int>(RunState::kDone)) {
      info.id = newest.int64(0);
      info.options_json = newest.text(2);
      info.resumed = true;
    }
  }
  if (info.resumed) {
    stmts_.resume_run.bind(1, info.id);
    stmts_.resume_run.run();
    stmts_.unlease_all.bind(1, info.id);
    stmts_.unlease_all.run();
  } else {
    const int64_t now = now_ms();
    stmts_.insert_job.bind(1, job);
    stmts_.insert_job.bind(2, now);
    stmts_.insert_job.run();
    stmts_.insert_run.bind(1, job);
    stmts_.insert_run.bind(2, now);
    stmts_.insert_run.bind(3, options_json);
    stmts_.insert_run.run();
    info.id = sqlite3_last_insert_rowid(db_.get());
    info.options_json = options_json;
  }
  tx.commit();
  return info;
}

void SqliteStore::finish_run(int64_t run, RunState state) {
  Statement& s = stmts_.finish_run;
  ScopedReset reset(s);
  s.bind(1, run);
  s.bind(2, static_cast<int64_t>(state));
  s.bind(3, state == RunState::kRunning ? int64_t{0} : now_ms());
  s.step();
  if (sqlite3_changes(db_.get()) == 0) {
    throw StoreError(path_ + ": no run " + std::to_string(run) + " to finish");
  }
}

int64_t SqliteStore::max_seq(int64_t run) {
  Statement& s = stmts_.max_seq;
  ScopedReset reset(s);
  s.bind(1, run);
  return s.step() ? s.int64(0) : 0;
}

void SqliteStore::for_each_frontier_entry(
    int64_t run, const std::function<void(const FrontierEntry&)>& visit) {
  Statement& s = stmts_.frontier_entries;
  ScopedReset reset(s);
  s.bind(1, run);
  while (s.step()) visit(read_frontier_entry(s));
}

std::vector<FrontierEntry> SqliteStore::queued_entries(int64_t run, const std::string& origin,
                                                       int64_t after_seq, size_t limit) {
  Statement& s = stmts_.queued_of_origin;
  ScopedReset reset(s);
  s.bind(1, run);
  s.bind(2, origin);
  s.bind(3, after_seq);
  s.bind(4, static_cast<int64_t>(limit));
  std::vector<FrontierEntry> out;
  while (s.step()) out.push_back(read_frontier_entry(s));
  return out;
}

int64_t SqliteStore::fetched_count(int64_t run) {
  Statement& s = stmts_.fetched_count;
  ScopedReset reset(s);
  s.bind(1, run);
  return s.step() ? s.int64(0) : 0;
}

void SqliteStore::commit(const Batch& batch) {
  if (batch.empty()) return;
  if (batch.run <= 0) throw StoreError(path_ + ": commit of a batch without a run");
  const int64_t run = batch.run;
  try {
    Transaction tx(db_, "BEGIN IMMEDIATE");
    for (const FrontierEntry& e : batch.discovered) {
      Statement& s = stmts_.discover;
      ScopedReset reset(s);
      s.bind(1, run);
      s.bind(2, e.seq);
      s.bind(3, e.url);
      s.bind(4, int64_t{e.depth});
      s.bind_text_or_null(5, e.referrer);
      s.bind(6, int64_t{e.attempts});
      s.bind(7, int64_t{e.crashes});
      s.bind(8, e.origin);
      s.step();
    }
    for (int64_t seq : batch.leased) {
      stmts_.lease.bind(1, run);
      stmts_.lease.bind(2, seq);
      stmts_.lease.run();
    }
    for (const FrontierEntry& e : batch.requeued) {
      Statement& s = stmts_.requeue;
      ScopedReset reset(s);
      s.bind(1, run);
      s.bind(2, e.seq);
      s.bind(3, int64_t{e.attempts});
      s.bind(4, int64_t{e.crashes});
      s.step();
    }
    for (const Batch::Completion& c : batch.completed) apply_completion(run, c);
    for (const WorkerEvent& e : batch.worker_events) {
      Statement& w = stmts_.insert_worker_event;
      w.bind(1, run);
      w.bind(2, e.at_ms);
      w.bind(3, int64_t{e.slot});
      w.bind(4, int64_t{e.pid});
      w.bind(5, e.event);
      w.run();
    }
    tx.commit();
  } catch (const StoreError& e) {
    throw StoreError(path_ + ": commit rolled back: " + e.what());
  }
}

// Replaces the run's record for the URL (so a completion committed twice
// leaves one record), its links, and marks the frontier entry done/failed.
void SqliteStore::apply_completion(int64_t run, const Batch::Completion& c) {
  const PageRecord& p = c.page;
  {
    Statement& s = stmts_.insert_page;
    ScopedReset reset(s);
    s.bind(1, run);
    s.bind(2, c.seq);
    s.bind(3, p.url);
    s.bind(4, p.final_url);
    s.bind(5, p.status);
    s.bind_text_or_null(6, p.error);
    s.bind(7, int64_t{p.depth});
    s.bind_text_or_null(8, p.referrer);
    s.bind(9, p.fetched_at_ms);
    s.bind(10, p.content_type);
    s.bind(11, p.bytes);
    s.bind(12, p.content_hash);
    s.bind(13, p.title);
    s.bind(14, p.description);
    s.bind(15, p.fields_json);
    s.bind(16, p.changed);
    s.bind(17, p.etag);
    s.bind(18, p.last_modified);
    s.bind_text_or_null(19, p.change);
    s.bind(20, int64_t{p.worker_pid});
    s.bind(21, p.elapsed_ms);
    s.bind(22, join_links(p.links));
    s.bind(23, int64_t{p.noindex ? 1 : 0});
    s.bind(24, p.warc.file);
    s.bind(25, p.warc.offset);
    s.bind(26, p.warc.digest);
    s.bind(27, p.warc.body_file);
    s.bind(28, p.warc.body_offset);
    s.bind(29, p.warc.body_record_id);
    s.bind(30, p.warc.body_date_ms);
    s.bind(31, p.warc.body_uri);
    s.step();
  }
  Statement& state = stmts_.set_url_state;
  state.bind(1, run);
  state.bind(2, c.seq);
  state.bind(3, static_cast<int64_t>(p.error.empty() ? UrlState::kDone : UrlState::kFailed));
  state.run();
}

void SqliteStore::for_each_record(const ExportQuery& query,
                                  const std::function<void(const ExportRecord&)>& visit) {
  // One read transaction: every record comes from one snapshot.
  Transaction tx(db_, "BEGIN");
  Statement records(db_.get(), record_query_sql(query.runs));
  if (query.job) {
    records.bind(1, *query.job);
  } else {
    records.bind_null(1);
  }
  if (query.runs == ExportQuery::Runs::kOne) records.bind(2, query.run_id);
  records.bind(3, int64_t{query.changed_only ? 1 : 0});
  if (query.runs == ExportQuery::Runs::kOne) records.bind(4, query.after_seq);
  records.bind(5, query.limit > 0 ? query.limit : int64_t{-1});  // -1: no limit
  while (records.step()) visit(read_record(records));
  tx.commit();
}

std::vector<RunSummary> SqliteStore::list_runs(const std::optional<std::string>& job) {
  Statement& s = stmts_.list_runs;
  ScopedReset reset(s);
  if (job) {
    s.bind(1, *job);
  } else {
    s.bind_null(1);
  }
  std::vector<RunSummary> runs;
  while (s.step()) runs.push_back(read_run_summary(s));
  return runs;
}

int64_t SqliteStore::previous_run(const std::string& job, int64_t run) {
  Statement& s = stmts_.previous_run;
  ScopedReset reset(s);
  s.bind(1, job);
  s.bind(2, run);
  return s.step() ? s.int64(0) : 0;
}

std::string SqliteStore::run_options(int64_t run) {
  Statement& s = stmts_.run_options;
  ScopedReset reset(s);
  s.bind(1, run);
  return s.step() ? s.text(0) : std::string();
}

std::optional<PageRecord> SqliteStore::previous_record(const std::string& job, int64_t run,
                                                       const std::string& url) {
  ExportRecord rec;
  {
    Statement& s = stmts_.previous_record;
    ScopedReset reset(s);
    s.bind(1, url);
    s.bind(2, job);
    s.bind(3, run);
    if (!s.step()) return std::nullopt;
    rec = read_record(s);
  }
  return std::move(rec.page);
}

std::optional<std::string> SqliteStore::lock_job(const std::string& job, const std::string& holder,
                                                 const std::function<bool(const std::string&)>& alive) {
  Transaction tx(db_, "BEGIN IMMEDIATE");
  {
    Statement& s = stmts_.lock_holder;
    ScopedReset reset(s);
    s.bind(1, job);
    if (s.step()) {
      std::string current = s.text(0);
      if (current != holder && alive(current)) return current;  // rolls back
    }
  }
  Statement& take = stmts_.take_lock;
  take.bind(1, job);
  take.bind(2, holder);
  take.bind(3, now_ms());
  take.run();
  tx.commit();
  return std::nullopt;
}

void SqliteStore::unlock_job(const std::string& job, const std::string& holder) {
  Statement& s = stmts_.release_lock;
  s.bind(1, job);
  s.bind(2, holder);
  s.run();
}

std::vector<WorkerEvent> SqliteStore::worker_events(int64_t run) {
  Statement& s = stmts_.worker_events;
  ScopedReset reset(s);
  s.bind(1, run);
  std::vector<WorkerEvent> events;
  while (s.step()) events.push_back(read_worker_event(s));
  return events;
}

}  // namespace forager::storage
