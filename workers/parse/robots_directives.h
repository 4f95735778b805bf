// Page-level robots directives: <meta name="robots" content="..."> (or the
// crawler's own token as the name) and the X-Robots-Tag response header.
//
// Contract:
//  - Directives are comma- or whitespace-separated words, case-insensitive.
//    "noindex" sets noindex, "nofollow" sets nofollow, "none" sets both; any
//    other word ("all", "index", "noarchive", "max-snippet:0", ...) is ignored.
//  - An X-Robots-Tag value may start a run of directives with "NAME:" (e.g.
//    "googlebot: noindex, otherbot: nofollow"); such a run applies only when
//    NAME equals `agent` (case-insensitive). Directives before any prefix
//    apply to every crawler. "unavailable_after: DATE" and the valued
//    directives (max-snippet, max-image-preview, max-video-preview) are not
//    agent prefixes.
//  - Directives only ever add: noindex and nofollow are never cleared.
//  - Total on any input; O(length).
#pragma once

#include <string_view>

namespace forager {

struct RobotsDirectives {
  bool noindex = false;   // the page asks not to be indexed
  bool nofollow = false;  // the page asks that its links not be followed
};

// The content of a robots meta element.
void apply_meta_robots(std::string_view content, RobotsDirectives& out);

// One X-Robots-Tag header value, for the crawler whose product token is `agent`.
void apply_x_robots_tag(std::string_view value, std::string_view agent, RobotsDirectives& out);

}  // namespace forager
