// Whether a page's redirect may be followed. Workers never follow redirects:
// every hop comes back here and goes out again as a new fetch, so scope,
// robots.txt and politeness apply to each hop.
//
// Contract: redirect_error() returns the record error code that ends the
// chain at this hop, or nullptr when the hop to `target` (the Location as
// url::normalize() returns it) is followed. In this order: no target (the
// Location is not an http(s) URL) is bad_redirect; a hop past
// kMaxRedirectHops is too_many_redirects; a target that is the URL itself or
// any hop already fetched is redirect_loop; a target outside the crawl's
// scope is out_of_scope.
#pragma once

#include <optional>
#include <string>

#include "crawler/frontier/frontier.h"
#include "crawler/frontier/scope.h"

namespace forager {

inline constexpr int kMaxRedirectHops = 10;

const char* redirect_error(const PendingUrl& page, const std::optional<std::string>& target, const Scope& scope);

}  // namespace forager
