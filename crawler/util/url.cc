#include "crawler/util/url.h"
#include "crawler/util/ascii.h"


#include <arpa/inet.h>
#include <curl/curl.h>
#include <libpsl.h>
#include <locale.h>

#include <memory>

namespace forager::url {
namespace {

// ---- RAII owners for libcurl URL objects ------------------------------------------

struct CurluDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
using CurluPtr = std::unique_ptr<CURLU, CurluDeleter>;

struct CurlFree {
  void operator()(char* text) const { curl_free(text); }
};
using CurlString = std::unique_ptr<char, CurlFree>;

// One parse handle per thread, reused for every call on that thread.
CURLU* thread_handle() {
  thread_local CurluPtr handle(curl_url());
  return handle.get();
}

// libcurl 7.88 converts IDN host names with idn2_lookup_ul(), which reads the host in
// the current locale's encoding. Hosts reach us as UTF-8, so the conversion runs under a
// thread-local C.UTF-8 locale (uselocale() affects this thread only).
class ScopedUtf8Locale {
 public:
  ScopedUtf8Locale() {
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
    if (utf8 != locale_t{}) previous_ = uselocale(utf8);
  }
  ~ScopedUtf8Locale() {
    if (previous_ != locale_t{}) uselocale(previous_);
  }
  ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
  ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

 private:
  locale_t previous_{};
};

// ---- character classes ----------------------------------------------------------

constexpr char kHex[] = "0123456789ABCDEF";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

// Octets that may not appear literally in a URI (RFC 3986 section 2).
bool needs_encoding(unsigned char c) {
  if (c <= 0x20 || c >= 0x7F) return true;
  switch (c) {
    case '"': case '<': case '>': case '\\': case '^': case '`': case '{': case '|':
    case '}':
      return true;
    default:
      return false;
  }
}

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}


void append_escapes_normalized(std::string_view in, std::string& out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
        hex_value(in[i + 2]) >= 0) {
      const auto decoded =
          static_cast<unsigned char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      if (is_unreserved(decoded)) {
        out += static_cast<char>(decoded);
      } else {
        out += '%';
        out += kHex[decoded >> 4];
        out += kHex[decoded & 0xF];
      }
      i += 2;
    } else if (needs_encoding(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
}

// ---- input cleanup ----------------------------------------------------------------

// Browser-style cleanup of an href or typed URL into `out`: trims C0 controls and
// spaces at both ends, removes tab/CR/LF, encodes inner spaces as %20 (libcurl would
// write '+' in the query), writes a '%' that starts no escape as %25, and turns
// %2e into '.' before libcurl removes dot segments (as browsers do), so that
// normalizing a normalized URL changes nothing. Returns false on any other
// control character.
bool clean_input(std::string_view in, std::string& out, bool& non_ascii) {
  while (!in.empty() && static_cast<unsigned char>(in.front()) <= 0x20) in.remove_prefix(1);
  while (!in.empty() && static_cast<unsigned char>(in.back()) <= 0x20) in.remove_suffix(1);
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const char ch = in[i];
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c < 0x20 || c == 0x7F) return false;
    if (c >= 0x80) non_ascii = true;
    if (c == ' ') {
      out += "%20";
    } else if (c == '%' && (i + 2 >= in.size() || hex_value(in[i + 1]) < 0 || hex_value(in[i + 2]) < 0)) {
      out += "%25";
    } else if (c == '%' && in[i + 1] == '2' && (in[i + 2] == 'e' || in[i + 2] == 'E')) {
      out += '.';
      i += 2;
    } else {
      out += ch;
    }
  }
  return true;
}

// A host may not hold spaces, controls or these (an IDN mapping can produce
// them from look-alike characters, e.g. U+00A0 becomes a space).
bool valid_host(std::string_view host) {
  for (char ch : host) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F) return false;
    switch (c) {
      case '"': case '<': case '>': case '\\': case '^': case '`': case '{': case '|': case '}':
      case '#': case '?': case '/': case '%':
        return false;
      default:
        break;
    }
  }
  return true;
}

