// `forager crawl --warc DIR`: every fetch (robots.txt, pages, redirect hops)
// archived as request + response records whose bytes are the ones that
// crossed the wire (a gzip'd body stays gzip'd, a chunked body is
// de-chunked), read back with the independent reader of
// tests/support/warc_reader.h.
#include <zlib.h>

#include <functional>
#include <map>
#include <mutex>

#include "storage/sqlite/schedule_store.h"
#include "tests/support/crawl_fixture.h"
#include "tests/support/gzip.h"
#include "tests/support/warc_reader.h"

namespace forager {
namespace {

using testing::gzip;

using testing::CrawlFixture;
using testing::read_warc_file;
using testing::test_sha1_base32;
using testing::TestServer;
using testing::WarcRecord;

// A site whose bodies are set byte for byte. cpp-httplib compresses text/*
// bodies on its own, so every body here has a type it leaves alone, and the
// crawl finds the pages through robots.txt's sitemap (read whatever its
// type), which is archived too.
class WarcSite {
 public:
  explicit WarcSite(TestServer& server) {
    auto& s = server.server();
    gz_ = gzip("<html><head><title>Zipped</title></head><body>" + std::string(2000, 'z') + "</body></html>");
    // Bodies naming the server's URL are made once it listens.
    auto serve = [this, &s](const std::string& path, std::function<std::string()> make) {
      s.Get(path, [this, path, make](const httplib::Request& request, httplib::Response& response) {
        const std::string content = make();
        seen(path, request, content);
        response.set_content(content, "application/octet-stream");
      });
    };
    serve("/robots.txt", [&server] { return "User-agent: *\nAllow: /\nSitemap: " + server.url("/sitemap.xml") + "\n"; });
    serve("/sitemap.xml", [&server] {
      return "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
             "<url><loc>" + server.url("/gz") + "</loc></url><url><loc>" + server.url("/chunked") +
             "</loc></url><url><loc>" + server.url("/redirect") + "</loc></url></urlset>";
    });
    serve("/", [] { return std::string("seed"); });
    serve("/plain", [] { return std::string("plain bytes\x01\x02"); });
    s.Get("/gz", [this](const httplib::Request& request, httplib::Response& response) {
      seen("/gz", request, gz_);
      response.set_header("Content-Encoding", "gzip");
      response.body = gz_;
    });
    s.Get("/redirect", [this](const httplib::Request& request, httplib::Response& response) {
      seen("/redirect", request, "");
      response.status = 302;
      response.set_header("Location", "/plain");
    });
    chunks_ = {"first chunk,", std::string(3000, 'x'), "last chunk"};
    s.Get("/chunked", [this](const httplib::Request& request, httplib::Response& response) {
      std::string all;
      for (const auto& c : chunks_) all += c;
      seen("/chunked", request, all);
      response.set_chunked_content_provider("application/octet-stream", [this](size_t, httplib::DataSink& sink) {
        for (const auto& c : chunks_) sink.write(c.data(), c.size());
        sink.done();
        return true;
      });
    });
  }

  // What each path's handler sent as its body (chunks joined).
  std::map<std::string, std::string> bodies() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }
  std::map<std::string, httplib::Headers> headers_seen() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  void seen(const std::string& path, const httplib::Request& request, const std::string& body) {
    std::lock_guard<std::mutex> lock(mutex_);
    seen_[path] = request.headers;
    sent_[path] = body;
  }

