// Request options of crawl and fetch: --header, --resolve, and --user with
// the password from FORAGER_PASSWORD (which is never stored).
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class RequestOptionsTest : public CrawlFixture {
 protected:
  void TearDown() override {
    ::unsetenv("FORAGER_PASSWORD");
    CrawlFixture::TearDown();
  }
  // Every byte of the store's files (the database and its journal).
  std::string store_bytes() {
    std::string all;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      if (entry.path().filename().string().rfind("crawl.db", 0) != 0) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      all += text.str();
    }
    return all;
  }
};

TEST_F(RequestOptionsTest, HeadersReachTheServer) {
  TestServer site;
  std::mutex mutex;
  std::vector<std::string> seen;
  site.server().Get("/", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(req.get_header_value("X-Api-Key") + "|" + req.get_header_value("Accept-Language"));
    res.set_content("<title>t</title>", "text/html");
  });
  site.start();
  auto result = crawl({site.url("/"), "--ignore-robots", "--header", "X-Api-Key: k1", "--header",
                       "Accept-Language: fr"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto fetched = run_forager({"fetch", site.url("/"), "--ignore-robots", "--header", "X-Api-Key: k2"}, dir_);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  EXPECT_EQ(seen, (std::vector<std::string>{"k1|fr", "k2|"}));
  EXPECT_EQ(store_bytes().find("k1"), std::string::npos);  // header values are not recorded
}

TEST_F(RequestOptionsTest, ResolveReachesAMadeUpHostName) {
  TestServer site;
  site.server().Get("/", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("<title>" + req.get_header_value("Host") + "</title>", "text/html");
  });
  site.start();
  const std::string port = std::to_string(site.port());
  const std::string url = "http://shop.invalid:" + port + "/";
  auto result = crawl({url, "--ignore-robots", "--resolve", "shop.invalid:" + port + ":127.0.0.1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto list = records();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], 200);
  EXPECT_EQ(list[0]["title"], "shop.invalid:" + port);

  auto fetched = run_forager({"fetch", url, "--ignore-robots", "--resolve", "shop.invalid:" + port + ":127.0.0.1"}, dir_);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  EXPECT_EQ(nlohmann::json::parse(fetched.out)["title"], "shop.invalid:" + port);
  // Without --resolve the name does not exist.
  EXPECT_EQ(run_forager({"fetch", url, "--ignore-robots"}, dir_).exit_code, 3);
}

void serve_basic_auth(TestServer& site) {
  site.server().Get("/", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") != "Basic YWxpY2U6czNjcmV0") {  // alice:s3cret
      res.status = 401;
      res.set_header("WWW-Authenticate", "Basic realm=\"shop\"");
      return;
    }
    res.set_content("<title>members</title>", "text/html");
  });
  site.start();
}

TEST_F(RequestOptionsTest, BasicAuthTakesThePasswordFromTheEnvironmentAndNeverStoresIt) {
  TestServer site;
  serve_basic_auth(site);
  ::setenv("FORAGER_PASSWORD", "s3cret", 1);
  auto result = crawl({site.url("/"), "--ignore-robots", "--user", "alice"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto list = records();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], 200);
  EXPECT_EQ(list[0]["title"], "members");

  auto fetched = run_forager({"fetch", site.url("/"), "--ignore-robots", "--user", "alice"}, dir_);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  EXPECT_EQ(nlohmann::json::parse(fetched.out)["title"], "members");

  auto status = run_forager({"status", "--db", db_, "--json"}, dir_);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(status.out.find("s3cret"), std::string::npos) << status.out;
  EXPECT_EQ(store_bytes().find("s3cret"), std::string::npos);
  EXPECT_NE(store_bytes().find("alice"), std::string::npos);  // the user name is recorded

  ::unsetenv("FORAGER_PASSWORD");
  auto refused = run_forager({"fetch", site.url("/"), "--ignore-robots", "--user", "alice"}, dir_);
  ASSERT_EQ(refused.exit_code, 0) << refused.err;  // the server answered
  EXPECT_EQ(nlohmann::json::parse(refused.out)["status"], 401);
}

TEST_F(RequestOptionsTest, BadValuesAreWrongUsage) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--header", "no colon"},
           {"--header", "Bad Name: x"},
           {"--header", "X-A: 1\r\nX-B: 2"},
           {"--header", "Host: other.example"},
           {"--resolve", "shop.test:80"},
           {"--resolve", "shop.test:99999:127.0.0.1"},
           {"--resolve", "shop.test:80:not-an-address"},
           {"--user", "alice:s3cret"}}) {
    std::vector<std::string> crawl_args = {"http://127.0.0.1:1/"};
    crawl_args.insert(crawl_args.end(), args.begin(), args.end());
    auto result = crawl(crawl_args);
    EXPECT_EQ(result.exit_code, 2) << args[1] << ": " << result.err;
    std::vector<std::string> fetch_args = {"fetch", "http://127.0.0.1:1/"};
    fetch_args.insert(fetch_args.end(), args.begin(), args.end());
    EXPECT_EQ(run_forager(fetch_args, dir_).exit_code, 2) << args[1];
  }
  EXPECT_FALSE(std::filesystem::exists(db_));
}

}  // namespace
}  // namespace forager::testing
