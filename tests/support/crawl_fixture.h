// Shared scaffolding for end-to-end crawl tests: a temporary folder, a
// loopback site, and helpers that run `forager crawl` / `forager export` and
// read the records back.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/support/forager_process.h"
#include "tests/support/test_server.h"

namespace forager::testing {

class CrawlFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/forager-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    db_ = dir_ + "/crawl.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `forager crawl` with --db and quiet progress added.
  ProcessResult crawl(std::vector<std::string> args) {
    args.insert(args.begin(), "crawl");
    args.insert(args.end(), {"--db", db_, "--quiet"});
    return run_forager(args, dir_);
  }
  ForagerProcess start_crawl(std::vector<std::string> args) {
    args.insert(args.begin(), "crawl");
    args.insert(args.end(), {"--db", db_, "--quiet"});
    return ForagerProcess(args, dir_);
  }

  // Every record of the selected runs, parsed from `export --format jsonl`.
  std::vector<nlohmann::json> records(const std::string& job = "default", const std::string& run = "latest") {
    auto result = run_forager({"export", "--db", db_, "--format", "jsonl", "--job", job, "--run", run}, dir_);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::vector<nlohmann::json> out;
    std::istringstream lines(result.out);
    std::string line;
    while (std::getline(lines, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  // Records keyed by url; fails the test if a url appears twice.
  std::map<std::string, nlohmann::json> by_url(const std::vector<nlohmann::json>& list) {
    std::map<std::string, nlohmann::json> out;
    for (const auto& r : list) {
      std::string url = r["url"].get<std::string>();
      EXPECT_EQ(out.count(url), 0u) << "two records for " << url;
      out[url] = r;
    }
    return out;
  }

  std::string dir_, db_;
};

// A site of `pages` HTML pages, /page/0 .. /page/N-1, where page i links to
// pages 2i+1 and 2i+2 (a binary tree: every page is reachable from /page/0).
inline void serve_tree_site(httplib::Server& server, int pages, int delay_ms = 0) {
  server.Get(R"(/page/(\d+))", [pages, delay_ms](const httplib::Request& request, httplib::Response& response) {
    int i = std::stoi(request.matches[1]);
    if (i >= pages) {
      response.status = 404;
      return;
    }
    if (delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    std::string body = "<html><head><title>Page " + std::to_string(i) + "</title></head><body>";
    for (int child : {2 * i + 1, 2 * i + 2})
      if (child < pages) body += "<a href=\"/page/" + std::to_string(child) + "\">child</a>";
    body += "</body></html>";
    response.set_content(body, "text/html");
  });
}

}  // namespace forager::testing