  std::map<std::string, std::string> sent_;
  std::string gz_;
  std::vector<std::string> chunks_;
  mutable std::mutex mutex_;
  std::map<std::string, httplib::Headers> seen_;
};

class WarcCrawlTest : public CrawlFixture {
 protected:
  std::vector<std::string> warc_files() const {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/warc"))
      if (entry.path().string().ends_with(".warc.gz")) out.push_back(entry.path().string());
    return out;
  }
};

TEST_F(WarcCrawlTest, EveryFetchIsArchivedAsItCrossedTheWire) {
  TestServer server;
  WarcSite site(server);
  server.start();
  auto result = crawl({server.url("/"), "--warc", dir_ + "/warc", "--workers", "2", "--sitemaps"});
  ASSERT_EQ(result.exit_code, 0) << result.err;

  std::map<std::string, WarcRecord> requests, responses;
  size_t infos = 0, metadata = 0;
  for (const auto& file : warc_files()) {
    EXPECT_NE(file.find(".warc.gz"), std::string::npos);
    bool torn = true;
    auto records = read_warc_file(file, &torn);
    EXPECT_FALSE(torn) << file;
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0].field("WARC-Type"), "warcinfo");
    EXPECT_NE(records[0].block.find("robots: obey"), std::string::npos);
    EXPECT_NE(records[0].block.find("http-header-user-agent: forager/"), std::string::npos);
    for (const auto& r : records) {
      EXPECT_TRUE(r.length_ok);
      EXPECT_EQ(r.field("WARC-Block-Digest"), test_sha1_base32(r.block));
      const std::string type = r.field("WARC-Type");
      const std::string uri = r.field("WARC-Target-URI");
      const std::string path = uri.size() > server.url("").size() ? uri.substr(server.url("").size()) : uri;
      if (type == "warcinfo") ++infos;
      if (type == "metadata") ++metadata;
      if (type == "request") {
        EXPECT_EQ(requests.count(path), 0u) << path;
        requests[path] = r;
      }
      if (type == "response") {
        EXPECT_EQ(responses.count(path), 0u) << path;
        EXPECT_EQ(r.field("WARC-Payload-Digest"), test_sha1_base32(r.payload()));
        EXPECT_EQ(r.field("WARC-IP-Address"), "127.0.0.1");
        responses[path] = r;
      }
    }
  }
  EXPECT_EQ(infos, warc_files().size());
  // Each file has its CDXJ index beside it: one line per response.
  size_t index_lines = 0;
  for (const auto& file : warc_files()) {
    std::ifstream index(file.substr(0, file.size() - std::string(".warc.gz").size()) + ".cdxj");
    EXPECT_TRUE(index.good()) << file;
    std::string line;
    while (std::getline(index, line)) ++index_lines;
  }
  EXPECT_EQ(index_lines, responses.size());
  const std::set<std::string> expected = {"/robots.txt", "/sitemap.xml", "/", "/gz", "/chunked", "/redirect", "/plain"};
  std::set<std::string> archived;
  for (const auto& [path, r] : responses) archived.insert(path);
  EXPECT_EQ(archived, expected) << responses["/"].http_head();
  EXPECT_EQ(metadata, expected.size());

  // Bodies: the bytes the server sent (gzip stays gzip, chunks are joined).
  for (const auto& [path, content] : site.bodies()) {
    ASSERT_EQ(responses.count(path), 1u) << path;
    EXPECT_EQ(responses[path].payload(), content) << path;
  }
  EXPECT_NE(responses["/gz"].http_head().find("Content-Encoding: gzip\r\n"), std::string::npos);
  EXPECT_EQ(responses["/gz"].payload().substr(0, 2), "\x1f\x8b");
  // Sent chunked (no Content-Length), archived de-chunked without Transfer-Encoding.
  EXPECT_EQ(responses["/chunked"].http_head().find("Transfer-Encoding"), std::string::npos);
  EXPECT_EQ(responses["/chunked"].http_head().find("Content-Length"), std::string::npos);
  EXPECT_EQ(responses["/redirect"].http_head().rfind("HTTP/1.1 302", 0), 0u);
  EXPECT_NE(responses["/redirect"].http_head().find("Location: /plain\r\n"), std::string::npos);
  EXPECT_EQ(responses["/"].http_head().rfind("HTTP/1.1 200 OK\r\n", 0), 0u);

  // Requests: the request line and every header the server received.
  const auto seen = site.headers_seen();
  for (const auto& path : expected) {
    ASSERT_EQ(requests.count(path), 1u) << path;
    const WarcRecord& request = requests[path];
    EXPECT_EQ(request.field("WARC-Concurrent-To"), responses[path].field("WARC-Record-ID"));
    EXPECT_EQ(request.block.rfind("GET " + path + " HTTP/1.1\r\n", 0), 0u) << request.block;
    ASSERT_EQ(seen.count(path), 1u) << path;
    for (const auto& [name, value] : seen.at(path)) {
      if (name.rfind("REMOTE_", 0) == 0 || name.rfind("LOCAL_", 0) == 0) continue;  // added by cpp-httplib
      EXPECT_NE(request.block.find("\r\n" + name + ": " + value + "\r\n"), std::string::npos)
          << path << ": " << name << ": " << value << "\n" << request.block;
    }
  }
}

TEST_F(WarcCrawlTest, FilesRollOverAtTheMaximumSize) {
  TestServer server;
  testing::serve_tree_site(server.server(), 20);
  server.start();
  auto result = crawl({server.url("/page/0"), "--warc", dir_ + "/warc", "--warc-max-size", "2K", "--workers", "1",
                       "--ignore-robots"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto files = warc_files();
  EXPECT_GT(files.size(), 2u);
  size_t responses = 0;
  for (const auto& file : files) {
    auto records = read_warc_file(file);
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0].field("WARC-Type"), "warcinfo");
    for (const auto& r : records) responses += r.field("WARC-Type") == "response";
  }
  EXPECT_EQ(responses, 20u);
}

TEST_F(WarcCrawlTest, WithoutWarcNothingIsWritten) {
  TestServer server;
  testing::serve_tree_site(server.server(), 3);
  server.start();
  auto result = crawl({server.url("/page/0")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/warc"));
}

TEST_F(WarcCrawlTest, SchedulesKeepTheWarcOptions) {
  auto added = testing::run_forager({"schedule", "add", "--db", db_, "arch", "--every", "1h", "--warc", dir_ + "/w",
                            "--warc-max-size", "100M", "http://127.0.0.1:1/"},
                           dir_);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto stored = storage::SqliteScheduleStore::open(db_)->get("arch");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->args, (std::vector<std::string>{"--warc", dir_ + "/w", "--warc-max-size", "100M",
                                                    "http://127.0.0.1:1/"}));
}

TEST_F(WarcCrawlTest, AWarcPathThatIsAFileIsAUsageError) {
  { std::ofstream(dir_ + "/file") << "x"; }
  auto result = crawl({"http://127.0.0.1:1/", "--warc", dir_ + "/file"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--warc: cannot create the folder"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace forager
