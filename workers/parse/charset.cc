#include "workers/parse/charset.h"
#include "crawler/util/ascii.h"


#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <optional>
#include <vector>

namespace forager::charset {
namespace {

constexpr std::string_view kUtf8 = "UTF-8";
constexpr std::string_view kWindows1252 = "windows-1252";
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// One encoding of the WHATWG Encoding Standard: its name, the glibc iconv
// name that decodes it (nullptr: decoded by hand), and its labels.
struct EncodingDef {
  std::string_view name;
  const char* iconv_name;
  std::string_view labels;  // space separated, lower case
};

constexpr EncodingDef kEncodings[] = {
    {"UTF-8", nullptr, "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8"},
    {"IBM866", "IBM866", "866 cp866 csibm866 ibm866"},
    {"ISO-8859-2", "ISO-8859-2",
     "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2"},
    {"ISO-8859-3", "ISO-8859-3",
     "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3"},
    {"ISO-8859-4", "ISO-8859-4",
     "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4"},
    {"ISO-8859-5", "ISO-8859-5",
     "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 "
     "iso_8859-5:1988"},
    {"ISO-8859-6", "ISO-8859-6",
     "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 iso-8859-6-e "
     "iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987"},
    {"ISO-8859-7", "ISO-8859-7",
     "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 iso88597 "
     "iso_8859-7 iso_8859-7:1987 sun_eu_greek"},
    {"ISO-8859-8", "ISO-8859-8",
     "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 iso88598 "
     "iso_8859-8 iso_8859-8:1988 visual"},
    {"ISO-8859-8-I", "ISO-8859-8", "csiso88598i iso-8859-8-i logical"},
    {"ISO-8859-10", "ISO-8859-10",
     "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6"},
    {"ISO-8859-13", "ISO-8859-13", "iso-8859-13 iso8859-13 iso885913"},
    {"ISO-8859-14", "ISO-8859-14", "iso-8859-14 iso8859-14 iso885914"},
    {"ISO-8859-15", "ISO-8859-15", "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9"},
    {"ISO-8859-16", "ISO-8859-16", "iso-8859-16"},
    {"KOI8-R", "KOI8-R", "cskoi8r koi koi8 koi8-r koi8_r"},
    {"KOI8-U", "KOI8-U", "koi8-ru koi8-u"},
    {"macintosh", "MACINTOSH", "csmacintosh mac macintosh x-mac-roman"},
    {"windows-874", "CP874", "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874"},
    {"windows-1250", "CP1250", "cp1250 windows-1250 x-cp1250"},
    {"windows-1251", "CP1251", "cp1251 windows-1251 x-cp1251"},
    {"windows-1252", nullptr,
     "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 "
     "iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252"},
    {"windows-1253", "CP1253", "cp1253 windows-1253 x-cp1253"},
    {"windows-1254", "CP1254",
     "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 l5 "
     "latin5 windows-1254 x-cp1254"},
    {"windows-1255", "CP1255", "cp1255 windows-1255 x-cp1255"},
    {"windows-1256", "CP1256", "cp1256 windows-1256 x-cp1256"},
    {"windows-1257", "CP1257", "cp1257 windows-1257 x-cp1257"},
    {"windows-1258", "CP1258", "cp1258 windows-1258 x-cp1258"},
    {"x-mac-cyrillic", "MAC-CYRILLIC", "x-mac-cyrillic x-mac-ukrainian"},
    // The WHATWG GBK decoder is the gb18030 decoder.
    {"GBK", "GB18030",
     "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk"},
    {"gb18030", "GB18030", "gb18030"},
    {"Big5", "BIG5-HKSCS", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"},
    {"EUC-JP", "EUC-JP", "cseucpkdfmtjapanese euc-jp x-euc-jp"},
    {"ISO-2022-JP", "ISO-2022-JP", "csiso2022jp iso-2022-jp"},
    // WHATWG Shift_JIS and EUC-KR are Microsoft's code pages 932 and 949.
    {"Shift_JIS", "CP932",
     "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis"},
    {"EUC-KR", "CP949",
     "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 "
     "ksc_5601 windows-949"},
    {"replacement", nullptr,
     "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr replacement"},
    {"UTF-16BE", "UTF-16BE", "unicodefffe utf-16be"},
    {"UTF-16LE", "UTF-16LE",
     "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le"},
    {"x-user-defined", nullptr, "x-user-defined"},
};

bool is_ascii_whitespace(unsigned char c) { return ascii::is_whitespace(static_cast<char>(c)); }

using ascii::iequals;
constexpr char ascii_lower(char c) { return ascii::lower(c); }

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ascii_whitespace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_ascii_whitespace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

const EncodingDef* find_encoding(std::string_view name) {
  for (const EncodingDef& def : kEncodings) {
    if (def.name == name) return &def;
  }
  return nullptr;
}


// The WHATWG UTF-8 decoder: each maximal ill-formed subsequence becomes one
// U+FFFD. Valid input is copied unchanged. Returns whether the input was
// valid; `out` may be null to only validate. An incomplete sequence at the
// end counts as valid when allow_truncated_end (and is dropped from `out`
// only if out is null; with out it becomes U+FFFD).
bool utf8_decode(std::string_view in, std::string* out, bool allow_truncated_end) {
  bool valid = true;
  size_t needed = 0, seen = 0, start = 0;
  unsigned char lower = 0x80, upper = 0xBF;
  size_t copied_to = 0;  // `in` up to here is already in `out`
  auto flush_valid = [&](size_t end) {
    if (out != nullptr && end > copied_to) out->append(in.substr(copied_to, end - copied_to));
    copied_to = end;
  };
  auto emit_replacement = [&](size_t resume_at) {
    valid = false;
    if (out != nullptr) *out += kReplacementChar;
    copied_to = resume_at;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    if (needed == 0) {
      // Skip ASCII eight bytes at a time: most of any page is ASCII markup.
      while (i + 8 <= in.size()) {
        uint64_t word;
        std::memcpy(&word, in.data() + i, sizeof word);
        if ((word & 0x8080808080808080ULL) != 0) break;
        i += 8;
      }
      if (i == in.size()) break;
    }
    const auto b = static_cast<unsigned char>(in[i]);
    if (needed == 0) {
      if (b < 0x80) continue;
      flush_valid(i);
      start = i;
      if (b >= 0xC2 && b <= 0xDF) {
        needed = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        if (b == 0xE0) lower = 0xA0;
        if (b == 0xED) upper = 0x9F;
        needed = 2;
      } else if (b >= 0xF0 && b <= 0xF4) {
        if (b == 0xF0) lower = 0x90;
        if (b == 0xF4) upper = 0x8F;
        needed = 3;
      } else {
        emit_replacement(i + 1);
      }
      continue;
    }
    if (b < lower || b > upper) {
      needed = seen = 0;
      lower = 0x80;
      upper = 0xBF;
      emit_replacement(i);
      --i;  // reprocess this byte as the start of something new
      continue;
    }
    lower = 0x80;
    upper = 0xBF;
    if (++seen == needed) needed = seen = 0;
  }
  if (needed != 0) {
    if (out != nullptr) {
      flush_valid(start);
      *out += kReplacementChar;
      copied_to = in.size();
    }
    if (!allow_truncated_end) valid = false;
  } else {
    flush_valid(in.size());
  }
  return valid;
}

constexpr std::array<uint16_t, 32> kWindows1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string decode_windows_1252(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 8);
  for (char c : in) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else if (b < 0xA0) {
      append_utf8(out, kWindows1252High[b - 0x80]);
    } else {
      append_utf8(out, b);
    }
  }
  return out;
}

std::string decode_x_user_defined(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 3);
  for (char c : in) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else {
      append_utf8(out, 0xF780 + b - 0x80);
    }
  }
  return out;
}

