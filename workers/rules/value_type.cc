#include "workers/rules/value_type.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "crawler/util/ascii.h"

namespace forager {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && ascii::is_whitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii::is_whitespace(s.back())) s.remove_suffix(1);
  return s;
}

size_t skip_digits(std::string_view s, size_t i) {
  while (i < s.size() && is_digit(s[i])) ++i;
  return i;
}

// Whether `s` is [+-]?(D+(.D*)?|.D+)([eE][+-]?D+)?
bool is_decimal(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const size_t int_start = i;
  i = skip_digits(s, i);
  bool digits = i > int_start;
  if (i < s.size() && s[i] == '.') {
    const size_t frac_start = ++i;
    i = skip_digits(s, i);
    digits = digits || i > frac_start;
  }
  if (!digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t exp_start = i;
    i = skip_digits(s, i);
    if (i == exp_start) return false;
  }
  return i == s.size();
}

nlohmann::ordered_json to_integer(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t value = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc() || end != s.data() + s.size() || s.empty() || s.front() == '+') return nullptr;
  return value;
}

nlohmann::ordered_json to_number(std::string_view s) {
  if (!is_decimal(s)) return nullptr;
  if (nlohmann::ordered_json whole = to_integer(s); !whole.is_null()) return whole;
  if (s.front() == '+') s.remove_prefix(1);
  double value = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return nullptr;
  return value;
}

nlohmann::ordered_json to_boolean(std::string_view s) {
  const std::string word = ascii::lower(s);
  if (word == "true" || word == "yes" || word == "1") return true;
  if (word == "false" || word == "no" || word == "0") return false;
  return nullptr;
}

}  // namespace

std::optional<ValueType> value_type_named(std::string_view name) {
  if (name == "string") return ValueType::kString;
  if (name == "number") return ValueType::kNumber;
  if (name == "integer") return ValueType::kInteger;
  if (name == "boolean") return ValueType::kBoolean;
  return std::nullopt;
}

nlohmann::ordered_json typed_value(std::string_view text, ValueType type) {
  switch (type) {
    case ValueType::kString: break;
    case ValueType::kNumber: return to_number(trim(text));
    case ValueType::kInteger: return to_integer(trim(text));
    case ValueType::kBoolean: return to_boolean(trim(text));
  }
  return std::string(text);
}

}  // namespace forager
