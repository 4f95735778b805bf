// What extraction reads from an HTML page before links are resolved: the
// facts both parse paths produce, gumbo's tree walk (extractor.cc) and the
// streaming tokenizer pass (html_scan.h), so that the rest of extraction is
// one code path for both.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workers/parse/robots_directives.h"

namespace forager {

struct PageFacts {
  std::optional<std::string> title;        // the first <title>'s text, as parsed
  std::optional<std::string> description;  // the first <meta name="description" content>
  std::optional<std::string> base_href;    // the first <base>'s href
  // href of every <a> and <area> without rel="nofollow", in document order;
  // they point into the parsed text, the tree or `owned`.
  std::vector<std::string_view> hrefs;
  RobotsDirectives robots;       // every robots meta element
  std::deque<std::string> owned;  // hrefs that had to be decoded

  PageFacts() = default;
  PageFacts(PageFacts&&) = default;  // deque keeps its elements in place
  PageFacts& operator=(PageFacts&&) = default;
  PageFacts(const PageFacts&) = delete;
  PageFacts& operator=(const PageFacts&) = delete;
};

// Whether a rel attribute value holds the token "nofollow" (ASCII case and
// whitespace as the HTML Standard has them).
bool has_nofollow(std::string_view rel);

// What one HTML <meta> element with both a name and a content attribute adds:
// the description (when it is the first), robots directives (name "robots" or
// `robots_agent`, whitespace around the name ignored).
void note_meta(std::string_view name, std::string_view content, std::string_view robots_agent, PageFacts& facts);

}  // namespace forager
