#include "storage/postgres/pg_schema.h"

namespace forager::storage::pg {
namespace {

// The advisory lock (two int4 keys) held while the schema is created.
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(1179797330, 1)";  // "FRGR", 1

// Version 3 here, then kSchemaV4 (see migrate() for what changed). Integers for states (UrlState, RunState), Unix ms for times,
// NULL for "none" (status, error, referrer, changed). Text that comes from the
// web (titles, header values, extracted fields, links) is bytea: PostgreSQL
// text must be valid UTF-8 without NUL bytes, and forager stores these bytes
// exactly as SQLite does. URLs are normalized (ASCII) and stay text.
constexpr const char* kSchema = R"sql(
CREATE SCHEMA IF NOT EXISTS forager;

CREATE TABLE forager.schema_version (
  version integer NOT NULL
);

CREATE TABLE forager.jobs (
  name          text PRIMARY KEY,
  id            integer GENERATED ALWAYS AS IDENTITY UNIQUE,  -- the job lock's advisory lock key
  created_at_ms bigint NOT NULL
);

CREATE TABLE forager.runs (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job            text NOT NULL REFERENCES forager.jobs(name),
  state          smallint NOT NULL CHECK (state IN (0, 1, 2)),  -- RunState
  started_at_ms  bigint NOT NULL,
  finished_at_ms bigint NOT NULL DEFAULT 0,                     -- 0 while unfinished
  options_json   text NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_by_job ON forager.runs(job, id);

-- The processes working on a run. Not used yet: a run has one member, which
-- holds the job lock. Kept for members that join a run (docs/SCALE-OUT.md).
CREATE TABLE forager.members (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id       bigint NOT NULL REFERENCES forager.runs(id),
  host         text NOT NULL,
  pid          integer NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),  -- server clock
  epoch        bigint NOT NULL DEFAULT 0            -- fencing token of its leases
);
CREATE INDEX members_by_run ON forager.members(run_id);

CREATE TABLE forager.frontier (
  run_id       bigint NOT NULL REFERENCES forager.runs(id),
  seq          bigint NOT NULL,
  url          text NOT NULL CHECK (url <> ''),
  depth        integer NOT NULL,
  referrer     text,                                            -- NULL for seeds
  state        smallint NOT NULL CHECK (state IN (0, 1, 2, 3)), -- UrlState
  attempts     integer NOT NULL DEFAULT 0,
  crashes      integer NOT NULL DEFAULT 0,
  origin       text NOT NULL DEFAULT '',                        -- scheme://host[:port]
  lease_member bigint REFERENCES forager.members(id),           -- not used yet
  lease_epoch  bigint,                                          -- not used yet
  PRIMARY KEY (run_id, seq),
  UNIQUE (run_id, url)
);
-- The coordinator reads each origin's queue in seq order, a window at a time.
CREATE INDEX frontier_queued ON forager.frontier(run_id, origin, seq) WHERE state = 0;

CREATE TABLE forager.pages (
  run_id        bigint NOT NULL REFERENCES forager.runs(id),
  seq           bigint NOT NULL,
  url           text NOT NULL CHECK (url <> ''),
  final_url     bytea NOT NULL,
  status        integer,             -- NULL: no response
  error         text,                -- NULL: no error
  depth         integer NOT NULL,
  referrer      text,                -- NULL for seeds
  fetched_at_ms bigint NOT NULL,
  content_type  bytea NOT NULL,
  bytes         bigint NOT NULL,
  content_hash  text NOT NULL,
  title         bytea NOT NULL,
  description   bytea NOT NULL,
  fields_json   bytea NOT NULL,      -- '' means {}
  changed       boolean,             -- NULL on a first run
  change        text,                -- NULL on a first run, else new/changed/unchanged/gone
  worker_pid    integer NOT NULL DEFAULT 0,
  elapsed_ms    bigint NOT NULL DEFAULT 0,
  etag          bytea NOT NULL,
  last_modified bytea NOT NULL,
  links         bytea NOT NULL,      -- the page's links in order, one per line
  noindex       boolean NOT NULL DEFAULT false,  -- meta robots / X-Robots-Tag said noindex or none
  -- The capture (storage/records.h WarcCapture): '' when not archived.
  warc_file         text NOT NULL DEFAULT '',
  warc_offset       bigint NOT NULL DEFAULT 0,
  warc_digest       text NOT NULL DEFAULT '',
  warc_body_file    text NOT NULL DEFAULT '',
  warc_body_offset  bigint NOT NULL DEFAULT 0,
  warc_body_id      text NOT NULL DEFAULT '',
  warc_body_date_ms bigint NOT NULL DEFAULT 0,
  warc_body_uri     bytea NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, seq),
  UNIQUE (run_id, url)
);
-- For re-crawls: the previous record of a URL across the runs of a job.
CREATE INDEX pages_by_url ON forager.pages(url, run_id);

CREATE TABLE forager.worker_events (
  id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id bigint NOT NULL REFERENCES forager.runs(id),
  at_ms  bigint NOT NULL,
  slot   integer NOT NULL,
  pid    integer NOT NULL,
  event  text NOT NULL
);
CREATE INDEX worker_events_by_run ON forager.worker_events(run_id, at_ms, id);

-- Who is crawling a job right now. The holder also holds a session-level
-- advisory lock on the job's id: when its connection ends, so does the lock.
CREATE TABLE forager.job_locks (
  job            text PRIMARY KEY,
  holder         text NOT NULL,
  acquired_at_ms bigint NOT NULL
);

CREATE TABLE forager.schedules (
  name                text PRIMARY KEY,
  cron                text,
  every_ms            bigint,
  utc                 boolean NOT NULL DEFAULT false,
  args_json           text NOT NULL,
  created_at_ms       bigint NOT NULL,
  last_started_at_ms  bigint,
  last_finished_at_ms bigint,
  last_exit           integer,
  last_outcome        text,
  CHECK ((cron IS NULL) <> (every_ms IS NULL))
);
)sql";

