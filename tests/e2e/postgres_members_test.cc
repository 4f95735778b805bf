// Several members on one run (every crawl on PostgreSQL is one) through a real PostgreSQL
// server: three `forager crawl` processes with two workers each against about
// 20 loopback hosts (127.0.0.x), politeness audited at the test servers' own
// clock; a control run with the host lease turned off must fail that audit;
// a member killed with SIGKILL mid-crawl; a joiner with another policy.
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/crawl_fixture.h"
#include "tests/support/postgres_server.h"

namespace forager::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kHosts = 20;
constexpr int kPagesPerHost = 6;
constexpr int kPerHost = 2;
constexpr int64_t kDelayMs = 50;
constexpr int kCrawlDelayHost = 0;   // robots.txt: Crawl-delay: 0.3
constexpr int64_t kCrawlDelayMs = 300;
constexpr int kBusyHost = 1;         // its first page answers 503 + Retry-After: 1 once
constexpr int64_t kBusyDelayMs = 1000;
// The busy host has more pages: enough fetches after its 503 that more than
// one member takes part (each at its raised delay).
constexpr int kBusyPages = 9;

int pages_of(int host) { return host == kBusyHost ? kBusyPages : kPagesPerHost; }

// One request as the server saw it.
struct Visit {
  Clock::time_point start, end;
  std::string path;
};

// One loopback host (its own 127.0.0.x address) of the audited site.
class AuditedHost {
 public:
  explicit AuditedHost(int index, int response_ms = 80) : index_(index) {
    server_.server().Get("/robots.txt", [this](const httplib::Request& req, httplib::Response& res) {
      Visit v = begin(req);
      std::string body = "User-agent: *\nAllow: /\n";
      if (index_ == kCrawlDelayHost) body += "Crawl-delay: 0.3\n";
      res.set_content(body, "text/plain");
      end(std::move(v));
    });
    server_.server().Get(R"(/p/(\d+))", [this, response_ms](const httplib::Request& req, httplib::Response& res) {
      Visit v = begin(req);
      std::this_thread::sleep_for(std::chrono::milliseconds(response_ms));  // long enough to overlap the next start
      const int i = std::stoi(req.matches[1]);
      if (index_ == kBusyHost && i == 0 && !refused_.exchange(true)) {
        res.status = 503;
        res.set_header("Retry-After", "1");
        end(std::move(v));
        return;
      }
      std::string body = "<html><head><title>" + std::to_string(index_) + "/" + std::to_string(i) + "</title></head><body>";
      for (int child : {2 * i + 1, 2 * i + 2})  // a tree: several of a host's pages queued at once
        if (child < pages_of(index_)) body += "<a href=\"/p/" + std::to_string(child) + "\">child</a>";
      res.set_content(body, "text/html");
      end(std::move(v));
    });
    server_.start("127.0.0." + std::to_string(index + 2));
  }
  // The server's thread stops first: its handlers use the members below.
  ~AuditedHost() { server_.stop(); }
  std::string url(int page) const { return server_.url("/p/" + std::to_string(page)); }
  std::vector<Visit> visits() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return visits_;
  }
  int index() const { return index_; }

 private:
  Visit begin(const httplib::Request& req) { return {Clock::now(), {}, req.path}; }
  void end(Visit v) {
    v.end = Clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    visits_.push_back(std::move(v));
  }
  int index_;
  TestServer server_;
  std::atomic<bool> refused_{false};
  mutable std::mutex mutex_;
  std::vector<Visit> visits_;
};

