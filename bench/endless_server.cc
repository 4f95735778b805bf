// A site without end for the scale benchmark, served on 127.0.0.1 only.
//
//   g++ -O2 -std=c++17 -o endless_server endless_server.cc $(pkg-config --cflags --libs cpp-httplib) -pthread
//   endless_server PORT [PAD_BYTES] [THREADS]       (THREADS default 256)
//
// GET /p/N (N >= 1) returns a deterministic HTML page with a <title> and 10
// links to /p/(10N+k), k = 0..9, padded with PAD_BYTES (default 24000) of fixed
// filler markup so that parsing costs about what a page of the static benchmark
// site costs. Pages form a tree rooted at /p/1: every page has exactly one
// parent, so a crawl from /p/1 discovers 10 new URLs per page and never a
// duplicate. /robots.txt allows everything; anything else is 404. Every second
// it prints "served UNIX_SECONDS PAGES" on stderr, and the total on SIGTERM/SIGINT.
#include <httplib.h>

#include <chrono>
#include <csignal>
#include <thread>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

httplib::Server* g_server = nullptr;
std::atomic<uint64_t> g_served{0};

std::string filler(size_t bytes) {
  static const char* words[] = {"crawler", "frontier", "politeness", "worker", "queue",  "parser",
                                "gumbo",   "transfer", "latency",    "memory", "sqlite", "record"};
  std::string out;
  size_t i = 0;
  while (out.size() < bytes) {
    out += "<p class=\"text\">";
    for (int w = 0; w < 60; ++w) {
      out += words[(i * 7 + static_cast<size_t>(w) * 3) % 12];
      out += (w % 11 == 10) ? ". " : " ";
    }
    out += "<em>" + std::to_string(i) + "</em></p>\n";
    ++i;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [PAD_BYTES] [THREADS]\n", argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const size_t pad = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 24000;
  const std::string padding = filler(pad);

  httplib::Server server;
  g_server = &server;
  // A keep-alive connection holds a pool thread until it closes, so the pool
  // must be larger than the crawler's connections (Debian's libcpp-httplib is
  // prebuilt with a pool of max(8, cores - 1): a crawl with 64 connections
  // would stall on keep-alive timeouts).
  const size_t threads = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 256;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_keep_alive_max_count(1000000);
  server.set_keep_alive_timeout(30);
  server.set_tcp_nodelay(true);

  server.Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: *\nAllow: /\n", "text/plain");
  });
  server.Get(R"(/p/(\d{1,17}))", [&padding](const httplib::Request& req, httplib::Response& res) {
    const uint64_t n = std::strtoull(req.matches[1].str().c_str(), nullptr, 10);
    if (n == 0) {
      res.status = 404;
      return;
    }
    std::string body;
    body.reserve(padding.size() + 1024);
    body += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Endless page ";
    body += std::to_string(n);
    body += "</title></head>\n<body>\n<h1>Page ";
    body += std::to_string(n);
    body += "</h1>\n<ul>\n";
    for (int k = 0; k < 10; ++k) {
      const std::string child = std::to_string(n * 10 + static_cast<uint64_t>(k));
      body += "<li><a href=\"/p/" + child + "\">page " + child + "</a></li>\n";
    }
    body += "</ul>\n";
    body += padding;
    body += "</body></html>\n";
    res.set_content(std::move(body), "text/html");
    g_served.fetch_add(1, std::memory_order_relaxed);
  });

  auto stop = [](int) {
    if (g_server) g_server->stop();
  };
  std::signal(SIGTERM, stop);
  std::signal(SIGINT, stop);
  if (!server.bind_to_port("127.0.0.1", port)) {
    std::fprintf(stderr, "endless_server: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::fprintf(stderr, "endless_server: listening on 127.0.0.1:%d, %zu bytes of padding per page\n", port, pad);
  // Pages served so far, every second, on stderr: the crawl's pages/s over
  // time measured at the server, independent of the crawler's own reporting.
  std::atomic<bool> done{false};
  std::thread stats([&done] {
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      const double t =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      std::fprintf(stderr, "served %.2f %llu\n", t, static_cast<unsigned long long>(g_served.load()));
    }
  });
  server.listen_after_bind();
  done = true;
  stats.join();
  std::fprintf(stderr, "endless_server: served %llu pages\n", static_cast<unsigned long long>(g_served.load()));
  return 0;
}
