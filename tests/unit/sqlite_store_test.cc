// SqliteStore against real SQLite files in a temporary folder.
#include "storage/sqlite/sqlite_store.h"

#include "crawler/util/url.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

namespace forager::storage {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "forager-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "test.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A raw connection for checks the Store interface does not offer.
  int64_t query_int(const std::string& sql) {
    Database db = Database::open(path_);
    Statement s(db.get(), sql);
    return s.step() ? s.int64(0) : -1;
  }

  fs::path dir_;
  std::string path_;
};

FrontierEntry entry(int64_t seq, const std::string& url, int depth = 0,
                    const std::string& referrer = "") {
  FrontierEntry e;
  e.seq = seq;
  e.url = url;
  e.depth = depth;
  e.referrer = referrer;
  return e;
}

Batch::Completion completion(int64_t seq, const std::string& url, const std::string& error = "",
                             std::vector<std::string> links = {}) {
  Batch::Completion c;
  c.seq = seq;
  c.page.url = url;
  c.page.final_url = url;
  if (error.empty()) c.page.status = 200;
  c.page.error = error;
  c.page.fetched_at_ms = 1'700'000'000'000 + seq;
  c.page.content_type = "text/html";
  c.page.bytes = 100 + seq;
  c.page.content_hash = "hash" + std::to_string(seq);
  c.page.title = "title " + std::to_string(seq);
  c.page.links = std::move(links);
  c.page.fields_json = R"({"k":1})";
  return c;
}

std::string url(int64_t seq) { return "https://example.com/p/" + std::to_string(seq); }

// Discovers and completes seqs [first, last] in one batch.
Batch discover_and_complete(int64_t run, int64_t first, int64_t last) {
  Batch b;
  b.run = run;
  for (int64_t s = first; s <= last; ++s) {
    b.discovered.push_back(entry(s, url(s), 1, url(0)));
    b.completed.push_back(completion(s, url(s), "", {url(s + 1), url(s + 2)}));
  }
  return b;
}

std::vector<ExportRecord> records(Store& store, const ExportQuery& q) {
  std::vector<ExportRecord> out;
  store.for_each_record(q, [&](const ExportRecord& r) { out.push_back(r); });
  return out;
}

