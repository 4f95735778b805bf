// read_seeds against real files in a temporary folder.
#include "crawler/cli/seed_list.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

namespace forager {
namespace {

namespace fs = std::filesystem;

class SeedListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "forager-seeds-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  static std::vector<std::string> seeds(const std::vector<std::string>& arguments) {
    auto result = read_seeds(arguments);
    if (auto* error = std::get_if<std::string>(&result)) ADD_FAILURE() << *error;
    if (auto* list = std::get_if<std::vector<std::string>>(&result)) return *list;
    return {};
  }

  static std::string error(const std::vector<std::string>& arguments) {
    auto result = read_seeds(arguments);
    if (auto* message = std::get_if<std::string>(&result)) return *message;
    ADD_FAILURE() << "expected an error";
    return "";
  }

  fs::path dir_;
};

TEST_F(SeedListTest, UrlArgumentsAreNormalized) {
  EXPECT_EQ(seeds({"HTTP://Example.COM:80/a/../b#top", "https://example.com"}),
            (std::vector<std::string>{"http://example.com/b", "https://example.com/"}));
}

TEST_F(SeedListTest, NoArgumentsGiveNoSeeds) { EXPECT_TRUE(seeds({}).empty()); }

TEST_F(SeedListTest, FileSkipsCommentsAndBlankLinesAndTrimsWhitespace) {
  std::string path = write("seeds.txt",
                           "# the shop\n"
                           "https://shop.example/\n"
                           "\n"
                           "   \t\n"
                           "  # an indented comment\n"
                           "\thttps://blog.example/posts  \n"
                           "https://docs.example/\r\n"
                           "https://last.example/");  // no final newline
  EXPECT_EQ(seeds({path}), (std::vector<std::string>{"https://shop.example/", "https://blog.example/posts",
                                                     "https://docs.example/", "https://last.example/"}));
}

TEST_F(SeedListTest, AnEmptyOrCommentOnlyFileGivesNoSeeds) {
  EXPECT_TRUE(seeds({write("empty.txt", "")}).empty());
  EXPECT_TRUE(seeds({write("comments.txt", "# one\n#two\n\n")}).empty());
}

TEST_F(SeedListTest, UrlsAndFilesMixInArgumentOrderWithoutDuplicates) {
  std::string first = write("first.txt", "https://b.example/\nhttps://a.example/\n");
  std::string second = write("second.txt", "https://A.example:443/\nhttps://c.example/\n");
  EXPECT_EQ(seeds({"https://a.example", first, second, "https://b.example/#x"}),
            (std::vector<std::string>{"https://a.example/", "https://b.example/", "https://c.example/"}));
}

TEST_F(SeedListTest, AMalformedUrlArgumentIsAnError) {
  EXPECT_EQ(error({"https://ok.example/", "ftp://files.example/"}),
            "argument: malformed URL 'ftp://files.example/' (only http and https URLs can be crawled)");
  EXPECT_EQ(error({"http://"}), "argument: malformed URL 'http://' (only http and https URLs can be crawled)");
}

TEST_F(SeedListTest, AMalformedLineNamesTheFileAndLine) {
  std::string path = write("seeds.txt", "# comment\nhttps://ok.example/\n\nexample.com/no-scheme\n");
  EXPECT_EQ(error({path}),
            path + ":4: malformed URL 'example.com/no-scheme' (only http and https URLs can be crawled)");
  // The line is reported trimmed.
  std::string spaced = write("spaced.txt", "  mailto:me@example.com  \n");
  EXPECT_EQ(error({spaced}),
            spaced + ":1: malformed URL 'mailto:me@example.com' (only http and https URLs can be crawled)");
}

TEST_F(SeedListTest, AnArgumentThatIsNeitherUrlNorFileIsAnError) {
  std::string missing = (dir_ / "missing.txt").string();
  EXPECT_EQ(error({missing}), missing + ": not a URL, and no such readable file");
  // Without "://" an argument is taken for a file name, even if it looks like a host.
  EXPECT_EQ(error({"example.com"}), "example.com: not a URL, and no such readable file");
  EXPECT_EQ(error({""}), ": not a URL, and no such readable file");
}

TEST_F(SeedListTest, TheFirstErrorStopsReading) {
  std::string path = write("seeds.txt", "bad one\nbad two\n");
  std::string message = error({"https://ok.example/", path, "also-missing"});
  EXPECT_EQ(message, path + ":1: malformed URL 'bad one' (only http and https URLs can be crawled)");
}

}  // namespace
}  // namespace forager