int64_t ms(Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

// Every breach of politeness at one host: more than kPerHost requests at
// once; a start closer than the host's delay to the previous start or to the
// end of the previous request; robots.txt asked for more than once.
std::vector<std::string> audit(const AuditedHost& host) {
  std::vector<std::string> breaches;
  std::vector<Visit> visits = host.visits();
  std::sort(visits.begin(), visits.end(), [](const Visit& a, const Visit& b) { return a.start < b.start; });
  const std::string name = "host " + std::to_string(host.index()) + ": ";
  int robots = 0;
  std::optional<Clock::time_point> delay_raised_at;  // Crawl-delay known, or the 503 answered
  for (size_t i = 0; i < visits.size(); ++i) {
    const Visit& v = visits[i];
    if (v.path == "/robots.txt") ++robots;
    int concurrent = 1;
    std::optional<Clock::time_point> last_start, last_end;
    for (size_t j = 0; j < i; ++j) {
      if (visits[j].end > v.start) ++concurrent;
      last_start = visits[j].start;
      if (visits[j].end <= v.start && (!last_end || visits[j].end > *last_end)) last_end = visits[j].end;
    }
    if (concurrent > kPerHost)
      breaches.push_back(name + std::to_string(concurrent) + " requests at once (" + v.path + ")");
    int64_t delay = kDelayMs;
    if (delay_raised_at && v.start > *delay_raised_at)
      delay = host.index() == kCrawlDelayHost ? kCrawlDelayMs : kBusyDelayMs;
    if (last_start && ms(v.start - *last_start) < delay)
      breaches.push_back(name + v.path + " started " + std::to_string(ms(v.start - *last_start)) +
                         " ms after the previous start (delay " + std::to_string(delay) + " ms)");
    if (last_end && ms(v.start - *last_end) < delay)
      breaches.push_back(name + v.path + " started " + std::to_string(ms(v.start - *last_end)) +
                         " ms after the previous end (delay " + std::to_string(delay) + " ms)");
    const bool raises = (host.index() == kCrawlDelayHost && v.path == "/robots.txt") ||
                        (host.index() == kBusyHost && v.path == "/p/0" && !delay_raised_at);
    if (raises) delay_raised_at = v.end;
  }
  if (robots != 1) breaches.push_back(name + "robots.txt fetched " + std::to_string(robots) + " times");
  return breaches;
}

// The most requests the host served at once.
int peak_concurrency(const AuditedHost& host) {
  std::vector<Visit> visits = host.visits();
  int peak = 0;
  for (const Visit& v : visits) {
    int at_once = 0;
    for (const Visit& w : visits) at_once += (w.start <= v.start && w.end > v.start) ? 1 : 0;
    peak = std::max(peak, at_once);
  }
  return peak;
}

class PostgresMembersTest : public CrawlFixture {
 protected:
  void SetUp() override {
    CrawlFixture::SetUp();
    FORAGER_USE_TEST_DATABASE(pg_);
    db_ = pg_->uri();
  }
  void TearDown() override {
    ::unsetenv("FORAGER_TEST_NO_HOST_LEASE");
    ::unsetenv("PGPASSWORD");
    CrawlFixture::TearDown();
  }
  void start_hosts(int count, int response_ms = 80) {
    for (int i = 0; i < count; ++i) hosts_.push_back(std::make_unique<AuditedHost>(i, response_ms));
  }
  // Every host's first page, one a line.
  std::string seed_file() {
    const std::string path = dir_ + "/seeds.txt";
    std::ofstream out(path);
    for (const auto& h : hosts_) out << h->url(0) << "\n";
    return path;
  }
  std::vector<std::string> member_args(std::vector<std::string> extra = {},
                                       const std::string& delay = std::to_string(kDelayMs) + "ms") {
    std::vector<std::string> args = {seed_file(), "--workers", "2", "--per-host",
                                     std::to_string(kPerHost), "--delay", delay, "--timeout", "2s"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  int64_t query_int(const std::string& sql) {
    auto conn = pg_->connect();
    return conn.query(sql).int64(0, 0);
  }
  // query_int while a crawl starts: -1 until forager's tables exist.
  int64_t poll_int(const std::string& sql) {
    try {
      return query_int(sql);
    } catch (const storage::StoreError&) {
      return -1;
    }
  }
  // Runs three members to the end; returns their results.
  // Member i archives into warc_dir(i) (--warc): a record's warc_file names
  // the member that fetched it.
  std::vector<ProcessResult> crawl_with_three_members() {
    std::vector<std::unique_ptr<ForagerProcess>> members;
    for (int i = 0; i < 3; ++i)
      members.push_back(std::make_unique<ForagerProcess>(with_crawl(member_args({"--warc", warc_dir(i)})), dir_));
    std::vector<ProcessResult> results;
    for (auto& m : members) results.push_back(m->wait(std::chrono::seconds(90)));
    return results;
  }
  std::string warc_dir(int member) const { return dir_ + "/warc-" + std::to_string(member); }
  // The member (by warc_dir) whose fetch each record of the run is, by URL.
  std::map<std::string, int> member_of_records() {
    auto conn = pg_->connect();
    auto rows = conn.query("SELECT url, warc_file FROM forager.pages WHERE warc_file <> ''");
    std::map<std::string, int> out;
    for (int r = 0; r < rows.rows(); ++r)
      for (int i = 0; i < 3; ++i)
        if (rows.text(r, 1).rfind(warc_dir(i) + "/", 0) == 0) out[rows.text(r, 0)] = i;
    return out;
  }
  std::vector<std::string> with_crawl(std::vector<std::string> args) {
    args.insert(args.begin(), "crawl");
    args.insert(args.end(), {"--db", db_, "--quiet"});
    return args;
  }
  void expect_every_page_once() {
    auto list = by_url(records());
    size_t pages = 0;
    for (const auto& h : hosts_) pages += pages_of(h->index());
    EXPECT_EQ(list.size(), pages);
    for (const auto& h : hosts_)
      for (int i = 0; i < pages_of(h->index()); ++i) {
        auto it = list.find(h->url(i));
        ASSERT_NE(it, list.end()) << h->url(i) << " has no record";
        EXPECT_EQ(it->second["status"], 200) << it->second.dump();
      }
  }

  std::unique_ptr<TestDatabase> pg_;
  std::vector<std::unique_ptr<AuditedHost>> hosts_;
};

TEST_F(PostgresMembersTest, ThreeMembersKeepEveryHostsPolitenessAndFetchEveryPageOnce) {
  start_hosts(kHosts);
  auto results = crawl_with_three_members();
  for (const auto& r : results) EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> breaches;
  for (const auto& h : hosts_)
    for (auto& b : audit(*h)) breaches.push_back(std::move(b));
  EXPECT_TRUE(breaches.empty()) << breaches.size() << " breaches, the first: " << breaches.front();
  expect_every_page_once();
  // At the web server: every member fetched something, and the busy host's
  // pages after its 503 (all at least its raised delay apart: the audit) were
  // fetched by more than one member, so members that never saw the 503 kept
  // its delay too.
  const auto fetched_by = member_of_records();
  std::set<int> fetching, after_503;
  for (const auto& h : hosts_) {
    std::optional<Clock::time_point> refused_end;
    auto visits = h->visits();
    std::sort(visits.begin(), visits.end(), [](const Visit& x, const Visit& y) { return x.start < y.start; });
    for (const Visit& v : visits) {
      if (v.path == "/robots.txt") continue;
      auto it = fetched_by.find(h->url(std::stoi(v.path.substr(3))));
      ASSERT_NE(it, fetched_by.end()) << "no archived record of " << v.path;
      fetching.insert(it->second);
      if (refused_end && v.start > *refused_end) after_503.insert(it->second);
      if (h->index() == kBusyHost && v.path == "/p/0" && !refused_end) refused_end = v.end;
    }
  }
  EXPECT_EQ(fetching.size(), 3u) << "not every member fetched something";
  EXPECT_GE(after_503.size(), 2u) << "one member fetched every page of the busy host after its 503";
  EXPECT_EQ(query_int("SELECT delay_ms FROM forager.hosts WHERE host = '127.0.0." + std::to_string(kBusyHost + 2) + "'"),
            kBusyDelayMs);
  // One run; every member fetched something; the run is done with nothing left.
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.runs"), 1);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.members"), 3);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.members WHERE pages = 0"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier WHERE state IN (0, 1)"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.leases"), 0);
  EXPECT_EQ(query_int("SELECT state FROM forager.runs"), 2);
}

// With --delay 0, members share each host's --per-host slots: never more.
TEST_F(PostgresMembersTest, WithoutDelayMembersShareEachHostsSlots) {
  start_hosts(6);
  std::vector<std::unique_ptr<ForagerProcess>> members;
  for (int i = 0; i < 3; ++i)
    members.push_back(std::make_unique<ForagerProcess>(
        with_crawl({seed_file(), "--workers", "2", "--per-host", std::to_string(kPerHost), "--timeout",
                    "2s", "--ignore-robots"}),
        dir_));
  for (auto& m : members) {
    auto r = m->wait(std::chrono::seconds(90));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  int peak = 0;
  for (const auto& h : hosts_) peak = std::max(peak, peak_concurrency(*h));
  EXPECT_EQ(peak, kPerHost);  // reached (the slots are used), never passed
  expect_every_page_once();
}

// The same crawl with the host lease turned off (URLs leased with no regard
// for a host's in-flight count or delay): the audit must catch it.
TEST_F(PostgresMembersTest, ControlRunWithoutHostLeasesFailsTheAudit) {
  start_hosts(kHosts);
  ::setenv("FORAGER_TEST_NO_HOST_LEASE", "1", 1);
  auto results = crawl_with_three_members();
  for (const auto& r : results) EXPECT_EQ(r.exit_code, 0) << r.err;
  size_t breaches = 0;
  for (const auto& h : hosts_) breaches += audit(*h).size();
  EXPECT_GT(breaches, 0u) << "the audit passed a crawl without host leases";
  std::cout << "control run: " << breaches << " breaches\n";
}

TEST_F(PostgresMembersTest, KilledMembersWorkIsTakenBackAndTheOthersFinish) {
  start_hosts(8);
  std::vector<std::unique_ptr<ForagerProcess>> members;
  for (int i = 0; i < 3; ++i) members.push_back(std::make_unique<ForagerProcess>(with_crawl(member_args()), dir_));
  // Once the victim holds leases (its rows say so), kill it.
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  const std::string held = "SELECT count(*) FROM forager.leases l JOIN forager.members m ON m.id = l.member_id "
                           "WHERE m.pid = " + std::to_string(members[0]->pid());
  bool holds = false;
  while (Clock::now() < deadline && !(holds = poll_int(held) > 0))
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(holds) << "the member never held a lease";
  members[0]->signal(SIGKILL);
  EXPECT_EQ(members[0]->wait(std::chrono::seconds(10)).exit_code, 128 + SIGKILL);
  for (size_t i = 1; i < members.size(); ++i) {
    auto r = members[i]->wait(std::chrono::seconds(90));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  expect_every_page_once();
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier WHERE state IN (0, 1)"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.leases"), 0);
  EXPECT_EQ(query_int("SELECT state FROM forager.runs"), 2);
}

// The server ends every member's session twice mid-crawl: each connects
// again and the run ends with every page once.
TEST_F(PostgresMembersTest, MembersWhoseConnectionsAreTerminatedReconnectAndFinish) {
  start_hosts(8);
  std::vector<std::unique_ptr<ForagerProcess>> members;
  for (int i = 0; i < 3; ++i) members.push_back(std::make_unique<ForagerProcess>(with_crawl(member_args()), dir_));
  const std::string pages = "SELECT count(*) FROM forager.pages";
  const std::string terminate =
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
      "AND pid <> pg_backend_pid()";
  int64_t terminated = 0;
  for (int64_t threshold : {5, 20}) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline && poll_int(pages) < threshold)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_GE(poll_int(pages), threshold);
    terminated += query_int(terminate);
  }
  EXPECT_GE(terminated, 3);
  size_t reconnected = 0;
  for (auto& m : members) {
    auto r = m->wait(std::chrono::seconds(90));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.err.find("connected to the store again") != std::string::npos) ++reconnected;
  }
  EXPECT_GE(reconnected, 1u);
  expect_every_page_once();
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier WHERE state IN (0, 1)"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.leases"), 0);
}

