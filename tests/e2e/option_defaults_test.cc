// Defaults for crawl options from the environment (FORAGER_*) and from
// --config FILE: flags win over the environment, which wins over the file,
// which wins over the built-in defaults.
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class OptionDefaultsTest : public CrawlFixture {
 protected:
  void SetUp() override {
    CrawlFixture::SetUp();
    site_.server().Get("/", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      agents_.push_back(req.get_header_value("User-Agent") + "|" + req.get_header_value("X-From"));
      res.set_content("<title>t</title>", "text/html");
    });
    site_.start();
  }
  void TearDown() override {
    for (const char* name : {"FORAGER_USER_AGENT", "FORAGER_DB", "FORAGER_IGNORE_ROBOTS", "FORAGER_HEADER",
                             "FORAGER_MAX_BYTES"})
      ::unsetenv(name);
    CrawlFixture::TearDown();
  }
  // Crawls the site's one page; returns what the server saw ("UA|X-From").
  std::string seen_by_one_crawl(std::vector<std::string> args) {
    agents_.clear();
    args.insert(args.begin(), {site_.url("/"), "--job", "j" + std::to_string(++crawls_)});
    auto result = crawl(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::lock_guard<std::mutex> lock(mutex_);
    return agents_.size() == 1 ? agents_[0] : "requests: " + std::to_string(agents_.size());
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }

  TestServer site_;
  std::mutex mutex_;
  std::vector<std::string> agents_;
  int crawls_ = 0;
};

TEST_F(OptionDefaultsTest, FlagsBeatTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault) {
  const std::string toml = write("forager.toml",
                                 "# crawl defaults\n"
                                 "user-agent = \"FileBot/1.0 (+https://example.org/bot)\"\n"
                                 "ignore-robots = true\n"
                                 "header = [\"X-From: file\"]\n");
  EXPECT_EQ(seen_by_one_crawl({"--ignore-robots"}), "forager/" FORAGER_VERSION "|");
  EXPECT_EQ(seen_by_one_crawl({"--config", toml}), "FileBot/1.0 (+https://example.org/bot)|file");
  ::setenv("FORAGER_USER_AGENT", "EnvBot/2.0", 1);
  ::setenv("FORAGER_HEADER", "X-From: env", 1);
  EXPECT_EQ(seen_by_one_crawl({"--config", toml}), "EnvBot/2.0|env");
  EXPECT_EQ(seen_by_one_crawl({"--config=" + toml, "--user-agent", "FlagBot/3.0", "--header", "X-From: flag"}),
            "FlagBot/3.0|flag");
  // The environment alone; a flag named by the environment.
  ::setenv("FORAGER_IGNORE_ROBOTS", "true", 1);
  EXPECT_EQ(seen_by_one_crawl({}), "EnvBot/2.0|env");
}

TEST_F(OptionDefaultsTest, IniFilesAndSectionsWork) {
  const std::string ini = write("forager.ini", "; crawl defaults\n[crawl]\nuser-agent=\"IniBot/1.0\"\nignore-robots=true\n");
  EXPECT_EQ(seen_by_one_crawl({"--config", ini}), "IniBot/1.0|");
}

TEST_F(OptionDefaultsTest, ForagerDbIsEveryCommandsStore) {
  const std::string store = dir_ + "/from-env.db";
  ::setenv("FORAGER_DB", store.c_str(), 1);
  // crawl() adds --db db_: run it directly without.
  auto result = run_forager({"crawl", site_.url("/"), "--ignore-robots", "--quiet"}, dir_);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::filesystem::exists(store));
  auto exported = run_forager({"export", "--format", "jsonl"}, dir_);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(nlohmann::json::parse(exported.out)["title"], "t");
  EXPECT_EQ(run_forager({"status"}, dir_).exit_code, 0);
  // A crawl option's variable is the crawl's business only.
  ::setenv("FORAGER_MAX_BYTES", "10X", 1);
  EXPECT_EQ(run_forager({"status"}, dir_).exit_code, 0);
  auto refused = run_forager({"crawl", site_.url("/")}, dir_);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("forager crawl: --max-bytes: '10X' is not a size"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/forager.db"));
}

TEST_F(OptionDefaultsTest, BadConfigFilesAreWrongUsage) {
  auto missing = crawl({site_.url("/"), "--config", dir_ + "/none.toml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("forager crawl: --config: cannot read"), std::string::npos) << missing.err;
  auto unknown = crawl({site_.url("/"), "--config", write("bad.toml", "user-agnet = \"x\"\n")});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("user-agnet"), std::string::npos) << unknown.err;
  auto bad_value = crawl({site_.url("/"), "--config", write("bad2.toml", "max-bytes = \"10X\"\n")});
  EXPECT_EQ(bad_value.exit_code, 2);
  EXPECT_NE(bad_value.err.find("'10X' is not a size"), std::string::npos) << bad_value.err;
  EXPECT_FALSE(std::filesystem::exists(db_));
}

TEST_F(OptionDefaultsTest, AScheduleStoresTheOptionsItWasGiven) {
  // --config is stored and read by each crawl the schedule starts; the
  // environment of `schedule add` is not stored.
  ::setenv("FORAGER_USER_AGENT", "EnvBot/2.0", 1);
  const std::string toml = write("s.toml", "ignore-robots = true\nheader = [\"X-From: file\"]\n");
  auto added = run_forager({"schedule", "add", "nightly", "--every", "1h", "--db", db_, "--config", toml,
                            "--quiet", site_.url("/")},
                           dir_);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  ::unsetenv("FORAGER_USER_AGENT");
  agents_.clear();
  auto ran = run_forager({"schedule", "run", "--once", "--db", db_}, dir_);
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(agents_, (std::vector<std::string>{"forager/" FORAGER_VERSION "|file"}));
  for (const auto& request : site_.requests()) EXPECT_EQ(request.find("robots.txt"), std::string::npos) << request;
}

}  // namespace
}  // namespace forager::testing
