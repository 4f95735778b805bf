// URL normalization and resolution for the crawler: links are read the way browsers
// read them (the WHATWG URL Standard, crawler/util/whatwg_url.h), then written in
// forager's normal form. docs/URLS.md lists where forager deliberately differs.
//
// Contract:
//  - Every URL forager stores, queues, dedups or reports is the output of normalize() or
//    resolve(); two URLs are "the same page" exactly when their normalized strings are
//    equal.
//  - Parsing is a browser's: tabs and newlines are removed and leading and trailing C0
//    controls and spaces trimmed; "\" is "/"; "http:foo" is relative to an http base;
//    hosts are percent-decoded, mapped to ASCII by UTS #46 (IDN to punycode), checked for
//    forbidden code points; IPv4 addresses in every form browsers accept are written
//    dotted decimal and invalid ones refused; IPv6 is written compressed; userinfo is
//    percent-encoded as browsers do; other control characters and non-ASCII bytes in path
//    and query are percent-encoded.
//  - Normalized form: the browser's serialization ("scheme://[userinfo@]host[:port]/path
//    [?query]", lower-case scheme and host, no default port, no dot segments), with
//    forager's differences: the fragment and an empty "?" are dropped, in path and query
//    escapes use upper-case hex, escapes of unreserved characters (ALPHA DIGIT - . _ ~)
//    are decoded, a '%' that starts no escape is written %25, and octets that may not
//    appear in a URI (" < > \ ^ ` { | } and the rest browsers leave) are percent-encoded.
//    The query keeps its parameter order. Only http and https URLs are kept.
//  - normalize(normalize(x)) == normalize(x).
//  - No function throws. All are thread-safe.
//  - host(), origin() and path_and_query() expect normalized input (they split the
//    canonical string without re-parsing it) and return "" for anything that is not an
//    http(s) URL.
#ifndef FORAGER_CRAWLER_URL_H_
#define FORAGER_CRAWLER_URL_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace forager::url {

// Longer URLs (before or after normalization) are rejected.
inline constexpr size_t kMaxUrlBytes = 8192;

// The normalized form of an absolute http(s) URL, or nullopt if it is not one (other or
// no scheme, no host, bad port, invalid host, longer than kMaxUrlBytes).
std::optional<std::string> normalize(std::string_view absolute_url);

// Resolves `reference` (an href: absolute, scheme-relative, path-relative, query- or
// fragment-only) against `base` as a browser does and normalizes the result. An empty or
// fragment-only reference yields the normalized base. A base that is not a valid http(s)
// URL counts as none (only absolute references resolve). Returns nullopt when the result
// is not an http(s) URL (javascript:, mailto:, data:, ftp:, ...) or is invalid.
std::optional<std::string> resolve(std::string_view base, std::string_view reference);

// The two ways resolve() works, exposed so that tests and the url fuzz target can
// check that they agree. resolve() takes the first when it applies, else the second.
//  - resolve_plain(): by hand, for the links nearly every page is made of: a relative or
//    root-relative reference of plain characters (letters, digits, "-._~/?=&", a
//    fragment of the same) against a base that is already normalized. The result is
//    normalized as it stands. nullopt: does not apply.
//  - resolve_full(): any reference, through the URL Standard's parser.
std::optional<std::string> resolve_plain(std::string_view normalized_base, std::string_view reference);
std::optional<std::string> resolve_full(std::string_view base, std::string_view reference);

// Lower-case host of a normalized URL without port ("[::1]" for IPv6), or "".
std::string host(std::string_view normalized_url);

// "scheme://host[:port]" of a normalized URL (port only when not the default), or "".
// This is the key robots.txt rules and politeness are kept under.
std::string origin(std::string_view normalized_url);

// "/path[?query]" of a normalized URL, what robots.txt rules match against, or "".
std::string path_and_query(std::string_view normalized_url);

// The registrable domain of `host` by the public suffix list (libpsl), e.g.
// "a.b.example.co.uk" -> "example.co.uk". IP addresses, "localhost" and hosts without a
// registrable domain (a bare public suffix) are returned unchanged. Expects a lower-case
// host as returned by host().
std::string registrable_domain(std::string_view host);

// Applies the percent-encoding part of normalization to a path or query: upper-case hex
// in escapes, decode escapes of unreserved characters, encode octets that may not appear
// in a URI. Malformed escapes ("%zz", a trailing "%") are kept as they are.
std::string normalize_escapes(std::string_view path_or_query);

}  // namespace forager::url

#endif  // FORAGER_CRAWLER_URL_H_
