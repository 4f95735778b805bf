#include "workers/parse/html_document.h"
#include "crawler/util/ascii.h"
#include "workers/parse/gumbo_guard.h"


#include <array>
#include <cstdint>
#include <vector>
#include <utility>

namespace forager {
namespace {

using ascii::is_whitespace;

constexpr char ascii_lower(char c) { return ascii::lower(c); }

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool istarts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

size_t ifind(std::string_view s, std::string_view needle, size_t from) {
  for (size_t i = from; i + needle.size() <= s.size(); ++i) {
    if (istarts_with(s.substr(i), needle)) return i;
  }
  return std::string_view::npos;
}

// Elements that never open a level of nesting, or whose nesting the tree
// builder undoes itself (an <a> or <p> closes an open one).
constexpr std::array kNonNesting = {
    GUMBO_TAG_AREA,  GUMBO_TAG_BASE,     GUMBO_TAG_BR,       GUMBO_TAG_COL,      GUMBO_TAG_EMBED,
    GUMBO_TAG_HR,    GUMBO_TAG_IMG,      GUMBO_TAG_INPUT,    GUMBO_TAG_LINK,     GUMBO_TAG_META,
    GUMBO_TAG_PARAM, GUMBO_TAG_SOURCE,   GUMBO_TAG_TRACK,    GUMBO_TAG_WBR,      GUMBO_TAG_KEYGEN,
    GUMBO_TAG_FRAME, GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,  GUMBO_TAG_IMAGE,    GUMBO_TAG_A,
    GUMBO_TAG_P,     GUMBO_TAG_LI,       GUMBO_TAG_DT,       GUMBO_TAG_DD,       GUMBO_TAG_OPTION,
    GUMBO_TAG_OPTGROUP, GUMBO_TAG_TR,    GUMBO_TAG_TD,       GUMBO_TAG_TH,       GUMBO_TAG_TBODY,
    GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT,    GUMBO_TAG_COLGROUP, GUMBO_TAG_CAPTION,  GUMBO_TAG_RB,
    GUMBO_TAG_RT,    GUMBO_TAG_RTC,      GUMBO_TAG_RP,       GUMBO_TAG_HTML,     GUMBO_TAG_BODY};

// Elements whose content is raw text up to their end tag.
constexpr std::array kRawText = {
    GUMBO_TAG_SCRIPT,  GUMBO_TAG_STYLE,    GUMBO_TAG_TEXTAREA, GUMBO_TAG_TITLE,    GUMBO_TAG_XMP,
    GUMBO_TAG_IFRAME,  GUMBO_TAG_NOEMBED,  GUMBO_TAG_NOFRAMES, GUMBO_TAG_NOSCRIPT, GUMBO_TAG_PLAINTEXT};

// A flag per GumboTag (gumbo_tagn_enum is a perfect hash, case-insensitive).
template <size_t N>
std::array<bool, GUMBO_TAG_LAST + 1> tag_set(const std::array<GumboTag, N>& tags) {
  std::array<bool, GUMBO_TAG_LAST + 1> set{};
  for (GumboTag tag : tags) set[tag] = true;
  return set;
}

// The names of the tags limit_nesting tells apart (kNonNesting, kRawText,
// <svg>, <math>), by length, as 64-bit words of their bytes with a ninth
// byte apart. Every one is ASCII letters only, so comparing them with a
// name's bytes each ORed with 0x20 is comparing up to ASCII case: no other
// byte becomes a lower-case letter that way.
struct NestingNames {
  struct Entry {
    uint64_t word = 0;
    char ninth = 0;
    GumboTag tag = GUMBO_TAG_UNKNOWN;
  };
  static constexpr size_t kMaxLength = 9;
  std::array<std::vector<Entry>, kMaxLength + 1> by_length;
  NestingNames() {
    auto add = [&](GumboTag tag) {
      const std::string_view name = gumbo_normalized_tagname(tag);
      by_length[name.size()].push_back(Entry{word_of(name), name.size() > 8 ? name[8] : '\0', tag});
    };
    for (GumboTag tag : kNonNesting) add(tag);
    for (GumboTag tag : kRawText) add(tag);
    add(GUMBO_TAG_SVG);
    add(GUMBO_TAG_MATH);
  }
  static uint64_t word_of(std::string_view name) {
    uint64_t word = 0;
    for (size_t i = 0; i < name.size() && i < 8; ++i) {
      word |= static_cast<uint64_t>(static_cast<unsigned char>(name[i]) | 0x20u) << (8 * i);
    }
    return word;
  }
};

}  // namespace

GumboTag nesting_tag(std::string_view name) {
  static const NestingNames names;
  if (name.empty() || name.size() > NestingNames::kMaxLength) return GUMBO_TAG_UNKNOWN;
  const uint64_t word = NestingNames::word_of(name);
  const char ninth = name.size() > 8 ? static_cast<char>(name[8] | 0x20) : '\0';
  for (const NestingNames::Entry& e : names.by_length[name.size()]) {
    if (e.word == word && e.ninth == ninth) return e.tag;
  }
  return GUMBO_TAG_UNKNOWN;
}

namespace {

// Finds the '>' that ends the tag whose attributes start at `pos`, skipping
// quoted attribute values. Returns s.size() when the tag does not end.
size_t find_tag_end(std::string_view s, size_t pos) {
  bool after_equals = false;
  while (pos < s.size()) {
    const char c = s[pos];
    if (c == '>') return pos;
    if (after_equals && (c == '"' || c == '\'')) {
      const size_t close = s.find(c, pos + 1);
      if (close == std::string_view::npos) return s.size();
      pos = close + 1;
      after_equals = false;
      continue;
    }
    if (c == '=') {
      after_equals = true;
    } else if (!is_whitespace(c)) {
      after_equals = false;
    }
    ++pos;
  }
  return s.size();
}

}  // namespace

bool limit_nesting(std::string& html, size_t max_depth) {
  static const auto non_nesting = tag_set(kNonNesting);
  static const auto raw_text = tag_set(kRawText);
  const std::string_view s = html;
  std::string out;       // built only once a tag is dropped
  size_t copied = 0;     // s[0, copied) is accounted for in `out`
  bool changed = false;
  size_t depth = 0;
  size_t foreign = 0;    // open <svg>/<math>: "/>" really closes there
  size_t pos = 0;
  while ((pos = s.find('<', pos)) != std::string_view::npos) {
    const std::string_view rest = s.substr(pos);
    if (rest.substr(0, 4) == "<!--") {
      const size_t end = s.find("-->", pos + 4);
      pos = end == std::string_view::npos ? s.size() : end + 3;
      continue;
    }
    if (rest.size() >= 2 && (rest[1] == '!' || rest[1] == '?')) {
      const size_t end = s.find('>', pos);
      pos = end == std::string_view::npos ? s.size() : end + 1;
      continue;
    }
    const bool end_tag = rest.size() >= 2 && rest[1] == '/';
    const size_t name_at = pos + (end_tag ? 2 : 1);
    if (name_at >= s.size() || !is_ascii_alpha(s[name_at])) {
      ++pos;
      continue;
    }
    size_t name_end = name_at;
    while (name_end < s.size() && !is_whitespace(s[name_end]) && s[name_end] != '/' &&
           s[name_end] != '>') {
      ++name_end;
    }
    const GumboTag tag = nesting_tag(s.substr(name_at, name_end - name_at));
    const size_t tag_end = find_tag_end(s, name_end);
    if (tag_end >= s.size()) break;
    const bool is_foreign_root = tag == GUMBO_TAG_SVG || tag == GUMBO_TAG_MATH;
    if (end_tag) {
      if (is_foreign_root && foreign > 0) --foreign;
      if (!non_nesting[tag] && depth > 0) --depth;
      pos = tag_end + 1;
      continue;
    }
    const bool self_closing = s[tag_end - 1] == '/';
    if (raw_text[tag] && foreign == 0) {
      if (tag == GUMBO_TAG_PLAINTEXT) break;
      std::string close_tag = "</";
      for (size_t i = name_at; i < name_end; ++i) close_tag += ascii_lower(s[i]);
      const size_t close = ifind(s, close_tag, tag_end + 1);
      pos = close == std::string_view::npos ? s.size() : close;
      continue;
    }
    pos = tag_end + 1;
    if (non_nesting[tag] || (self_closing && (foreign > 0 || is_foreign_root))) continue;
    if (depth < max_depth) {
      ++depth;
      if (is_foreign_root) ++foreign;
      continue;
    }
    // Too deep: drop this start tag.
    if (!changed) out.reserve(s.size());
    changed = true;
    out.append(s.substr(copied, name_at - 1 - copied));
    copied = tag_end + 1;
  }
  if (!changed) return false;
  out.append(s.substr(copied));
  html = std::move(out);
  return true;
}

HtmlDocument HtmlDocument::parse(std::string html) {
  limit_nesting(html, kMaxNestingDepth);
  HtmlDocument doc;
  doc.source_ = std::make_unique<std::string>(std::move(html));
  doc.arena_ = std::make_unique<GumboArena>();
  GumboOptions options = doc.arena_->options();
  options.max_errors = 0;  // nothing reads gumbo's parse errors; recording them costs time
  doc.output_ = gumbo_parse_guarded(options, doc.source_->data(), doc.source_->size());
  if (doc.output_ == nullptr) {  // gumbo stopped half way: drop what it built
    doc.aborted_ = true;
    doc.arena_.reset();
  }
  return doc;
}

HtmlDocument::HtmlDocument(HtmlDocument&& other) noexcept
    : source_(std::move(other.source_)),
      arena_(std::move(other.arena_)),
      output_(std::exchange(other.output_, nullptr)),
      aborted_(other.aborted_) {}

HtmlDocument& HtmlDocument::operator=(HtmlDocument&& other) noexcept {
  if (this != &other) {
    destroy();
    source_ = std::move(other.source_);
    arena_ = std::move(other.arena_);
    output_ = std::exchange(other.output_, nullptr);
    aborted_ = other.aborted_;
  }
  return *this;
}

HtmlDocument::~HtmlDocument() { destroy(); }

void HtmlDocument::destroy() {
  // The whole tree lives in the arena: no gumbo_destroy_output() walk.
  output_ = nullptr;
  arena_.reset();
}

const GumboNode* HtmlDocument::document() const {
  return output_ != nullptr ? output_->document : nullptr;
}

std::string media_type(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  std::string_view type = content_type.substr(0, semicolon);
  while (!type.empty() && is_whitespace(type.front())) type.remove_prefix(1);
  while (!type.empty() && is_whitespace(type.back())) type.remove_suffix(1);
  std::string out(type);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool is_html_media_type(std::string_view content_type) {
  const std::string type = media_type(content_type);
  return type == "text/html" || type == "application/xhtml+xml";
}

bool sniffs_as_html(std::string_view body) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  while (!body.empty() && is_whitespace(body.front())) body.remove_prefix(1);
  if (body.substr(0, 4) == "<!--") return true;
  static constexpr std::array<std::string_view, 17> kPatterns = {
      "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font", "<table",
      "<a", "<style", "<title", "<b", "<body", "<br", "<p", "<meta"};
  for (std::string_view pattern : kPatterns) {
    if (!istarts_with(body, pattern) || body.size() == pattern.size()) continue;
    const char next = body[pattern.size()];
    if (next == ' ' || next == '>' || next == '\t' || next == '\n' || next == '\r' ||
        next == '\f') {
      return true;
    }
  }
  return false;
}

}  // namespace forager
