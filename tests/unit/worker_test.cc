// The worker end to end: run_worker in a thread on one end of a socketpair,
// driven over a Channel exactly as the coordinator drives it, fetching from
// an in-process cpp-httplib server on 127.0.0.1.
#include "workers/worker_main.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "crawler/util/unique_fd.h"
#include "crawler/wire/channel.h"
#include "crawler/wire/protocol.h"
#include "workers/fetch_loop.h"
#include "workers/transfer.h"

namespace forager {
namespace {

using namespace std::chrono_literals;
using protocol::FetchResult;
using protocol::FetchTask;
using protocol::Message;
using Clock = std::chrono::steady_clock;

std::string gzip(std::string_view data) {
  std::string out;
  httplib::detail::gzip_compressor compressor;
  const bool ok = compressor.compress(data.data(), data.size(), /*last=*/true,
                                      [&out](const char* chunk, size_t n) {
                                        out.append(chunk, n);
                                        return true;
                                      });
  EXPECT_TRUE(ok);
  return out;
}

// A port on 127.0.0.1 that nothing listens on.
int closed_port() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len), 0);
  EXPECT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  return ntohs(addr.sin_port);  // closed when fd goes out of scope
}

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // cpp-httplib serves one connection per thread, and keeps a thread on an
    // idle keep-alive connection: give it more threads than connections.
    server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server_.set_tcp_nodelay(true);
    // Counted before the handler runs: the logger runs after the response is
    // sent, too late for a test that checks as soon as the result arrives.
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
      std::lock_guard<std::mutex> lock(mu_);
      hits_[req.path]++;
      user_agents_.push_back(req.get_header_value("User-Agent"));
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server_.Get("/page", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          "<!doctype html><html><head><title>  The   Page </title>"
          "<meta name=description content='About things'></head><body>"
          "<a href='/a'>a</a> <a href='b.html#frag'>b</a> <a href='/a'>again</a>"
          "<a href='mailto:x@y.z'>mail</a><a rel=nofollow href='/secret'>no</a>"
          "</body></html>",
          "text/html; charset=utf-8");
      res.set_header("ETag", "\"v1\"");
      res.set_header("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT");
    });
    server_.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.status = 301;
      res.set_header("Location", "/target?x=1");
      res.set_content("<a href='/moved-link'>moved</a>", "text/html");
    });
    server_.Get("/target", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("target", "text/plain");
    });
    server_.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("<title>Not here</title>", "text/html");
    });
    server_.Get("/busy", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_header("Retry-After", "120");
      res.set_content("busy", "text/plain");
    });
    server_.Get("/gzip", [](const httplib::Request&, httplib::Response& res) {
      // "Text/HTML": cpp-httplib would compress a second time a type that
      // starts with "text/" (its check is case sensitive).
      res.set_content(gzip(gzipped_page()), "Text/HTML; charset=utf-8");
      res.set_header("Content-Encoding", "gzip");
    });
    server_.Get("/bomb", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(bomb(), "application/octet-stream");
      res.set_header("Content-Encoding", "gzip");
    });
    server_.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      const auto until = Clock::now() + 3s;
      while (!stopping_ && Clock::now() < until) std::this_thread::sleep_for(20ms);
      res.set_content("late", "text/plain");
    });
    server_.Get("/image.png", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(png_bytes(), "image/png");
    });
    server_.Get("/latin1", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<title>caf\xE9 \x93quoted\x94</title>", "text/html; charset=iso-8859-1");
    });
    server_.Get("/set-cookie", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Set-Cookie", req.get_param_value("v"));
      res.set_content("<title>set</title>", "text/html");
    });
    server_.Get("/echo-cookie", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("<title>" + req.get_header_value("Cookie") + "</title>", "text/html");
    });
    server_.Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(robots_txt(), "text/plain");
    });
    server_.Get("/conditional", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("If-None-Match") == "\"v1\"" &&
          req.get_header_value("If-Modified-Since") == "Wed, 21 Oct 2015 07:28:00 GMT") {
        res.status = 304;
        return;
      }
      res.set_content("<title>fresh</title>", "text/html");
    });
    server_.Get(R"(/many/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("<title>page " + std::string(req.matches[1]) + "</title>", "text/html");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    server_thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = Clock::now() + 5s;
    while (!server_.is_running() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(server_.is_running());
  }

  void TearDown() override {
    if (worker_thread_.joinable()) {
      channel_.reset();  // EOF: the worker returns at once
      worker_thread_.join();
    }
    stopping_ = true;
    server_.stop();
    if (server_thread_.joinable()) server_thread_.join();
  }

  static std::string gzipped_page() {
    std::string page = "<html><head><title>Compressed</title></head><body>";
    for (int i = 0; i < 2000; ++i) page += "<p>filler text that compresses well</p>\n";
    return page + "<a href='/from-gzip'>x</a></body></html>";
  }
  static const std::string& bomb() {
    static const std::string compressed = gzip(std::string(50u << 20, '\0'));
    return compressed;
  }
  static std::string png_bytes() {
    return std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR <a href='/not-a-link'>", 34);
  }
  static std::string robots_txt() { return "User-agent: *\nDisallow: /private\n"; }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  int hits(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return hits_[path];
  }

  // Starts run_worker on one end of a socketpair and completes the
  // Config/Ready handshake on the other.
  void start_worker(protocol::Config config) {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    std::promise<int> done;
    worker_rc_ = done.get_future();
    worker_thread_ = std::thread([fd = fds[1], done = std::move(done)]() mutable {
      done.set_value(run_worker(UniqueFd(fd)));
    });
    channel_ = std::make_unique<Channel>(UniqueFd(fds[0]));
    channel_->send(config);
    std::vector<Message> got = receive(1, 5s);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<protocol::Ready>(got[0]));
  }

  protocol::Config default_config() const {
    protocol::Config config;
    config.user_agent = "forager-test/1.0";
    config.concurrency = 8;
    config.timeout_ms = 5000;
    config.max_bytes = 1u << 20;
    return config;
  }

  // Flushes what is queued and reads until `count` messages arrived or the
  // deadline passed.
  std::vector<Message> receive(size_t count, std::chrono::milliseconds within) {
    std::vector<Message> got;
    EXPECT_TRUE(channel_->flush());
    const auto deadline = Clock::now() + within;
    while (got.size() < count && Clock::now() < deadline) {
      EXPECT_TRUE(channel_->flush());
      pollfd pfd{channel_->fd(), POLLIN, 0};
      if (channel_->wants_write()) pfd.events |= POLLOUT;
      ::poll(&pfd, 1, 50);
      if (channel_->read_available(got) != Channel::ReadStatus::kOk) break;
    }
    return got;
  }

  // Sends the tasks as one batch and collects one result per task.
  std::map<uint64_t, FetchResult> fetch(const std::vector<FetchTask>& tasks,
                                        std::chrono::milliseconds within = 10s) {
    channel_->send(protocol::FetchBatch{tasks, {}});
    std::map<uint64_t, FetchResult> results;
    for (Message& message : receive(tasks.size(), within)) {
      auto* result = std::get_if<FetchResult>(&message);
      EXPECT_NE(result, nullptr);
      if (result == nullptr) continue;
      EXPECT_EQ(results.count(result->task_id), 0u) << "answered twice: " << result->task_id;
      results[result->task_id] = std::move(*result);
    }
    EXPECT_EQ(results.size(), tasks.size());
    return results;
  }

  FetchResult fetch_one(const std::string& path,
                        protocol::Purpose purpose = protocol::Purpose::kPage) {
    FetchTask task;
    task.task_id = 1;
    task.url = url(path);
    task.purpose = purpose;
    auto results = fetch({task});
    return results.count(1) ? results[1] : FetchResult{};
  }

  // Sends Shutdown and returns the worker's exit code (-1 if it does not
  // return in time).
  int shutdown_worker(std::vector<Message>* late = nullptr, size_t expect_late = 0) {
    channel_->send(protocol::Shutdown{});
    std::vector<Message> got = receive(expect_late, 10s);
    if (late != nullptr) *late = std::move(got);
    if (worker_rc_.wait_for(10s) != std::future_status::ready) return -1;
    worker_thread_.join();
    return worker_rc_.get();
  }

  httplib::Server server_;
  std::thread server_thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::map<std::string, int> hits_;
  std::vector<std::string> user_agents_;

  std::unique_ptr<Channel> channel_;
  std::thread worker_thread_;
  std::future<int> worker_rc_;
};

