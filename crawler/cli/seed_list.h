// Turns `crawl` arguments into seed URLs: each argument is a URL or a file
// holding one URL per line ('#' starts a comment line, blank lines are
// skipped). Every problem is reported with the file and line it came from.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace forager {

// The normalized, deduplicated seeds in order, or a message for the user.
std::variant<std::vector<std::string>, std::string> read_seeds(const std::vector<std::string>& arguments);

}  // namespace forager
