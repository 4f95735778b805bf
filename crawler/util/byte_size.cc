#include "crawler/util/byte_size.h"

#include <charconv>

#include "crawler/util/ascii.h"
#include "crawler/util/decimal.h"

namespace forager {
namespace {

// Bytes in one unit of `suffix`, or 0 when it is not a size suffix.
int64_t unit_bytes(std::string_view suffix) {
  std::string unit = ascii::lower(suffix);
  if (unit.empty() || unit == "b") return 1;
  if (unit.size() == 3 && unit.substr(1) == "ib") unit.resize(1);
  else if (unit.size() == 2 && unit[1] == 'b') unit.resize(1);
  if (unit == "k") return int64_t{1} << 10;
  if (unit == "m") return int64_t{1} << 20;
  if (unit == "g") return int64_t{1} << 30;
  return 0;
}

}  // namespace

std::optional<int64_t> parse_byte_size(std::string_view text) {
  const size_t length = decimal_prefix_length(text);
  if (length == 0 || length > 30) return std::nullopt;
  const int64_t unit = unit_bytes(text.substr(length));
  if (unit == 0) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + length, value);
  if (ec != std::errc() || end != text.data() + length) return std::nullopt;
  const double bytes = value * static_cast<double>(unit);
  if (!(bytes >= 0) || bytes > static_cast<double>(int64_t{1} << 62)) return std::nullopt;
  return static_cast<int64_t>(bytes);
}

}  // namespace forager
