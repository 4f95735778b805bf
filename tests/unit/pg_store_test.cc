// PgStore, PgReportQueries and PgScheduleStore against a real PostgreSQL
// server (one per ctest run, a database per test), and beside SqliteStore on
// the same records: the same export bytes and the same report figures.
#include "storage/postgres/pg_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "storage/exporter.h"
#include "storage/open.h"
#include "storage/postgres/pg_report_queries.h"
#include "storage/postgres/pg_schedule_store.h"
#include "storage/postgres/pg_schema.h"
#include "storage/sqlite/report_data.h"
#include "storage/sqlite/sqlite_store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/store_contract.h"

namespace forager::storage {
namespace {

namespace fs = std::filesystem;
using namespace store_contract;  // entry(), completion(), url(), records() ...

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { FORAGER_USE_TEST_DATABASE(db_); }

  int64_t query_int(const std::string& sql) {
    pg::Connection conn = db_->connect();
    pg::Result r = conn.query(sql);
    return r.rows() == 1 ? r.int64(0, 0) : -1;
  }
  std::unique_ptr<PgStore> open() { return PgStore::open(db_->uri()); }
  // A run with one record (of URL 1) and one queued URL (2), for the
  // migration tests; returns the run's id.
  int64_t store_a_record_and_a_queued_url() {
    auto store = open();
    RunInfo run = store->open_run("j", "{}");
    Batch b;
    b.run = run.id;
    b.discovered = {entry(1, url(1)), entry(2, url(2))};
    b.completed = {completion(1, url(1))};
    store->commit(b);
    return run.id;
  }
  // What store_a_record_and_a_queued_url stored is still there.
  void expect_the_record_and_the_queued_url(PgStore& store, int64_t run_id) {
    ASSERT_EQ(records(store, {}).size(), 1u);
    std::vector<FrontierEntry> queued = store.queued_entries(run_id, entry(2, url(2)).origin, 0, 10);
    ASSERT_EQ(queued.size(), 1u);
    EXPECT_EQ(queued[0].url, url(2));
  }
  // Waits (at most 10 s) until the server has ended the sessions of closed
  // connections: it releases their advisory locks as it does. Only this
  // test's database counts: tests running beside it on the same server hold
  // advisory locks of their own (a crawl member's liveness lock).
  void wait_for_advisory_locks(int64_t held) {
    const std::string count = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                              "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    for (int i = 0; i < 1000 && query_int(count) != held; ++i) usleep(10000);
    ASSERT_EQ(query_int(count), held);
  }

  std::unique_ptr<testing::TestDatabase> db_;
};

// The Store contract (tests/support/store_contract.h) on PostgreSQL.
class PgBackend : public PgStoreTest {
 public:
  static constexpr int64_t kRecordChunk = PgStore::kRecordChunk;
};
INSTANTIATE_TYPED_TEST_SUITE_P(StoreContractOnPostgres, StoreContractTest, PgBackend);

TEST_F(PgStoreTest, CreatesSchemaOnceAndReopens) {
  { auto store = open(); }
  EXPECT_EQ(query_int("SELECT max(version) FROM forager.schema_version"), pg::kSchemaVersion);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.schema_version"), 1);
  auto store = open();
  EXPECT_TRUE(store->list_runs(std::nullopt).empty());
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.schema_version"), 1);
}

TEST_F(PgStoreTest, RefusesNewerSchemaVersion) {
  { auto store = open(); }
  db_->connect().exec("UPDATE forager.schema_version SET version = 99");
  try {
    open();
    FAIL() << "opened a newer schema";
  } catch (const StoreError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("schema version 99"), std::string::npos) << what;
    EXPECT_NE(what.find("upgrade forager"), std::string::npos) << what;
  }
  EXPECT_THROW(PgReportQueries::open(db_->uri()), StoreError);
  EXPECT_THROW(PgScheduleStore::open(db_->uri()), StoreError);
}