class IconvHandle {
 public:
  explicit IconvHandle(const char* from) : cd_(iconv_open("UTF-8", from)) {}
  IconvHandle(const IconvHandle&) = delete;
  IconvHandle& operator=(const IconvHandle&) = delete;
  ~IconvHandle() {
    if (ok()) iconv_close(cd_);
  }
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

// Converts with iconv; an invalid sequence becomes U+FFFD and decoding goes
// on `unit` bytes later. Returns nullopt when iconv cannot open `from`.
std::optional<std::string> decode_iconv(std::string_view in, const char* from, size_t unit) {
  IconvHandle cd(from);
  if (!cd.ok()) return std::nullopt;
  std::string out;
  out.reserve(in.size() + in.size() / 2);
  char buffer[16384];
  char* in_ptr = const_cast<char*>(in.data());
  size_t in_left = in.size();
  while (in_left > 0) {
    char* out_ptr = buffer;
    size_t out_left = sizeof(buffer);
    const size_t rc = iconv(cd.get(), &in_ptr, &in_left, &out_ptr, &out_left);
    const int error = errno;
    const size_t produced = sizeof(buffer) - out_left;
    out.append(buffer, produced);
    if (rc != static_cast<size_t>(-1)) break;
    if (error == E2BIG && produced > 0) continue;
    if (error == EINVAL) {  // incomplete sequence at the end of the input
      out += kReplacementChar;
      break;
    }
    // EILSEQ (or anything unexpected): replace and skip one unit.
    out += kReplacementChar;
    const size_t skip = std::min(unit, in_left);
    in_ptr += skip;
    in_left -= skip;
    iconv(cd.get(), nullptr, nullptr, nullptr, nullptr);  // reset shift state
  }
  return out;
}

// The "get an attribute" step of the prescan. Returns false when there is no
// further attribute (or the input ran out).
bool get_attribute(std::string_view s, size_t& pos, std::string& name, std::string& value) {
  name.clear();
  value.clear();
  while (pos < s.size() && (is_ascii_whitespace(static_cast<unsigned char>(s[pos])) || s[pos] == '/')) {
    ++pos;
  }
  if (pos >= s.size() || s[pos] == '>') return false;
  // Attribute name.
  for (;; ++pos) {
    if (pos >= s.size()) return false;
    const char c = s[pos];
    if (c == '=' && !name.empty()) {
      ++pos;
      break;
    }
    if (is_ascii_whitespace(static_cast<unsigned char>(c))) {
      while (pos < s.size() && is_ascii_whitespace(static_cast<unsigned char>(s[pos]))) ++pos;
      if (pos >= s.size()) return false;
      if (s[pos] != '=') return true;
      ++pos;
      break;
    }
    if (c == '/' || c == '>') return true;
    name += ascii_lower(c);
  }
  // Attribute value.
  while (pos < s.size() && is_ascii_whitespace(static_cast<unsigned char>(s[pos]))) ++pos;
  if (pos >= s.size()) return false;
  const char first = s[pos];
  if (first == '"' || first == '\'') {
    for (++pos; pos < s.size(); ++pos) {
      if (s[pos] == first) {
        ++pos;
        return true;
      }
      value += ascii_lower(s[pos]);
    }
    return false;
  }
  if (first == '>') return true;
  for (; pos < s.size(); ++pos) {
    const char c = s[pos];
    if (is_ascii_whitespace(static_cast<unsigned char>(c)) || c == '>') return true;
    value += ascii_lower(c);
  }
  return false;
}

// "Extracting a character encoding from a meta element" (content attribute).
std::string_view charset_from_meta_content(std::string_view content) {
  size_t pos = 0;
  while (true) {
    size_t found = std::string_view::npos;
    for (size_t i = pos; i + 7 <= content.size(); ++i) {
      if (iequals(content.substr(i, 7), "charset")) {
        found = i;
        break;
      }
    }
    if (found == std::string_view::npos) return {};
    pos = found + 7;
    while (pos < content.size() && is_ascii_whitespace(static_cast<unsigned char>(content[pos]))) ++pos;
    if (pos >= content.size()) return {};
    if (content[pos] != '=') continue;
    ++pos;
    while (pos < content.size() && is_ascii_whitespace(static_cast<unsigned char>(content[pos]))) ++pos;
    if (pos >= content.size()) return {};
    const char first = content[pos];
    if (first == '"' || first == '\'') {
      const size_t close = content.find(first, pos + 1);
      if (close == std::string_view::npos) return {};
      return encoding_for_label(content.substr(pos + 1, close - pos - 1));
    }
    size_t end = pos;
    while (end < content.size() && !is_ascii_whitespace(static_cast<unsigned char>(content[end])) &&
           content[end] != ';') {
      ++end;
    }
    return encoding_for_label(content.substr(pos, end - pos));
  }
}

// Handles one <meta ...> whose attributes start at `pos`. Returns the
// encoding it declares, or empty.
std::string_view prescan_meta(std::string_view s, size_t& pos, bool& aborted) {
  std::string name, value;
  std::vector<std::string> seen;
  bool got_pragma = false;
  std::optional<bool> need_pragma;
  std::string_view charset;
  while (true) {
    if (!get_attribute(s, pos, name, value)) {
      aborted = pos >= s.size();  // the tag runs past the prescan window
      break;
    }
    bool duplicate = false;
    for (const std::string& n : seen) duplicate = duplicate || n == name;
    if (duplicate) continue;
    seen.push_back(name);
    if (name == "http-equiv") {
      if (value == "content-type") got_pragma = true;
    } else if (name == "content") {
      if (charset.empty()) {
        const std::string_view found = charset_from_meta_content(value);
        if (!found.empty()) {
          charset = found;
          need_pragma = true;
        }
      }
    } else if (name == "charset") {
      charset = encoding_for_label(value);
      need_pragma = false;
    }
  }
  if (aborted || !need_pragma.has_value()) return {};
  if (*need_pragma && !got_pragma) return {};
  if (charset == "UTF-16LE" || charset == "UTF-16BE") return kUtf8;
  if (charset == "x-user-defined") return kWindows1252;
  return charset;
}

// Valid UTF-8, or valid but for a sequence cut at the very end (a body cut
// at the byte limit) when complete multibyte sequences before it show that
// the text is UTF-8.
bool looks_like_utf8(std::string_view body) {
  if (utf8_decode(body, nullptr, false)) return true;
  if (!utf8_decode(body, nullptr, true)) return false;
  size_t lead = body.size();
  while (lead > 0 && body.size() - lead < 4) {
    --lead;
    if ((static_cast<unsigned char>(body[lead]) & 0xC0) == 0xC0) break;
  }
  for (size_t i = 0; i < lead; ++i) {
    if (static_cast<unsigned char>(body[i]) >= 0x80) return true;
  }
  return false;
}

}  // namespace

