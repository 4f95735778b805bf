// What forager takes from an HTML page: title, meta description and
// outlinks. Extraction rules (CSS selectors) plug in beside extract_page and
// work on the same HtmlDocument.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "workers/html_document.h"

namespace forager {

struct Extracted {
  std::string title;               // first <title>, whitespace-normalized, UTF-8
  std::string description;         // <meta name="description" content>, normalized
  std::vector<std::string> links;  // absolute, normalized, deduplicated, page order
};

// Parses `utf8_html` (valid UTF-8, e.g. from charset::to_utf8) and extracts
// from it. `page_url` is the absolute URL the page came from; links resolve
// against the first <base href> (itself resolved against page_url) or
// page_url. Links with rel="nofollow", and those that do not resolve to an
// http(s) URL, are skipped; at most protocol::kMaxLinksPerPage are kept.
// title and description are cut to protocol::kMaxTextFieldBytes on a UTF-8
// character boundary. Total: works on any input.
Extracted extract_page(std::string_view utf8_html, std::string_view page_url);

// The same on a document parsed already.
Extracted extract_page(const HtmlDocument& document, std::string_view page_url);

// Collapses runs of ASCII whitespace to one space and trims both ends.
std::string normalize_whitespace(std::string_view text);

// Cuts `text` to at most `max_bytes`, never inside a UTF-8 sequence.
void truncate_utf8(std::string& text, size_t max_bytes);

}  // namespace forager