TEST_F(PgStoreTest, ReportQueriesNeverCreateTheSchema) {
  try {
    PgReportQueries::open(db_->uri());
    FAIL() << "opened a database without a forager store";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("no forager store"), std::string::npos) << e.what();
  }
  EXPECT_EQ(query_int("SELECT count(*) FROM pg_namespace WHERE nspname = 'forager'"), 0);
  EXPECT_FALSE(exists(db_->uri()));
  { auto store = open(); }
  EXPECT_TRUE(exists(db_->uri()));
}

TEST_F(PgStoreTest, PasswordInUriRefusedWithoutConnecting) {
  const std::string with_password = "postgresql://user:s3cret@127.0.0.1:1/db";
  auto problem = location_problem(with_password);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("PGPASSWORD"), std::string::npos);
  EXPECT_EQ(problem->find("s3cret"), std::string::npos);
  EXPECT_TRUE(location_problem("postgres://u@h/db?password=s3cret"));
  EXPECT_FALSE(location_problem("postgresql://user@127.0.0.1/db"));
  EXPECT_FALSE(location_problem("forager.db"));
  try {
    PgStore::open(with_password);
    FAIL() << "opened a URI with a password";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
}

TEST_F(PgStoreTest, FrontierPagesThroughChunksInSeqOrder) {
  auto store = open();
  RunInfo run = store->open_run("j", "{}");
  const int64_t n = PgStore::kFrontierChunk * 2 + 7;
  Batch b;
  b.run = run.id;
  for (int64_t s = n; s >= 1; --s) b.discovered.push_back(entry(s, url(s)));
  store->commit(b);
  int64_t expected = 1, count = 0;
  store->for_each_frontier_entry(run.id, [&](const FrontierEntry& e) {
    EXPECT_EQ(e.seq, expected++);
    ++count;
  });
  EXPECT_EQ(count, n);
}

TEST_F(PgStoreTest, FailedBatchLeavesNothing) {
  auto store = open();
  const int64_t run_id = store->open_run("j", "{}").id;
  db_->connect().exec(
      "CREATE FUNCTION forager.boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF position('boom'::bytea IN NEW.links) > 0 THEN RAISE EXCEPTION 'forced failure'; END IF; "
      "RETURN NEW; END $$; "
      "CREATE TRIGGER boom BEFORE INSERT ON forager.pages FOR EACH ROW EXECUTE FUNCTION forager.boom()");
  Batch b = discover_and_complete(run_id, 1, 5);
  b.completed.back().page.links.push_back("boom");
  try {
    store->commit(b);
    FAIL() << "commit succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("forced failure"), std::string::npos) << e.what();
  }
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 0);
  store->commit(discover_and_complete(run_id, 1, 5));  // still usable
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages"), 5);
}

