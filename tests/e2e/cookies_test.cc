// The crawl's one cookie jar: a cookie one worker receives is sent by every
// worker; --cookies preloads a Netscape cookie file, --save-cookies writes
// the jar at the end; --no-cookies keeps none. Cookie values never reach the
// store or the output.
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

constexpr int kPrivatePages = 60;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CookiesTest : public CrawlFixture {
 protected:
  // /login sets the session cookie (HttpOnly) and links to /private/0..N-1,
  // which answer 200 only with that cookie, else 403. /logout removes it.
  void serve_login_site(TestServer& site, const std::string& session) {
    site.server().Get("/login", [session](const httplib::Request&, httplib::Response& res) {
      res.set_header("Set-Cookie", "session=" + session + "; Path=/; HttpOnly");
      std::string body = "<title>login</title>";
      for (int i = 0; i < kPrivatePages; ++i)
        body += "<a href=\"/private/" + std::to_string(i) + "\">p</a>";
      res.set_content(body, "text/html");
    });
    site.server().Get(R"(/private/(\d+))", [this, session](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        cookie_headers_.insert(req.get_header_value("Cookie"));
      }
      if (req.get_header_value("Cookie").find("session=" + session) == std::string::npos) {
        res.status = 403;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // transfers overlap: every worker gets some
      res.set_content("<title>private " + std::string(req.matches[1]) + "</title>", "text/html");
    });
  }

  // worker pid -> records it fetched, for the URLs under `prefix`.
  std::map<int, int> records_per_worker(const std::string& prefix) {
    std::map<int, int> out;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT worker_pid, count(*) FROM pages WHERE url LIKE ?1 || '%' GROUP BY worker_pid", -1,
                       &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, prefix.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) out[sqlite3_column_int(stmt, 0)] = sqlite3_column_int(stmt, 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  std::string store_bytes() {
    std::string all;
    for (const auto& entry : std::filesystem::directory_iterator(dir_))
      if (entry.path().filename().string().rfind("crawl.db", 0) == 0) all += read_text(entry.path());
    return all;
  }

  std::mutex mutex_;
  std::set<std::string> cookie_headers_;
};

TEST_F(CookiesTest, ALoginCookieSetOnOneWorkerIsSentByEveryWorker) {
  TestServer site;
  serve_login_site(site, "Zq7secretLogin");
  site.start();
  auto result = crawl({site.url("/login"), "--workers", "3", "--per-host", "6", "--ignore-robots"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto list = by_url(records());
  ASSERT_EQ(list.size(), 1u + kPrivatePages);
  for (int i = 0; i < kPrivatePages; ++i) {
    const auto& r = list[site.url("/private/" + std::to_string(i))];
    EXPECT_EQ(r["status"], 200) << r.dump();
    EXPECT_EQ(r["title"], "private " + std::to_string(i));
  }
  // The private pages were fetched by all three workers, two of which never
  // saw the Set-Cookie themselves.
  EXPECT_EQ(records_per_worker(site.url("/private/")).size(), 3u);
  EXPECT_EQ(cookie_headers_, (std::set<std::string>{"session=Zq7secretLogin"}));
  // A secret: not in the store, not on the terminal.
  EXPECT_EQ(store_bytes().find("Zq7secretLogin"), std::string::npos);
  EXPECT_EQ(result.err.find("Zq7secretLogin"), std::string::npos);
  EXPECT_EQ(result.out.find("Zq7secretLogin"), std::string::npos);
}

TEST_F(CookiesTest, NoCookiesKeepsNone) {
  TestServer site;
  serve_login_site(site, "abc");
  site.start();
  ASSERT_EQ(crawl({site.url("/login"), "--workers", "2", "--ignore-robots", "--no-cookies"}).exit_code, 0);
  auto list = by_url(records());
  ASSERT_EQ(list.size(), 1u + kPrivatePages);
  EXPECT_EQ(list[site.url("/private/0")]["status"], 403);
  EXPECT_EQ(cookie_headers_, (std::set<std::string>{""}));
}

TEST_F(CookiesTest, CookieFilePreloadsASessionForEveryWorkerAndIsSavedBack) {
  TestServer site;
  serve_login_site(site, "fromFile42");
  site.start();
  // Only the private pages as seeds: the login page is never fetched, the
  // session comes from the file (curl's format, HttpOnly prefix, comments).
  const std::string jar = dir_ + "/in.txt";
  std::ofstream(jar) << "# Netscape HTTP Cookie File\n"
                     << "# https://curl.se/docs/http-cookies.html\n\n"
                     << "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tfromFile42\n"
                     << ".example.org\tTRUE\t/\tTRUE\t4102444800\tother\tkept\n"
                     << "127.0.0.1\tFALSE\t/\tFALSE\t1000\told\texpired-long-ago\n";
  std::vector<std::string> args{"--workers", "3", "--per-host", "6", "--ignore-robots", "--cookies", jar,
                                "--save-cookies", dir_ + "/out.txt"};
  for (int i = 0; i < kPrivatePages; ++i) args.push_back(site.url("/private/" + std::to_string(i)));
  auto result = crawl(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto list = records();
  ASSERT_EQ(list.size(), static_cast<size_t>(kPrivatePages));
  for (const auto& r : list) EXPECT_EQ(r["status"], 200) << r.dump();
  EXPECT_EQ(records_per_worker(site.url("/private/")).size(), 3u);
  EXPECT_EQ(cookie_headers_, (std::set<std::string>{"session=fromFile42"}));
  EXPECT_EQ(store_bytes().find("fromFile42"), std::string::npos);
  EXPECT_NE(store_bytes().find("in.txt"), std::string::npos);  // the run records the file's name

  const std::string saved = read_text(dir_ + "/out.txt");
  EXPECT_EQ(saved.rfind("# Netscape HTTP Cookie File\n", 0), 0u) << saved;
  EXPECT_NE(saved.find("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tfromFile42\n"), std::string::npos) << saved;
  EXPECT_NE(saved.find(".example.org\tTRUE\t/\tTRUE\t4102444800\tother\tkept\n"), std::string::npos) << saved;
  EXPECT_EQ(saved.find("expired-long-ago"), std::string::npos) << saved;
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/out.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(CookiesTest, SavedCookiesOfALoginAreLoadedByTheNextCrawl) {
  TestServer site;
  serve_login_site(site, "roundTrip7");
  site.start();
  const std::string jar = dir_ + "/jar.txt";
  ASSERT_EQ(crawl({site.url("/login"), "--ignore-robots", "--max-depth", "0", "--save-cookies", jar}).exit_code, 0);
  const std::string saved = read_text(jar);
  EXPECT_NE(saved.find("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\troundTrip7"), std::string::npos) << saved;
  // A second job, its seed a private page, with the saved jar.
  auto result = crawl({site.url("/private/3"), "--job", "again", "--ignore-robots", "--cookies", jar});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto list = records("again");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], 200);
}

TEST_F(CookiesTest, ABadCookieFileIsWrongUsage) {
  const std::string jar = dir_ + "/bad.txt";
  std::ofstream(jar) << "# Netscape HTTP Cookie File\nexample.org\tFALSE\t/\tFALSE\t0\tsecretname\n";
  auto result = crawl({"http://127.0.0.1:9/", "--cookies", jar});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("forager crawl: --cookies: line 2 of"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(db_));
  EXPECT_EQ(crawl({"http://127.0.0.1:9/", "--cookies", dir_ + "/missing.txt"}).exit_code, 2);
  EXPECT_EQ(crawl({"http://127.0.0.1:9/", "--cookies", jar, "--no-cookies"}).exit_code, 2);
  EXPECT_EQ(crawl({"http://127.0.0.1:9/", "--save-cookies", dir_ + "/no/such/folder/jar.txt"}).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(db_));
}

}  // namespace
}  // namespace forager::testing
