#include "crawler/util/whatwg_url.h"

#include <unicode/uidna.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "crawler/util/ascii.h"

namespace forager::url::whatwg {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(int c) { return c >= '0' && c <= '9'; }
bool is_alnum(int c) { return is_alpha(c) || is_digit(c); }

int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ---- percent-encode sets (https://url.spec.whatwg.org/#percent-encoded-bytes) ----------

enum EncodeSet : uint8_t {
  kFragmentSet = 1,
  kSpecialQuerySet = 2,
  kPathSet = 4,
  kUserinfoSet = 8,
};

constexpr std::array<uint8_t, 256> make_encode_sets() {
  std::array<uint8_t, 256> sets{};
  for (int c = 0; c < 256; ++c) {
    const bool c0 = c < 0x20 || c > 0x7E;
    const bool fragment = c0 || c == ' ' || c == '"' || c == '<' || c == '>' || c == '`';
    const bool query = c0 || c == ' ' || c == '"' || c == '#' || c == '<' || c == '>';
    const bool special_query = query || c == '\'';
    const bool path = query || c == '?' || c == '`' || c == '{' || c == '}';
    const bool userinfo = path || c == '/' || c == ':' || c == ';' || c == '=' || c == '@' ||
                          (c >= '[' && c <= '^') || c == '|';
    sets[c] = static_cast<uint8_t>((fragment ? kFragmentSet : 0) | (special_query ? kSpecialQuerySet : 0) |
                                   (path ? kPathSet : 0) | (userinfo ? kUserinfoSet : 0));
  }
  return sets;
}

constexpr std::array<uint8_t, 256> kEncodeSets = make_encode_sets();

void append_encoded(int c, EncodeSet set, std::string& out) {
  const auto byte = static_cast<unsigned char>(c);
  if ((kEncodeSets[byte] & set) != 0) {
    out += '%';
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  } else {
    out += static_cast<char>(byte);
  }
}

// ---- IPv4 (https://url.spec.whatwg.org/#concept-ipv4-parser) ---------------------------

// Values past 2^40 are all the same to the IPv4 parser (too big): saturate there.
constexpr uint64_t kNumberCap = uint64_t{1} << 40;

std::optional<uint64_t> parse_ipv4_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    radix = 16;
  } else if (s.size() >= 2 && s[0] == '0') {
    s.remove_prefix(1);
    radix = 8;
  }
  uint64_t value = 0;
  for (char ch : s) {
    const int digit = hex_value(static_cast<unsigned char>(ch));
    if (digit < 0 || digit >= radix) return std::nullopt;
    value = value * static_cast<uint64_t>(radix) + static_cast<uint64_t>(digit);
    if (value > kNumberCap) value = kNumberCap;
  }
  return value;
}

// Splits `host` into `labels`, without an empty last label (a trailing dot). Returns the
// number of labels, or labels.size() + 1 when there are more than fit.
size_t split_labels(std::string_view host, std::array<std::string_view, 5>& labels) {
  if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
  size_t count = 0;
  size_t start = 0;
  while (count < labels.size()) {
    const size_t dot = host.find('.', start);
    labels[count++] = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (dot == std::string_view::npos) return count;
    start = dot + 1;
  }
  return count + 1;  // more than labels.size()
}

bool ends_in_a_number(std::string_view host) {
  if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
  const size_t dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  bool digits = true;
  for (char ch : last) digits = digits && is_digit(static_cast<unsigned char>(ch));
  return digits || parse_ipv4_number(last).has_value();
}

std::optional<std::string> parse_ipv4(std::string_view host) {
  std::array<std::string_view, 5> labels;
  const size_t count = split_labels(host, labels);
  if (count > 4) return std::nullopt;
  std::array<uint64_t, 4> numbers{};
  for (size_t i = 0; i < count; ++i) {
    const std::optional<uint64_t> number = parse_ipv4_number(labels[i]);
    if (!number) return std::nullopt;
    if (i + 1 < count && *number > 255) return std::nullopt;
    numbers[i] = *number;
  }
  const uint64_t last = numbers[count - 1];
  if (last >= (uint64_t{1} << (8 * (5 - count)))) return std::nullopt;
  uint64_t address = last;
  for (size_t i = 0; i + 1 < count; ++i) address += numbers[i] << (8 * (3 - i));
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address >> shift) & 0xFF);
    if (shift > 0) out += '.';
  }
  return out;
}