// The worker's side of the crawl's one cookie jar: a batch's cookie lines are
// in the jar before its tasks run; a response's Set-Cookie changes come back
// in its result, once, as Netscape lines (a removed cookie with expiry 1).
TEST_F(WorkerTest, CookiesComeWithBatchesAndChangesGoBackInResults) {
  start_worker(default_config());
  auto task = [&](uint64_t id, const std::string& path) { FetchTask t; t.task_id = id; t.url = url(path); t.purpose = protocol::Purpose::kPage; return t; };
  auto run_batch = [&](std::vector<FetchTask> tasks, std::vector<std::string> cookies) {
    channel_->send(protocol::FetchBatch{tasks, std::move(cookies)});
    std::map<uint64_t, FetchResult> results;
    for (Message& message : receive(tasks.size(), 10s))
      if (auto* r = std::get_if<FetchResult>(&message)) results[r->task_id] = std::move(*r);
    return results;
  };
  const std::string pre = "127.0.0.1\tFALSE\t/\tFALSE\t0\tpre\tloaded";
  auto first = run_batch({task(1, "/echo-cookie")}, {pre});
  EXPECT_EQ(first[1].title, "pre=loaded");
  EXPECT_TRUE(first[1].cookies.empty());  // no Set-Cookie: nothing to report

  auto set = run_batch({task(2, "/set-cookie?v=sid%3Done%3B%20Path%3D%2F%3B%20HttpOnly")}, {});
  EXPECT_EQ(set[2].cookies, (std::vector<std::string>{"#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tone"}));
  auto again = run_batch({task(3, "/set-cookie?v=sid%3Done%3B%20Path%3D%2F%3B%20HttpOnly")}, {});
  EXPECT_TRUE(again[3].cookies.empty());  // the same cookie again changes nothing
  auto both = run_batch({task(4, "/echo-cookie")}, {});
  EXPECT_NE(both[4].title.find("sid=one"), std::string::npos) << both[4].title;
  EXPECT_NE(both[4].title.find("pre=loaded"), std::string::npos) << both[4].title;

  // The coordinator removes sid (another worker saw it go); the server removes pre.
  auto removed = run_batch({task(5, "/echo-cookie")}, {"#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t1\tsid\tone"});
  EXPECT_EQ(removed[5].title, "pre=loaded");
  auto cleared = run_batch({task(6, "/set-cookie?v=pre%3D%3B%20Max-Age%3D0")}, {});
  EXPECT_EQ(cleared[6].cookies, (std::vector<std::string>{"127.0.0.1\tFALSE\t/\tFALSE\t1\tpre\tloaded"}));
  auto none = run_batch({task(7, "/echo-cookie")}, {});
  EXPECT_EQ(none[7].title, "");
}

