#include "workers/parse/extractor.h"

#include <optional>
#include <unordered_set>
#include <utility>

#include "crawler/util/ascii.h"
#include "crawler/util/url.h"
#include "crawler/wire/protocol.h"
#include "workers/parse/html_scan.h"

namespace forager {
namespace {

using ascii::is_whitespace;

const char* attribute(const GumboElement& element, const char* name) {
  const GumboAttribute* attr = gumbo_get_attribute(&element.attributes, name);
  return attr != nullptr ? attr->value : nullptr;
}

const char* href_unless_nofollow(const GumboElement& element) {
  const char* href = attribute(element, "href");
  const char* rel = attribute(element, "rel");
  return href != nullptr && (rel == nullptr || !has_nofollow(rel)) ? href : nullptr;
}

// The concatenated text of an element's child text nodes.
std::string child_text(const GumboElement& element) {
  std::string text;
  for (unsigned i = 0; i < element.children.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(element.children.data[i]);
    if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE ||
        child->type == GUMBO_NODE_CDATA) {
      text += child->v.text.text;
    }
  }
  return text;
}

void visit_element(const GumboElement& element, std::string_view robots_agent, PageFacts& out) {
  if (element.tag_namespace != GUMBO_NAMESPACE_HTML) return;
  switch (element.tag) {
    case GUMBO_TAG_TITLE:
      if (!out.title) out.title = child_text(element);
      break;
    case GUMBO_TAG_META: {
      const char* name = attribute(element, "name");
      const char* content = attribute(element, "content");
      if (name != nullptr && content != nullptr) note_meta(name, content, robots_agent, out);
      break;
    }
    case GUMBO_TAG_BASE:
      if (!out.base_href) {
        if (const char* href = attribute(element, "href")) out.base_href = href;
      }
      break;
    case GUMBO_TAG_A:
    case GUMBO_TAG_AREA: {
      const char* href = href_unless_nofollow(element);
      if (href != nullptr) out.hrefs.emplace_back(href);
      break;
    }
    default:
      break;
  }
}

// Walks the tree in document order with an explicit stack (any depth).
// Template contents are not part of the document and are skipped. The
// hrefs point into the tree.
PageFacts collect(const GumboNode* root, std::string_view robots_agent = {}) {
  PageFacts out;
  if (root == nullptr) return out;
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    const GumboVector* children = nullptr;
    if (node->type == GUMBO_NODE_DOCUMENT) {
      children = &node->v.document.children;
    } else if (node->type == GUMBO_NODE_ELEMENT) {
      visit_element(node->v.element, robots_agent, out);
      children = &node->v.element.children;
    }
    if (children == nullptr) continue;
    for (unsigned i = children->length; i > 0; --i) {
      stack.push_back(static_cast<const GumboNode*>(children->data[i - 1]));
    }
  }
  return out;
}

std::string clean_text(std::string_view text) {
  std::string out = normalize_whitespace(text);
  truncate_utf8(out, protocol::kMaxTextFieldBytes);
  return out;
}

}  // namespace

std::string normalize_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (is_whitespace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

void truncate_utf8(std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return;
  size_t cut = max_bytes;
  // Back up over continuation bytes to the start of the cut character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
}

namespace {

std::string base_from(const PageFacts& facts, std::string_view page_url) {
  if (facts.base_href) {
    if (std::optional<std::string> resolved = url::resolve(page_url, *facts.base_href)) return *resolved;
  }
  return std::string(page_url);
}

}  // namespace

Extracted extract_from_facts(const PageFacts& facts, std::string_view page_url) {
  Extracted out;
  out.robots = facts.robots;
  if (facts.title) out.title = clean_text(*facts.title);
  if (facts.description) out.description = clean_text(*facts.description);
  out.base_url = base_from(facts, page_url);
  const std::string& base = out.base_url;
  std::unordered_set<std::string> seen;
  // An href written as an earlier one resolves as that did: not again.
  std::unordered_set<std::string_view> seen_hrefs;
  for (std::string_view href : facts.hrefs) {
    if (out.links.size() >= protocol::kMaxLinksPerPage) break;
    if (!seen_hrefs.insert(href).second) continue;
    std::optional<std::string> link = url::resolve(base, href);
    if (!link || !seen.insert(*link).second) continue;
    out.links.push_back(std::move(*link));
  }
  return out;
}

std::string document_base_url(const HtmlDocument& document, std::string_view page_url) {
  return base_from(collect(document.document()), page_url);
}

const char* followable_href(const GumboNode* node) {
  if (node == nullptr || node->type != GUMBO_NODE_ELEMENT) return nullptr;
  const GumboElement& element = node->v.element;
  if (element.tag != GUMBO_TAG_A && element.tag != GUMBO_TAG_AREA) return nullptr;
  return href_unless_nofollow(element);
}

Extracted extract_page(const HtmlDocument& document, std::string_view page_url, std::string_view robots_agent) {
  return extract_from_facts(collect(document.document(), robots_agent), page_url);
}

std::optional<Extracted> extract_page_streaming(std::string& utf8_html, std::string_view page_url,
                                                std::string_view robots_agent) {
  limit_nesting(utf8_html, HtmlDocument::kMaxNestingDepth);
  std::optional<PageFacts> facts = scan_html(utf8_html, robots_agent);
  if (!facts) return std::nullopt;
  return extract_from_facts(*facts, page_url);
}

Extracted extract_page(std::string_view utf8_html, std::string_view page_url, std::string_view robots_agent) {
  std::string html(utf8_html);
  if (std::optional<Extracted> streamed = extract_page_streaming(html, page_url, robots_agent)) return *streamed;
  return extract_page(HtmlDocument::parse(std::move(html)), page_url, robots_agent);
}

}  // namespace forager