// The PostgreSQL server restarted (pg_ctl restart -m fast) mid-crawl, on a
// server of this test's own: both members reconnect and go on; every page has
// one record, nothing is left queued or leased, the run is done.
TEST_F(PostgresMembersTest, ServerRestartedMidCrawlLosesNothingAndDuplicatesNothing) {
  PrivatePostgres server(dir_);
  ASSERT_TRUE(server.ok()) << server.why();
  pg_.reset();  // this test's database lives on its own server
  pg_ = std::make_unique<TestDatabase>(server.socket_dir(), unique_database_name());
  db_ = pg_->uri();
  start_hosts(8);
  const std::vector<std::string> args = member_args({}, "100ms");
  ForagerProcess a(with_crawl(args), dir_), b(with_crawl(args), dir_);
  const std::string pages = "SELECT count(*) FROM forager.pages";
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline && poll_int(pages) < 10) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int64_t before = poll_int(pages);
  ASSERT_GE(before, 10);
  ASSERT_LT(before, kPagesPerHost * 7) << "the crawl ended before the restart";
  ASSERT_TRUE(server.restart());
  for (ForagerProcess* m : {&a, &b}) {
    auto r = m->wait(std::chrono::seconds(120));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("connected to the store again"), std::string::npos) << r.err;
  }
  expect_every_page_once();
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier WHERE state IN (0, 1)"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.leases"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.runs"), 1);
  EXPECT_EQ(query_int("SELECT state FROM forager.runs"), 2);
}