TEST_F(WorkerTest, HtmlPageWithTitleAndLinks) {
  start_worker(default_config());
  const FetchResult r = fetch_one("/page");
  EXPECT_EQ(r.task_id, 1u);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.title, "The Page");
  EXPECT_EQ(r.description, "About things");
  EXPECT_EQ(r.links, (std::vector<std::string>{url("/a"), url("/b.html")}));
  EXPECT_EQ(r.etag, "\"v1\"");
  EXPECT_EQ(r.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_EQ(r.content_hash.size(), 64u);
  EXPECT_GT(r.bytes, 100u);
  EXPECT_TRUE(r.body.empty());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  EXPECT_LE(r.fetched_at_ms, now_ms);
  EXPECT_GT(r.fetched_at_ms, now_ms - 60000);
  EXPECT_LT(r.elapsed_ms, 5000u);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ASSERT_FALSE(user_agents_.empty());
    EXPECT_EQ(user_agents_.back(), "forager-test/1.0");
  }
  EXPECT_EQ(shutdown_worker(), 0);
}

TEST_F(WorkerTest, RedirectIsReportedNotFollowed) {
  start_worker(default_config());
  const FetchResult r = fetch_one("/redirect");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.redirect_to, url("/target?x=1"));
  EXPECT_TRUE(r.links.empty());
  EXPECT_EQ(hits("/redirect"), 1);
  EXPECT_EQ(hits("/target"), 0);
}

