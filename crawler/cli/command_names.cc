#include "crawler/cli/command_names.h"

#include <algorithm>

namespace forager {

size_t edit_distance(std::string_view a, std::string_view b, size_t cap) {
  const size_t longer = std::max(a.size(), b.size()), shorter = std::min(a.size(), b.size());
  if (longer - shorter > cap || longer > 256) return cap + 1;
  // Optimal string alignment distance: three rolling rows.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        current[j] = std::min(current[j], before[j - 2] + 1);
    }
    before.swap(previous);
    previous.swap(current);
  }
  return std::min(previous[b.size()], cap + 1);
}

std::string nearest_name(std::string_view typed, const std::vector<std::string>& names) {
  if (typed.empty()) return "";
  std::string best;
  size_t best_distance = 3;
  for (const auto& name : names) {
    if (name.size() > typed.size() && name.compare(0, typed.size(), typed) == 0 && typed.size() >= 2) return name;
    const size_t d = edit_distance(typed, name, 2);
    if (d < best_distance && d * 2 < std::max(typed.size(), name.size())) {
      best_distance = d;
      best = name;
    }
  }
  return best;
}

}  // namespace forager