// SIGINT stops one member only; SIGTERM on the last one leaves the run
// interrupted, and a new member resumes it to the end.
TEST_F(PostgresMembersTest, SignalStopsOneMemberAndTheLastLeavesTheRunResumable) {
  start_hosts(4);
  const std::vector<std::string> args = member_args({}, "300ms");
  ForagerProcess a(with_crawl(args), dir_), b(with_crawl(args), dir_);
  const std::string pages = "SELECT count(*) FROM forager.pages";
  auto wait_for_pages = [&](int64_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline && poll_int(pages) < n) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_GE(poll_int(pages), n);
  };
  wait_for_pages(3);
  a.signal(SIGINT);
  auto stopped = a.wait(std::chrono::seconds(30));
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_NE(stopped.err.find("rejoin"), std::string::npos) << stopped.err;
  EXPECT_EQ(query_int("SELECT state FROM forager.runs"), 0);  // b goes on
  wait_for_pages(poll_int(pages) + 2);
  b.signal(SIGTERM);
  EXPECT_EQ(b.wait(std::chrono::seconds(30)).exit_code, 143);
  EXPECT_EQ(query_int("SELECT state FROM forager.runs"), 1);  // interrupted: resumable
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.leases"), 0);
  EXPECT_GT(query_int("SELECT count(*) FROM forager.frontier WHERE state = 0"), 0);
  auto resumed = run_forager(with_crawl(args), dir_, std::chrono::seconds(90));
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_every_page_once();
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.runs"), 1);
  EXPECT_EQ(query_int("SELECT state FROM forager.runs"), 2);
}