// Version 3: what members sharing one run need (docs/SCALE-OUT.md). Applied
// after kSchema on a new store, and by migrate() on a version 2 one.
constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE forager.runs ADD COLUMN IF NOT EXISTS shared boolean NOT NULL DEFAULT false;
ALTER TABLE forager.runs ADD COLUMN IF NOT EXISTS fetched bigint NOT NULL DEFAULT 0;  -- fleet-wide --max-pages
ALTER TABLE forager.members ADD COLUMN IF NOT EXISTS pages bigint NOT NULL DEFAULT 0;
ALTER TABLE forager.members ADD COLUMN IF NOT EXISTS left_at timestamptz;  -- NULL while a member
ALTER TABLE forager.members ADD COLUMN IF NOT EXISTS last_lease bigint;    -- the last lease it finished
ALTER TABLE forager.frontier ADD COLUMN IF NOT EXISTS host text NOT NULL DEFAULT '';  -- of what to fetch next
ALTER TABLE forager.frontier ADD COLUMN IF NOT EXISTS not_before timestamptz;         -- retry backoff
ALTER TABLE forager.frontier ADD COLUMN IF NOT EXISTS lease_id bigint;                -- the lease holding it
ALTER TABLE forager.frontier ADD COLUMN IF NOT EXISTS target text;                    -- redirect hop to fetch
ALTER TABLE forager.frontier ADD COLUMN IF NOT EXISTS chain text;                     -- hops fetched, one a line
ALTER TABLE forager.frontier ADD COLUMN IF NOT EXISTS last_status integer;
ALTER TABLE forager.frontier ADD COLUMN IF NOT EXISTS counted boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS frontier_by_host ON forager.frontier(run_id, host, seq) WHERE state = 0;
CREATE INDEX IF NOT EXISTS frontier_by_lease ON forager.frontier(lease_id) WHERE lease_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS frontier_seeds ON forager.frontier(run_id, seq) WHERE depth = 0;
CREATE SEQUENCE IF NOT EXISTS forager.frontier_seq;

-- Politeness of a shared run, per host name: the lease query's row.
CREATE TABLE IF NOT EXISTS forager.hosts (
  run_id       bigint NOT NULL REFERENCES forager.runs(id),
  host         text NOT NULL,
  in_flight    integer NOT NULL DEFAULT 0,
  next_allowed timestamptz NOT NULL DEFAULT now(),   -- server clock
  delay_ms     bigint NOT NULL DEFAULT 0,            -- --delay, raised by Crawl-delay and 429/503
  robots_busy  boolean NOT NULL DEFAULT false,       -- a member is fetching robots.txt of the host
  fetches      bigint NOT NULL DEFAULT 0,            -- fleet-wide --max-pages-per-host
  PRIMARY KEY (run_id, host)
);

-- A member's hold on some of a host's slots: the fencing token of its results.
CREATE TABLE IF NOT EXISTS forager.leases (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id        bigint NOT NULL REFERENCES forager.runs(id),
  member_id     bigint NOT NULL REFERENCES forager.members(id),
  host          text NOT NULL,
  slots         integer NOT NULL,
  robots_origin text,                                -- a robots.txt fetch, no URLs
  granted_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS leases_by_run ON forager.leases(run_id, member_id);

-- robots.txt of each origin of a shared run, as the member that fetched it saw it.
CREATE TABLE IF NOT EXISTS forager.robots (
  run_id     bigint NOT NULL REFERENCES forager.runs(id),
  origin     text NOT NULL,
  status     integer NOT NULL,
  error      text NOT NULL,
  body       bytea NOT NULL,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, origin)
);
)sql";