TEST_F(WorkerTest, NotFoundAndRetryAfter) {
  start_worker(default_config());
  const FetchResult r = fetch_one("/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.title, "Not here");
  const FetchResult busy = fetch_one("/busy");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.retry_after, "120");
}

TEST_F(WorkerTest, GzipBodyIsDecompressed) {
  start_worker(default_config());
  const FetchResult r = fetch_one("/gzip");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.bytes, gzipped_page().size());
  EXPECT_EQ(r.content_hash, sha256_hex(gzipped_page()));
  EXPECT_EQ(r.title, "Compressed");
  EXPECT_EQ(r.links, (std::vector<std::string>{url("/from-gzip")}));
}

TEST_F(WorkerTest, GzipBombStopsAtTheLimit) {
  start_worker(default_config());  // max_bytes 1 MiB
  const FetchResult r = fetch_one("/bomb");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.error, "too_large");
  EXPECT_EQ(r.bytes, 1u << 20);
  EXPECT_EQ(r.content_hash, sha256_hex(std::string(1u << 20, '\0')));
  EXPECT_EQ(r.content_type, "application/octet-stream");
}

TEST_F(WorkerTest, TooLargeHtmlIsStillExtracted) {
  protocol::Config config = default_config();
  config.max_bytes = 1000;
  start_worker(config);
  const FetchResult r = fetch_one("/gzip");
  EXPECT_EQ(r.error, "too_large");
  EXPECT_EQ(r.bytes, 1000u);
  EXPECT_EQ(r.title, "Compressed");
}

TEST_F(WorkerTest, SlowResponseTimesOut) {
  protocol::Config config = default_config();
  config.timeout_ms = 500;
  start_worker(config);
  const auto start = Clock::now();
  const FetchResult r = fetch_one("/slow");
  EXPECT_EQ(r.error, "timeout");
  EXPECT_EQ(r.status, 0);
  EXPECT_LT(Clock::now() - start, 2500ms);
  EXPECT_GE(r.elapsed_ms, 400u);
}

TEST_F(WorkerTest, ConnectionRefused) {
  start_worker(default_config());
  FetchTask task;
  task.task_id = 7;
  task.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  auto results = fetch({task});
  EXPECT_EQ(results[7].error, "connect");
  EXPECT_EQ(results[7].status, 0);
  EXPECT_TRUE(results[7].content_hash.empty());
}

TEST_F(WorkerTest, UnsupportedSchemeIsBadUrl) {
  start_worker(default_config());
  FetchTask task;
  task.task_id = 3;
  task.url = "ftp://127.0.0.1/file";
  auto results = fetch({task});
  EXPECT_EQ(results[3].error, "bad_url");
}

TEST_F(WorkerTest, NonHtmlIsHashedNotParsed) {
  start_worker(default_config());
  const FetchResult r = fetch_one("/image.png");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "image/png");
  EXPECT_EQ(r.bytes, png_bytes().size());
  EXPECT_EQ(r.content_hash, sha256_hex(png_bytes()));
  EXPECT_TRUE(r.links.empty());
  EXPECT_TRUE(r.title.empty());
}

// (cpp-httplib always sends a Content-Type, so sniffing is tested directly.)
TEST(FillContentTest, HtmlWithoutContentTypeIsSniffed) {
  FetchResult r;
  r.status = 200;
  fill_content(r, "<html><title>sniffed</title><a href=/s>s</a>", protocol::Purpose::kPage,
               "http://example.com/dir/");
  EXPECT_EQ(r.title, "sniffed");
  EXPECT_EQ(r.links, (std::vector<std::string>{"http://example.com/s"}));
  FetchResult binary;
  binary.status = 200;
  fill_content(binary, "\x89PNG <a href=/s>", protocol::Purpose::kPage, "http://example.com/");
  EXPECT_TRUE(binary.links.empty());
  EXPECT_EQ(binary.bytes, 16u);
}

TEST_F(WorkerTest, LegacyCharsetIsConverted) {
  start_worker(default_config());
  const FetchResult r = fetch_one("/latin1");
  EXPECT_EQ(r.title, "caf\xC3\xA9 \xE2\x80\x9Cquoted\xE2\x80\x9D");
}

TEST_F(WorkerTest, RobotsBodyIsReturned) {
  start_worker(default_config());
  const FetchResult r = fetch_one("/robots.txt", protocol::Purpose::kRobots);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, robots_txt());
  EXPECT_EQ(r.bytes, robots_txt().size());
  EXPECT_TRUE(r.links.empty());
}

