// A parsed HTML document: a move-only owner of gumbo-parser's output and of
// the source text its nodes point into. Also the tests for "is this HTML?".
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "workers/parse/gumbo_arena.h"

namespace forager {

class HtmlDocument {
 public:
  // Elements nested deeper than this (by a tag count before parsing) lose
  // their start tag, so that the tree stays shallow. gumbo's tree builder
  // scans the stack of open elements for most tags, which costs quadratic
  // time in the nesting depth; browsers cap the depth the same way (Blink: 512).
  static constexpr size_t kMaxNestingDepth = 512;

  // Parses UTF-8 HTML. gumbo accepts any input, but on some hostile markup
  // it stops on one of its assertions (workers/parse/gumbo_guard.h): then
  // the document is empty and aborted() is true.
  static HtmlDocument parse(std::string html);

  HtmlDocument(HtmlDocument&& other) noexcept;
  HtmlDocument& operator=(HtmlDocument&& other) noexcept;
  HtmlDocument(const HtmlDocument&) = delete;
  HtmlDocument& operator=(const HtmlDocument&) = delete;
  ~HtmlDocument();

  // The document node; valid while this object lives. Null when gumbo
  // stopped on an assertion (or ran out of memory).
  const GumboNode* document() const;
  // Whether gumbo stopped on an assertion while parsing this document.
  bool aborted() const { return aborted_; }
  // The text that was parsed (after the nesting limit was applied).
  std::string_view source() const { return source_ ? *source_ : std::string_view(); }

 private:
  HtmlDocument() = default;
  void destroy();

  std::unique_ptr<std::string> source_;  // heap-held: gumbo points into it
  std::unique_ptr<GumboArena> arena_;    // holds every node of output_
  GumboOutput* output_ = nullptr;
  bool aborted_ = false;
};

// Drops start tags that would nest elements deeper than `max_depth` (an
// estimate from the tag stream; <a>, <p>, <li>, table cells and void
// elements never count and are never dropped). Returns whether `html` was
// changed.
bool limit_nesting(std::string& html, size_t max_depth);

// The tag limit_nesting takes `name` for: gumbo_tagn_enum's answer when
// that is one of the tags it treats apart (void, self-closing and table
// elements, raw text elements, <svg>, <math>), else GUMBO_TAG_UNKNOWN.
// Cheaper than gumbo's lookup; exposed for its test.
GumboTag nesting_tag(std::string_view name);

// Whether a Content-Type header value names HTML: text/html or
// application/xhtml+xml, parameters and case ignored.
bool is_html_media_type(std::string_view content_type);

// The media type of a Content-Type header value, lower case, without
// parameters: "Text/HTML; charset=x" -> "text/html".
std::string media_type(std::string_view content_type);

// Whether a body without a Content-Type looks like HTML (the WHATWG MIME
// sniffing patterns: "<!DOCTYPE HTML", "<html", "<head", "<body", "<script",
// "<title", "<p", "<a", "<div", "<!--", ... after leading whitespace).
bool sniffs_as_html(std::string_view body);

}  // namespace forager