// Whether process `pid` is stopped (state T in /proc/PID/stat).
bool is_stopped(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'T';
}

// A member stopped (SIGSTOP) for longer than its lease lifetime while it
// holds a lease: the other takes the lease back; after SIGCONT the stopped
// member's late results are not applied (the fence refuses them, or the
// member drops them on learning it was declared dead), it joins again, and
// every page still has exactly one record. Every step waits on the server's
// state (the members and leases rows), none on how long something takes.
TEST_F(PostgresMembersTest, StoppedMembersLateResultsAreRefused) {
  // A member stopped INSIDE a transaction keeps its members row locked; its
  // session's idle_in_transaction_session_timeout (half the lease lifetime)
  // ends that session, so the other's reap is not held up by the lock.
  start_hosts(3, 1000);
  const std::vector<std::string> args = member_args({}, "1s");  // lease lifetime: --timeout 2 s + 5 s
  ForagerProcess a(with_crawl(args), dir_), b(with_crawl(args), dir_);
  const std::string held = "SELECT count(*) FROM forager.leases l JOIN forager.members m ON m.id = l.member_id "
                           "WHERE l.robots_origin IS NULL AND m.pid = " + std::to_string(a.pid());
  // Stop it while it holds a lease: seen holding one, stopped, and seen
  // holding one again once stopped (it may have finished that lease in
  // between; then it goes on and the next lease is tried).
  bool stopped_holding = false;
  for (int attempt = 0; attempt < 20 && !stopped_holding; ++attempt) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    bool holds = false;
    while (Clock::now() < deadline && !(holds = poll_int(held) > 0))
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(holds) << "the member never held a lease";
    a.signal(SIGSTOP);
    const auto stop_deadline = Clock::now() + std::chrono::seconds(10);
    while (!is_stopped(a.pid()) && Clock::now() < stop_deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(is_stopped(a.pid()));
    stopped_holding = query_int(held) > 0;
    if (!stopped_holding) a.signal(SIGCONT);
  }
  ASSERT_TRUE(stopped_holding) << "the member was never stopped while holding a lease";
  // The other member declares it dead once its heartbeat is older than the
  // lease lifetime (server clock), whatever the build's speed: the safety net
  // below is far beyond that.
  const std::string declared_dead = "SELECT count(*) FROM forager.members WHERE left_at IS NOT NULL AND pid = " +
                                    std::to_string(a.pid());
  const auto deadline = Clock::now() + std::chrono::seconds(200);
  while (Clock::now() < deadline && query_int(declared_dead) == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(query_int(declared_dead), 1);
  EXPECT_EQ(query_int(held), 0);  // its leases were taken back with it
  a.signal(SIGCONT);
  auto late = a.wait(std::chrono::seconds(120));
  EXPECT_EQ(late.exit_code, 0) << late.err;
  EXPECT_NE(late.err.find("taken back"), std::string::npos) << late.err;
  EXPECT_NE(late.err.find("joins the run again"), std::string::npos) << late.err;
  auto other = b.wait(std::chrono::seconds(120));
  EXPECT_EQ(other.exit_code, 0) << other.err;
  expect_every_page_once();
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.frontier WHERE state IN (0, 1)"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.leases"), 0);
}

