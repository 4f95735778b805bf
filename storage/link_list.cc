#include "storage/link_list.h"

namespace forager::storage {

std::string join_links(const std::vector<std::string>& links) {
  std::string out;
  for (const std::string& link : links) {
    if (link.empty() || link.find('\n') != std::string::npos) continue;
    if (!out.empty()) out += '\n';
    out += link;
  }
  return out;
}

std::vector<std::string> split_links(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    out.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace forager::storage
