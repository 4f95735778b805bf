// What forager does with its archives beyond writing them (docs/WARC.md):
// `forager extract` from the bodies kept by --keep-bodies, with no request
// to the site; revisit records for what did not change on a re-crawl; every
// record linked to its capture (file and offset), also across kills; and a
// crawl that stops cleanly when its WARC folder cannot be written.
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "storage/open.h"
#include "storage/sqlite/schedule_store.h"
#include "tests/support/crawl_fixture.h"
#include "tests/support/warc_reader.h"

namespace forager {
namespace {

using namespace std::chrono_literals;
using testing::CrawlFixture;
using testing::ForagerProcess;
using testing::read_warc_file;
using testing::TestServer;
using testing::WarcRecord;

// A site of `pages` HTML pages, /p/0 .. /p/N-1 (page i links to 2i+1 and
// 2i+2), whose text can be changed between crawls. Page i holds
// <h1>Heading i</h1> and <p class="price">VERSION-i</p>. cpp-httplib
// compresses these text/html bodies (br or gzip, whatever the crawl
// accepts), so extraction has a Content-Encoding to undo. /p/0 also
// answers If-None-Match with 304 while its version is unchanged.
class ChangingSite {
 public:
  ChangingSite(TestServer& server, int pages, int delay_ms = 0) : pages_(pages) {
    server.server().Get(R"(/p/(\d+))", [this, delay_ms](const httplib::Request& request, httplib::Response& response) {
      const int i = std::stoi(request.matches[1]);
      if (i >= pages_) {
        response.status = 404;
        return;
      }
      if (delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      const std::string version = version_of(i);
      if (i == 0) {
        const std::string etag = "\"v-" + version + "\"";
        response.set_header("ETag", etag);
        if (request.get_header_value("If-None-Match") == etag) {
          response.status = 304;
          return;
        }
      }
      std::string body = "<html><head><title>Page " + std::to_string(i) + "</title></head><body><h1>Heading " +
                         std::to_string(i) + "</h1><p class=\"price\">" + version + "-" + std::to_string(i) + "</p>";
      for (int child : {2 * i + 1, 2 * i + 2})
        if (child < pages_) body += "<a href=\"/p/" + std::to_string(child) + "\">child</a>";
      body += std::string(500, ' ') + "</body></html>";
      response.set_content(body, "text/html");
    });
  }
  void change(int page, const std::string& version) {
    std::lock_guard<std::mutex> lock(mutex_);
    versions_[page] = version;
  }

 private:
  std::string version_of(int page) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = versions_.find(page);
    return it == versions_.end() ? "one" : it->second;
  }
  int pages_;
  std::mutex mutex_;
  std::map<int, std::string> versions_;
};

class WarcExtractTest : public CrawlFixture {
 protected:
  std::string write_rules(const std::string& name, const std::string& json) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << json;
    return path;
  }
  // The store's records of one run, by URL, read through storage::open.
  std::map<std::string, storage::PageRecord> stored(int64_t run) {
    auto store = storage::open(db_);
    storage::ExportQuery query;
    query.runs = storage::ExportQuery::Runs::kOne;
    query.run_id = run;
    std::map<std::string, storage::PageRecord> out;
    store->for_each_record(query, [&](const storage::ExportRecord& r) { out[r.page.url] = r.page; });
    return out;
  }
  // The record whose gzip member starts at `offset` in `file`, read with the
  // tests' own reader; nullopt when there is none there.
  static std::optional<WarcRecord> record_at(const std::string& file, int64_t offset) {
    for (auto& r : read_warc_file(file))
      if (static_cast<int64_t>(r.offset) == offset) return r;
    return std::nullopt;
  }
  std::vector<std::string> warc_files(const std::string& folder) {
    std::vector<std::string> files;
    if (!std::filesystem::exists(folder)) return files;
    for (const auto& entry : std::filesystem::directory_iterator(folder))
      if (entry.path().string().ends_with(".warc.gz")) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
  }
  // Every record of the run that got a response points at a readable
  // response or revisit record of its final URL, and no two records point
  // at the same capture.
  void expect_every_record_captured(int64_t run) {
    std::set<std::pair<std::string, int64_t>> captures;
    for (const auto& [url, page] : stored(run)) {
      if (!page.status) continue;
      ASSERT_FALSE(page.warc.file.empty()) << url << " has no capture";
      auto record = record_at(page.warc.file, page.warc.offset);
      ASSERT_TRUE(record) << url << ": nothing at " << page.warc.file << " " << page.warc.offset;
      const std::string type = record->field("WARC-Type");
      EXPECT_TRUE(type == "response" || type == "revisit") << url << ": " << type;
      EXPECT_EQ(record->field("WARC-Target-URI"), page.final_url);
      EXPECT_TRUE(captures.emplace(page.warc.file, page.warc.offset).second) << url << " shares its capture";
    }
  }
};

constexpr const char* kFirstRules = R"({"rules": [{"match": "/p/", "fields": {"heading": "h1::text"}}]})";
constexpr const char* kSecondRules =
    R"({"rules": [{"match": "/p/", "fields": {"heading": "h1::text", "price": "p.price::text"}}]})";

TEST_F(WarcExtractTest, ExtractGivesTheNewFieldOnEveryPageWithoutARequest) {
  TestServer server;
  ChangingSite site(server, 15);
  server.start();
  auto crawled = crawl({server.url("/p/0"), "--keep-bodies", "--rules", write_rules("a.json", kFirstRules),
                        "--workers", "2", "--ignore-robots"});
  ASSERT_EQ(crawled.exit_code, 0) << crawled.err;
  EXPECT_FALSE(warc_files(db_ + ".bodies").empty()) << "--keep-bodies keeps the WARC files beside the store";
  for (const auto& r : records()) EXPECT_FALSE(r["fields"].contains("price")) << r.dump();
  const size_t requests = server.requests().size();

  auto extracted = testing::run_forager({"extract", "--db", db_, "--job", "default", "--rules",
                                         write_rules("b.json", kSecondRules), "--workers", "2"},
                                        dir_);
  ASSERT_EQ(extracted.exit_code, 0) << extracted.err;
  EXPECT_EQ(server.requests().size(), requests) << "extract made requests to the site";
  EXPECT_NE(extracted.err.find("run 2 of job 'default' from run 1: 15 records, 15 extracted"), std::string::npos)
      << extracted.err;

  auto before = by_url(records("default", "1"));
  auto after = by_url(records("default", "2"));
  ASSERT_EQ(after.size(), 15u);
  for (int i = 0; i < 15; ++i) {
    const auto& r = after[server.url("/p/" + std::to_string(i))];
    EXPECT_EQ(r["fields"]["price"], "one-" + std::to_string(i)) << r.dump();
    EXPECT_EQ(r["fields"]["heading"], "Heading " + std::to_string(i)) << r.dump();
    EXPECT_EQ(r["title"], "Page " + std::to_string(i));
    const auto& b = before[server.url("/p/" + std::to_string(i))];
    for (const char* key : {"status", "fetched_at", "links", "content_hash", "depth", "final_url"})
      EXPECT_EQ(r[key], b[key]) << key << ": " << r.dump() << "\n" << b.dump();
    EXPECT_TRUE(r["error"].is_null()) << r.dump();
  }
  // The new run's records keep the captures, so extract runs again from it.
  expect_every_record_captured(2);
  auto again = testing::run_forager({"extract", "--db", db_, "--rules", write_rules("c.json", kFirstRules)}, dir_);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  for (const auto& r : records()) EXPECT_FALSE(r["fields"].contains("price")) << r.dump();
  EXPECT_EQ(server.requests().size(), requests);
}

TEST_F(WarcExtractTest, ExtractRefusesARunWithoutArchivedBodiesAndUnknownRuns) {
  TestServer server;
  ChangingSite site(server, 3);
  server.start();
  ASSERT_EQ(crawl({server.url("/p/0"), "--ignore-robots"}).exit_code, 0);
  const std::string rules = write_rules("b.json", kSecondRules);
  auto bare = testing::run_forager({"extract", "--db", db_, "--rules", rules}, dir_);
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.err.find("has no archived bodies"), std::string::npos) << bare.err;
  auto unknown = testing::run_forager({"extract", "--db", db_, "--rules", rules, "--run", "9"}, dir_);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("has no run 9"), std::string::npos) << unknown.err;
  auto no_job = testing::run_forager({"extract", "--db", db_, "--rules", rules, "--job", "other"}, dir_);
  EXPECT_EQ(no_job.exit_code, 2);
}