TEST_F(SqliteStoreTest, CreatesSchemaAndReopens) {
  {
    auto store = SqliteStore::open(path_);
    EXPECT_EQ(store->open_run("j", "{}").id, 1);
  }
  EXPECT_EQ(query_int("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(query_int("PRAGMA application_id"), kApplicationId);
  Database db = Database::open(path_);
  Statement mode(db.get(), "PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.text(0), "wal");
  auto store = SqliteStore::open(path_);
  EXPECT_EQ(store->list_runs(std::nullopt).size(), 1u);
}

TEST_F(SqliteStoreTest, RefusesOtherSqliteDatabase) {
  {
    Database db = Database::open(path_);
    db.exec("CREATE TABLE t(x)");
  }
  try {
    SqliteStore::open(path_);
    FAIL() << "opened a non-forager database";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a forager database"), std::string::npos)
        << e.what();
  }
  // Left untouched: still in its original journal mode.
  EXPECT_EQ(query_int("SELECT count(*) FROM t"), 0);
  EXPECT_FALSE(fs::exists(path_ + "-wal"));
}

TEST_F(SqliteStoreTest, RefusesNonSqliteFile) {
  std::ofstream(path_) << "this is not a database, just some text that is long enough......"
                          "..............................................................\n";
  try {
    SqliteStore::open(path_);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

TEST_F(SqliteStoreTest, RefusesNewerSchemaVersion) {
  SqliteStore::open(path_);
  {
    Database db = Database::open(path_);
    db.exec("PRAGMA user_version = 99");
  }
  try {
    SqliteStore::open(path_);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

TEST_F(SqliteStoreTest, RefusesUnopenablePath) {
  EXPECT_THROW(SqliteStore::open((dir_ / "missing" / "x.db").string()), StoreError);
}

TEST_F(SqliteStoreTest, OpenRunStartsNewRunAfterDoneAndResumesOtherwise) {
  auto store = SqliteStore::open(path_);
  RunInfo first = store->open_run("j", R"({"a":1})");
  EXPECT_FALSE(first.resumed);
  EXPECT_EQ(first.job, "j");
  Batch b;
  b.run = first.id;
  b.discovered = {entry(1, url(1)), entry(2, url(2)), entry(3, url(3))};
  b.leased = {1, 2};
  store->commit(b);
  store->finish_run(first.id, RunState::kInterrupted);

  RunInfo resumed = store->open_run("j", R"({"a":2})");
  EXPECT_TRUE(resumed.resumed);
  EXPECT_EQ(resumed.id, first.id);
  EXPECT_EQ(resumed.options_json, R"({"a":1})");
  std::vector<FrontierEntry> entries;
  store->for_each_frontier_entry(resumed.id,
                                 [&](const FrontierEntry& e) { entries.push_back(e); });
  ASSERT_EQ(entries.size(), 3u);
  for (const auto& e : entries) EXPECT_EQ(e.state, UrlState::kQueued) << e.seq;
  EXPECT_EQ(store->max_seq(resumed.id), 3);
  auto runs = store->list_runs("j");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state, "running");
  EXPECT_EQ(runs[0].finished_at_ms, 0);

  store->finish_run(first.id, RunState::kDone);
  RunInfo second = store->open_run("j", R"({"a":3})");
  EXPECT_FALSE(second.resumed);
  EXPECT_GT(second.id, first.id);
  EXPECT_EQ(second.options_json, R"({"a":3})");
  EXPECT_EQ(store->max_seq(second.id), 0);

  RunInfo other = store->open_run("k", "{}");
  EXPECT_FALSE(other.resumed);
  EXPECT_GT(other.id, second.id);
}

TEST_F(SqliteStoreTest, CommitWithoutRunThrows) {
  auto store = SqliteStore::open(path_);
  Batch b;
  b.discovered = {entry(1, url(1))};
  EXPECT_THROW(store->commit(b), StoreError);
}

TEST_F(SqliteStoreTest, FrontierLifecycle) {
  auto store = SqliteStore::open(path_);
  RunInfo run = store->open_run("j", "{}");
  Batch b;
  b.run = run.id;
  b.discovered = {entry(1, url(1)), entry(2, url(2), 1, url(1)), entry(3, url(3)),
                  entry(4, url(1))};  // duplicate URL: ignored
  b.leased = {1, 2, 3};
  FrontierEntry retry = entry(3, url(3));
  retry.attempts = 1;
  retry.crashes = 2;
  b.requeued = {retry};
  b.completed = {completion(1, url(1)), completion(2, url(2), "timeout")};
  store->commit(b);

  std::vector<FrontierEntry> entries;
  store->for_each_frontier_entry(run.id, [&](const FrontierEntry& e) { entries.push_back(e); });
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].state, UrlState::kDone);
  EXPECT_EQ(entries[1].state, UrlState::kFailed);
  EXPECT_EQ(entries[1].referrer, url(1));
  EXPECT_EQ(entries[1].depth, 1);
  EXPECT_EQ(entries[2].state, UrlState::kQueued);
  EXPECT_EQ(entries[2].attempts, 1);
  EXPECT_EQ(entries[2].crashes, 2);
  EXPECT_EQ(store->max_seq(run.id), 3);
}

TEST_F(SqliteStoreTest, QueuedEntriesOfOneOriginInSeqOrder) {
  auto store = SqliteStore::open(path_);
  RunInfo run = store->open_run("j", "{}");
  Batch b;
  b.run = run.id;
  for (int64_t seq = 1; seq <= 10; ++seq) {
    FrontierEntry e = entry(seq, url(seq) + (seq % 2 ? "a" : "b"));
    e.origin = seq % 2 ? "https://a.example" : "https://b.example";
    b.discovered.push_back(e);
  }
  b.leased = {3};  // leased: not queued any more
  store->commit(b);

  auto seqs = [](const std::vector<FrontierEntry>& entries) {
    std::vector<int64_t> out;
    for (const auto& e : entries) out.push_back(e.seq);
    return out;
  };
  EXPECT_EQ(seqs(store->queued_entries(run.id, "https://a.example", 0, 100)), (std::vector<int64_t>{1, 5, 7, 9}));
  EXPECT_EQ(seqs(store->queued_entries(run.id, "https://a.example", 5, 1)), (std::vector<int64_t>{7}));
  EXPECT_EQ(seqs(store->queued_entries(run.id, "https://b.example", 4, 100)), (std::vector<int64_t>{6, 8, 10}));
  EXPECT_TRUE(store->queued_entries(run.id, "https://c.example", 0, 100).empty());
  const auto first = store->queued_entries(run.id, "https://b.example", 0, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].url, url(2) + "b");
  EXPECT_EQ(first[0].origin, "https://b.example");
}

// A database written by schema version 1 (no frontier.origin, a links table)
// is upgraded on open: links move into pages.links in order, and frontier rows
// get their origin from their URL.
TEST_F(SqliteStoreTest, MigratesSchemaVersion1) {
  int64_t run_id = 0;
  {
    auto store = SqliteStore::open(path_);
    RunInfo run = store->open_run("j", "{}");
    run_id = run.id;
    Batch b;
    b.run = run.id;
    b.discovered = {entry(1, url(1)), entry(2, url(2)), entry(3, url(3))};
    b.completed = {completion(2, url(2)), completion(3, url(3))};
    store->commit(b);
  }
  {
    // Back to the layout of version 1.
    Database db = Database::open(path_);
    db.exec("DROP INDEX frontier_by_origin");
    db.exec("ALTER TABLE frontier DROP COLUMN origin");
    db.exec("ALTER TABLE pages DROP COLUMN links");
    db.exec("ALTER TABLE pages DROP COLUMN noindex");
    db.exec("CREATE TABLE links (run_id INTEGER NOT NULL, seq INTEGER NOT NULL, position INTEGER NOT NULL, "
            "url TEXT NOT NULL, PRIMARY KEY (run_id, seq, position)) WITHOUT ROWID");
    db.exec(("INSERT INTO links VALUES (" + std::to_string(run_id) + ", 2, 1, 'https://b/'), (" +
             std::to_string(run_id) + ", 2, 0, 'https://a/'), (" + std::to_string(run_id) + ", 2, 2, 'https://c/')")
                .c_str());
    db.exec("PRAGMA user_version = 1");
  }
  auto store = SqliteStore::open(path_);
  EXPECT_EQ(query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'links'"), 0);
  ExportQuery q;
  q.runs = ExportQuery::Runs::kAll;
  const auto recs = records(*store, q);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].page.links, (std::vector<std::string>{"https://a/", "https://b/", "https://c/"}));
  EXPECT_TRUE(recs[1].page.links.empty());
  EXPECT_EQ(query_int("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'frontier_by_origin'"), 1);
  std::vector<FrontierEntry> entries;
  store->for_each_frontier_entry(run_id, [&](const FrontierEntry& e) { entries.push_back(e); });
  ASSERT_EQ(entries.size(), 3u);
  for (const FrontierEntry& e : entries) EXPECT_EQ(e.origin, forager::url::origin(e.url));
  const auto queued = store->queued_entries(run_id, "https://example.com", 0, 10);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].url, url(1));
  Database db = Database::open(path_);
  Statement check(db.get(), "PRAGMA integrity_check");
  ASSERT_TRUE(check.step());
  EXPECT_EQ(check.text(0), "ok");
}