TEST_F(WorkerTest, ConditionalRequest) {
  start_worker(default_config());
  FetchTask task;
  task.task_id = 5;
  task.url = url("/conditional");
  task.if_none_match = "\"v1\"";
  task.if_modified_since = "Wed, 21 Oct 2015 07:28:00 GMT";
  FetchTask fresh;
  fresh.task_id = 6;
  fresh.url = url("/conditional");
  auto results = fetch({task, fresh});
  EXPECT_EQ(results[5].status, 304);
  EXPECT_EQ(results[5].error, "");
  EXPECT_EQ(results[6].status, 200);
  EXPECT_EQ(results[6].title, "fresh");
}

TEST_F(WorkerTest, ManyTasksAreAnsweredExactlyOnce) {
  protocol::Config config = default_config();
  config.concurrency = 16;
  start_worker(config);
  std::vector<FetchTask> tasks;
  for (uint64_t i = 0; i < 200; ++i) {
    FetchTask task;
    task.task_id = 1000 + i;
    task.url = url("/many/" + std::to_string(i));
    tasks.push_back(task);
  }
  // Two batches, the second sent while the first is in flight.
  std::vector<FetchTask> first(tasks.begin(), tasks.begin() + 120);
  std::vector<FetchTask> second(tasks.begin() + 120, tasks.end());
  channel_->send(protocol::FetchBatch{first, {}});
  channel_->send(protocol::FetchBatch{second, {}});
  std::map<uint64_t, FetchResult> results;
  // (A few transfers may take a second more: cpp-httplib's listen backlog
  // of 5 drops SYNs when 16 connections open at once.)
  for (Message& message : receive(200, 30s)) {
    auto* r = std::get_if<FetchResult>(&message);
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(results.count(r->task_id), 0u);
    results[r->task_id] = *r;
  }
  ASSERT_EQ(results.size(), 200u);
  for (uint64_t i = 0; i < 200; ++i) {
    const FetchResult& r = results[1000 + i];
    EXPECT_EQ(r.status, 200) << r.error << " after " << r.elapsed_ms << " ms";
    EXPECT_EQ(r.title, "page " + std::to_string(i));
  }
  EXPECT_EQ(shutdown_worker(), 0);
  // Nothing more arrives after the results.
  std::vector<Message> extra;
  EXPECT_EQ(channel_->read_available(extra), Channel::ReadStatus::kClosed);
  EXPECT_TRUE(extra.empty());
}

TEST_F(WorkerTest, ShutdownWaitsForInFlightResults) {
  protocol::Config config = default_config();
  config.concurrency = 2;
  start_worker(config);
  std::vector<FetchTask> tasks;
  for (uint64_t i = 0; i < 5; ++i) {
    FetchTask task;
    task.task_id = 50 + i;
    task.url = url("/many/" + std::to_string(i));
    tasks.push_back(task);
  }
  channel_->send(protocol::FetchBatch{tasks, {}});
  std::vector<Message> late;
  EXPECT_EQ(shutdown_worker(&late, 5), 0);
  std::map<uint64_t, int> answered;
  for (const Message& message : late) {
    if (auto* r = std::get_if<FetchResult>(&message)) answered[r->task_id]++;
  }
  EXPECT_EQ(answered.size(), 5u);
  for (const auto& [id, count] : answered) EXPECT_EQ(count, 1) << id;
}

TEST_F(WorkerTest, EofMakesTheWorkerExit) {
  start_worker(default_config());
  channel_.reset();
  ASSERT_EQ(worker_rc_.wait_for(5s), std::future_status::ready);
  worker_thread_.join();
  EXPECT_EQ(worker_rc_.get(), 1);
}

TEST_F(WorkerTest, ProtocolErrorMakesTheWorkerExit) {
  start_worker(default_config());
  channel_->send(protocol::Ready{42});  // a kind only workers send
  EXPECT_TRUE(channel_->flush());
  ASSERT_EQ(worker_rc_.wait_for(5s), std::future_status::ready);
  worker_thread_.join();
  EXPECT_EQ(worker_rc_.get(), 1);
}