// Version 5: fleet-wide give-up of a host after connection failures in a row.
constexpr const char* kSchemaV5 = R"sql(
ALTER TABLE forager.hosts ADD COLUMN IF NOT EXISTS failures integer NOT NULL DEFAULT 0;  -- connection failures in a row
ALTER TABLE forager.hosts ADD COLUMN IF NOT EXISTS given_up text;  -- the run gave the host up: its last error
)sql";

// Version 6, what the server does for each page of a shared run, made cheaper
// (bench/RESULTS.md):
// - A URL's row is updated twice: its lease, which must take it out of the
//   queue indexes, and its end, now a HOT update that writes no index entry
//   (no index names `state`, in its columns or its predicate). A queued URL
//   has no lease_id (every statement that queues one clears it) and a URL
//   that ended keeps its lease's. fillfactor leaves room on each page for
//   the new versions, which HOT needs (the same page).
// - frontier_queued serves the queue of a run of one's own (forager extract,
//   no host names); a shared run's rows, which have their host, are not in it.
// - One unique index of a record's URL in its run, (url, run_id), instead of
//   (run_id, url) and (url, run_id).
// - A page's links and fields compressed with lz4 where the server has it
//   (pglz took 5 % of the server's CPU in a crawl).
constexpr const char* kSchemaV6 = R"sql(
DROP INDEX IF EXISTS forager.frontier_queued;
CREATE INDEX frontier_queued ON forager.frontier(run_id, origin, seq) WHERE lease_id IS NULL AND host = '';
DROP INDEX IF EXISTS forager.frontier_by_host;
CREATE INDEX frontier_by_host ON forager.frontier(run_id, host, seq) WHERE lease_id IS NULL;
ALTER TABLE forager.frontier SET (fillfactor = 80);
DROP INDEX IF EXISTS forager.pages_by_url;
CREATE UNIQUE INDEX pages_by_url ON forager.pages(url, run_id);
ALTER TABLE forager.pages DROP CONSTRAINT IF EXISTS pages_run_id_url_key;
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE name = 'default_toast_compression'
             AND 'lz4' = ANY(enumvals)) THEN
    ALTER TABLE forager.pages ALTER COLUMN links SET COMPRESSION lz4, ALTER COLUMN fields_json SET COMPRESSION lz4;
  END IF;
END $$;
)sql";

// Version 7: no foreign keys on the tables that get rows for every URL and
// page (frontier, pages, leases). Nothing deletes a run, a member or a job, so
// those keys guarded against nothing forager does, and each inserted row paid
// for a check of its run (and member): a query of the referenced row, locking
// it, ~10 % of the server's CPU in a crawl (bench/RESULTS.md). The frontier's
// lease_member and lease_epoch, never used, go with them.
// And the URLs, hosts and origins that indexes and sorts compare are in the
// "C" collation: byte order, as SQLite's, compared with memcmp instead of the
// database's locale (strcoll, without abbreviated sort keys), and the same
// order on every server whatever its locale. Their indexes are rebuilt.
constexpr const char* kSchemaV7 = R"sql(
ALTER TABLE forager.frontier DROP CONSTRAINT IF EXISTS frontier_run_id_fkey,
  DROP COLUMN IF EXISTS lease_member, DROP COLUMN IF EXISTS lease_epoch,
  ALTER COLUMN url TYPE text COLLATE "C", ALTER COLUMN origin TYPE text COLLATE "C",
  ALTER COLUMN host TYPE text COLLATE "C";
ALTER TABLE forager.pages ALTER COLUMN url TYPE text COLLATE "C";
ALTER TABLE forager.hosts ALTER COLUMN host TYPE text COLLATE "C";
ALTER TABLE forager.leases ALTER COLUMN host TYPE text COLLATE "C";
ALTER TABLE forager.robots ALTER COLUMN origin TYPE text COLLATE "C";
ALTER TABLE forager.pages DROP CONSTRAINT IF EXISTS pages_run_id_fkey;
ALTER TABLE forager.leases DROP CONSTRAINT IF EXISTS leases_run_id_fkey,
  DROP CONSTRAINT IF EXISTS leases_member_id_fkey;
)sql";