// Version 2 had no pages.noindex: records written then read back as false;
// new records keep their flag.
TEST_F(SqliteStoreTest, MigratesSchemaVersion2) {
  int64_t run_id = 0;
  {
    auto store = SqliteStore::open(path_);
    run_id = store->open_run("j", "{}").id;
    Batch b;
    b.run = run_id;
    b.discovered = {entry(1, url(1)), entry(2, url(2))};
    b.completed = {completion(1, url(1))};
    store->commit(b);
  }
  {
    Database db = Database::open(path_);
    db.exec("ALTER TABLE pages DROP COLUMN noindex");
    db.exec("PRAGMA user_version = 2");
  }
  auto store = SqliteStore::open(path_);
  EXPECT_EQ(query_int("PRAGMA user_version"), kSchemaVersion);
  Batch b;
  b.run = run_id;
  b.completed = {completion(2, url(2))};
  b.completed[0].page.noindex = true;
  store->commit(b);
  ExportQuery q;
  q.runs = ExportQuery::Runs::kAll;
  const auto recs = records(*store, q);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_FALSE(recs[0].page.noindex);
  EXPECT_TRUE(recs[1].page.noindex);
}

// Version 3 had no pages.warc_* columns: records written then read back
// without a capture; new records keep theirs.
TEST_F(SqliteStoreTest, MigratesSchemaVersion3) {
  int64_t run_id = 0;
  {
    auto store = SqliteStore::open(path_);
    run_id = store->open_run("j", "{}").id;
    Batch b;
    b.run = run_id;
    b.discovered = {entry(1, url(1)), entry(2, url(2))};
    b.completed = {completion(1, url(1))};
    store->commit(b);
  }
  {
    Database db = Database::open(path_);
    for (const char* column : {"warc_file", "warc_offset", "warc_digest", "warc_body_file", "warc_body_offset",
                               "warc_body_id", "warc_body_date_ms", "warc_body_uri"})
      db.exec((std::string("ALTER TABLE pages DROP COLUMN ") + column).c_str());
    db.exec("PRAGMA user_version = 3");
  }
  auto store = SqliteStore::open(path_);
  EXPECT_EQ(query_int("PRAGMA user_version"), kSchemaVersion);
  Batch b;
  b.run = run_id;
  b.completed = {completion(2, url(2))};
  WarcCapture& capture = b.completed[0].page.warc;
  capture.file = "/w/a.warc.gz";
  capture.offset = 1234;
  capture.digest = "sha1:D";
  capture.body_file = "/w/b.warc.gz";
  capture.body_offset = 99;
  capture.body_record_id = "<urn:uuid:x>";
  capture.body_date_ms = 1700000000000;
  capture.body_uri = "https://example.com/b";
  store->commit(b);
  ExportQuery q;
  q.runs = ExportQuery::Runs::kAll;
  const auto recs = records(*store, q);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_TRUE(recs[0].page.warc.file.empty());
  const WarcCapture& got = recs[1].page.warc;
  EXPECT_EQ(got.file, "/w/a.warc.gz");
  EXPECT_EQ(got.offset, 1234);
  EXPECT_EQ(got.digest, "sha1:D");
  EXPECT_EQ(got.body_file, "/w/b.warc.gz");
  EXPECT_EQ(got.body_offset, 99);
  EXPECT_EQ(got.body_record_id, "<urn:uuid:x>");
  EXPECT_EQ(got.body_date_ms, 1700000000000);
  EXPECT_EQ(got.body_uri, "https://example.com/b");
}

