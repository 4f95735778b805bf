// The WHATWG URL Standard's basic URL parser (https://url.spec.whatwg.org/), for the two
// schemes a crawler follows: http and https. This is how browsers read an href.
//
// Contract:
//  - parse(input, base) gives what a browser's `new URL(input, base)` gives, for every
//    input whose result is an http(s) URL; nullopt where the browser throws, and where the
//    result would have any other scheme (mailto:, javascript:, ftp:, file:, ...). A base
//    that is null or not http(s) counts as no base: relative inputs then fail.
//  - What browsers do and this does: tabs and newlines anywhere are removed, leading and
//    trailing C0 controls and spaces stripped; "\" is "/"; "http:foo" and "http:/foo" are
//    relative to a base of the same scheme (else "http://foo/"); "." and ".." segments
//    (also written "%2e") are removed; hosts are percent-decoded, mapped by UTS #46 ToASCII
//    (ICU, non-transitional, CheckBidi and CheckJoiners, no hyphen or DNS length checks),
//    then refused if they hold a forbidden code point; a host whose last label is a number
//    is an IPv4 address in any form the IPv4 parser takes (0x7f.1, 127.1, 2130706433, a
//    trailing dot), written dotted decimal, or refused (256.256.256.256, 1.2.3.4.5); IPv6
//    addresses are written compressed in lower case (an embedded IPv4 part as hex);
//    userinfo, path, query and fragment are percent-encoded with the standard's sets; the
//    default port is dropped; ports above 65535 are refused.
//  - Input is bytes read as UTF-8. Percent-encoding works on bytes, so a byte that is not
//    valid UTF-8 is encoded as it is (a browser would have decoded it to U+FFFD first); in
//    a host it fails the UTS #46 mapping.
//  - Not here: the setters' state overrides, other schemes, and query encodings other than
//    UTF-8 (a browser encodes the query of a link in a legacy-encoded page in that
//    encoding; forager reads pages as UTF-8).
//  - No function throws; all are thread-safe.
#ifndef FORAGER_CRAWLER_UTIL_WHATWG_URL_H_
#define FORAGER_CRAWLER_UTIL_WHATWG_URL_H_

#include <optional>
#include <string>
#include <string_view>

namespace forager::url::whatwg {

// A parsed http(s) URL, each part as the standard serializes it.
struct Url {
  bool https = false;
  std::string username;                 // percent-encoded
  std::string password;                 // percent-encoded
  std::string host;                     // domain, dotted-decimal IPv4, or "[IPv6]"
  int port = -1;                        // -1: none (also when it was the default port)
  std::string path;                     // "/seg/seg": never empty once parsed
  std::optional<std::string> query;     // without the "?"
  std::optional<std::string> fragment;  // without the "#"

  std::string_view scheme() const { return https ? "https" : "http"; }
  // Appends "scheme://[user[:password]@]host[:port]", the serialization up to the path.
  void append_origin_and_userinfo(std::string& out) const;
  // The serialization (the href): "scheme://[user[:password]@]host[:port]path[?query][#fragment]".
  std::string href() const;
};

enum class Fragment { kKeep, kDrop };

// Parses `input` against `base` (nullptr: none). Fragment::kDrop skips the fragment.
std::optional<Url> parse(std::string_view input, const Url* base = nullptr,
                         Fragment fragment = Fragment::kKeep);

}  // namespace forager::url::whatwg

#endif  // FORAGER_CRAWLER_UTIL_WHATWG_URL_H_