// `forager status` lists the live members of a shared run (host, pid, pages,
// last heartbeat) while they crawl, and `forager report` each member's
// records per second; neither shows the connection's password.
TEST_F(PostgresMembersTest, StatusShowsTheLiveMembersAndTheReportTheirPagesPerSecond) {
  const std::string password = "never-shown-3f9c";
  ::setenv("PGPASSWORD", password.c_str(), 1);  // the test server trusts: it is ignored, and must not leak
  start_hosts(6);
  const std::vector<std::string> args = member_args({}, "300ms");
  ForagerProcess a(with_crawl(args), dir_), b(with_crawl(args), dir_);
  const std::set<int> pids = {a.pid(), b.pid()};
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  auto status_json = [&] {
    auto r = run_forager({"status", "--db", db_, "--json"}, dir_);
    EXPECT_EQ(r.out.find(password), std::string::npos);
    auto runs = nlohmann::json::parse(r.out, nullptr, false);
    return runs.is_array() && runs.size() == 1 ? runs[0] : nlohmann::json();
  };
  auto live_pids = [](const nlohmann::json& run) {
    std::set<int> live;
    if (run.contains("members"))
      for (const auto& m : run["members"])
        if (m["live"] == true) live.insert(m["pid"].get<int>());
    return live;
  };
  // While both crawl: both are live members.
  nlohmann::json run;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline && live_pids(run = status_json()) != pids)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(live_pids(run), pids) << run.dump();
  for (const auto& m : run["members"]) {
    EXPECT_EQ(m["host"], name);
    EXPECT_GE(m["pages"].get<int64_t>(), 0);
    EXPECT_TRUE(m["last_heartbeat"].is_string() && m["last_heartbeat"].get<std::string>().size() == 24) << m;
    EXPECT_GE(m["last_heartbeat"].get<std::string>(), m["joined_at"].get<std::string>());
    EXPECT_GE(m["heartbeat_age_s"].get<double>(), 0);
    EXPECT_TRUE(m["left_at"].is_null());
  }
  auto table = run_forager({"status", "--db", db_}, dir_);
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.find(password), std::string::npos);
  EXPECT_NE(table.out.find("run 1 members: 2 live, 0 left"), std::string::npos) << table.out;
  for (int pid : pids) EXPECT_NE(table.out.find(" " + std::to_string(pid) + " "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("s ago)"), std::string::npos) << table.out;

  for (ForagerProcess* m : {&a, &b}) {
    auto r = m->wait(std::chrono::seconds(90));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find(password), std::string::npos);
    EXPECT_EQ(r.out.find(password), std::string::npos);
  }
  // After the end: both left; their pages add up to the run's records.
  run = status_json();
  ASSERT_TRUE(run.contains("members")) << run.dump();
  int64_t pages = 0;
  for (const auto& m : run["members"]) {
    EXPECT_EQ(m["live"], false);
    EXPECT_TRUE(m["left_at"].is_string());
    pages += m["pages"].get<int64_t>();
    if (m["pages"].get<int64_t>() > 0) {
      EXPECT_GT(m["pages_per_second"].get<double>(), 0) << m;
    }
  }
  EXPECT_EQ(pages, run["pages"].get<int64_t>());
  table = run_forager({"status", "--db", db_}, dir_);
  EXPECT_NE(table.out.find("run 1 members: 0 live, 2 left"), std::string::npos) << table.out;

  const std::string path = dir_ + "/report.html";
  auto report = run_forager({"report", "--db", db_, "-o", path}, dir_);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  std::ifstream in(path);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(html.find(password), std::string::npos);
  const size_t section = html.find("<h2>Members</h2>");
  ASSERT_NE(section, std::string::npos);
  const std::string members = html.substr(section, html.find("</section>", section) - section);
  for (int pid : pids) EXPECT_NE(members.find("<td>" + std::to_string(pid) + "</td>"), std::string::npos) << members;
  EXPECT_NE(members.find("records/s"), std::string::npos);
}

TEST_F(PostgresMembersTest, JoinerWithAnotherPolicyIsRefusedAndWritesNothing) {
  start_hosts(2);
  auto first = ForagerProcess(with_crawl(member_args({"--max-pages", "1000"})), dir_);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline && poll_int("SELECT count(*) FROM forager.members") <= 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int64_t frontier = query_int("SELECT count(*) FROM forager.members");
  auto other = run_forager(with_crawl({hosts_[1]->url(0), "--per-host", "3", "--delay", "50ms",
                                       "--timeout", "2s", "--max-pages", "1000"}),
                           dir_, std::chrono::seconds(30));
  EXPECT_EQ(other.exit_code, 2) << other.err;
  EXPECT_NE(other.err.find("--per-host differs"), std::string::npos) << other.err;
  EXPECT_EQ(query_int("SELECT count(*) FROM forager.members"), frontier);  // no member row was added
  EXPECT_EQ(first.wait(std::chrono::seconds(60)).exit_code, 0);
}

}  // namespace
}  // namespace forager::testing