TEST_F(WorkerTest, GarbageFrameMakesTheWorkerExit) {
  start_worker(default_config());
  const char junk[] = "\xFF\xFF\xFF\xFF garbage";
  ASSERT_GT(::send(channel_->fd(), junk, sizeof(junk), MSG_NOSIGNAL), 0);
  ASSERT_EQ(worker_rc_.wait_for(5s), std::future_status::ready);
  worker_thread_.join();
  EXPECT_EQ(worker_rc_.get(), 1);
}

TEST(ResultFrameTest, LinksAreTrimmedToFitAFrame) {
  FetchResult result;
  result.task_id = 1;
  const std::string link = "https://example.com/" + std::string(4000, 'x');
  result.links.assign(5000, link);  // ~20 MB
  fit_frame(result);
  EXPECT_LT(result.links.size(), 5000u);
  std::string frame;
  protocol::encode(result, frame);
  EXPECT_LE(frame.size(), protocol::kMaxFrameBytes);
  EXPECT_EQ(frame.size(), encoded_size(result));
}

TEST(BodyCapacityTest, AnnouncedLengthIsReservedAtTheFirstWrite) {
  constexpr uint64_t kLimit = 64u << 20;
  // The whole Content-Length at once, not the doubling steps to it.
  EXPECT_EQ(body_capacity(0, 15, 16384, kLimit, 4194499), 4194499u);
  // A first write longer than the announced length: what it needs.
  EXPECT_EQ(body_capacity(0, 15, 16384, kLimit, 100), 16384u);
  // No Content-Length, or not the first write: doubling.
  EXPECT_EQ(body_capacity(0, 15, 16384, kLimit, -1), 16384u);
  EXPECT_EQ(body_capacity(0, 15, 20, kLimit, 0), 30u);
  EXPECT_EQ(body_capacity(4096, 4096, 8000, kLimit, 4194499), 8192u);
  EXPECT_EQ(body_capacity(4096, 4096, 10000, kLimit, -1), 10000u);
}

TEST(BodyCapacityTest, NeverPastTheLimit) {
  constexpr uint64_t kLimit = 1000;
  EXPECT_EQ(body_capacity(0, 15, 500, kLimit, int64_t{1} << 40), 1000u);  // a lying server
  EXPECT_EQ(body_capacity(600, 600, 1000, kLimit, -1), 1000u);           // doubling cut
  EXPECT_EQ(body_capacity(0, 15, 1000, kLimit, 5000), 1000u);
}

TEST(ErrorCodeTest, Table) {
  EXPECT_EQ(error_code(CURLE_OK, false), "");
  EXPECT_EQ(error_code(CURLE_OPERATION_TIMEDOUT, false), "timeout");
  EXPECT_EQ(error_code(CURLE_COULDNT_CONNECT, false), "connect");
  EXPECT_EQ(error_code(CURLE_COULDNT_RESOLVE_HOST, false), "dns");
  EXPECT_EQ(error_code(CURLE_PEER_FAILED_VERIFICATION, false), "tls");
  EXPECT_EQ(error_code(CURLE_SSL_CONNECT_ERROR, false), "tls");
  EXPECT_EQ(error_code(CURLE_WRITE_ERROR, true), "too_large");
  EXPECT_EQ(error_code(CURLE_WRITE_ERROR, false), "internal");
  EXPECT_EQ(error_code(CURLE_TOO_MANY_REDIRECTS, false), "too_many_redirects");
  EXPECT_EQ(error_code(CURLE_RECV_ERROR, false), "network");
  EXPECT_EQ(error_code(CURLE_PARTIAL_FILE, false), "network");
  EXPECT_EQ(error_code(CURLE_HTTP2_STREAM, false), "http2");
}

TEST(ConnectionCacheTest, KeepsManyConnectionsWithinTheDescriptorLimit) {
  const long size = connection_cache_size(32);
  EXPECT_GE(size, 32);
  EXPECT_LE(size, kMaxCachedConnections);
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur != RLIM_INFINITY) {
    EXPECT_LT(static_cast<rlim_t>(size), limit.rlim_cur);
  }
  // Far above libcurl's default of 4 per transfer: idle hosts keep theirs.
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= 2048) {
    EXPECT_EQ(size, kMaxCachedConnections);
  }
}

}  // namespace
}  // namespace forager