TEST_F(SqliteStoreTest, FailedBatchLeavesNothing) {
  auto store = SqliteStore::open(path_);
  const int64_t run_id = store->open_run("j", "{}").id;
  {
    // Fail one of the last statements of the batch: the insert of the last record.
    Database db = Database::open(path_);
    db.exec(
        "CREATE TRIGGER boom BEFORE INSERT ON pages WHEN NEW.links LIKE '%boom%' "
        "BEGIN SELECT RAISE(ABORT, 'forced failure'); END");
  }
  Batch b = discover_and_complete(run_id, 1, 5);
  b.completed.back().page.links.push_back("boom");
  try {
    store->commit(b);
    FAIL() << "commit succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("forced failure"), std::string::npos) << e.what();
  }
  EXPECT_EQ(query_int("SELECT count(*) FROM frontier"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM pages"), 0);

  // The store is still usable afterwards.
  store->commit(discover_and_complete(run_id, 1, 5));
  EXPECT_EQ(query_int("SELECT count(*) FROM pages"), 5);
}

TEST_F(SqliteStoreTest, CompletionCommittedTwiceGivesOneRecord) {
  auto store = SqliteStore::open(path_);
  RunInfo run = store->open_run("j", "{}");
  Batch b;
  b.run = run.id;
  b.discovered = {entry(1, url(1))};
  b.completed = {completion(1, url(1), "", {"a", "b", "c"})};
  store->commit(b);
  Batch again;
  again.run = run.id;
  again.completed = {completion(1, url(1), "", {"x", "y"})};
  again.completed[0].page.title = "second";
  store->commit(again);

  auto recs = records(*store, {});
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].page.title, "second");
  EXPECT_EQ(recs[0].page.links, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(recs[0].run, run.id);
  EXPECT_EQ(query_int("SELECT count(*) FROM pages"), 1);
}

TEST_F(SqliteStoreTest, RecordRoundTripsWithLinksInOrder) {
  auto store = SqliteStore::open(path_);
  RunInfo run = store->open_run("shop", "{}");
  std::vector<std::string> links;
  for (int i = 20; i > 0; --i) links.push_back(url(i));
  Batch b;
  b.run = run.id;
  b.discovered = {entry(1, url(1))};
  Batch::Completion c = completion(1, url(1), "", links);
  c.page.referrer = "";
  c.page.changed = false;
  c.page.etag = "\"e1\"";
  c.page.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  c.page.description = "desc";
  b.completed = {c};
  store->commit(b);

  auto recs = records(*store, {});
  ASSERT_EQ(recs.size(), 1u);
  const PageRecord& p = recs[0].page;
  EXPECT_EQ(recs[0].job, "shop");
  EXPECT_EQ(recs[0].run, run.id);
  EXPECT_EQ(p.url, c.page.url);
  EXPECT_EQ(p.final_url, c.page.final_url);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.fetched_at_ms, c.page.fetched_at_ms);
  EXPECT_EQ(p.bytes, c.page.bytes);
  EXPECT_EQ(p.content_hash, c.page.content_hash);
  EXPECT_EQ(p.description, "desc");
  EXPECT_EQ(p.fields_json, c.page.fields_json);
  EXPECT_EQ(p.changed, std::optional<bool>(false));
  EXPECT_EQ(p.etag, c.page.etag);
  EXPECT_EQ(p.last_modified, c.page.last_modified);
  EXPECT_EQ(p.links, links);
  EXPECT_EQ(query_int("SELECT count(*) FROM pages WHERE referrer IS NULL AND error IS NULL"), 1);
}

