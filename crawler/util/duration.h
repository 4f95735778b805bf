// Durations as people write them: "500ms", "90s", "1.5s", "30m", "6h", "1d",
// or a bare number in a unit the option chooses (seconds unless told).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace forager {

// Milliseconds in one unit of each suffix, for `plain_unit_ms` below.
inline constexpr int64_t kMillisecond = 1;
inline constexpr int64_t kSecond = 1000;

// A non-negative decimal number ("2", "0.25") with an optional suffix ms, s,
// m, h or d; a number without suffix counts `plain_unit_ms` milliseconds each.
// The result is rounded to the nearest millisecond. nullopt for anything else
// (empty, negative, an unknown suffix, overflow, "1e3", "inf").
std::optional<int64_t> parse_duration_ms(std::string_view text, int64_t plain_unit_ms = kSecond);

}  // namespace forager
