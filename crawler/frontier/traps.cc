#include "crawler/frontier/traps.h"

#include <string>
#include <vector>

namespace forager {
namespace {

std::vector<std::string_view> path_segments(std::string_view url) {
  std::vector<std::string_view> segments;
  size_t scheme = url.find("://");
  size_t start = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (start == std::string_view::npos) return segments;
  size_t end = url.find_first_of("?#", start);
  std::string_view path = url.substr(start, end == std::string_view::npos ? url.npos : end - start);
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) segments.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return segments;
}

// True when some run of `width` segments repeats kMaxPathRepeats times back to back.
bool has_repeated_run(const std::vector<std::string_view>& s, size_t width) {
  size_t needed = width * kMaxPathRepeats;
  for (size_t start = 0; start + needed <= s.size(); ++start) {
    bool repeated = true;
    for (size_t i = width; i < needed && repeated; ++i) repeated = s[start + i] == s[start + i % width];
    if (repeated) return true;
  }
  return false;
}

int query_params(std::string_view url) {
  size_t q = url.find('?');
  if (q == std::string_view::npos || q + 1 == url.size()) return 0;
  int count = 1;
  for (size_t i = q + 1; i < url.size(); ++i)
    if (url[i] == '&') ++count;
  return count;
}

}  // namespace

bool looks_like_trap(std::string_view url, int max_query_params) {
  if (max_query_params > 0 && query_params(url) > max_query_params) return true;
  auto segments = path_segments(url);
  for (size_t width = 1; width <= 3; ++width)
    if (has_repeated_run(segments, width)) return true;
  return false;
}

}  // namespace forager
