#include "crawler/util/duration.h"

#include <charconv>
#include <cmath>

#include "crawler/util/decimal.h"

namespace forager {
namespace {

int64_t unit_ms(std::string_view unit, int64_t plain_unit_ms) {
  if (unit.empty()) return plain_unit_ms;
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 3600 * 1000;
  if (unit == "d") return 86400 * 1000;
  return 0;
}

}  // namespace

std::optional<int64_t> parse_duration_ms(std::string_view text, int64_t plain_unit_ms) {
  const size_t length = decimal_prefix_length(text);
  if (length == 0 || length > 30) return std::nullopt;
  const int64_t scale = unit_ms(text.substr(length), plain_unit_ms);
  if (scale == 0) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + length, value);
  if (ec != std::errc() || end != text.data() + length) return std::nullopt;
  const double ms = std::round(value * static_cast<double>(scale));
  if (!(ms >= 0) || ms >= 9.0e18) return std::nullopt;
  return static_cast<int64_t>(ms);
}

}  // namespace forager