size_t scheme_length(std::string_view u) {
  if (u.starts_with("http://")) return 4;
  if (u.starts_with("https://")) return 5;
  return 0;
}

// Turns libcurl's canonical "scheme://authority/path?query" into our normalized form.
std::optional<std::string> finish(std::string_view u) {
  const size_t scheme_len = scheme_length(u);
  if (scheme_len == 0) return std::nullopt;
  const size_t authority_start = scheme_len + 3;
  size_t path_start = u.find_first_of("/?", authority_start);
  if (path_start == std::string_view::npos) path_start = u.size();
  const std::string_view authority = u.substr(authority_start, path_start - authority_start);
  const size_t at = authority.rfind('@');
  const size_t host_start = (at == std::string_view::npos) ? 0 : at + 1;
  if (host_start >= authority.size() || authority[host_start] == ':') return std::nullopt;
  if (!valid_host(authority.substr(host_start))) return std::nullopt;

  std::string out;
  out.reserve(u.size() + 1);
  out.append(u.substr(0, authority_start + host_start));
  for (char c : authority.substr(host_start)) out += ascii::lower(c);
  std::string_view rest = u.substr(path_start);
  if (rest.empty() || rest.front() != '/') out += '/';
  if (!rest.empty() && rest.find('?') == rest.size() - 1) rest.remove_suffix(1);  // empty query
  append_escapes_normalized(rest, out);
  if (out.size() > kMaxUrlBytes) return std::nullopt;
  return out;
}

// Drops the fragment and reads back libcurl's canonical URL from `handle`.
std::optional<std::string> read_back(CURLU* handle, bool non_ascii) {
  if (curl_url_set(handle, CURLUPART_FRAGMENT, nullptr, 0) != CURLUE_OK) return std::nullopt;
  std::optional<ScopedUtf8Locale> utf8;
  if (non_ascii) utf8.emplace();
  char* raw = nullptr;
  const CURLUcode rc =
      curl_url_get(handle, CURLUPART_URL, &raw, CURLU_NO_DEFAULT_PORT | CURLU_PUNYCODE);
  const CurlString owned(raw);
  if (rc != CURLUE_OK || raw == nullptr) return std::nullopt;
  return finish(raw);
}

// Replaces the contents of `handle` with `cleaned` (clearing it first, so a relative
// string is rejected instead of being resolved against a previous URL).
bool set_absolute(CURLU* handle, const std::string& cleaned) {
  curl_url_set(handle, CURLUPART_URL, nullptr, 0);
  return curl_url_set(handle, CURLUPART_URL, cleaned.c_str(), CURLU_URLENCODE) == CURLUE_OK;
}

struct Buffers {
  std::string first;
  std::string second;
};

Buffers& thread_buffers() {
  thread_local Buffers buffers;
  return buffers;
}

// The last base resolve() parsed on this thread: a page's links are resolved one after
// another against the same base, and copying a parsed handle is cheaper than parsing.
struct ParsedBase {
  std::string text;
  CurluPtr handle;
  bool non_ascii = false;
  bool valid = false;
  bool normalized = false;  // text is its own normalized form
};

const ParsedBase& parsed_base(std::string_view base) {
  thread_local ParsedBase cached;
  if (cached.handle && cached.text == base) return cached;
  cached.text.assign(base);
  cached.valid = false;
  cached.non_ascii = false;
  cached.normalized = false;
  if (!cached.handle) cached.handle.reset(curl_url());
  std::string& cleaned = thread_buffers().first;
  if (!cached.handle || !clean_input(base, cleaned, cached.non_ascii) || cleaned.empty()) {
    return cached;
  }
  cached.valid = set_absolute(cached.handle.get(), cleaned);
  if (cached.valid) {
    const std::optional<std::string> normal = normalize(base);
    cached.normalized = normal && *normal == base;
  }
  return cached;
}

// Splits a normalized URL: the authority without userinfo, and where the path starts.
struct Parts {
  std::string_view scheme;
  std::string_view host_port;
  std::string_view host;
  std::string_view path_and_query;
};