TEST_F(PgStoreTest, RecordRoundTripsBytesExactly) {
  auto store = open();
  RunInfo run = store->open_run("shop", "{}");
  std::vector<std::string> links;
  for (int i = 20; i > 0; --i) links.push_back(url(i));
  Batch b;
  b.run = run.id;
  b.discovered = {entry(1, url(1))};
  Batch::Completion c = completion(1, url(1), "", links);
  c.page.changed = false;
  c.page.etag = "W/\"\xff\xfe\"";                   // not UTF-8: header bytes as they came
  c.page.last_modified = std::string("a\0b", 3);    // a NUL byte
  c.page.title = "caf\xc3\xa9 \"quoted\" \\ {braces}, commas";
  c.page.description = "";
  c.page.content_type = "text/html; charset=\xe9";
  c.page.warc.file = "/w/a.warc.gz";
  c.page.warc.offset = 5000000000;
  c.page.warc.digest = "sha1:D";
  c.page.warc.body_file = "/w/b.warc.gz";
  c.page.warc.body_offset = 7;
  c.page.warc.body_record_id = "<urn:uuid:x>";
  c.page.warc.body_date_ms = 1700000000000;
  c.page.warc.body_uri = url(1);
  b.completed = {c};
  store->commit(b);

  auto recs = records(*store, {});
  ASSERT_EQ(recs.size(), 1u);
  const PageRecord& p = recs[0].page;
  EXPECT_EQ(recs[0].job, "shop");
  EXPECT_EQ(p.url, c.page.url);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.referrer, "");
  EXPECT_EQ(p.fetched_at_ms, c.page.fetched_at_ms);
  EXPECT_EQ(p.bytes, c.page.bytes);
  EXPECT_EQ(p.changed, std::optional<bool>(false));
  EXPECT_EQ(p.etag, c.page.etag);
  EXPECT_EQ(p.last_modified, c.page.last_modified);
  EXPECT_EQ(p.title, c.page.title);
  EXPECT_EQ(p.content_type, c.page.content_type);
  EXPECT_EQ(p.fields_json, c.page.fields_json);
  EXPECT_EQ(p.links, links);
  EXPECT_EQ(p.warc.file, "/w/a.warc.gz");
  EXPECT_EQ(p.warc.offset, 5000000000);
  EXPECT_EQ(p.warc.digest, "sha1:D");
  EXPECT_EQ(p.warc.body_file, "/w/b.warc.gz");
  EXPECT_EQ(p.warc.body_offset, 7);
  EXPECT_EQ(p.warc.body_record_id, "<urn:uuid:x>");
  EXPECT_EQ(p.warc.body_date_ms, 1700000000000);
  EXPECT_EQ(p.warc.body_uri, url(1));
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.pages WHERE referrer IS NULL AND error IS NULL"), 1);
}

// Version 2 had no pages.warc_* columns: opening it adds them, and the
// records written before read back without a capture.
TEST_F(PgStoreTest, MigratesSchemaVersion2) {
  {
    auto store = open();
    RunInfo run = store->open_run("j", "{}");
    Batch b;
    b.run = run.id;
    b.discovered = {entry(1, url(1))};
    b.completed = {completion(1, url(1))};
    store->commit(b);
  }
  db_->connect().exec(
      "ALTER TABLE forager.pages DROP COLUMN warc_file, DROP COLUMN warc_offset, DROP COLUMN warc_digest, "
      "DROP COLUMN warc_body_file, DROP COLUMN warc_body_offset, DROP COLUMN warc_body_id, "
      "DROP COLUMN warc_body_date_ms, DROP COLUMN warc_body_uri");
  db_->connect().exec("UPDATE forager.schema_version SET version = 2");
  auto store = open();
  EXPECT_EQ(query_int("SELECT max(version) FROM forager.schema_version"), pg::kSchemaVersion);
  auto recs = records(*store, {});
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_TRUE(recs[0].page.warc.file.empty());
}

// Version 5 had frontier's queue indexes on `state`, no fillfactor and two
// indexes of pages' URLs: opening it rebuilds them, and what it held is still
// there (a record, a queued URL).
TEST_F(PgStoreTest, MigratesSchemaVersion5) {
  const int64_t run_id = store_a_record_and_a_queued_url();
  db_->connect().exec(
      "DROP INDEX forager.frontier_queued; "
      "CREATE INDEX frontier_queued ON forager.frontier(run_id, origin, seq) WHERE state = 0; "
      "DROP INDEX forager.frontier_by_host; "
      "CREATE INDEX frontier_by_host ON forager.frontier(run_id, host, seq) WHERE state = 0; "
      "ALTER TABLE forager.frontier RESET (fillfactor); "
      "DROP INDEX forager.pages_by_url; CREATE INDEX pages_by_url ON forager.pages(url, run_id); "
      "ALTER TABLE forager.pages ADD UNIQUE (run_id, url); "
      "UPDATE forager.schema_version SET version = 5");
  auto store = open();
  EXPECT_EQ(query_int("SELECT max(version) FROM forager.schema_version"), pg::kSchemaVersion);
  EXPECT_EQ(query_int("SELECT count(*) FROM pg_catalog.pg_index WHERE indrelid = 'forager.frontier'::regclass "
                      "AND pg_catalog.pg_get_indexdef(indexrelid) ~ '\\mstate\\M'"),
            0);
  EXPECT_EQ(query_int("SELECT count(*) FROM pg_catalog.pg_class WHERE oid = 'forager.frontier'::regclass "
                      "AND 'fillfactor=80' = ANY(reloptions)"),
            1);
  EXPECT_EQ(query_int("SELECT count(*) FROM pg_catalog.pg_index WHERE indrelid = 'forager.pages'::regclass"), 2);
  EXPECT_EQ(query_int("SELECT count(*) FROM pg_catalog.pg_index WHERE indrelid = 'forager.pages'::regclass "
                      "AND indisunique AND pg_catalog.pg_get_indexdef(indexrelid) LIKE '%(url, run_id)'"),
            1);
  expect_the_record_and_the_queued_url(*store, run_id);
}