std::string_view encoding_for_label(std::string_view label) {
  label = trim(label);
  if (label.empty() || label.size() > 32) return {};
  for (const EncodingDef& def : kEncodings) {
    std::string_view labels = def.labels;
    while (!labels.empty()) {
      const size_t space = labels.find(' ');
      const std::string_view candidate = labels.substr(0, space);
      if (iequals(candidate, label)) return def.name;
      if (space == std::string_view::npos) break;
      labels.remove_prefix(space + 1);
    }
  }
  return {};
}

Bom sniff_bom(std::string_view body) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") return {"UTF-8", 3};
  if (body.substr(0, 2) == "\xFE\xFF") return {"UTF-16BE", 2};
  if (body.substr(0, 2) == "\xFF\xFE") return {"UTF-16LE", 2};
  return {};
}

std::string_view charset_parameter(std::string_view content_type) {
  size_t pos = content_type.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = content_type.substr(pos + 1);
    const size_t next = rest.find(';');
    std::string_view param = trim(rest.substr(0, next));
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "charset")) {
      std::string_view value = trim(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"') {
        const size_t close = value.find('"', 1);
        value = value.substr(1, close == std::string_view::npos ? value.size() - 1 : close - 1);
      }
      return trim(value);
    }
    pos = next == std::string_view::npos ? next : pos + 1 + next;
  }
  return {};
}