TEST_F(SqliteStoreTest, FetchedCountExcludesRecordsWithoutFetch) {
  auto store = SqliteStore::open(path_);
  RunInfo run = store->open_run("j", "{}");
  Batch b;
  b.run = run.id;
  const std::vector<std::string> errors = {"",    "timeout",      "robots",      "out_of_scope",
                                           "dns", "worker_crash", "too_large"};
  for (size_t i = 0; i < errors.size(); ++i) {
    const auto seq = static_cast<int64_t>(i + 1);
    b.discovered.push_back(entry(seq, url(seq)));
    b.completed.push_back(completion(seq, url(seq), errors[i]));
  }
  store->commit(b);
  EXPECT_EQ(store->fetched_count(run.id), 4);  // "", timeout, dns, too_large
}

TEST_F(SqliteStoreTest, ExportQueries) {
  auto store = SqliteStore::open(path_);
  // Job a: run 1 (done), run 2 (latest). Job b: run 3.
  RunInfo a1 = store->open_run("a", "{}");
  store->commit(discover_and_complete(a1.id, 1, 3));
  store->finish_run(a1.id, RunState::kDone);
  RunInfo a2 = store->open_run("a", "{}");
  Batch b2 = discover_and_complete(a2.id, 1, 4);
  b2.completed[1].page.changed = true;
  b2.completed[2].page.changed = false;
  store->commit(b2);
  RunInfo b1 = store->open_run("b", "{}");
  store->commit(discover_and_complete(b1.id, 1, 2));

  auto ids = [](const std::vector<ExportRecord>& recs) {
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto& r : recs) out.emplace_back(r.run, r.page.url);
    return out;
  };
  ExportQuery q;  // latest of every job
  auto latest = records(*store, q);
  ASSERT_EQ(latest.size(), 6u);
  EXPECT_EQ(latest[0].run, a2.id);
  EXPECT_EQ(latest[4].run, b1.id);
  EXPECT_EQ(latest[4].job, "b");
  EXPECT_EQ(latest[0].page.url, url(1));
  EXPECT_EQ(latest[3].page.url, url(4));

  q.job = "a";
  EXPECT_EQ(records(*store, q).size(), 4u);
  q.runs = ExportQuery::Runs::kAll;
  auto all_a = records(*store, q);
  ASSERT_EQ(all_a.size(), 7u);
  EXPECT_EQ(all_a[0].run, a1.id);
  EXPECT_EQ(all_a[3].run, a2.id);

  q.job.reset();
  EXPECT_EQ(records(*store, q).size(), 9u);

  q.runs = ExportQuery::Runs::kOne;
  q.run_id = a1.id;
  auto one = ids(records(*store, q));
  EXPECT_EQ(one, (std::vector<std::pair<int64_t, std::string>>{
                     {a1.id, url(1)}, {a1.id, url(2)}, {a1.id, url(3)}}));
  q.job = "b";  // run a1 is not of job b
  EXPECT_TRUE(records(*store, q).empty());

  ExportQuery changed;
  changed.changed_only = true;
  auto ch = records(*store, changed);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].page.url, url(2));
  EXPECT_EQ(ch[0].run, a2.id);
}