// Version 6 had foreign keys on frontier, pages and leases, two unused
// columns of frontier, and URLs, hosts and origins in the database's
// collation: opening it drops the keys and the columns, puts those in "C",
// and what it held is still there.
TEST_F(PgStoreTest, MigratesSchemaVersion6) {
  const int64_t run_id = store_a_record_and_a_queued_url();
  db_->connect().exec(
      "ALTER TABLE forager.frontier ADD FOREIGN KEY (run_id) REFERENCES forager.runs(id), "
      "ADD COLUMN lease_member bigint REFERENCES forager.members(id), ADD COLUMN lease_epoch bigint; "
      "ALTER TABLE forager.pages ADD FOREIGN KEY (run_id) REFERENCES forager.runs(id); "
      "ALTER TABLE forager.leases ADD FOREIGN KEY (run_id) REFERENCES forager.runs(id), "
      "ADD FOREIGN KEY (member_id) REFERENCES forager.members(id); "
      "ALTER TABLE forager.frontier ALTER COLUMN url TYPE text COLLATE \"default\", "
      "ALTER COLUMN host TYPE text COLLATE \"default\"; "
      "ALTER TABLE forager.hosts ALTER COLUMN host TYPE text COLLATE \"default\"; "
      "UPDATE forager.schema_version SET version = 6");
  const char* in_c =
      "SELECT count(*) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_collation c ON c.oid = a.attcollation "
      "WHERE c.collname = 'C' AND (a.attrelid, a.attname) IN (('forager.frontier'::regclass, 'url'), "
      "('forager.frontier'::regclass, 'origin'), ('forager.frontier'::regclass, 'host'), "
      "('forager.pages'::regclass, 'url'), ('forager.hosts'::regclass, 'host'), "
      "('forager.leases'::regclass, 'host'), ('forager.robots'::regclass, 'origin'))";
  ASSERT_EQ(query_int(in_c), 4);
  const char* foreign_keys =
      "SELECT count(*) FROM pg_catalog.pg_constraint WHERE contype = 'f' AND conrelid IN "
      "('forager.frontier'::regclass, 'forager.pages'::regclass, 'forager.leases'::regclass)";
  ASSERT_EQ(query_int(foreign_keys), 5);
  auto store = open();
  EXPECT_EQ(query_int("SELECT max(version) FROM forager.schema_version"), pg::kSchemaVersion);
  EXPECT_EQ(query_int(foreign_keys), 0);
  EXPECT_EQ(query_int(in_c), 7);
  EXPECT_EQ(query_int("SELECT count(*) FROM pg_catalog.pg_attribute WHERE attrelid = 'forager.frontier'::regclass "
                      "AND attname IN ('lease_member', 'lease_epoch') AND NOT attisdropped"),
            0);
  expect_the_record_and_the_queued_url(*store, run_id);
}

