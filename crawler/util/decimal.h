// The numeric part of "1.5s" or "10MiB": shared by the duration and byte-size
// parsers.
#pragma once

#include <cstddef>
#include <string_view>

namespace forager {

// Length of the leading decimal number of `text` (digits with at most one
// '.', at least one digit), or 0 when `text` does not start with one. No sign,
// no exponent.
inline size_t decimal_prefix_length(std::string_view text) {
  size_t i = 0, digits = 0;
  bool dot = false;
  for (; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') {
      ++digits;
    } else if (text[i] == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  return digits > 0 ? i : 0;
}

}  // namespace forager