// A page of one run's records: after a seq, at most `limit`, each with
// its seq (forager extract reads a run this way).
TEST_F(SqliteStoreTest, ExportPagesOfOneRunAfterASeq) {
  auto store = SqliteStore::open(path_);
  RunInfo first = store->open_run("j", "{}");
  store->commit(discover_and_complete(first.id, 1, 5));
  store->finish_run(first.id, RunState::kDone);
  RunInfo second = store->open_run("j", "{}");
  const int64_t n = 12;
  Batch b = discover_and_complete(second.id, 1, n + 3);
  b.completed.erase(b.completed.begin() + 1);  // seq 2 has no record
  store->commit(b);
  ExportQuery page;
  page.runs = ExportQuery::Runs::kOne;
  page.run_id = second.id;
  page.after_seq = 1;
  page.limit = n;
  auto got = records(*store, page);
  ASSERT_EQ(got.size(), static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(got[i].seq, i + 3);
    EXPECT_EQ(got[i].page.url, url(i + 3));
    EXPECT_EQ(got[i].run, second.id);
  }
  page.after_seq = got.back().seq;
  auto rest = records(*store, page);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].seq, n + 3);
  page.after_seq = n + 3;
  EXPECT_TRUE(records(*store, page).empty());
  page.after_seq = 0;
  page.limit = 0;  // no limit
  EXPECT_EQ(records(*store, page).size(), static_cast<size_t>(n + 2));
}