// Large exports page through the records by (run, seq); the runs are fixed
// when the export starts, so a run started meanwhile does not leak into it.
TEST_F(PgStoreTest, ExportPagesByKeyOverOneFixedSetOfRuns) {
  auto store = open();
  RunInfo first = store->open_run("j", "{}");
  const int64_t n = PgStore::kRecordChunk * 2 + 3;
  store->commit(discover_and_complete(first.id, 1, n));
  store->finish_run(first.id, RunState::kDone);

  auto writer = open();  // another connection writes while the export runs
  int64_t expected = 1, count = 0;
  store->for_each_record({}, [&](const ExportRecord& r) {
    if (count == 0) {
      RunInfo next = writer->open_run("j", "{}");
      writer->commit(discover_and_complete(next.id, 1, 10));
    }
    EXPECT_EQ(r.run, first.id);
    EXPECT_EQ(r.page.url, url(expected++));
    ++count;
  });
  EXPECT_EQ(count, n);
  EXPECT_EQ(records(*store, {}).size(), 10u);  // a new export sees the new latest run
}

// The job lock lives as long as the holder's connection: a second store is
// refused while the first is open, even when `alive` cannot tell (another
// machine), and takes the job over once the first has gone.
TEST_F(PgStoreTest, JobLockFollowsTheHolderSession) {
  auto never_alive = [](const std::string&) { return false; };
  auto always_alive = [](const std::string&) { return true; };
  auto first = open();
  auto second = open();
  EXPECT_FALSE(first->lock_job("j", "host-a/1/1", never_alive));
  EXPECT_FALSE(first->lock_job("j", "host-a/1/1", never_alive));  // again: still ours
  EXPECT_EQ(second->lock_job("j", "host-b/2/2", never_alive), std::optional<std::string>("host-a/1/1"));
  EXPECT_FALSE(second->lock_job("k", "host-b/2/2", never_alive));  // another job is free

  first->unlock_job("j", "host-a/1/1");
  EXPECT_FALSE(second->lock_job("j", "host-b/2/2", never_alive));
  EXPECT_EQ(first->lock_job("j", "host-a/1/1", never_alive), std::optional<std::string>("host-b/2/2"));

  second.reset();  // the holder's connection ends (its process died)
  wait_for_advisory_locks(0);
  EXPECT_FALSE(first->lock_job("j", "host-a/1/1", never_alive));
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.job_locks WHERE holder = 'host-a/1/1'"), 1);

  // A holder whose connection ended but which is alive on this machine keeps the job, as on SQLite.
  first.reset();
  wait_for_advisory_locks(0);
  auto third = open();
  EXPECT_EQ(third->lock_job("j", "host-c/3/3", always_alive), std::optional<std::string>("host-a/1/1"));
  EXPECT_FALSE(third->lock_job("j", "host-c/3/3", never_alive));
}

TEST_F(PgStoreTest, Schedules) {
  auto store = PgScheduleStore::open(db_->uri());
  Schedule s;
  s.name = "news";
  s.every_ms = 3600000;
  s.args = {"--max-pages", "5", "https://example.com/ \"x\""};
  s.created_at_ms = 1000;
  EXPECT_TRUE(store->add(s));
  EXPECT_FALSE(store->add(s));
  Schedule c = s;
  c.name = "Alpha";
  c.every_ms.reset();
  c.cron = "0 * * * *";
  c.utc = true;
  EXPECT_TRUE(store->add(c));
  auto all = store->list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "Alpha");  // byte order, as on SQLite
  EXPECT_EQ(all[0].cron, "0 * * * *");
  EXPECT_TRUE(all[0].utc);
  EXPECT_EQ(all[1].args, s.args);
  EXPECT_EQ(all[1].every_ms, 3600000);

  EXPECT_TRUE(store->claim_start("news", std::nullopt, 5000));
  EXPECT_FALSE(store->claim_start("news", std::nullopt, 6000));  // another scheduler was first
  store->record_finish("news", 5000, 7000, 0, "ok");
  store->record_finish("news", 4000, 8000, 1, "failed");  // an older run: ignored
  auto got = store->get("news");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->last_started_at_ms, 5000);
  EXPECT_EQ(got->last_finished_at_ms, 7000);
  EXPECT_EQ(got->last_exit, 0);
  EXPECT_EQ(got->last_outcome, "ok");
  EXPECT_TRUE(store->claim_start("news", 5000, 9000));
  EXPECT_FALSE(store->get("news")->last_outcome);
  EXPECT_TRUE(store->remove("news"));
  EXPECT_FALSE(store->remove("news"));
  EXPECT_FALSE(store->get("news"));
}

