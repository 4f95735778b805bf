// Connections end to end, counted at the server: a host's fetches reuse one
// kept-alive connection across --delay (host affinity keeps them on one
// worker), many hosts cost one connection each, HTTPS works with --cacert
// and a connection opened again resumes its TLS session.
#include <cstdlib>
#include <fstream>
#include <memory>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

constexpr int kPagesPerSite = 20;

// "/" links to /p1 .. /p<pages-1>; every page is HTML.
void serve_site(TestServer& server, int pages) {
  server.server().set_keep_alive_max_count(1000);  // cpp-httplib closes after 5 by default
  server.server().Get("/", [pages](const httplib::Request&, httplib::Response& res) {
    std::string body = "<title>index</title>";
    for (int i = 1; i < pages; ++i) body += "<a href=/p" + std::to_string(i) + ">" + std::to_string(i) + "</a>";
    res.set_content(body, "text/html");
  });
  server.server().Get(R"(/p\d+)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<title>page</title><p>text</p>", "text/html");
  });
}

size_t successes(const std::vector<nlohmann::json>& list) {
  size_t ok = 0;
  for (const auto& r : list)
    if (r["status"] == 200 && r["error"].is_null()) ++ok;
  return ok;
}

class ConnectionsTest : public CrawlFixture {
 protected:
  // A throwaway CA and a certificate for `addresses` signed by it, made with
  // the openssl command into the test folder. Returns false if that failed.
  bool make_certificates(const std::vector<std::string>& addresses = {"127.0.0.1"}) {
    std::string names;
    for (const std::string& address : addresses) names += (names.empty() ? "IP:" : ",IP:") + address;
    const std::string script =
        "cd '" + dir_ + "' && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj '/CN=forager test CA' -keyout ca.key -out ca.pem && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-subj '/CN=forager test' -keyout server.key -out server.csr && "
        "printf 'subjectAltName=" + names + "\\n' > san.cnf && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile san.cnf -out server.pem";
    return std::system(("(" + script + ") >/dev/null 2>&1").c_str()) == 0;
  }
  std::string ca() const { return dir_ + "/ca.pem"; }
};

TEST_F(ConnectionsTest, OneHostReusesOneConnectionAcrossTheDelay) {
  TestServer site;
  serve_site(site, kPagesPerSite);
  site.start();
  auto result = crawl({site.url("/"), "--workers", "2", "--per-host", "1", "--delay", "100"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(successes(records()), static_cast<size_t>(kPagesPerSite));
  EXPECT_EQ(site.count("/robots.txt"), 1u);
  // robots.txt and 20 pages, one after another, on the one worker that holds the host.
  EXPECT_EQ(site.connections(), 1u);
}

TEST_F(ConnectionsTest, ManyHostsCostOneConnectionEach) {
  // Distinct hosts on distinct loopback addresses, crawled together.
  constexpr int kHosts = 8;
  constexpr int kPages = 6;
  std::vector<std::unique_ptr<TestServer>> sites;
  std::vector<std::string> args;
  for (int i = 0; i < kHosts; ++i) {
    sites.push_back(std::make_unique<TestServer>());
    serve_site(*sites.back(), kPages);
    sites.back()->start("127.0.0." + std::to_string(i + 2));
    args.push_back(sites.back()->url("/"));
  }
  args.insert(args.end(), {"--workers", "2", "--per-host", "1", "--delay", "100"});
  auto result = crawl(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(successes(records()), static_cast<size_t>(kHosts * kPages));
  for (const auto& site : sites) EXPECT_EQ(site->connections(), 1u) << site->url("/");
}

TEST_F(ConnectionsTest, HostFetchedInParallelUsesOneConnectionPerTransfer) {
  // --per-host 2 over HTTP/1.1 needs two connections; both stay open.
  TestServer site;
  serve_site(site, kPagesPerSite);
  site.start();
  auto result = crawl({site.url("/"), "--ignore-robots", "--workers", "2", "--per-host", "2", "--delay", "50"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(successes(records()), static_cast<size_t>(kPagesPerSite));
  EXPECT_LE(site.connections(), 2u);
}

TEST_F(ConnectionsTest, HttpsNeedsTheCaGivenWithCacert) {
  ASSERT_TRUE(make_certificates());
  TestServer site(dir_ + "/server.pem", dir_ + "/server.key");
  serve_site(site, 3);
  site.start();

  auto untrusted = crawl({site.url("/"), "--job", "untrusted", "--ignore-robots", "--retries", "0"});
  ASSERT_EQ(untrusted.exit_code, 3) << untrusted.err;
  auto refused = records("untrusted");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0]["error"], "tls") << refused[0].dump();

  auto trusted = crawl({site.url("/"), "--job", "trusted", "--ignore-robots", "--cacert", ca()});
  ASSERT_EQ(trusted.exit_code, 0) << trusted.err;
  EXPECT_EQ(successes(records("trusted")), 3u);
}

TEST_F(ConnectionsTest, ReopenedHttpsConnectionsResumeTheirTlsSession) {
  ASSERT_TRUE(make_certificates());
  TestServer site(dir_ + "/server.pem", dir_ + "/server.key");
  serve_site(site, kPagesPerSite);
  site.server().set_keep_alive_max_count(4);  // the server closes every 4th request's connection
  site.start();
  auto result = crawl({site.url("/"), "--workers", "1", "--per-host", "1", "--cacert", ca()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(successes(records()), static_cast<size_t>(kPagesPerSite));
  // 21 requests, 4 per connection: at least 6 connections; every one after
  // the first resumes the session of the one before.
  ASSERT_GE(site.connections(), 6u);
  EXPECT_EQ(site.resumed_connections(), site.connections() - 1);
}

TEST_F(ConnectionsTest, ManyHttpsHostsEachResumeTheirOwnSessionWhenReopened) {
  // More hosts than libcurl 7.88's shared session cache holds (8), crawled
  // together by one worker: each host's servers close every second request's
  // connection, and every reopened connection must resume that host's session.
  constexpr int kHosts = 12;
  constexpr int kPages = 6;
  std::vector<std::string> addresses;
  for (int i = 0; i < kHosts; ++i) addresses.push_back("127.0.0." + std::to_string(i + 2));
  ASSERT_TRUE(make_certificates(addresses));
  std::vector<std::unique_ptr<TestServer>> sites;
  std::vector<std::string> args;
  for (const std::string& address : addresses) {
    sites.push_back(std::make_unique<TestServer>(dir_ + "/server.pem", dir_ + "/server.key"));
    serve_site(*sites.back(), kPages);
    sites.back()->server().set_keep_alive_max_count(2);
    sites.back()->start(address);
    args.push_back(sites.back()->url("/"));
  }
  args.insert(args.end(), {"--workers", "1", "--per-host", "1", "--delay", "50", "--cacert", ca()});
  auto result = crawl(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(successes(records()), static_cast<size_t>(kHosts * kPages));
  for (const auto& site : sites) {
    // robots.txt and 6 pages, 2 a connection: 4 connections, 3 of them reopened.
    EXPECT_GE(site->connections(), 4u) << site->url("/");
    EXPECT_EQ(site->resumed_connections(), site->connections() - 1) << site->url("/");
  }
}

TEST_F(ConnectionsTest, UnreadableCacertIsWrongUsage) {
  auto result = crawl({"http://127.0.0.1:9/", "--cacert", dir_ + "/missing.pem"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--cacert: cannot read the CA file"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(db_));
}

}  // namespace
}  // namespace forager::testing