TEST_F(SqliteStoreTest, ListRunsCounts) {
  auto store = SqliteStore::open(path_);
  RunInfo a1 = store->open_run("a", "{}");
  Batch b;
  b.run = a1.id;
  for (int64_t s = 1; s <= 6; ++s) b.discovered.push_back(entry(s, url(s)));
  b.leased = {1, 2, 3, 4};
  b.completed = {completion(1, url(1)), completion(2, url(2), "dns")};
  store->commit(b);
  store->finish_run(a1.id, RunState::kDone);
  RunInfo b1 = store->open_run("b", "{}");

  auto runs = store->list_runs(std::nullopt);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, b1.id);
  EXPECT_EQ(runs[0].pages, 0);
  EXPECT_EQ(runs[0].state, "running");
  const RunSummary& r = runs[1];
  EXPECT_EQ(r.id, a1.id);
  EXPECT_EQ(r.job, "a");
  EXPECT_EQ(r.state, "done");
  EXPECT_GT(r.started_at_ms, 0);
  EXPECT_GE(r.finished_at_ms, r.started_at_ms);
  EXPECT_EQ(r.pages, 2);
  EXPECT_EQ(r.errors, 1);
  EXPECT_EQ(r.queued, 2);
  EXPECT_EQ(r.leased, 2);
  EXPECT_EQ(r.done, 1);
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(store->list_runs("a").size(), 1u);
  EXPECT_TRUE(store->list_runs("none").empty());
}

TEST_F(SqliteStoreTest, StreamsHundredThousandRecords) {
  auto store = SqliteStore::open(path_);
  const int64_t run_id = store->open_run("big", "{}").id;
  constexpr int64_t kTotal = 100'000;
  constexpr int64_t kPerBatch = 25'000;
  for (int64_t first = 1; first <= kTotal; first += kPerBatch) {
    store->commit(discover_and_complete(run_id, first, first + kPerBatch - 1));
  }
  int64_t count = 0;
  int64_t last_seq_url_ok = 0;
  store->for_each_record({}, [&](const ExportRecord& r) {
    ++count;
    if (r.page.url == url(count) && r.page.links.size() == 2) ++last_seq_url_ok;
  });
  EXPECT_EQ(count, kTotal);
  EXPECT_EQ(last_seq_url_ok, kTotal);
}

// A coordinator killed with SIGKILL in the middle of committing loses no batch
// whose commit() returned, and leaves a database that passes integrity_check.
TEST_F(SqliteStoreTest, KillDuringCommitLosesNothingCommitted) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  constexpr int64_t kPerBatch = 50;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    alarm(60);  // never outlive a broken parent
    try {
      auto store = SqliteStore::open(path_);
      const int64_t run_id = store->open_run("kill", "{}").id;
      for (int64_t batch = 0;; ++batch) {
        store->commit(discover_and_complete(run_id, batch * kPerBatch + 1, (batch + 1) * kPerBatch));
        if (write(fds[1], &batch, sizeof batch) != sizeof batch) _exit(3);
      }
    } catch (...) {
      _exit(2);
    }
  }
  close(fds[1]);
  // Wait for some commits (bounded), then kill mid-stream.
  std::set<int64_t> committed;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (committed.size() < 20 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int64_t batch = 0;
    if (read(fds[0], &batch, sizeof batch) != sizeof batch) break;
    committed.insert(batch);
  }
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  int64_t batch = 0;
  while (read(fds[0], &batch, sizeof batch) == sizeof batch) committed.insert(batch);
  close(fds[0]);
  ASSERT_GE(committed.size(), 20u);

  {
    Database db = Database::open(path_);
    Statement check(db.get(), "PRAGMA integrity_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.text(0), "ok");
  }
  auto store = SqliteStore::open(path_);
  RunInfo run = store->open_run("kill", "{}");
  EXPECT_TRUE(run.resumed);
  std::set<int64_t> seqs;
  store->for_each_record({}, [&](const ExportRecord& r) {
    seqs.insert(std::stoll(r.page.url.substr(url(0).size() - 1)));
  });
  for (int64_t b : committed) {
    for (int64_t s = b * kPerBatch + 1; s <= (b + 1) * kPerBatch; ++s) {
      ASSERT_TRUE(seqs.count(s)) << "batch " << b << " lost seq " << s;
    }
  }
  // Batches are whole: the records are a multiple of the batch size.
  EXPECT_EQ(seqs.size() % kPerBatch, 0u);
  EXPECT_EQ(store->fetched_count(run.id), static_cast<int64_t>(seqs.size()));
}

}  // namespace
}  // namespace forager::storage
