#include "crawler/cli/option_defaults.h"

#include <cstdlib>
#include <string_view>

namespace forager {

std::string option_env_name(const std::string& long_name) {
  std::string name = "FORAGER_";
  for (char c : long_name) name += c == '-' ? '_' : (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return name;
}

void add_env_names(CLI::App& cmd) {
  for (CLI::Option* option : cmd.get_options()) {
    if (option->get_lnames().empty()) continue;
    const std::string& name = option->get_lnames().front();
    if (name == "help" || name == "config") continue;
    option->envname(option_env_name(name));
  }
}

ConfigFile::ConfigFile(std::string command, bool ini) : command_(std::move(command)) {
  if (ini) {  // as CLI::ConfigINI
    commentChar = ';';
    arrayStart = '\0';
    arrayEnd = '\0';
    arraySeparator = ' ';
  }
}

std::vector<CLI::ConfigItem> ConfigFile::from_config(std::istream& input) const {
  std::vector<CLI::ConfigItem> kept;
  for (CLI::ConfigItem& item : CLI::ConfigBase::from_config(input)) {
    const bool marker = item.name == "++" || item.name == "--";  // a section's start or end
    if (item.parents.empty() && !marker) item.parents.push_back(command_);
    if (!marker && item.parents.size() == 1 && item.parents[0] == command_) {
      const char* env = std::getenv(option_env_name(item.name).c_str());
      if (env != nullptr && *env != '\0') continue;  // the environment wins over the file
    }
    kept.push_back(std::move(item));
  }
  return kept;
}

std::string find_config_argument(int argc, char** argv, int command_index) {
  std::string path;
  for (int i = command_index + 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--config" && i + 1 < argc) {
      path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      path = std::string(arg.substr(9));
    }
  }
  return path;
}

}  // namespace forager
