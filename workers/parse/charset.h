// Decides the character encoding of a fetched HTML body the WHATWG way and
// converts the body to UTF-8.
//
// Order (HTML Standard, "determining the character encoding"):
//   1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE);
//   2. the charset parameter of the HTTP Content-Type header, when its label
//      is known;
//   3. a <meta charset> / <meta http-equiv content="...charset=..."> found by
//      the prescan of the first 1024 bytes;
//   4. UTF-8 when the bytes are valid UTF-8 (a sequence cut at the very end
//      is accepted when complete multibyte sequences come before it), else
//      windows-1252.
// Labels map to encodings per the WHATWG Encoding Standard label table;
// an unknown label is skipped at steps 2 and 3.
//
// Every function here is total: any input gives valid UTF-8 output (invalid
// sequences become U+FFFD), and none throws except std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace forager::charset {

// The WHATWG name of the encoding a label stands for ("latin1" ->
// "windows-1252", "SJIS" -> "Shift_JIS"); surrounding ASCII whitespace and
// case are ignored. Empty for an unknown label.
std::string_view encoding_for_label(std::string_view label);

struct Bom {
  std::string_view encoding;  // "UTF-8", "UTF-16LE", "UTF-16BE", or empty
  size_t length = 0;          // bytes of the BOM
};
Bom sniff_bom(std::string_view body);

// The raw charset parameter of a Content-Type header value (quotes removed),
// or empty: `text/html; charset="ISO-8859-1"` -> `ISO-8859-1`.
std::string_view charset_parameter(std::string_view content_type);

// The WHATWG prescan of the first 1024 bytes for a <meta> declaring the
// encoding. Returns the encoding (UTF-16 declarations become UTF-8,
// x-user-defined becomes windows-1252), or empty when none is found.
std::string_view prescan_meta_charset(std::string_view body);

// Whether `bytes` is well-formed UTF-8. With allow_truncated_end, an
// incomplete (but so far valid) sequence at the very end is accepted, as a
// body cut at a byte limit may end inside a character.
bool is_valid_utf8(std::string_view bytes, bool allow_truncated_end = false);

// Steps 1-4 above.
struct Decision {
  std::string_view encoding;  // a WHATWG encoding name
  size_t bom_length = 0;      // bytes to skip before decoding
};
Decision decide_encoding(std::string_view body, std::string_view content_type_header);

// Decodes `bytes` (no BOM) from `encoding` (a WHATWG name) to UTF-8. An
// invalid byte becomes U+FFFD and decoding goes on with the next byte; an
// encoding that glibc iconv cannot open decodes as windows-1252.
std::string decode(std::string_view bytes, std::string_view encoding);

// decide_encoding + decode: the body as UTF-8. Takes the body by value: valid
// UTF-8 without a BOM (most of the web) is returned as it is, without a copy.
std::string to_utf8(std::string body, std::string_view content_type_header);

// Appends the UTF-8 encoding of code point `cp`; NUL, surrogates and values
// above U+10FFFF become U+FFFD. Inline: the HTML scanner calls it per
// character of the values it keeps.
inline void append_utf8(std::string& out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace forager::charset
