// What forager takes from an HTML page: title, meta description and
// outlinks. Extraction rules (workers/rules/rules.h) plug in beside
// extract_page and work on the same HtmlDocument.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workers/parse/html_document.h"
#include "workers/parse/page_facts.h"
#include "workers/parse/robots_directives.h"

namespace forager {

struct Extracted {
  std::string title;               // first <title>, whitespace-normalized, UTF-8
  std::string description;         // <meta name="description" content>, normalized
  std::vector<std::string> links;  // absolute, normalized, deduplicated, page order
  std::string base_url;            // what relative URLs resolve against (document_base_url)
  // <meta name="robots"> and <meta name="AGENT"> (robots_directives.h), every one of them.
  RobotsDirectives robots;
  // Only with rules (see RulesOutput in workers/rules/rules.h):
  std::string fields_json;                // JSON object text, or empty
  bool follow_restricted = false;         // the rules have "follow"
  std::vector<std::string> follow_links;  // the links the follow selectors pick
};

// Extracts from `utf8_html` (valid UTF-8, e.g. from charset::to_utf8): with
// the streaming pass (extract_page_streaming) when it can, else with gumbo;
// the result is the same either way. `page_url` is the absolute URL the page came from; links resolve
// against the first <base href> (itself resolved against page_url) or
// page_url. Links with rel="nofollow", and those that do not resolve to an
// http(s) URL, are skipped; at most protocol::kMaxLinksPerPage are kept.
// title and description are cut to protocol::kMaxTextFieldBytes on a UTF-8
// character boundary. `robots_agent` is the crawler's product token: meta
// elements named "robots" or that token give `robots`. Total: works on any input.
Extracted extract_page(std::string_view utf8_html, std::string_view page_url, std::string_view robots_agent = {});

// extract_page without building a tree: the streaming tokenizer pass
// (html_scan.h), when it can promise exactly what the tree walk of
// HtmlDocument::parse(utf8_html) gives; nothing when the page needs gumbo.
// `utf8_html` goes through limit_nesting first and keeps that change, as
// HtmlDocument::parse would make it, so it can be handed to that on nothing.
std::optional<Extracted> extract_page_streaming(std::string& utf8_html, std::string_view page_url,
                                                std::string_view robots_agent = {});

// What the facts of a page give once resolved: title and description
// normalized and cut, links resolved against the base, deduplicated, capped.
Extracted extract_from_facts(const PageFacts& facts, std::string_view page_url);

// The same on a document parsed already. The overload that also applies
// extraction rules is in workers/rules/rules.h.
Extracted extract_page(const HtmlDocument& document, std::string_view page_url, std::string_view robots_agent = {});

// What relative URLs in `document` resolve against: its first <base href>
// (resolved against page_url) or page_url.
std::string document_base_url(const HtmlDocument& document, std::string_view page_url);

// The href of an <a> or <area> element that links are taken from (has an
// href, and no rel="nofollow"), or null.
const char* followable_href(const GumboNode* node);

// Collapses runs of ASCII whitespace to one space and trims both ends.
std::string normalize_whitespace(std::string_view text);

// Cuts `text` to at most `max_bytes`, never inside a UTF-8 sequence.
void truncate_utf8(std::string& text, size_t max_bytes);

}  // namespace forager
