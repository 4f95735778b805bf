// Defences against crawler traps: sites that generate URLs without end.
// Applied to every discovered link, on top of --max-depth.
#pragma once

#include <string_view>

namespace forager {

// Paths that repeat the same run of 1 to 3 segments this many times in a row
// (/a/a/a/, /a/b/a/b/a/b/) are calendar- or relative-link loops.
inline constexpr int kMaxPathRepeats = 3;

// True when the normalized URL looks like a trap: a repeated path run, or
// more than `max_query_params` query parameters (0 means no limit).
bool looks_like_trap(std::string_view normalized_url, int max_query_params);

}  // namespace forager