// ---- IPv6 (https://url.spec.whatwg.org/#concept-ipv6-parser) ---------------------------

using Ipv6 = std::array<uint16_t, 8>;

// The IPv4 part at the end of an IPv6 address, into two pieces from `piece`.
bool parse_embedded_ipv4(std::string_view in, size_t& p, Ipv6& address, size_t& piece) {
  if (piece > 6) return false;
  int numbers_seen = 0;
  while (p < in.size()) {
    if (numbers_seen > 0) {
      if (in[p] != '.' || numbers_seen >= 4) return false;
      ++p;
    }
    if (p >= in.size() || !is_digit(static_cast<unsigned char>(in[p]))) return false;
    int value = -1;
    while (p < in.size() && is_digit(static_cast<unsigned char>(in[p]))) {
      const int digit = in[p] - '0';
      if (value == 0) return false;  // no leading zeros
      value = value < 0 ? digit : value * 10 + digit;
      if (value > 255) return false;
      ++p;
    }
    address[piece] = static_cast<uint16_t>(address[piece] * 0x100 + value);
    ++numbers_seen;
    if (numbers_seen == 2 || numbers_seen == 4) ++piece;
  }
  return numbers_seen == 4;
}

std::optional<Ipv6> parse_ipv6(std::string_view in) {
  Ipv6 address{};
  size_t piece = 0;
  std::optional<size_t> compress;
  size_t p = 0;
  auto at = [&](size_t i) -> int { return i < in.size() ? static_cast<unsigned char>(in[i]) : -1; };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return std::nullopt;
    p += 2;
    compress = ++piece;
  }
  while (p < in.size()) {
    if (piece == 8) return std::nullopt;
    if (at(p) == ':') {
      if (compress) return std::nullopt;
      ++p;
      compress = ++piece;
      continue;
    }
    int value = 0;
    size_t length = 0;
    while (length < 4 && hex_value(at(p)) >= 0) {
      value = value * 16 + hex_value(at(p));
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      if (length == 0) return std::nullopt;
      p -= length;
      if (!parse_embedded_ipv4(in, p, address, piece)) return std::nullopt;
      break;
    }
    if (at(p) == ':') {
      ++p;
      if (p >= in.size()) return std::nullopt;
    } else if (p < in.size()) {
      return std::nullopt;
    }
    address[piece++] = static_cast<uint16_t>(value);
  }
  if (compress) {
    size_t swaps = piece - *compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(address[piece], address[*compress + swaps - 1]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return std::nullopt;
  }
  return address;
}

std::string serialize_ipv6(const Ipv6& address) {
  // The first longest run of two or more zero pieces is written "::".
  int compress = -1;
  int best = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && address[j] == 0) ++j;
    if (j - i > best) {
      best = j - i;
      compress = i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out = "[";
  for (int i = 0; i < 8; ++i) {
    if (i == compress) {
      out += i == 0 ? "::" : ":";
      i += best - 1;
      continue;
    }
    static constexpr char kLowerHex[] = "0123456789abcdef";
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int digit = (address[i] >> shift) & 0xF;
      if (digit != 0 || started || shift == 0) {
        out += kLowerHex[digit];
        started = true;
      }
    }
    if (i != 7) out += ':';
  }
  out += ']';
  return out;
}

// ---- domains (https://url.spec.whatwg.org/#concept-domain-to-ascii) ---------------------

const UIDNA* uts46() {
  static UIDNA* const idna = [] {
    UErrorCode error = U_ZERO_ERROR;
    UIDNA* opened =
        uidna_openUTS46(UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII, &error);
    return U_SUCCESS(error) ? opened : nullptr;
  }();
  return idna;
}

// UTS #46 ToASCII with the standard's options. ICU always applies CheckHyphens and
// VerifyDnsLength; the standard turns both off, so their errors are ignored (as Chromium
// does).
std::optional<std::string> uts46_to_ascii(std::string_view domain) {
  const UIDNA* idna = uts46();
  if (idna == nullptr) return std::nullopt;
  constexpr uint32_t kIgnored = UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                                UIDNA_ERROR_DOMAIN_NAME_TOO_LONG | UIDNA_ERROR_LEADING_HYPHEN |
                                UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4;
  std::string out(domain.size() * 4 + 64, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    UErrorCode error = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    const int32_t length =
        uidna_nameToASCII_UTF8(idna, domain.data(), static_cast<int32_t>(domain.size()), out.data(),
                               static_cast<int32_t>(out.size()), &info, &error);
    if (error == U_BUFFER_OVERFLOW_ERROR && length > 0) {
      out.assign(static_cast<size_t>(length), '\0');
      continue;
    }
    if (U_FAILURE(error) || (info.errors & ~kIgnored) != 0) return std::nullopt;
    out.resize(static_cast<size_t>(length));
    return out;
  }
  return std::nullopt;
}

