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

#include "tests/support/store_contract.h"

namespace forager::storage {
namespace {

namespace fs = std::filesystem;
using namespace store_contract;  // entry(), completion(), url(), records() ...

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

// The Store contract (tests/support/store_contract.h) on SQLite.
class SqliteBackend : public SqliteStoreTest {
 public:
  static constexpr int64_t kRecordChunk = 0;  // reads step through rows, no chunks
  std::unique_ptr<Store> open() { return SqliteStore::open(path_); }
};
INSTANTIATE_TYPED_TEST_SUITE_P(StoreContractOnSqlite, StoreContractTest, SqliteBackend);

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
