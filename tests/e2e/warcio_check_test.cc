// The WARC files of a crawl and of its re-crawl, read by an independent
// reader: Webrecorder's warcio.js (vendored in tests/vendor/warcio, run by
// scripts/warcio-check.sh with node). Every record parses, digests verify,
// revisits name their originals, `warcio cdx-index` equals forager's .cdxj,
// and every response body is byte for byte what the test server sent
// (gzip'd, chunked, a redirect, robots.txt and a sitemap included).
// Without node >= 18 the test is skipped, or fails when
// FORAGER_REQUIRE_WARCIO=1 (CI sets it: .ci/run).
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <regex>

#include "tests/support/crawl_fixture.h"
#include "tests/support/gzip.h"

namespace forager {
namespace {

using testing::gzip;

using testing::CrawlFixture;
using testing::read_file;
using testing::TestServer;

struct Command {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs scripts/warcio-check.sh with `args` (each quoted by the caller),
// warcio unpacked in the build tree.
Command warcio_check(const std::string& args, const std::string& dir) {
  const std::string log = dir + "/warcio-check.log";
  const std::string command = std::string("WARCIO_DIR='") + FORAGER_WARCIO_DIR + "' timeout 200 '" +
                              FORAGER_SOURCE_DIR + "/scripts/warcio-check.sh' " + args + " >'" + log + "' 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(log)};
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// A site whose every answer is logged with the exact body bytes sent.
// Bodies of known length go out as they are (cpp-httplib compresses only
// bodies it holds whole or streams chunked), so what the handler sends is
// what crosses the wire:
//   /robots.txt   disallows /private, names /sitemap.xml
//   /sitemap.xml  lists /chunked
//   /             HTML linking to /a, /gz, /redirect, /notmod, /private/x
//   /a            HTML whose text changes with version()
//   /gz           HTML gzip'd by the server (Content-Encoding: gzip)
//   /redirect     302 to /b (HTML)
//   /notmod       HTML with an ETag; 304 to a matching If-None-Match
//   /chunked      bytes sent with Transfer-Encoding: chunked
class ServedSite {
 public:
  explicit ServedSite(TestServer& server) : server_(server) {
    auto& s = server.server();
    s.Get("/robots.txt", [this](const httplib::Request&, httplib::Response& response) {
      send(response, "/robots.txt",
           "User-agent: *\nDisallow: /private\nSitemap: " + server_.url("/sitemap.xml") + "\n", "text/plain");
    });
    s.Get("/sitemap.xml", [this](const httplib::Request&, httplib::Response& response) {
      send(response, "/sitemap.xml",
           "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>" +
               server_.url("/chunked") + "</loc></url></urlset>",
           "application/xml");
    });
    s.Get("/", [this](const httplib::Request&, httplib::Response& response) {
      send(response, "/",
           page("Home", "<a href=\"/a\">a</a><a href=\"/gz\">gz</a><a href=\"/redirect\">r</a>"
                        "<a href=\"/notmod\">n</a><a href=\"/private/x\">p</a>"),
           "text/html");
    });
    s.Get("/a", [this](const httplib::Request&, httplib::Response& response) {
      send(response, "/a", page("A", "version " + version()), "text/html");
    });
    s.Get("/b", [this](const httplib::Request&, httplib::Response& response) {
      send(response, "/b", page("B", "where /redirect goes"), "text/html");
    });
    const std::string zipped = gzip(page("Zipped", std::string(3000, 'z')));
    s.Get("/gz", [this, zipped](const httplib::Request&, httplib::Response& response) {
      response.set_header("Content-Encoding", "gzip");
      send(response, "/gz", zipped, "text/html");
    });
    s.Get("/redirect", [this](const httplib::Request&, httplib::Response& response) {
      response.status = 302;
      response.set_header("Location", "/b");
      log("/redirect", "");
    });
    s.Get("/notmod", [this](const httplib::Request& request, httplib::Response& response) {
      response.set_header("ETag", "\"same\"");
      if (request.get_header_value("If-None-Match") == "\"same\"") {
        response.status = 304;
        log("/notmod", "");
        return;
      }
      send(response, "/notmod", page("Not modified", "always the same"), "text/html");
    });
    s.Get("/chunked", [this](const httplib::Request&, httplib::Response& response) {
      const std::vector<std::string> chunks = {"first chunk,", std::string(5000, 'x'), "last chunk"};
      std::string all;
      for (const auto& c : chunks) all += c;
      log("/chunked", all);
      response.set_chunked_content_provider("application/octet-stream", [chunks](size_t, httplib::DataSink& sink) {
        for (const auto& c : chunks) sink.write(c.data(), c.size());
        sink.done();
        return true;
      });
    });
  }

  void set_version(const std::string& v) {
    std::lock_guard<std::mutex> lock(mutex_);
    version_ = v;
  }
  // Every answer so far, as scripts/warcio-check.sh --expect reads them.
  void write_served(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::ofstream(path) << nlohmann::json{{"served", served_}}.dump();
  }

 private:
  static std::string page(const std::string& title, const std::string& body) {
    return "<!DOCTYPE html><html><head><title>" + title + "</title></head><body>" + body + "</body></html>";
  }
  std::string version() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return version_;
  }
  void log(const std::string& path, const std::string& body) {
    std::lock_guard<std::mutex> lock(mutex_);
    served_.push_back({{"url", server_.url(path)}, {"body_hex", hex(body)}});
  }
  void send(httplib::Response& response, const std::string& path, const std::string& body, const char* type) {
    log(path, body);
    response.set_content_provider(body.size(), type, [body](size_t offset, size_t length, httplib::DataSink& sink) {
      sink.write(body.data() + offset, length);
      return true;
    });
  }

  TestServer& server_;
  mutable std::mutex mutex_;
  std::string version_ = "one";
  nlohmann::json::array_t served_;
};

// The count in the check's "totals {...}" line, 0 when absent.
int total(const std::string& output, const std::string& name) {
  std::smatch m;
  static const std::regex kTotals(R"(\ntotals (\{[^\n]*\}))");
  if (!std::regex_search(output, m, kTotals)) return 0;
  const auto totals = nlohmann::json::parse(m[1].str(), nullptr, false);
  return totals.is_object() && totals.contains(name) ? totals[name].get<int>() : 0;
}

// Installs warcio first (from tests/vendor/warcio); skips the test without
// node >= 18, or fails it then when FORAGER_REQUIRE_WARCIO=1.
class WarcioCheckTest : public CrawlFixture {
 protected:
  void SetUp() override {
    CrawlFixture::SetUp();
    const Command probe = warcio_check("--install", dir_);
    if (probe.exit_code == 77) {
      const char* required = std::getenv("FORAGER_REQUIRE_WARCIO");
      if (required != nullptr && std::string(required) == "1") FAIL() << probe.output;
      GTEST_SKIP() << "WARC files are not checked with warcio: " << probe.output;
    }
    ASSERT_EQ(probe.exit_code, 0) << probe.output;
  }
};

TEST_F(WarcioCheckTest, WarcioReadsACrawlAndItsRecrawlAsTheServerSentThem) {
  TestServer server;
  ServedSite site(server);
  server.start();
  const std::string folder = dir_ + "/warc";
  const std::vector<std::string> args = {server.url("/"), "--warc", folder, "--sitemaps", "--workers", "2", "--delay", "0"};
  auto first = crawl(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  site.set_version("two");
  auto second = crawl(args);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  site.write_served(dir_ + "/served.json");

  const Command check = warcio_check("--expect '" + dir_ + "/served.json' '" + folder + "'", dir_);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("warcio-check: all files pass"), std::string::npos) << check.output;
  // The re-crawl: / and /gz unchanged (same payload), /notmod answered 304;
  // /a changed, so it is a second response.
  EXPECT_EQ(total(check.output, "server-not-modified"), 1) << check.output;
  EXPECT_GE(total(check.output, "identical-payload-digest"), 2) << check.output;
  EXPECT_EQ(total(check.output, "warcinfo"), 4) << check.output;  // 2 workers, 2 crawls
}

// The check itself fails on what it is there to catch: a body that is not
// the one the server sent, a damaged file, a torn last record.
TEST_F(WarcioCheckTest, TheCheckFailsOnAWrongBodyAndOnADamagedFile) {
  TestServer server;
  ServedSite site(server);
  server.start();
  const std::string folder = dir_ + "/warc";
  auto crawled = crawl({server.url("/"), "--warc", folder, "--workers", "1", "--delay", "0"});
  ASSERT_EQ(crawled.exit_code, 0) << crawled.err;
  site.write_served(dir_ + "/served.json");
  ASSERT_EQ(warcio_check("--expect '" + dir_ + "/served.json' '" + folder + "'", dir_).exit_code, 0);

  // Another body for /a than the one sent.
  auto served = nlohmann::json::parse(read_file(dir_ + "/served.json"));
  for (auto& answer : served["served"])
    if (answer["url"] == server.url("/a")) answer["body_hex"] = hex("not what was sent");
  std::ofstream(dir_ + "/wrong.json") << served.dump();
  const Command wrong = warcio_check("--expect '" + dir_ + "/wrong.json' '" + folder + "'", dir_);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("a response body the server did not send"), std::string::npos) << wrong.output;

  // One byte changed inside a record's compressed data; then the file cut
  // inside its last record. Their .cdxj is removed first: warcio's reading
  // alone must fail them.
  std::string file;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().string().ends_with(".warc.gz")) file = entry.path().string();
  ASSERT_FALSE(file.empty());
  std::filesystem::remove(file.substr(0, file.size() - std::string(".warc.gz").size()) + ".cdxj");
  const std::string intact = read_file(file);
  ASSERT_GT(intact.size(), 2000u);
  std::string damaged = intact;
  damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x55);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << damaged;
  const Command read_damaged = warcio_check("'" + file + "'", dir_);
  EXPECT_EQ(read_damaged.exit_code, 1) << read_damaged.output;
  EXPECT_NE(read_damaged.output.find("FAIL "), std::string::npos) << read_damaged.output;

  std::ofstream(file, std::ios::binary | std::ios::trunc) << intact.substr(0, intact.size() - 100);
  const Command read_torn = warcio_check("'" + file + "'", dir_);
  EXPECT_EQ(read_torn.exit_code, 1) << read_torn.output;
  EXPECT_NE(read_torn.output.find("(damaged or torn)"), std::string::npos) << read_torn.output;
}

}  // namespace
}  // namespace forager