TEST_F(WarcExtractTest, ARecrawlWritesRevisitRecordsExactlyForTheUnchangedPages) {
  TestServer server;
  ChangingSite site(server, 7);
  server.start();
  const std::string folder = dir_ + "/warc";
  auto first = crawl({server.url("/p/0"), "--warc", folder, "--ignore-robots", "--workers", "1"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::map<std::string, WarcRecord> originals;  // the first crawl's responses by URI
  for (const auto& file : warc_files(folder))
    for (const auto& r : read_warc_file(file))
      if (r.field("WARC-Type") == "response") originals[r.field("WARC-Target-URI")] = r;
  ASSERT_EQ(originals.size(), 7u);
  const std::vector<std::string> first_files = warc_files(folder);
  const std::set<std::string> old_files(first_files.begin(), first_files.end());

  site.change(2, "two");
  site.change(5, "two");
  auto second = crawl({server.url("/p/0"), "--warc", folder, "--ignore-robots", "--workers", "1"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::map<std::string, WarcRecord> revisits, responses;
  for (const auto& file : warc_files(folder)) {
    if (old_files.count(file)) continue;
    for (const auto& r : read_warc_file(file)) {
      EXPECT_TRUE(r.length_ok);
      EXPECT_EQ(r.field("WARC-Block-Digest"), testing::test_sha1_base32(r.block));
      if (r.field("WARC-Type") == "revisit") revisits[r.field("WARC-Target-URI")] = r;
      if (r.field("WARC-Type") == "response") responses[r.field("WARC-Target-URI")] = r;
    }
  }
  std::set<std::string> revisited, expected;
  for (const auto& [uri, r] : revisits) revisited.insert(uri);
  for (int i : {0, 1, 3, 4, 6}) expected.insert(server.url("/p/" + std::to_string(i)));
  EXPECT_EQ(revisited, expected);
  EXPECT_EQ(responses.count(server.url("/p/2")) + responses.count(server.url("/p/5")), 2u);
  for (const auto& [uri, r] : revisits) {
    const WarcRecord& original = originals.at(uri);
    EXPECT_EQ(r.field("WARC-Refers-To-Target-URI"), uri);
    EXPECT_EQ(r.field("WARC-Refers-To-Date"), original.field("WARC-Date"));
    EXPECT_EQ(r.field("WARC-Refers-To"), original.field("WARC-Record-ID"));
    EXPECT_EQ(r.payload(), "") << "a revisit keeps no second copy of the body";
    if (uri == server.url("/p/0")) {  // answered 304 to If-None-Match
      EXPECT_EQ(r.field("WARC-Profile"), "http://netpreserve.org/warc/1.1/revisit/server-not-modified");
      EXPECT_EQ(r.http_head().rfind("HTTP/1.1 304", 0), 0u) << r.http_head();
    } else {
      EXPECT_EQ(r.field("WARC-Profile"), "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest");
      EXPECT_EQ(r.field("WARC-Payload-Digest"), original.field("WARC-Payload-Digest"));
    }
  }
  // The store: each record points at its own capture, and its payload is
  // the original response's.
  for (const auto& [url, page] : stored(2)) {
    ASSERT_FALSE(page.warc.file.empty()) << url;
    const WarcRecord& holder = revisits.count(url) ? originals.at(url) : responses.at(url);
    EXPECT_EQ(page.warc.body_record_id, holder.field("WARC-Record-ID")) << url;
    EXPECT_EQ(page.warc.digest, holder.field("WARC-Payload-Digest")) << url;
  }
  expect_every_record_captured(2);
}

// kill -9 of a worker, then of the coordinator, then resume: every file
// reads up to its last complete record, every stored record has its
// capture, none is shared.
TEST_F(WarcExtractTest, KillsLeaveEveryRecordWithItsCapture) {
  TestServer server;
  ChangingSite site(server, 300, 15);
  server.start();
  const std::string folder = dir_ + "/warc";
  const std::vector<std::string> args = {server.url("/p/0"), "--warc", folder, "--ignore-robots", "--workers", "2",
                                         "--concurrency", "4"};
  {
    ForagerProcess running = start_crawl(args);
    auto wait_requests = [&](size_t n) {
      for (int i = 0; i < 3000 && server.requests().size() < n; ++i) std::this_thread::sleep_for(5ms);
    };
    wait_requests(40);
    auto workers = running.children();
    ASSERT_FALSE(workers.empty());
    ::kill(workers.front(), SIGKILL);
    wait_requests(120);
    running.signal(SIGKILL);
    auto killed = running.wait(30s);
    ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << "the crawl ended before its kill: " << killed.err;
  }
  for (const auto& file : warc_files(folder)) {
    for (const auto& r : read_warc_file(file)) {  // stops at a torn last member
      EXPECT_TRUE(r.length_ok) << file;
      EXPECT_EQ(r.field("WARC-Block-Digest"), testing::test_sha1_base32(r.block)) << file;
    }
  }
  auto resumed = crawl(args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resumed"), std::string::npos) << resumed.err;
  auto pages = stored(1);
  EXPECT_EQ(pages.size(), 300u);
  expect_every_record_captured(1);
}

// The WARC folder disappears mid-crawl (as a full disk: every write fails):
// the crawl stops, exit 1, stores nothing of the failed fetches, and resumes
// once the folder is back.
TEST_F(WarcExtractTest, AWarcWriteFailureStopsTheCrawlResumably) {
  TestServer server;
  ChangingSite site(server, 200, 10);
  server.start();
  const std::string folder = dir_ + "/warc";
  const std::vector<std::string> args = {server.url("/p/0"), "--warc", folder, "--warc-max-size", "1",
                                         "--ignore-robots", "--workers", "1", "--concurrency", "2"};
  ForagerProcess running = start_crawl(args);
  for (int i = 0; i < 3000 && server.requests().size() < 30; ++i) std::this_thread::sleep_for(5ms);
  std::filesystem::rename(folder, dir_ + "/away");  // each fetch opens a new file (--warc-max-size 1)
  auto stopped = running.wait(60s);
  std::filesystem::rename(dir_ + "/away", folder);
  ASSERT_EQ(stopped.exit_code, 1) << stopped.err;
  EXPECT_NE(stopped.err.find("could not write its WARC file"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("run the same command again to resume"), std::string::npos) << stopped.err;
  EXPECT_LT(stored(1).size(), 200u);
  expect_every_record_captured(1);

  auto resumed = crawl(args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(stored(1).size(), 200u);
  expect_every_record_captured(1);
}

TEST_F(WarcExtractTest, SchedulesKeepKeepBodies) {
  auto added = testing::run_forager(
      {"schedule", "add", "--db", db_, "arch", "--every", "1h", "--keep-bodies", "http://127.0.0.1:1/"}, dir_);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto stored_schedule = storage::SqliteScheduleStore::open(db_)->get("arch");
  ASSERT_TRUE(stored_schedule);
  EXPECT_EQ(stored_schedule->args, (std::vector<std::string>{"--keep-bodies", "http://127.0.0.1:1/"}));
}

}  // namespace
}  // namespace forager
