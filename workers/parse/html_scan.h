// The streaming path of extraction: one pass of an HTML5 tokenizer over the
// page that collects the PageFacts gumbo's tree walk would (extractor.cc),
// without building a tree.
//
// Contract: scan_html(html) returns either nothing or exactly the facts of
// walking gumbo-parser's (0.10.1) tree of the same text (title, description,
// base href, followable hrefs in tree order up to duplicates of an earlier
// href, robots directives). The tokenizer follows gumbo's (the WHATWG
// tokenization states, gumbo's character references and input-stream
// rules); of tree construction it models what changes those facts: which
// start tags switch the tokenizer to RCDATA / RAWTEXT / script data /
// PLAINTEXT (scripting off, as gumbo: <noscript> is markup), the first
// <title> and <base href>, the table insertion modes, "in select" (which
// ignores every start tag but a few), SVG content ("in foreign content":
// SVG elements, CDATA, the breakout start tags that end it; gumbo matches an
// end tag there by its text as written, "</g >" is not "</g>") and
// <template> (its contents are tokenized as "in body" and collected from
// not at all: the walk skips a template node and all below it; its end tag
// brings back the table mode it was opened in). Where the tree builder
// would move or drop content or change namespace, the pass gives up and
// returns nothing (with the reason in *why), and the caller parses with gumbo:
//   - <math>, <frameset> start tags, a <select> in a table;
//   - in a template: a table part as its first content (gumbo's "in
//     template" table modes foster parent out of it), an <a> start tag
//     (gumbo can clone it after the template: an unclosed <object>, <td>,
//     ... leaves its formatting marker above the template's), and, when the
//     template is in a table, a table, select or template inside it (gumbo's
//     reset of the insertion mode passes over template elements to the
//     table's mode); a <template> in a <select>;
//   - in SVG: <font>, an end tag matching no open SVG element as written,
//     an element name of other characters than [A-Za-z0-9:._-], an SVG
//     <title>, <desc> or <foreignObject> (HTML integration points) holding
//     anything but text up to exactly "</name>";
//   - content a table would foster-parent (a start tag or text other than
//     whitespace directly inside <table>, <tbody>, <tr>, <colgroup>),
//     a stray end tag there;
//   - a numeric character reference whose value overflows gumbo's int;
//   - invalid UTF-8 inside a value it decodes (the input should be UTF-8).
// `html` must already have gone through limit_nesting (html_document.h),
// as HtmlDocument::parse does. The facts' hrefs may point into `html`.
// Total and linear in the input.
#pragma once

#include <optional>
#include <string_view>

#include "workers/parse/page_facts.h"

namespace forager {

// Why scan_html gave up (for tests and corpus statistics).
enum class ScanGiveUp : unsigned char {
  kMath,
  kTemplateTablePart,
  kTemplateLink,
  kTemplateInTableReset,
  kFrameset,
  kSelectInTable,
  kTemplateOrHtmlInSelect,
  kFosterStartTag,
  kFosterText,
  kTableInput,
  kStrayEndTagInTable,
  kSvgFontOrName,
  kSvgIntegrationPoint,
  kSvgEndTag,
  kSvgAfterNoToken,
  kNumericOverflow,
  kInvalidUtf8,
};
std::string_view give_up_name(ScanGiveUp reason);

// On nothing, sets *why (when given) to the reason.
std::optional<PageFacts> scan_html(std::string_view html, std::string_view robots_agent = {},
                                   ScanGiveUp* why = nullptr);

}  // namespace forager
