#include "crawler/cli/rules_file.h"

#include <fstream>
#include <sstream>
#include <variant>

#include "workers/rules/rules.h"

namespace forager {

std::string load_rules_file(const std::string& path, std::string& json) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read the rules file";
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return path + ": cannot read the rules file";
  auto rules = Rules::parse(text.str());
  if (auto* error = std::get_if<std::string>(&rules)) return path + ": " + *error + " (see docs/RULES.md)";
  json = text.str();
  return "";
}

}  // namespace forager