std::string_view prescan_meta_charset(std::string_view body) {
  const std::string_view s = body.substr(0, 1024);
  size_t pos = 0;
  while (pos < s.size()) {
    const std::string_view rest = s.substr(pos);
    if (rest.substr(0, 4) == "<!--") {
      const size_t end = s.find("-->", pos + 2);
      if (end == std::string_view::npos) return {};
      pos = end + 3;
      continue;
    }
    if (rest.size() > 5 && istarts_with(rest, "<meta") &&
        (is_ascii_whitespace(static_cast<unsigned char>(rest[5])) || rest[5] == '/')) {
      pos += 6;
      bool aborted = false;
      const std::string_view found = prescan_meta(s, pos, aborted);
      if (!found.empty()) return found;
      if (aborted) return {};
      continue;
    }
    const bool end_tag = rest.size() > 2 && rest[1] == '/';
    const size_t letter_at = end_tag ? 2 : 1;
    if (rest.size() > letter_at && rest[0] == '<' &&
        ((rest[letter_at] | 0x20) >= 'a' && (rest[letter_at] | 0x20) <= 'z')) {
      pos += letter_at;
      while (pos < s.size() && !is_ascii_whitespace(static_cast<unsigned char>(s[pos])) &&
             s[pos] != '>') {
        ++pos;
      }
      std::string name, value;
      while (get_attribute(s, pos, name, value)) {
      }
      if (pos >= s.size()) return {};
      ++pos;
      continue;
    }
    if (rest.size() >= 2 && rest[0] == '<' && (rest[1] == '!' || rest[1] == '/' || rest[1] == '?')) {
      const size_t end = s.find('>', pos + 2);
      if (end == std::string_view::npos) return {};
      pos = end + 1;
      continue;
    }
    ++pos;
  }
  return {};
}