bool needs_uts46(std::string_view domain) {
  for (size_t i = 0; i < domain.size(); ++i) {
    if (static_cast<unsigned char>(domain[i]) >= 0x80) return true;
    const bool label_start = i == 0 || domain[i - 1] == '.';
    if (label_start && domain.size() - i >= 4 && ascii::lower(domain[i]) == 'x' &&
        ascii::lower(domain[i + 1]) == 'n' && domain[i + 2] == '-' && domain[i + 3] == '-') {
      return true;
    }
  }
  return false;
}

bool is_forbidden_domain_code_point(unsigned char c) {
  if (c <= 0x20 || c == 0x7F) return true;
  switch (c) {
    case '#': case '%': case '/': case ':': case '<': case '>': case '?': case '@':
    case '[': case '\\': case ']': case '^': case '|':
      return true;
    default:
      return false;
  }
}

std::optional<std::string> domain_to_ascii(const std::string& domain) {
  std::string result;
  if (needs_uts46(domain)) {
    std::optional<std::string> mapped = uts46_to_ascii(domain);
    if (!mapped) return std::nullopt;
    result = std::move(*mapped);
  } else {
    // On ASCII without "xn--" labels, ToASCII with these options is lower-casing.
    result = domain;
    for (char& c : result) c = ascii::lower(c);
  }
  if (result.empty()) return std::nullopt;
  for (char c : result) {
    if (is_forbidden_domain_code_point(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return result;
}

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_value(static_cast<unsigned char>(in[i + 1])) >= 0 &&
        hex_value(static_cast<unsigned char>(in[i + 2])) >= 0) {
      out += static_cast<char>(hex_value(static_cast<unsigned char>(in[i + 1])) * 16 +
                               hex_value(static_cast<unsigned char>(in[i + 2])));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// https://url.spec.whatwg.org/#concept-host-parser for a special scheme.
std::optional<std::string> parse_host(std::string_view input) {
  if (input.front() == '[') {
    if (input.size() < 2 || input.back() != ']') return std::nullopt;
    const std::optional<Ipv6> address = parse_ipv6(input.substr(1, input.size() - 2));
    if (!address) return std::nullopt;
    return serialize_ipv6(*address);
  }
  std::optional<std::string> domain = domain_to_ascii(percent_decode(input));
  if (!domain) return std::nullopt;
  if (ends_in_a_number(*domain)) return parse_ipv4(*domain);
  return domain;
}

// ---- the state machine (https://url.spec.whatwg.org/#concept-basic-url-parser) ----------

// Strips leading and trailing C0 controls and spaces, removes tabs and newlines.
std::string preprocess(std::string_view in) {
  while (!in.empty() && static_cast<unsigned char>(in.front()) <= 0x20) in.remove_prefix(1);
  while (!in.empty() && static_cast<unsigned char>(in.back()) <= 0x20) in.remove_suffix(1);
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (c != '\t' && c != '\n' && c != '\r') out += c;
  }
  return out;
}

bool is_single_dot(std::string_view s) {
  return s == "." || (s.size() == 3 && s[0] == '%' && s[1] == '2' && ascii::lower(s[2]) == 'e');
}

bool is_double_dot(std::string_view s) {
  if (s == "..") return true;
  if (s.size() == 4) return (s[0] == '.' && is_single_dot(s.substr(1))) || (is_single_dot(s.substr(0, 3)) && s[3] == '.');
  return s.size() == 6 && is_single_dot(s.substr(0, 3)) && is_single_dot(s.substr(3));
}

void shorten(std::string& path) {
  if (!path.empty()) path.erase(path.rfind('/'));
}

enum class State {
  kSchemeStart,
  kScheme,
  kNoScheme,
  kSpecialRelativeOrAuthority,
  kSpecialAuthoritySlashes,
  kSpecialAuthorityIgnoreSlashes,
  kRelative,
  kRelativeSlash,
  kAuthority,
  kHost,
  kPort,
  kPathStart,
  kPath,
  kQuery,
  kFragment,
};

constexpr int kEof = -1;

bool ends_authority(int c) { return c == kEof || c == '/' || c == '?' || c == '#' || c == '\\'; }

void copy_authority(const Url& from, Url& to) {
  to.username = from.username;
  to.password = from.password;
  to.host = from.host;
  to.port = from.port;
}

class Parser {
 public:
  Parser(std::string input, const Url* base, Fragment fragment)
      : input_(std::move(input)), base_(base), keep_fragment_(fragment == Fragment::kKeep) {}

  std::optional<Url> run() {
    const auto n = static_cast<std::ptrdiff_t>(input_.size());
    for (p_ = 0;; ++p_) {
      const int c = p_ < n ? static_cast<unsigned char>(input_[static_cast<size_t>(p_)]) : kEof;
      if (!step(c)) return std::nullopt;
      if (done_ || p_ >= n) break;
    }
    return std::move(url_);
  }

 private:
  int next() const {
    const auto i = static_cast<size_t>(p_ + 1);
    return i < input_.size() ? static_cast<unsigned char>(input_[i]) : kEof;
  }

  void start_fragment() {
    if (keep_fragment_) {
      url_.fragment.emplace();
      state_ = State::kFragment;
    } else {
      done_ = true;  // nothing after the "#" can change the rest
    }
  }

  // One run of the state machine on `c`; false: failure.
  bool step(int c) {
    switch (state_) {
      case State::kSchemeStart:
        if (is_alpha(c)) {
          buffer_ += ascii::lower(static_cast<char>(c));
          state_ = State::kScheme;
        } else {
          state_ = State::kNoScheme;
          --p_;
        }
        return true;
      case State::kScheme:
        return scheme(c);
      case State::kNoScheme:
        if (base_ == nullptr) return false;
        state_ = State::kRelative;
        --p_;
        return true;
      case State::kSpecialRelativeOrAuthority:
        if (c == '/' && next() == '/') {
          state_ = State::kSpecialAuthorityIgnoreSlashes;
          ++p_;
        } else {
          state_ = State::kRelative;
          --p_;
        }
        return true;
      case State::kSpecialAuthoritySlashes:
        state_ = State::kSpecialAuthorityIgnoreSlashes;
        if (c == '/' && next() == '/') {
          ++p_;
        } else {
          --p_;
        }
        return true;
      case State::kSpecialAuthorityIgnoreSlashes:
        if (c != '/' && c != '\\') {
          state_ = State::kAuthority;
          --p_;
        }
        return true;
      case State::kRelative:
        relative(c);
        return true;
      case State::kRelativeSlash:
        if (c == '/' || c == '\\') {
          state_ = State::kSpecialAuthorityIgnoreSlashes;
        } else {
          copy_authority(*base_, url_);
          state_ = State::kPath;
          --p_;
        }
        return true;
      case State::kAuthority:
        return authority(c);
      case State::kHost:
        return host(c);
      case State::kPort:
        return port(c);
      case State::kPathStart:
        state_ = State::kPath;
        if (c != '/' && c != '\\') --p_;
        return true;
      case State::kPath:
        path(c);
        return true;
      case State::kQuery:
        if (c == '#') {
          start_fragment();
        } else if (c != kEof) {
          append_encoded(c, kSpecialQuerySet, *url_.query);
        }
        return true;
      case State::kFragment:
        if (c != kEof) append_encoded(c, kFragmentSet, *url_.fragment);
        return true;
    }
    return false;
  }

  bool scheme(int c) {
    if (is_alnum(c) || c == '+' || c == '-' || c == '.') {
      buffer_ += ascii::lower(static_cast<char>(c));
      return true;
    }
    if (c != ':') {  // no scheme after all: start over
      buffer_.clear();
      state_ = State::kNoScheme;
      p_ = -1;
      return true;
    }
    if (buffer_ == "http") {
      url_.https = false;
    } else if (buffer_ == "https") {
      url_.https = true;
    } else {
      return false;  // a scheme forager does not follow
    }
    buffer_.clear();
    state_ = base_ != nullptr && base_->https == url_.https ? State::kSpecialRelativeOrAuthority
                                                           : State::kSpecialAuthoritySlashes;
    return true;
  }

  void relative(int c) {
    url_.https = base_->https;
    if (c == '/' || c == '\\') {
      state_ = State::kRelativeSlash;
      return;
    }
    copy_authority(*base_, url_);
    url_.path = base_->path;
    url_.query = base_->query;
    if (c == '?') {
      url_.query.emplace();
      state_ = State::kQuery;
    } else if (c == '#') {
      start_fragment();
    } else if (c != kEof) {
      url_.query.reset();
      shorten(url_.path);
      state_ = State::kPath;
      --p_;
    }
  }

  bool authority(int c) {
    if (c == '@') {
      if (at_sign_seen_) buffer_.insert(0, "%40");
      at_sign_seen_ = true;
      for (char ch : buffer_) {
        if (ch == ':' && !password_token_seen_) {
          password_token_seen_ = true;
          continue;
        }
        append_encoded(static_cast<unsigned char>(ch), kUserinfoSet,
                       password_token_seen_ ? url_.password : url_.username);
      }
      buffer_.clear();
    } else if (ends_authority(c)) {
      if (at_sign_seen_ && buffer_.empty()) return false;
      p_ -= static_cast<std::ptrdiff_t>(buffer_.size()) + 1;
      buffer_.clear();
      state_ = State::kHost;
    } else {
      buffer_ += static_cast<char>(c);
    }
    return true;
  }

  bool host(int c) {
    if (c == ':' && !inside_brackets_) {
      if (buffer_.empty()) return false;
      state_ = State::kPort;
    } else if (ends_authority(c)) {
      --p_;
      if (buffer_.empty()) return false;
      state_ = State::kPathStart;
    } else {
      if (c == '[') inside_brackets_ = true;
      if (c == ']') inside_brackets_ = false;
      buffer_ += static_cast<char>(c);
      return true;
    }
    std::optional<std::string> parsed = parse_host(buffer_);
    if (!parsed) return false;
    url_.host = std::move(*parsed);
    buffer_.clear();
    return true;
  }

  bool port(int c) {
    if (is_digit(c)) {
      buffer_ += static_cast<char>(c);
      return true;
    }
    if (!ends_authority(c)) return false;
    if (!buffer_.empty()) {
      int value = 0;
      for (char digit : buffer_) {
        value = value * 10 + (digit - '0');
        if (value > 65535) return false;
      }
      url_.port = value == (url_.https ? 443 : 80) ? -1 : value;
      buffer_.clear();
    }
    state_ = State::kPathStart;
    --p_;
    return true;
  }

  void path(int c) {
    const bool slash = c == '/' || c == '\\';
    if (!slash && c != kEof && c != '?' && c != '#') {
      append_encoded(c, kPathSet, buffer_);
      return;
    }
    if (is_double_dot(buffer_)) {
      shorten(url_.path);
      if (!slash) url_.path += '/';
    } else if (is_single_dot(buffer_)) {
      if (!slash) url_.path += '/';
    } else {
      url_.path += '/';
      url_.path += buffer_;
    }
    buffer_.clear();
    if (c == '?') {
      url_.query.emplace();
      state_ = State::kQuery;
    } else if (c == '#') {
      start_fragment();
    }
  }

  const std::string input_;
  const Url* const base_;
  const bool keep_fragment_;
  Url url_;
  State state_ = State::kSchemeStart;
  std::ptrdiff_t p_ = 0;
  std::string buffer_;
  bool at_sign_seen_ = false;
  bool inside_brackets_ = false;
  bool password_token_seen_ = false;
  bool done_ = false;
};

}  // namespace

void Url::append_origin_and_userinfo(std::string& out) const {
  out += scheme();
  out += "://";
  if (!username.empty() || !password.empty()) {
    out += username;
    if (!password.empty()) {
      out += ':';
      out += password;
    }
    out += '@';
  }
  out += host;
  if (port >= 0) {
    out += ':';
    out += std::to_string(port);
  }
}

std::string Url::href() const {
  std::string out;
  out.reserve(16 + username.size() + password.size() + host.size() + path.size() +
              (query ? query->size() : 0) + (fragment ? fragment->size() : 0));
  append_origin_and_userinfo(out);
  out += path;
  if (query) {
    out += '?';
    out += *query;
  }
  if (fragment) {
    out += '#';
    out += *fragment;
  }
  return out;
}

std::optional<Url> parse(std::string_view input, const Url* base, Fragment fragment) {
  return Parser(preprocess(input), base, fragment).run();
}

}  // namespace forager::url::whatwg
