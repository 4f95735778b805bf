// Durations as people write them: "500ms", "90s", "30m", "6h", "1d", or a
// bare number of seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace forager {

// Milliseconds, or nullopt for anything else (negative, empty, overflow).
std::optional<int64_t> parse_duration_ms(std::string_view text);

}  // namespace forager