bool is_valid_utf8(std::string_view bytes, bool allow_truncated_end) {
  return utf8_decode(bytes, nullptr, allow_truncated_end);
}

Decision decide_encoding(std::string_view body, std::string_view content_type_header) {
  const Bom bom = sniff_bom(body);
  if (!bom.encoding.empty()) return {bom.encoding, bom.length};
  const std::string_view from_header = encoding_for_label(charset_parameter(content_type_header));
  if (!from_header.empty()) return {from_header, 0};
  const std::string_view from_meta = prescan_meta_charset(body);
  if (!from_meta.empty()) return {from_meta, 0};
  if (looks_like_utf8(body)) return {kUtf8, 0};
  return {kWindows1252, 0};
}

std::string decode(std::string_view bytes, std::string_view encoding) {
  if (encoding == kUtf8) {
    std::string out;
    out.reserve(bytes.size());
    utf8_decode(bytes, &out, false);
    return out;
  }
  if (encoding == "replacement") return bytes.empty() ? std::string() : std::string(kReplacementChar);
  if (encoding == "x-user-defined") return decode_x_user_defined(bytes);
  const EncodingDef* def = find_encoding(encoding);
  if (def == nullptr || def->iconv_name == nullptr) return decode_windows_1252(bytes);
  const size_t unit = (encoding == "UTF-16LE" || encoding == "UTF-16BE") ? 2 : 1;
  std::optional<std::string> converted = decode_iconv(bytes, def->iconv_name, unit);
  if (!converted) return decode_windows_1252(bytes);
  // glibc output is UTF-8 already; this pass guarantees it.
  if (is_valid_utf8(*converted)) return std::move(*converted);
  std::string clean;
  utf8_decode(*converted, &clean, false);
  return clean;
}

std::string to_utf8(std::string body, std::string_view content_type_header) {
  const Decision decision = decide_encoding(body, content_type_header);
  if (decision.encoding == kUtf8 && decision.bom_length == 0 && is_valid_utf8(body, false)) return body;
  return decode(std::string_view(body).substr(decision.bom_length), decision.encoding);
}

}  // namespace forager::charset
