// A rules field's `type` (docs/RULES.md): what a field's text becomes in the
// record's JSON.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace forager {

// kString: the text as a JSON string. The others give null when the text
// (already whitespace-trimmed) does not convert:
//   kNumber   a decimal number: optional sign, digits with an optional
//             fraction (or a fraction alone, ".5"), optional exponent;
//             "33.20" -> 33.2, "12" -> 12; no thousands separators, no
//             "inf"/"nan", nothing a double cannot hold;
//   kInteger  optional sign and digits only, within 64 bits: "12" -> 12,
//             "12.0" -> null;
//   kBoolean  true/yes/1 -> true, false/no/0 -> false, any case.
enum class ValueType { kString, kNumber, kInteger, kBoolean };

// "number", "integer", "boolean" (and "string"); nullopt for other names.
std::optional<ValueType> value_type_named(std::string_view name);

nlohmann::ordered_json typed_value(std::string_view text, ValueType type);

}  // namespace forager
