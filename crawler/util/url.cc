#include "crawler/util/url.h"

#include <arpa/inet.h>
#include <libpsl.h>

#include "crawler/util/ascii.h"
#include "crawler/util/whatwg_url.h"

namespace forager::url {
namespace {

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


enum class StrayPercent { kKeep, kEncode };

// Upper-case hex in escapes, escapes of unreserved characters decoded, octets that may
// not appear in a URI encoded; a '%' that starts no escape is kept or written %25.
void append_escapes_normalized(std::string_view in, std::string& out, StrayPercent stray) {
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    const bool escape = c == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
                        hex_value(in[i + 2]) >= 0;
    if (escape) {
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
    } else if (c == '%' && stray == StrayPercent::kEncode) {
      out += "%25";
    } else if (needs_encoding(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
}

// ---- forager's normal form of a parsed URL ------------------------------------------

// The standard's serialization with forager's differences: no fragment, no empty query,
// escapes in path and query normalized (append_escapes_normalized).
std::optional<std::string> normal_form(const std::optional<whatwg::Url>& parsed) {
  if (!parsed) return std::nullopt;
  const whatwg::Url& u = *parsed;
  std::string out;
  out.reserve(16 + u.username.size() + u.password.size() + u.host.size() + u.path.size() +
              (u.query ? u.query->size() : 0));
  u.append_origin_and_userinfo(out);
  append_escapes_normalized(u.path, out, StrayPercent::kEncode);
  if (u.query && !u.query->empty()) {
    out += '?';
    append_escapes_normalized(*u.query, out, StrayPercent::kEncode);
  }
  if (out.size() > kMaxUrlBytes) return std::nullopt;
  return out;
}

// The last base resolve() parsed on this thread: a page's links are resolved one after
// another against the same base.
struct ParsedBase {
  std::string text;
  std::optional<whatwg::Url> url;
  bool normalized = false;  // text is its own normal form
};

const ParsedBase& parsed_base(std::string_view base) {
  thread_local ParsedBase cached;
  thread_local bool filled = false;
  if (filled && cached.text == base) return cached;
  cached.text.assign(base);
  cached.url = whatwg::parse(base, nullptr, whatwg::Fragment::kDrop);
  const std::optional<std::string> normal = normal_form(cached.url);
  cached.normalized = normal && *normal == base;
  filled = true;
  return cached;
}

size_t scheme_length(std::string_view u) {
  if (u.starts_with("http://")) return 4;
  if (u.starts_with("https://")) return 5;
  return 0;
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

std::optional<std::string> normalize(std::string_view absolute_url) {
  if (absolute_url.size() > kMaxUrlBytes) return std::nullopt;
  return normal_form(whatwg::parse(absolute_url, nullptr, whatwg::Fragment::kDrop));
}

namespace {

// ---- resolve_plain() -------------------------------------------------------------

bool is_plain_reference_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '?' || c == '=' ||
         c == '&' || c == '#';
}

// Removes the last segment of the path that starts at `root` in `out` (nothing when the
// path is empty).
void shorten(std::string& out, size_t root) {
  if (out.size() > root) out.erase(out.rfind('/'));
}

// Appends the segments of `path` (a relative path: "a/./b/..") to the path that starts at
// `root` in `out`, the way the URL Standard's path state does: "." is dropped, ".."
// removes the last segment, and either one last leaves a trailing slash.
void append_segments(std::string_view path, std::string& out, size_t root) {
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string_view segment = path.substr(start, last ? std::string_view::npos : slash - start);
    if (segment == "..") {
      shorten(out, root);
      if (last) out += '/';
    } else if (segment == ".") {
      if (last) out += '/';
    } else {
      out += '/';
      out += segment;
    }
    if (last) return;
    start = slash + 1;
  }
}

std::optional<std::string> resolve_parsed(const ParsedBase& base, std::string_view reference) {
  return normal_form(whatwg::parse(reference, base.url ? &*base.url : nullptr, whatwg::Fragment::kDrop));
}

}  // namespace

std::optional<std::string> resolve_plain(std::string_view normalized_base, std::string_view reference) {
  for (char c : reference) {
    if (!is_plain_reference_char(static_cast<unsigned char>(c))) return std::nullopt;
  }
  reference = reference.substr(0, reference.find('#'));
  if (reference.starts_with("//")) return std::nullopt;  // another host
  const size_t scheme_len = scheme_length(normalized_base);
  if (scheme_len == 0) return std::nullopt;
  const size_t path_start = normalized_base.find('/', scheme_len + 3);
  if (path_start == std::string_view::npos) return std::nullopt;
  const size_t base_question = normalized_base.find('?', path_start);
  const std::string_view base_path = normalized_base.substr(path_start, base_question - path_start);

  const size_t question = reference.find('?');
  const std::string_view ref_path = reference.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : reference.substr(question + 1);
  if (ref_path.empty() && question == std::string_view::npos) {
    return std::string(normalized_base);  // "" or "#fragment": the base itself
  }

  std::string out;
  out.reserve(normalized_base.size() + reference.size() + 2);
  out.append(normalized_base.substr(0, path_start));
  if (ref_path.empty()) {
    out.append(base_path);  // "?query": the base's path, a new query
  } else if (ref_path.front() == '/') {
    append_segments(ref_path.substr(1), out, path_start);
  } else {
    out.append(base_path);
    shorten(out, path_start);
    append_segments(ref_path, out, path_start);
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
  const ParsedBase& parsed = parsed_base(base);
  if (parsed.normalized) {
    if (std::optional<std::string> plain = resolve_plain(base, reference)) return plain;
  }
  return resolve_parsed(parsed, reference);
}

std::optional<std::string> resolve_full(std::string_view base, std::string_view reference) {
  if (base.size() > kMaxUrlBytes || reference.size() > kMaxUrlBytes) return std::nullopt;
  return resolve_parsed(parsed_base(base), reference);
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
  append_escapes_normalized(path_or_query, out, StrayPercent::kKeep);
  return out;
}

}  // namespace forager::url