std::optional<Parts> split(std::string_view u) {
  const size_t scheme_len = scheme_length(u);
  if (scheme_len == 0) return std::nullopt;
  Parts parts;
  parts.scheme = u.substr(0, scheme_len);
  const size_t authority_start = scheme_len + 3;
  size_t end = u.find_first_of("/?#", authority_start);
  if (end == std::string_view::npos) end = u.size();
  std::string_view authority = u.substr(authority_start, end - authority_start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.empty()) return std::nullopt;
  parts.host_port = authority;
  size_t host_end = authority.size();
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host_end = close + 1;
  } else if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host_end = colon;
  }
  parts.host = authority.substr(0, host_end);
  if (parts.host.empty()) return std::nullopt;
  std::string_view rest = u.substr(end);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  parts.path_and_query = rest;
  return parts;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii::lower(c);
  return out;
}

const psl_ctx_t* psl_context() {
  static const psl_ctx_t* const context = [] {
    const psl_ctx_t* latest = psl_latest(nullptr);  // the distribution's list file
    return latest != nullptr ? latest : psl_builtin();
  }();
  return context;
}

bool is_ip_address(const std::string& host) {
  if (host.find(':') != std::string::npos || host.starts_with('[')) return true;
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1;
}

}  // namespace

namespace {

// One pass of normalize(); see stable() for why one pass is not enough.
std::optional<std::string> normalize_once(std::string_view absolute_url) {
  if (absolute_url.size() > kMaxUrlBytes) return std::nullopt;
  std::string& cleaned = thread_buffers().first;
  bool non_ascii = false;
  if (!clean_input(absolute_url, cleaned, non_ascii)) return std::nullopt;
  if (cleaned.empty() || cleaned.size() > kMaxUrlBytes) return std::nullopt;
  CURLU* handle = thread_handle();
  if (handle == nullptr || !set_absolute(handle, cleaned)) return std::nullopt;
  return read_back(handle, non_ascii);
}

// A normalized URL must normalize to itself. Some inputs only get there on a
// second pass (an escape decoded into a host that libcurl then reads as an
// IPv4 number, "http:/%39" -> "http://9/" -> "http://0.0.0.9/"): take the
// second form when it is stable, and refuse URLs that never settle.
std::optional<std::string> stable(std::optional<std::string> first) {
  if (!first) return first;
  auto second = normalize_once(*first);
  if (!second || *second == *first) return second;
  auto third = normalize_once(*second);
  if (third && *third == *second) return second;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> normalize(std::string_view absolute_url) {
  return stable(normalize_once(absolute_url));
}

namespace {

// ---- resolve_plain() -------------------------------------------------------------

bool is_plain_reference_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '?' || c == '=' ||
         c == '&' || c == '#';
}

// Appends `path` (which starts with '/') to `out` without its "." and ".."
// segments (RFC 3986 section 5.2.4). `root` is where the path starts in `out`:
// ".." never removes anything before it.
void append_without_dot_segments(std::string_view path, std::string& out, size_t root) {
  size_t i = 0;
  while (i < path.size()) {
    size_t end = path.find('/', i + 1);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(i + 1, end - i - 1);
    const bool last = end == path.size();
    if (segment == "." || segment == "..") {
      if (segment == "..") {
        const size_t slash = out.rfind('/');
        if (slash != std::string::npos && slash >= root) out.resize(slash);
      }
      if (last) out += '/';
    } else {
      out += '/';
      out += segment;
    }
    i = end;
  }
  if (out.size() == root) out += '/';
}

}  // namespace

std::optional<std::string> resolve_plain(std::string_view normalized_base, std::string_view reference) {
  for (char c : reference) {
    if (!is_plain_reference_char(static_cast<unsigned char>(c))) return std::nullopt;
  }
  reference = reference.substr(0, reference.find('#'));
  // Empty references and network-path references ("//host/...") take the long way.
  if (reference.empty() || reference.starts_with("//")) return std::nullopt;
  const size_t scheme_len = scheme_length(normalized_base);
  if (scheme_len == 0) return std::nullopt;
  const size_t path_start = normalized_base.find('/', scheme_len + 3);
  if (path_start == std::string_view::npos) return std::nullopt;
  std::string_view base_path = normalized_base.substr(path_start);
  base_path = base_path.substr(0, base_path.find('?'));

  const size_t question = reference.find('?');
  std::string_view ref_path = reference.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : reference.substr(question + 1);
  // Where libcurl 7.88 departs from RFC 3986 (empty segments next to dot segments,
  // "./?q" losing its slash), its answer is the normal form: let it give it.
  if (ref_path.find("//") != std::string_view::npos) return std::nullopt;
  if (base_path.find("//") != std::string_view::npos) return std::nullopt;
  if (question != std::string_view::npos && ref_path.ends_with("./")) return std::nullopt;

  std::string out;
  out.reserve(path_start + base_path.size() + reference.size() + 1);
  out.append(normalized_base.substr(0, path_start));
  if (ref_path.empty()) {
    out.append(base_path);  // "?query": the base's path, a new query
  } else if (ref_path.front() == '/') {
    append_without_dot_segments(ref_path, out, path_start);
  } else {
    std::string merged(base_path.substr(0, base_path.rfind('/') + 1));
    merged.append(ref_path);
    append_without_dot_segments(merged, out, path_start);
  }
  if (!query.empty()) {
    out += '?';
    out.append(query);
  }
  if (out.size() > kMaxUrlBytes) return std::nullopt;
  return out;
}

std::optional<std::string> resolve(std::string_view base, std::string_view reference) {
  if (base.size() > kMaxUrlBytes || reference.size() > kMaxUrlBytes) return std::nullopt;
  if (parsed_base(base).normalized) {
    if (std::optional<std::string> plain = resolve_plain(base, reference)) return plain;
  }
  return resolve_with_libcurl(base, reference);
}

std::optional<std::string> resolve_with_libcurl(std::string_view base, std::string_view reference) {
  if (base.size() > kMaxUrlBytes || reference.size() > kMaxUrlBytes) return std::nullopt;
  std::string& cleaned = thread_buffers().second;
  bool non_ascii = false;
  if (!clean_input(reference, cleaned, non_ascii)) return std::nullopt;
  // libcurl 7.88 resolves "" and "#frag" to the base's directory; RFC 3986 says the
  // base itself.
  if (cleaned.empty() || cleaned.front() == '#') return normalize(base);
  if (cleaned.size() > kMaxUrlBytes) return std::nullopt;
  const ParsedBase& parsed = parsed_base(base);
  if (!parsed.valid) return std::nullopt;
  const CurluPtr handle(curl_url_dup(parsed.handle.get()));
  if (!handle) return std::nullopt;
  if (curl_url_set(handle.get(), CURLUPART_URL, cleaned.c_str(), CURLU_URLENCODE) !=
      CURLUE_OK) {
    return std::nullopt;
  }
  return stable(read_back(handle.get(), non_ascii || parsed.non_ascii));
}

std::string host(std::string_view normalized_url) {
  const auto parts = split(normalized_url);
  return parts ? lower(parts->host) : std::string();
}

std::string origin(std::string_view normalized_url) {
  const auto parts = split(normalized_url);
  if (!parts) return {};
  std::string out(parts->scheme);
  out += "://";
  out += lower(parts->host_port);
  return out;
}

std::string path_and_query(std::string_view normalized_url) {
  const auto parts = split(normalized_url);
  if (!parts) return {};
  if (parts->path_and_query.empty() || parts->path_and_query.front() != '/') {
    std::string out(1, '/');
    out.append(parts->path_and_query);
    return out;
  }
  return std::string(parts->path_and_query);
}

std::string registrable_domain(std::string_view host) {
  std::string h(host);
  if (h.empty() || is_ip_address(h)) return h;
  const psl_ctx_t* context = psl_context();
  if (context == nullptr) return h;
  const char* domain = psl_registrable_domain(context, h.c_str());
  return domain != nullptr ? std::string(domain) : h;
}

std::string normalize_escapes(std::string_view path_or_query) {
  std::string out;
  out.reserve(path_or_query.size());
  append_escapes_normalized(path_or_query, out);
  return out;
}

}  // namespace forager::url