// The same batches committed to SQLite and to PostgreSQL: every export format
// gives the same bytes, and the report gives the same figures.
class SameAsSqliteTest : public PgStoreTest {
 protected:
  void SetUp() override {
    PgStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string tmpl = (fs::temp_directory_path() / "forager-pgcmp-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

// Two runs of two jobs with every kind of value a record holds.
void fill(Store& store) {
  RunInfo r1 = store.open_run("shop", R"({"x":1})");
  Batch b = discover_and_complete(r1.id, 1, 40);
  const std::vector<std::string> errors = {"timeout", "robots", "dns", "worker_crash", "too_large"};
  for (size_t i = 0; i < b.completed.size(); ++i) {
    PageRecord& p = b.completed[i].page;
    p.worker_pid = 100 + static_cast<int>(i % 3);
    p.elapsed_ms = static_cast<int64_t>(i * 37 % 600);
    p.fetched_at_ms = 1'700'000'000'000 + static_cast<int64_t>(i) * 250;
    p.depth = static_cast<int>(i % 4);
    if (i % 7 == 3) {
      p.error = errors[i % errors.size()];
      p.status.reset();
    }
    if (i % 9 == 4) p.status = 404;
    if (i % 5 == 0) p.fields_json = R"({"price":"9.99","tags":["a","b"],"name":"caf\u00e9"})";
    if (i % 6 == 0) p.fields_json = "";
    if (i % 4 == 1) p.referrer = "";
    if (i == 2) p.title = "bad \xff bytes, \"quotes\", new\nline";
    if (i == 5) p.etag = "W/\"\xfe\"";
    if (i % 8 == 0) p.url = "https://other.example:8443/q?i=" + std::to_string(i);
  }
  store.commit(b);
  store.finish_run(r1.id, RunState::kDone);
  RunInfo r2 = store.open_run("shop", "{}");
  Batch b2 = discover_and_complete(r2.id, 1, 5);
  b2.completed[0].page.changed = true;
  b2.completed[0].page.change = "changed";
  b2.completed[1].page.changed = false;
  b2.completed[1].page.change = "unchanged";
  store.commit(b2);
  RunInfo r3 = store.open_run("blog", "{}");
  store.commit(discover_and_complete(r3.id, 1, 3));
}

std::string export_text(Store& store, const std::string& format, const ExportQuery& query) {
  std::ostringstream out;
  std::vector<std::string> fields;
  if (format == "csv") {
    store.for_each_record(query, [&](const ExportRecord& r) {
      for (auto& name : field_names(r))
        if (std::find(fields.begin(), fields.end(), name) == fields.end()) fields.push_back(name);
    });
  }
  auto writer = make_writer(format, out, fields);
  writer->start();
  store.for_each_record(query, [&](const ExportRecord& r) { writer->write(r); });
  writer->finish();
  return out.str();
}

TEST_F(SameAsSqliteTest, ExportBytesAreTheSame) {
  auto sqlite = SqliteStore::open((dir_ / "same.db").string());
  auto postgres = open();
  fill(*sqlite);
  fill(*postgres);
  ExportQuery all;
  all.runs = ExportQuery::Runs::kAll;
  ExportQuery changed;
  changed.changed_only = true;
  ExportQuery one;
  one.runs = ExportQuery::Runs::kOne;
  one.run_id = 1;
  one.job = "shop";
  for (const std::string format : {"json", "jsonl", "csv"}) {
    for (const ExportQuery& q : {ExportQuery{}, all, changed, one}) {
      const std::string expected = export_text(*sqlite, format, q);
      EXPECT_FALSE(expected.empty());
      EXPECT_EQ(export_text(*postgres, format, q), expected) << format;
    }
  }
  EXPECT_GT(export_text(*postgres, "jsonl", all).size(), 10000u);
}

TEST_F(SameAsSqliteTest, ReportFiguresAreTheSame) {
  const std::string path = (dir_ / "same.db").string();
  {
    auto sqlite = SqliteStore::open(path);
    fill(*sqlite);
    auto postgres = open();
    fill(*postgres);
  }
  ReportData lite = ReportData::open(path);
  auto pg = PgReportQueries::open(db_->uri());
  auto lite_runs = lite.runs(std::nullopt);
  auto pg_runs = pg->runs(std::nullopt);
  ASSERT_EQ(lite_runs.size(), pg_runs.size());
  for (size_t i = 0; i < lite_runs.size(); ++i) {
    const RunSummary& r = lite_runs[i];
    EXPECT_EQ(pg_runs[i].id, r.id);
    EXPECT_EQ(pg_runs[i].pages, r.pages);
    EXPECT_EQ(pg_runs[i].errors, r.errors);
    EXPECT_EQ(pg_runs[i].done, r.done);
    EXPECT_EQ(pg_runs[i].changed, r.changed);
    EXPECT_EQ(pg_runs[i].unchanged, r.unchanged);
    // The same summary for both, so that figures depending on times agree.
    RunAggregates a = lite.aggregates(r, 3), b = pg->aggregates(r, 3);
    auto codes = [](const std::vector<CodeCount>& v) {
      std::vector<std::pair<std::string, int64_t>> out;
      for (const auto& c : v) out.emplace_back(c.code, c.count);
      return out;
    };
    auto hosts = [&](const std::vector<HostCount>& v) {
      std::vector<std::tuple<std::string, int64_t, int64_t, std::vector<std::pair<std::string, int64_t>>>> out;
      for (const auto& h : v) out.emplace_back(h.host, h.pages, h.failed, codes(h.codes));
      return out;
    };
    auto briefs = [](const std::vector<PageBrief>& v) {
      std::vector<std::tuple<std::string, std::string, std::optional<int>, std::string, int64_t, int>> out;
      for (const auto& p : v) out.emplace_back(p.url, p.title, p.status, p.error, p.elapsed_ms, p.worker_pid);
      return out;
    };
    EXPECT_EQ(codes(b.codes), codes(a.codes));
    EXPECT_EQ(codes(b.depths), codes(a.depths));
    EXPECT_EQ(codes(b.stats.failures_by_code), codes(a.stats.failures_by_code));
    EXPECT_EQ(hosts(b.stats.top_failed_hosts), hosts(a.stats.top_failed_hosts));
    EXPECT_EQ(hosts(b.top_hosts), hosts(a.top_hosts));
    EXPECT_EQ(briefs(b.slowest), briefs(a.slowest));
    EXPECT_EQ(briefs(b.failures), briefs(a.failures));
    EXPECT_EQ(b.bytes, a.bytes);
    EXPECT_EQ(b.latency.buckets, a.latency.buckets);
    EXPECT_EQ(b.latency.p90_ms, a.latency.p90_ms);
    EXPECT_EQ(b.timeline.t0_ms, a.timeline.t0_ms);
    EXPECT_EQ(b.timeline.bucket_ms, a.timeline.bucket_ms);
    EXPECT_EQ(b.timeline.pages, a.timeline.pages);
    EXPECT_EQ(b.timeline.failed, a.timeline.failed);
    ASSERT_EQ(b.timeline.workers.size(), a.timeline.workers.size());
    for (size_t w = 0; w < a.timeline.workers.size(); ++w) {
      EXPECT_EQ(b.timeline.workers[w].pid, a.timeline.workers[w].pid);
      EXPECT_EQ(b.timeline.workers[w].per_bucket, a.timeline.workers[w].per_bucket);
    }
    EXPECT_EQ(pg->run_stats(r).duration_s, lite.run_stats(r).duration_s);
  }
  EXPECT_EQ(pg->worker_events(1).size(), lite.worker_events(1).size());
}

}  // namespace
}  // namespace forager::storage
