// The command line's contract with users and scripts, on the real binary:
// exit statuses (README.md "Exit status"), messages that start with
// "forager COMMAND:", unknown commands, jobs and runs, size and time
// suffixes, and a store path that cannot be opened.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class CliContractTest : public CrawlFixture {
 protected:
  ProcessResult forager(const std::vector<std::string>& args) { return run_forager(args, dir_); }

  // A finished run of job "known" in db_: a one-page site.
  void crawl_known_job() {
    TestServer site;
    site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<title>home</title>", "text/html");
    });
    site.start();
    auto result = crawl({site.url("/"), "--job", "known", "--workers", "1"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
};

// A loopback port nothing listens on: bound, read, closed.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST_F(CliContractTest, UnknownCommandSuggestsTheNearest) {
  auto result = forager({"crawll", "http://127.0.0.1:1/"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager: unknown command 'crawll' (did you mean 'crawl'?)", 0), 0u) << result.err;

  result = forager({"frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager: unknown command 'frobnicate'", 0), 0u) << result.err;
  EXPECT_NE(result.err.find("crawl, export, status, report, schedule"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("did you mean"), std::string::npos) << result.err;

  result = forager({"schedule", "ad", "x"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager schedule: unknown command 'ad' (did you mean 'add'?)", 0), 0u) << result.err;
}

TEST_F(CliContractTest, NoCommandPrintsTheShortUsage) {
  auto result = forager({});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("usage: forager COMMAND", 0), 0u) << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST_F(CliContractTest, ParserErrorsStartWithTheCommand) {
  auto result = forager({"crawl", "--bogus", "http://127.0.0.1:1/", "--db", db_});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager crawl: ", 0), 0u) << result.err;
  EXPECT_NE(result.err.find("--bogus"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("Run 'forager crawl --help'"), std::string::npos) << result.err;

  result = forager({"export", "--db", db_, "--format", "xml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager export: --format: xml", 0), 0u) << result.err;

  result = forager({"schedule", "add", "--db", db_, "--workers", "0", "--every", "1h", "name", "http://127.0.0.1:1/"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager schedule add: --workers", 0), 0u) << result.err;
  EXPECT_FALSE(exists(db_));
}

TEST_F(CliContractTest, DeadHostExits3) {
  auto result = crawl({"http://127.0.0.1:" + std::to_string(closed_port()) + "/", "--retries", "0", "--workers", "1"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("forager crawl: not one page could be fetched in run 1"), std::string::npos) << result.err;
}

TEST_F(CliContractTest, EverySeedRefusedByRobotsExits3) {
  TestServer site;
  site.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: *\nDisallow: /\n", "text/plain");
  });
  site.server().Get("/a", [](const httplib::Request&, httplib::Response& res) { res.set_content("a", "text/html"); });
  site.start();
  auto result = crawl({site.url("/a"), site.url("/b"), "--workers", "1"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("robots x2"), std::string::npos) << result.err;
  auto list = records();
  ASSERT_EQ(list.size(), 2u);
  for (const auto& r : list) EXPECT_EQ(r["error"], "robots");
}

TEST_F(CliContractTest, FailOnErrorExits4OnA404AndOtherwise0) {
  TestServer site;
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<a href=\"/missing\">gone</a>", "text/html");
  });
  site.start();
  auto result = crawl({site.url("/"), "--workers", "1", "--job", "with-flag", "--fail-on-error"});
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_NE(result.err.find("(--fail-on-error): 404 x1"), std::string::npos) << result.err;
  result = crawl({site.url("/"), "--workers", "1", "--job", "without-flag"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST_F(CliContractTest, FailOnErrorIsListedInCrawlHelp) {
  auto result = forager({"crawl", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("--fail-on-error"), std::string::npos);
}

TEST_F(CliContractTest, ExportOfUnknownJobOrRunExits2AndWritesNoFile) {
  crawl_known_job();
  const std::string out = dir_ + "/out.json";
  auto result = forager({"export", "--db", db_, "--job", "nope", "-o", out});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager export: no job 'nope' in " + db_ + "; its jobs are: known", 0), 0u)
      << result.err;
  EXPECT_FALSE(exists(out));
  EXPECT_FALSE(exists(out + ".tmp"));

  result = forager({"export", "--db", db_, "--run", "7", "-o", out});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager export: no run 7 in " + db_ + "; its runs are: 1", 0), 0u) << result.err;
  EXPECT_FALSE(exists(out));

  result = forager({"export", "--db", db_, "--job", "known", "--run", "1", "-o", out});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(exists(out));
}

TEST_F(CliContractTest, StatusAndReportOfUnknownJobExit2) {
  crawl_known_job();
  auto result = forager({"status", "--db", db_, "--job", "nope"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager status: no job 'nope'", 0), 0u) << result.err;
  EXPECT_NE(result.err.find("its jobs are: known"), std::string::npos) << result.err;

  const std::string html = dir_ + "/r.html";
  result = forager({"report", "--db", db_, "--job", "nope", "-o", html});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager report: no job 'nope'", 0), 0u) << result.err;
  result = forager({"report", "--db", db_, "--run", "9", "-o", html});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager report: no run 9", 0), 0u) << result.err;
  EXPECT_FALSE(exists(html));
}

TEST_F(CliContractTest, SizeAndTimeSuffixesAreAccepted) {
  TestServer site;
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(3000, 'x'), "text/plain");
  });
  site.start();
  auto result = crawl({site.url("/"), "--workers", "1", "--max-bytes", "2K", "--delay", "10ms", "--timeout", "1m"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto list = records();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["error"], "too_large");  // 3000 bytes > 2K = 2048
  EXPECT_EQ(list[0]["bytes"], 2048);

  // `schedule add` checks the crawl options as a crawl would, without crawling.
  int n = 0;
  for (const auto& [option, value] : std::vector<std::pair<std::string, std::string>>{
           {"--max-bytes", "10M"}, {"--max-bytes", "1GiB"}, {"--max-bytes", "512k"}, {"--delay", "2s"},
           {"--delay", "500"}, {"--timeout", "1.5"}, {"--timeout", "500ms"}, {"--timeout", "1m"}}) {
    auto added = forager({"schedule", "add", "s" + std::to_string(n++), "--every", "1h", "--db", db_, option, value,
                          "http://127.0.0.1:1/"});
    EXPECT_EQ(added.exit_code, 0) << option << " " << value << ": " << added.err;
  }
}

TEST_F(CliContractTest, BadSizesAndDurationsAreRefusedClearly) {
  auto result = crawl({"http://127.0.0.1:1/", "--max-bytes", "10X"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager crawl: --max-bytes: '10X' is not a size", 0), 0u) << result.err;
  result = crawl({"http://127.0.0.1:1/", "--delay", "2y"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager crawl: --delay: '2y' is not a duration", 0), 0u) << result.err;
  result = crawl({"http://127.0.0.1:1/", "--timeout", "0"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err.rfind("forager crawl: --timeout: '0' is out of range", 0), 0u) << result.err;
  EXPECT_FALSE(exists(db_));
}

TEST_F(CliContractTest, StoreThatIsADirectorySaysSo) {
  const std::string folder = dir_ + "/adir";
  std::filesystem::create_directory(folder);
  auto result = forager({"crawl", "http://127.0.0.1:1/", "--db", folder, "--workers", "1", "--quiet"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("forager crawl: cannot open " + folder + ": it is a directory"), std::string::npos)
      << result.err;
  result = forager({"status", "--db", folder});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("forager status: cannot open " + folder + ": it is a directory"), std::string::npos)
      << result.err;
  result = forager({"crawl", "http://127.0.0.1:1/", "--db", dir_ + "/no/such/x.db", "--workers", "1", "--quiet"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("the folder " + dir_ + "/no/such does not exist"), std::string::npos) << result.err;
}

TEST_F(CliContractTest, ResumedCrawlSaysSoWhenItStarts) {
  TestServer site;
  serve_tree_site(site.server(), 40, 20);
  site.start();
  // A SIGTERM leaves the run interrupted, to be resumed by the next crawl.
  auto first = start_crawl({site.url("/page/0"), "--workers", "1", "--per-host", "1"});
  for (int i = 0; i < 2000 && site.requests().size() < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  first.signal(SIGTERM);
  auto stopped = first.wait();
  ASSERT_EQ(stopped.exit_code, 143) << stopped.err;
  auto resumed = crawl({"--workers", "1"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(resumed.err.rfind("forager crawl: resuming run 1 of job 'default' (interrupted): ", 0), 0u) << resumed.err;
  EXPECT_NE(resumed.err.find("pages already stored"), std::string::npos);
  EXPECT_NE(resumed.err.find("URLs queued"), std::string::npos);
}

}  // namespace
}  // namespace forager::testing
