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

// Checks the records of a crawl of serve_tree_site(pages): every page once,
// fetched fine (status 200, its title), except at most `allowed_crashes`
// records with error worker_crash (a URL held by two workers that were
// killed) and the pages below those, which only a crashed page links to.
inline void expect_tree_site_once(const std::map<std::string, nlohmann::json>& records, const TestServer& site,
                                  int pages, int allowed_crashes) {
  auto record_of = [&](int i) -> const nlohmann::json* {
    auto it = records.find(site.url("/page/" + std::to_string(i)));
    return it == records.end() ? nullptr : &it->second;
  };
  auto below_a_crash = [&](int i) {
    for (; i > 0; i = (i - 1) / 2) {
      const auto* parent = record_of((i - 1) / 2);
      if (parent && (*parent)["error"] == "worker_crash") return true;
    }
    return false;
  };
  int crashed = 0;
  size_t present = 0;
  for (int i = 0; i < pages; ++i) {
    const auto* r = record_of(i);
    if (!r) {
      EXPECT_TRUE(below_a_crash(i)) << "page " << i << " missing";
      continue;
    }
    ++present;
    if ((*r)["error"] == "worker_crash") {
      ++crashed;
      continue;
    }
    EXPECT_EQ((*r)["status"], 200) << r->dump();
    EXPECT_EQ((*r)["title"], "Page " + std::to_string(i)) << r->dump();
  }
  EXPECT_EQ(records.size(), present) << "records for URLs that are not pages of the site";
  EXPECT_LE(crashed, allowed_crashes);
  if (allowed_crashes == 0) {
    EXPECT_EQ(records.size(), static_cast<size_t>(pages));
  }
}

}  // namespace forager::testing
