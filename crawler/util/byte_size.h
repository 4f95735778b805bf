// Byte sizes as people write them: "10M", "512K", "1.5GiB", "65536".
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace forager {

// A non-negative decimal number with an optional suffix, binary as curl's and
// wget's: K/KiB = 1024, M/MiB = 1024^2, G/GiB = 1024^3 (case-insensitive; "KB",
// "MB", "GB" are read the same way). No suffix, "B" or "b": bytes. Rounded
// down to a whole byte. nullopt for anything else (empty, negative, unknown
// suffix, more than 2^62).
std::optional<int64_t> parse_byte_size(std::string_view text);

}  // namespace forager
