// `cmake --install` into a temporary prefix: the binary, forager(1), the bash
// and zsh completions, the docs and the systemd units land where README.md
// says, and the man page and completions cover every option `--help` lists.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "tests/support/forager_process.h"

namespace forager::testing {
namespace {

class InstallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/forager-install-XXXXXX";
    prefix_ = ::mkdtemp(pattern);
    const std::string command = std::string("'") + FORAGER_CMAKE + "' --install '" + FORAGER_BUILD_DIR +
                                "' --prefix '" + prefix_ + "' >'" + prefix_ + "/install.log' 2>&1";
    install_status_ = std::system(command.c_str());
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(prefix_); }
  void SetUp() override {
    ASSERT_EQ(install_status_, 0) << read_file(prefix_ + "/install.log");
  }

  static std::string installed(const std::string& relative) { return read_file(prefix_ + "/" + relative); }

  // The long options `forager COMMAND --help` lists, e.g. "--max-bytes".
  static std::set<std::string> help_options(const std::vector<std::string>& command) {
    auto result = run_forager([&] {
      auto args = command;
      args.push_back("--help");
      return args;
    }(), prefix_);
    EXPECT_EQ(result.exit_code, 0);
    std::set<std::string> options;
    static const std::regex kOption(R"(^\s+(?:-\w,)?(--[a-z][a-z0-9-]*))");
    std::istringstream lines(result.out);
    std::string line;
    std::smatch match;
    while (std::getline(lines, line))
      if (std::regex_search(line, match, kOption)) options.insert(match[1]);
    return options;
  }

  // Runs the installed bash completion for the words typed; the last word is
  // the one being completed.
  static std::string bash_complete(const std::string& words) {
    const std::string script = prefix_ + "/complete.sh";
    std::ofstream(script) << "source '" << prefix_ << "/share/bash-completion/completions/forager'\n"
                          << "COMP_WORDS=(" << words << ")\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                          << "_forager\necho \"${COMPREPLY[*]}\"\n";
    const std::string out = prefix_ + "/complete.out";
    EXPECT_EQ(std::system(("bash '" + script + "' >'" + out + "' 2>&1").c_str()), 0) << read_file(out);
    return read_file(out);
  }

  static inline std::string prefix_;
  static inline int install_status_ = -1;
};

TEST_F(InstallTest, InstallsTheBinaryManPageCompletionsDocsAndUnits) {
  for (const char* path : {"bin/forager", "share/man/man1/forager.1", "share/bash-completion/completions/forager",
                           "share/zsh/site-functions/_forager", "share/doc/forager/README.md",
                           "share/doc/forager/docs/SCHEDULING.md", "share/doc/forager/docs/RULES.md",
                           "lib/systemd/system/forager-schedule.service",
                           "lib/systemd/system/forager-schedule-once.service",
                           "lib/systemd/system/forager-schedule-once.timer"})
    EXPECT_TRUE(std::filesystem::is_regular_file(prefix_ + "/" + path)) << path;
  EXPECT_EQ(::access((prefix_ + "/bin/forager").c_str(), X_OK), 0);
  EXPECT_EQ(installed("share/man/man1/forager.1").rfind(".\\\"", 0), 0u);
  EXPECT_NE(installed("share/man/man1/forager.1").find(".TH FORAGER 1"), std::string::npos);
  EXPECT_EQ(installed("share/zsh/site-functions/_forager").rfind("#compdef forager\n", 0), 0u);
}

TEST_F(InstallTest, UnitsRunTheInstalledBinary) {
  EXPECT_NE(installed("lib/systemd/system/forager-schedule-once.service")
                .find("\nExecStart=" + prefix_ + "/bin/forager schedule run --once --db /var/lib/forager/forager.db\n"),
            std::string::npos);
  EXPECT_NE(installed("lib/systemd/system/forager-schedule.service")
                .find("\nExecStart=" + prefix_ + "/bin/forager schedule run --db /var/lib/forager/forager.db\n"),
            std::string::npos);
  // Installed disabled: nothing is enabled by installing (no symlinks in *.wants).
  EXPECT_FALSE(std::filesystem::exists(prefix_ + "/lib/systemd/system/timers.target.wants"));
}

TEST_F(InstallTest, ManPageAndCompletionsCoverEveryOptionOfHelp) {
  const std::string man = installed("share/man/man1/forager.1");
  const std::string bash = installed("share/bash-completion/completions/forager");
  const std::string zsh = installed("share/zsh/site-functions/_forager");
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"crawl"}, {"export"}, {"status"}, {"report"}, {"fetch"}, {"extract"}, {"schedule", "add"},
           {"schedule", "run"}}) {
    const auto options = help_options(command);
    EXPECT_GT(options.size(), 2u) << command[0];
    for (const auto& option : options) {
      std::string roff;
      for (char c : option) roff += c == '-' ? std::string("\\-") : std::string(1, c);
      EXPECT_NE(man.find("\\fB" + roff + "\\fR"), std::string::npos) << command[0] << " " << option << " in man";
      EXPECT_NE(bash.find(" " + option), std::string::npos) << command[0] << " " << option << " in bash";
      EXPECT_NE(zsh.find("'" + option + "["), std::string::npos) << command[0] << " " << option << " in zsh";
    }
  }
  EXPECT_GE(help_options({"crawl"}).count("--fail-on-error"), 1u);
}

TEST_F(InstallTest, BashCompletesCommandsOptionsAndValues) {
  EXPECT_EQ(bash_complete("forager cra"), "crawl\n");
  EXPECT_EQ(bash_complete("forager schedule a"), "add\n");
  EXPECT_EQ(bash_complete("forager crawl --fail-on"), "--fail-on-error\n");
  EXPECT_EQ(bash_complete("forager export --format ''"), "json jsonl csv\n");
  EXPECT_EQ(bash_complete("forager crawl --scope d"), "domain\n");
}

TEST_F(InstallTest, InstalledBinaryRuns) {
  const std::string binary = prefix_ + "/bin/forager";
  const std::string out = prefix_ + "/version.out";
  ASSERT_EQ(std::system(("'" + binary + "' --version >'" + out + "'").c_str()), 0);
  EXPECT_EQ(read_file(out).rfind("forager ", 0), 0u);
}

}  // namespace
}  // namespace forager::testing
