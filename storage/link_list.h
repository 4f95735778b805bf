// How a page's links are kept in the store: one column, one link per line
// (one write per page instead of a row per link), the same on every backend.
// Normalized URLs never hold a line break; an empty link or one that does is
// left out rather than splitting into two.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace forager::storage {

std::string join_links(const std::vector<std::string>& links);
std::vector<std::string> split_links(std::string_view text);

}  // namespace forager::storage