void check_version(Connection& conn) {
  Result r = conn.query("SELECT max(version) FROM forager.schema_version");
  if (r.rows() != 1 || r.is_null(0, 0)) {
    throw StoreError(conn.location() + " is a damaged forager store (no schema version)");
  }
  const int64_t version = r.int64(0, 0);
  if (version > kSchemaVersion) {
    throw StoreError(conn.location() + " has forager schema version " + std::to_string(version) +
                     ", newer than this forager understands (" + std::to_string(kSchemaVersion) +
                     "); upgrade forager");
  }
  if (version < 1) throw StoreError(conn.location() + " is a damaged forager store (schema version 0)");
}

// Brings a store of an older schema version up to kSchemaVersion, under the
// schema lock, in one transaction.
//  1 -> 2: pages.noindex (false for every record written before).
//  2 -> 3: the pages.warc_* columns of the capture ('' / 0: not archived).
//  3 -> 4: what shared runs need (kSchemaV4).
//  4 -> 5: hosts.failures and hosts.given_up (kSchemaV5).
//  5 -> 6: cheaper pages of shared runs: frontier's indexes and fillfactor,
//          pages' unique index of URLs, lz4 (kSchemaV6).
//  6 -> 7: no foreign keys on frontier, pages and leases; URLs, hosts and
//          origins in the "C" collation (kSchemaV7).
void migrate(Connection& conn) {
  Transaction tx(conn);
  conn.exec(kSchemaLock);
  const int64_t version = conn.query("SELECT max(version) FROM forager.schema_version").int64(0, 0);
  if (version < 2) conn.exec("ALTER TABLE forager.pages ADD COLUMN IF NOT EXISTS noindex boolean NOT NULL DEFAULT false");
  if (version < 3) {
    conn.exec(
        "ALTER TABLE forager.pages ADD COLUMN IF NOT EXISTS warc_file text NOT NULL DEFAULT '', "
        "ADD COLUMN IF NOT EXISTS warc_offset bigint NOT NULL DEFAULT 0, "
        "ADD COLUMN IF NOT EXISTS warc_digest text NOT NULL DEFAULT '', "
        "ADD COLUMN IF NOT EXISTS warc_body_file text NOT NULL DEFAULT '', "
        "ADD COLUMN IF NOT EXISTS warc_body_offset bigint NOT NULL DEFAULT 0, "
        "ADD COLUMN IF NOT EXISTS warc_body_id text NOT NULL DEFAULT '', "
        "ADD COLUMN IF NOT EXISTS warc_body_date_ms bigint NOT NULL DEFAULT 0, "
        "ADD COLUMN IF NOT EXISTS warc_body_uri bytea NOT NULL DEFAULT ''");
  }
  if (version < 4) conn.exec(kSchemaV4);
  if (version < 5) conn.exec(kSchemaV5);
  if (version < 6) conn.exec(kSchemaV6);
  if (version < 7) conn.exec(kSchemaV7);
  if (version < kSchemaVersion) {
    conn.exec("DELETE FROM forager.schema_version");
    conn.query("INSERT INTO forager.schema_version(version) VALUES ($1)", {integer(kSchemaVersion)});
  }
  tx.commit();
}

void migrate_if_older(Connection& conn) {
  if (conn.query("SELECT max(version) FROM forager.schema_version").int64(0, 0) < kSchemaVersion) migrate(conn);
}

}  // namespace

bool has_schema(Connection& conn) {
  // A query of pg_class, not to_regclass(): after waiting for the schema lock,
  // the session's catalog cache may still say "no such table" for one that
  // another process has just created; a query reads the committed catalog.
  return conn
      .query("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
             "ON n.oid = c.relnamespace WHERE n.nspname = 'forager' AND c.relname = 'schema_version')")
      .boolean(0, 0);
}

void check_schema(Connection& conn) {
  if (!has_schema(conn)) {
    throw StoreError("no forager store in " + conn.location() + " (crawl first, or check --db)");
  }
  check_version(conn);
  migrate_if_older(conn);
}

void ensure_schema(Connection& conn) {
  if (!has_schema(conn)) {
    Transaction tx(conn);
    conn.exec(kSchemaLock);
    if (!has_schema(conn)) {  // nobody created it while we waited for the lock
      conn.exec(kSchema);
      conn.exec(kSchemaV4);
      conn.exec(kSchemaV5);
      conn.exec(kSchemaV6);
      conn.exec(kSchemaV7);
      conn.query("INSERT INTO forager.schema_version(version) VALUES ($1)", {integer(kSchemaVersion)});
    }
    tx.commit();
  }
  check_version(conn);
  migrate_if_older(conn);
}

}  // namespace forager::storage::pg
