// Defaults for crawl options from the environment and from a config file,
// with CLI11's own mechanisms: an option's environment variable (envname)
// and the app's config file (set_config, read by ConfigFile below).
//
// Precedence, highest first: the command line, the environment (FORAGER_*),
// the --config file, the built-in default. CLI11 reads the config file
// before the environment and only fills options the command line left
// empty, so ConfigFile drops the file's settings whose environment variable
// is set: those come from the environment instead.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace forager {

// "FORAGER_" + the option's long name in upper case with '-' as '_':
// --user-agent -> FORAGER_USER_AGENT, --db -> FORAGER_DB.
std::string option_env_name(const std::string& long_name);

// Gives every option of `cmd` with a long name (but --help and --config) its
// environment variable.
void add_env_names(CLI::App& cmd);

// The config-file reader: TOML, or INI for a *.ini file (';' comments, no
// arrays). Top-level keys are options of `command` (e.g. "crawl"), named
// without the leading "--" (user-agent = "ExampleBot/1.0"); a [command]
// section may hold them too. Repeatable options take an array in TOML
// (header = ["A: 1", "B: 2"]); flags take true or false.
class ConfigFile : public CLI::ConfigBase {
 public:
  ConfigFile(std::string command, bool ini);
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

 private:
  std::string command_;
};

// The value of the last `--config FILE` (or --config=FILE) among `argv`
// after the command word at `command_index`, or "" when there is none.
std::string find_config_argument(int argc, char** argv, int command_index);

}  // namespace forager
