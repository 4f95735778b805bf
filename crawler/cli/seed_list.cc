#include "crawler/cli/seed_list.h"

#include <fstream>
#include <unordered_set>

#include "crawler/util/url.h"

namespace forager {
namespace {

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

bool looks_like_url(const std::string& s) { return s.find("://") != std::string::npos; }

}  // namespace

std::variant<std::vector<std::string>, std::string> read_seeds(const std::vector<std::string>& arguments) {
  std::vector<std::string> seeds;
  std::unordered_set<std::string> seen;
  auto add = [&](const std::string& raw, const std::string& where) -> std::string {
    auto normalized = url::normalize(raw);
    if (!normalized) return where + ": malformed URL '" + raw + "' (only http and https URLs can be crawled)";
    if (seen.insert(*normalized).second) seeds.push_back(*normalized);
    return "";
  };
  for (const auto& argument : arguments) {
    if (looks_like_url(argument)) {
      if (auto error = add(argument, "argument"); !error.empty()) return error;
      continue;
    }
    std::ifstream file(argument);
    if (!file) return argument + ": not a URL, and no such readable file";
    std::string line;
    for (int number = 1; std::getline(file, line); ++number) {
      std::string text = trim(line);
      if (text.empty() || text[0] == '#') continue;
      if (auto error = add(text, argument + ":" + std::to_string(number)); !error.empty()) return error;
    }
    if (file.bad()) return argument + ": read error";
  }
  return seeds;
}

}  // namespace forager
