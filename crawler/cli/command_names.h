// Finding the command a user meant: `forager crawll` is answered with
// "unknown command 'crawll' (did you mean 'crawl'?)".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace forager {

// Edit distance (insertions, deletions, substitutions, and swaps of two
// adjacent characters) between a and b, counting at most up to `cap`: any
// larger distance is returned as cap + 1.
size_t edit_distance(std::string_view a, std::string_view b, size_t cap);

// The name among `names` closest to `typed`, when it is close enough to be a
// likely typo (at most 2 edits, and fewer than half of typed's length, or
// typed is a prefix of it); "" otherwise.
std::string nearest_name(std::string_view typed, const std::vector<std::string>& names);

}  // namespace forager
