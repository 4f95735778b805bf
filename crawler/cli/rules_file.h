// Reading a --rules file, shared by `crawl`, `schedule add`, `fetch` and `extract`.
#pragma once

#include <string>

namespace forager {

// Reads the rules file at `path` and checks it (workers/rules/rules.h): on
// success stores its text in `json` and returns ""; otherwise returns a
// message naming the file, the rule, the field and the selector column.
std::string load_rules_file(const std::string& path, std::string& json);

}  // namespace forager
