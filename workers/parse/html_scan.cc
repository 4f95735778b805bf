#include "workers/parse/html_scan.h"

#include <gumbo.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "crawler/util/ascii.h"
#include "workers/parse/charset.h"
#include "workers/parse/html_entities.h"

namespace forager {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;
constexpr uint32_t kEof = 0xFFFFFFFF;
// A numeric character reference that grows past this before its next digit
// could overflow gumbo's int (which gumbo does not guard): give up.
constexpr uint32_t kMaxSafeNumericRef = 0x7FFFFF;

// Thrown where the streaming pass cannot promise gumbo's result.
struct GiveUp {
  ScanGiveUp reason;
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
// The tokenizer's whitespace after the input stream turned CR into LF.
bool is_space(char c) { return c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '\r'; }

int hex_value(char c, bool hex) {
  if (is_digit(c)) return c - '0';
  if (hex && c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (hex && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Code points gumbo's input stream replaces with U+FFFD (controls and
// noncharacters; NUL is left to the tokenizer states).
bool is_replaced_code_point(uint32_t c) {
  return (c >= 0x1 && c <= 0x8) || c == 0xB || (c >= 0xE && c <= 0x1F) || (c >= 0x7F && c <= 0x9F) ||
         (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFF) == 0xFFFE || (c & 0xFFFF) == 0xFFFF;
}

// What a numeric character reference's value becomes (gumbo's table: NUL,
// the windows-1252 C1 range, surrogates and values past U+10FFFF).
uint32_t numeric_ref_value(uint32_t v) {
  static constexpr uint32_t kC1[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  if (v == 0) return kReplacement;
  if (v >= 0x80 && v <= 0x9F) return kC1[v - 0x80];
  if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return kReplacement;
  return v;
}

// Elements whose start tag closes an open cell or caption.
bool is_table_part(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_COL:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TR:
      return true;
    default:
      return false;
  }
}

struct Attribute {
  std::string name;
  std::string value;
  std::string_view source;  // the value's text in the page, when it was one piece
};

class Scanner {
 public:
  Scanner(std::string_view html, std::string_view robots_agent) : s_(html), agent_(robots_agent) {}

  PageFacts run();

 private:
  // Table insertion modes, one per open <table>: "in table" (with "in table
  // body" and "in row"), "in cell", "in caption", "in column group".
  enum class Mode { kTable, kCell, kCaption, kColgroup };
  struct Char {
    uint32_t cp;
    size_t width;
  };
  enum class RawText { kRcdata, kRawtext, kScript };

  size_t size() const { return s_.size(); }
  bool in_table_text() const {
    return !tables_.empty() && (tables_.back() == Mode::kTable || tables_.back() == Mode::kColgroup);
  }
  Char read(size_t i) const;
  void append_char(std::string& out, size_t& i) const;
  void append_name_char(std::string& out, size_t& i) const;
  // The end of the run from `i` of characters a value keeps as they are
  // (printable ASCII but '&' and `quote`, tab, LF, FF).
  size_t plain_run(size_t i, char quote) const {
    while (i < size()) {
      const char c = s_[i];
      if (c == quote || c == '&' || !((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\f')) break;
      ++i;
    }
    return i;
  }
  void text_char(char c) const {
    if (in_table_text() && !is_space(c)) throw GiveUp{ScanGiveUp::kFosterText};
  }

  void tag_open();
  void markup_declaration(size_t i);
  void comment(size_t i);
  void bogus_comment(size_t from);
  void tag(size_t name_at, bool start);
  // Parses attributes from `i` (just after the tag name, at its delimiter)
  // up to the '>'. Returns false when the input ends first (no tag).
  bool attributes(size_t i, bool collect);
  void finish_attribute_name(std::string& name);
  size_t char_ref(size_t amp, uint32_t allowed, bool in_attribute, std::string& out) const;

  void on_start_tag(GumboTag tag);
  void open_template();
  void close_template();
  // Whether a template is open inside a table, cell, caption or column
  // group. gumbo's "reset the insertion mode" passes over template
  // elements, so once a table, select or template closes inside such a
  // template, what follows is handled in that table's mode (and foster
  // parented out of the template): not modelled.
  bool template_in_table() const {
    for (const Template& t : templates_) {
      if (!t.tables.empty()) return true;
    }
    return false;
  }
  // Inside <svg> ("in foreign content"): start and end tags.
  void foreign_start_tag(GumboTag tag);
  void foreign_end_tag(size_t name_at);
  // "in select": returns whether the token is done with.
  bool in_select(GumboTag tag);
  void in_body(GumboTag tag);
  void on_end_tag(GumboTag tag);
  void raw_text(GumboTag tag, RawText kind, std::string* text);
  // Whether s_[i] starts the end tag named `name` ("</name" + delimiter);
  // sets `after` to the delimiter.
  bool appropriate_end_tag(size_t i, std::string_view name, size_t& after) const;
  size_t script_data(size_t i, size_t& after) const;
  void end_raw_text(size_t delimiter);

  const Attribute* attribute(std::string_view name) const;
  void meta();
  void base();
  void link();
  std::string_view keep(const Attribute& attr);

  std::string_view s_;
  std::string_view agent_;
  size_t pos_ = 0;
  std::vector<Mode> tables_;
  bool select_open_ = false;  // "in select" (a <select> in a table: gives up)
  // Open <template>s, outermost first: the table modes around each, back in
  // force at its end tag. Inside one, tables_ starts afresh (its content is
  // "in body"; a <select> holds none open), and nothing is collected: the
  // tree walk skips template contents.
  struct Template {
    std::vector<Mode> tables;
    // An <a> start tag inside: its formatting entry can outlive the template
    // (an unclosed <object>, <td>, ... leaves its marker above the
    // template's) and be cloned after it, with its href, into the document.
    bool link = false;
  };
  std::vector<Template> templates_;
  // Open SVG elements, outermost first, by the name gumbo compares end tags
  // with (the start tag's name as written; only names of [a-z0-9:._-] are
  // kept, lowercased). Never an HTML integration point: their content is
  // skipped whole.
  std::vector<std::string> foreign_;
  size_t no_token_end_ = std::string_view::npos;  // just after the last "</>"
  bool title_seen_ = false;
  // The current tag's name, as the tokenizer has it up to ASCII case (gumbo
  // looks tags up ignoring it): a view of the page, or of decoded_name_.
  std::string_view name_;
  std::string decoded_name_;
  std::vector<Attribute> attributes_;  // the current tag's, when collected
  bool drop_value_ = false;            // a duplicate attribute's value is parsed, not kept
  bool self_closing_ = false;          // the current tag ended with "/>"
  std::string dup_prefix_;             // a duplicate attribute's name, see finish_attribute_name
  PageFacts facts_;
};

Scanner::Char Scanner::read(size_t i) const {
  if (i >= size()) return {kEof, 0};
  const auto b = static_cast<unsigned char>(s_[i]);
  if (b < 0x80) {
    if (b == '\r') return {'\n', i + 1 < size() && s_[i + 1] == '\n' ? 2u : 1u};
    return {is_replaced_code_point(b) ? kReplacement : b, 1};
  }
  size_t width = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    width = 2, cp = b & 0x1F, min = 0x80;
  } else if (b >= 0xE0 && b <= 0xEF) {
    width = 3, cp = b & 0x0F, min = 0x800;
  } else if (b >= 0xF0 && b <= 0xF4) {
    width = 4, cp = b & 0x07, min = 0x10000;
  } else {
    throw GiveUp{ScanGiveUp::kInvalidUtf8};
  }
  if (i + width > size()) throw GiveUp{ScanGiveUp::kInvalidUtf8};
  for (size_t k = 1; k < width; ++k) {
    const auto c = static_cast<unsigned char>(s_[i + k]);
    if ((c & 0xC0) != 0x80) throw GiveUp{ScanGiveUp::kInvalidUtf8};
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) throw GiveUp{ScanGiveUp::kInvalidUtf8};
  return {is_replaced_code_point(cp) ? kReplacement : cp, width};
}

// Appends the character at `i` as the tokenizer sees it (NUL as U+FFFD, as
// in every state whose text is kept here) and moves past it.
void Scanner::append_char(std::string& out, size_t& i) const {
  const Char c = read(i);
  charset::append_utf8(out, c.cp);
  i += c.width;
}

// The same in an attribute name, ASCII lowercased.
void Scanner::append_name_char(std::string& out, size_t& i) const {
  const Char c = read(i);
  charset::append_utf8(out, c.cp < 0x80 ? static_cast<uint32_t>(ascii::lower(static_cast<char>(c.cp))) : c.cp);
  i += c.width;
}

PageFacts Scanner::run() {
  while (pos_ < size()) {
    if (in_table_text()) {
      const char c = s_[pos_];
      if (c == '<') {
        tag_open();
      } else {
        text_char(c);
        ++pos_;
      }
      continue;
    }
    const void* lt = std::memchr(s_.data() + pos_, '<', size() - pos_);
    if (lt == nullptr) break;
    pos_ = static_cast<size_t>(static_cast<const char*>(lt) - s_.data());
    tag_open();
  }
  return std::move(facts_);
}

// At a '<' in the data state.
void Scanner::tag_open() {
  const size_t i = pos_ + 1;
  if (i >= size()) {
    text_char('<');
    pos_ = size();
    return;
  }
  const char c = s_[i];
  if (c == '!') {
    markup_declaration(i + 1);
  } else if (c == '/') {
    if (i + 1 >= size()) {
      text_char('<');
      pos_ = size();
    } else if (s_[i + 1] == '>') {  // "</>": no token
      pos_ = i + 2;
      no_token_end_ = pos_;
    } else if (is_alpha(s_[i + 1])) {
      tag(i + 1, false);
    } else {
      bogus_comment(i + 2);
    }
  } else if (c == '?') {
    bogus_comment(i + 1);
  } else if (is_alpha(c)) {
    tag(i, true);
  } else {
    text_char('<');
    pos_ = i;
  }
}

void Scanner::markup_declaration(size_t i) {
  const std::string_view rest = s_.substr(i);
  if (rest.starts_with("--")) {
    comment(i + 2);
  } else if (!foreign_.empty() && rest.starts_with("[CDATA[")) {  // gumbo: when the current node is foreign
    const size_t end = s_.find("]]>", i + 7);
    pos_ = end == std::string_view::npos ? size() : end + 3;
  } else if (ascii::istarts_with(rest, "doctype")) {
    bogus_comment(i + 7);  // every doctype state ends at the first '>'
  } else {
    bogus_comment(i);
  }
}

void Scanner::bogus_comment(size_t from) {
  const size_t end = from < size() ? s_.find('>', from) : std::string_view::npos;
  pos_ = end == std::string_view::npos ? size() : end + 1;
}

// gumbo's comment states, from just after "<!--". "<!-->", "<!--->",
// "-->" and "--!>" end a comment; so does the end of the input.
void Scanner::comment(size_t i) {
  enum { kStart, kStartDash, kBody, kEndDash, kEnd, kBang } state = kStart;
  for (; i < size(); ++i) {
    const char c = s_[i];
    if (c == '>' && (state == kStart || state == kStartDash || state == kEnd || state == kBang)) {
      pos_ = i + 1;
      return;
    }
    switch (state) {
      case kStart:
        state = c == '-' ? kStartDash : kBody;
        break;
      case kStartDash:
      case kEndDash:
        state = c == '-' ? kEnd : kBody;
        break;
      case kBody: {
        const void* dash = std::memchr(s_.data() + i, '-', size() - i);
        if (dash == nullptr) {
          pos_ = size();
          return;
        }
        i = static_cast<size_t>(static_cast<const char*>(dash) - s_.data());
        state = kEndDash;
        break;
      }
      case kEnd:
        state = c == '!' ? kBang : c == '-' ? kEnd : kBody;
        break;
      case kBang:
        state = c == '-' ? kEndDash : kBody;
        break;
    }
  }
  pos_ = size();
}

void Scanner::tag(size_t name_at, bool start) {
  size_t i = name_at;
  while (i < size() && is_alnum(s_[i])) ++i;
  if (i >= size() || is_space(s_[i]) || s_[i] == '/' || s_[i] == '>') {
    name_ = s_.substr(name_at, i - name_at);  // ASCII letters and digits: the text as written
  } else {
    decoded_name_.assign(s_.data() + name_at, i - name_at);
    for (char& c : decoded_name_) c = ascii::lower(c);
    while (i < size() && !is_space(s_[i]) && s_[i] != '/' && s_[i] != '>') {
      const char c = s_[i];
      if (static_cast<unsigned char>(c) < 0x80 && c != '\0' && !is_replaced_code_point(static_cast<uint32_t>(c))) {
        decoded_name_ += ascii::lower(c);
        ++i;
      } else {
        append_char(decoded_name_, i);
      }
    }
    name_ = decoded_name_;
  }
  if (i >= size()) {  // the input ends inside the tag: no tag
    pos_ = size();
    return;
  }
  // Outside tables, select, templates and SVG an end tag changes nothing the
  // pass follows: which one it is need not be looked up.
  const bool plain_end = !start && foreign_.empty() && tables_.empty() && !select_open_ && templates_.empty();
  const GumboTag tag =
      plain_end ? GUMBO_TAG_UNKNOWN : gumbo_tagn_enum(name_.data(), static_cast<unsigned>(name_.size()));
  const bool collect = start && (tag == GUMBO_TAG_A || tag == GUMBO_TAG_AREA || tag == GUMBO_TAG_BASE ||
                                 tag == GUMBO_TAG_META || tag == GUMBO_TAG_INPUT);
  if (!attributes(i, collect)) return;
  // gumbo's text of a token as written starts after the previous token, so a
  // tag right after "</>" has that in its text: an SVG name that no end tag
  // matches as gumbo compares them.
  const size_t lt = start ? name_at - 1 : name_at - 2;
  if (lt == no_token_end_ && (!foreign_.empty() || (start && tag == GUMBO_TAG_SVG))) throw GiveUp{ScanGiveUp::kSvgAfterNoToken};
  if (!foreign_.empty()) {
    start ? foreign_start_tag(tag) : foreign_end_tag(name_at);
  } else if (start) {
    on_start_tag(tag);
  } else {
    on_end_tag(tag);
  }
}

void Scanner::finish_attribute_name(std::string& name) {
  drop_value_ = false;
  for (const Attribute& a : attributes_) {
    if (a.name == name) {
      drop_value_ = true;
      // gumbo's duplicate-attribute path clears its name buffer only when it
      // records the parse error, which forager's parses never do
      // (max_errors = 0): the name stays in the buffer and begins the next
      // attribute's name, unless a value (dropped) comes first.
      dup_prefix_ = std::move(name);
      return;
    }
  }
  attributes_.push_back(Attribute{std::move(name), {}, {}});
}

bool Scanner::attributes(size_t i, bool collect) {
  enum { kBeforeName, kName, kAfterName, kBeforeValue, kQuoted, kUnquoted, kAfterQuoted, kSelfClosing };
  attributes_.clear();
  drop_value_ = false;
  self_closing_ = false;
  dup_prefix_.clear();
  std::string name;
  std::string value;
  size_t value_at = 0;
  char quote = 0;
  auto state = kBeforeName;
  // The delimiter that ended the tag name decides the first state.
  if (s_[i] == '/') {
    state = kSelfClosing;
    ++i;
  } else if (s_[i] == '>') {
    pos_ = i + 1;
    return true;
  } else {
    i += read(i).width;
  }
  auto finish_value = [&](size_t end) {
    if (collect && !drop_value_ && !attributes_.empty()) {
      Attribute& a = attributes_.back();
      a.value = std::move(value);
      const std::string_view raw = s_.substr(value_at, end - value_at);
      a.source = raw == a.value ? raw : std::string_view();
    }
    drop_value_ = false;
    dup_prefix_.clear();
    value.clear();
  };
  auto start_name = [&](size_t& at) {
    name = std::move(dup_prefix_);
    dup_prefix_.clear();
    state = kName;
    if (s_[at] == '\0') {  // gumbo appends this U+FFFD to another buffer
      ++at;
      return;
    }
    if (collect) {
      append_name_char(name, at);
    } else {
      ++at;
    }
  };
  while (i < size()) {
    const char c = s_[i];
    switch (state) {
      case kBeforeName:
      case kAfterName:  // the same but for '=', which starts a name before one
        if (is_space(c)) {
          ++i;
        } else if (c == '/') {
          state = kSelfClosing;
          ++i;
        } else if (c == '=' && state == kAfterName) {
          state = kBeforeValue;
          ++i;
        } else if (c == '>') {
          pos_ = i + 1;
          return true;
        } else {
          start_name(i);
        }
        break;
      case kName:
        if (is_space(c) || c == '/' || c == '=' || c == '>') {
          if (collect) finish_attribute_name(name);
          if (c == '>') {
            pos_ = i + 1;
            return true;
          }
          state = c == '/' ? kSelfClosing : c == '=' ? kBeforeValue : kAfterName;
          ++i;
        } else if (collect) {
          append_name_char(name, i);
        } else {  // not kept: to the delimiter at once
          while (i < size() && !is_space(s_[i]) && s_[i] != '/' && s_[i] != '=' && s_[i] != '>') ++i;
        }
        break;
      case kBeforeValue:
        if (is_space(c)) {
          ++i;
        } else if (c == '"' || c == '\'') {
          quote = c;
          state = kQuoted;
          value_at = ++i;
        } else if (c == '>') {  // the value stays empty
          drop_value_ = false;
          pos_ = i + 1;
          return true;
        } else {
          state = kUnquoted;
          value_at = i;
        }
        break;
      case kQuoted:
        if (!collect) {
          const size_t close = s_.find(quote, i);
          if (close == std::string_view::npos) return pos_ = size(), false;
          i = close;
        }
        if (s_[i] == quote) {
          finish_value(i);
          state = kAfterQuoted;
          ++i;
        } else if (s_[i] == '&') {
          i = char_ref(i, static_cast<uint32_t>(quote), true, value);
        } else {
          const size_t end = plain_run(i, quote);
          if (end == i) {
            append_char(value, i);
          } else {
            value.append(s_.data() + i, end - i);
            i = end;
          }
        }
        break;
      case kUnquoted:
        if (is_space(c) || c == '>') {
          finish_value(i);
          if (c == '>') {
            pos_ = i + 1;
            return true;
          }
          state = kBeforeName;
          ++i;
        } else if (!collect) {
          while (i < size() && !is_space(s_[i]) && s_[i] != '>') ++i;
        } else if (c == '&') {
          i = char_ref(i, '>', true, value);
        } else {
          append_char(value, i);
        }
        break;
      case kAfterQuoted:
        if (is_space(c)) {
          state = kBeforeName;
          ++i;
        } else if (c == '/') {
          state = kSelfClosing;
          ++i;
        } else if (c == '>') {
          pos_ = i + 1;
          return true;
        } else {
          state = kBeforeName;
        }
        break;
      case kSelfClosing:
        if (c == '>') {
          self_closing_ = true;
          pos_ = i + 1;
          return true;
        }
        state = kBeforeName;
        break;
    }
  }
  pos_ = size();  // the input ends inside the tag: gumbo drops it
  return false;
}

// A character reference at s_[amp] == '&' (gumbo's consume_char_ref):
// appends what it stands for, or '&', and returns where to go on.
size_t Scanner::char_ref(size_t amp, uint32_t allowed, bool in_attribute, std::string& out) const {
  const Char next = read(amp + 1);
  const uint32_t c = next.cp;
  if (c == allowed || c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == kEof) {
    out += '&';
    return amp + 1;
  }
  if (c == '#') {
    size_t j = amp + 2;
    bool hex = false;
    if (j < size() && (s_[j] == 'x' || s_[j] == 'X')) {
      hex = true;
      ++j;
    }
    if (j >= size() || hex_value(s_[j], hex) < 0) {
      out += '&';
      return amp + 1;
    }
    uint32_t value = 0;
    for (int digit; j < size() && (digit = hex_value(s_[j], hex)) >= 0; ++j) {
      if (value > kMaxSafeNumericRef) throw GiveUp{ScanGiveUp::kNumericOverflow};
      value = value * (hex ? 16 : 10) + static_cast<uint32_t>(digit);
    }
    if (j < size() && s_[j] == ';') ++j;
    charset::append_utf8(out, numeric_ref_value(value));
    return j;
  }
  const html_entities::Match match = html_entities::longest_match(s_.substr(amp + 1));
  if (match.length == 0) {
    out += '&';
    return amp + 1;
  }
  const size_t end = amp + 1 + match.length;
  if (!match.semicolon && in_attribute) {
    const char after = end < size() ? s_[end] : '\0';
    if (after == '=' || is_alnum(after)) {
      out += '&';
      return amp + 1;
    }
  }
  charset::append_utf8(out, match.first);
  if (match.second != 0) charset::append_utf8(out, match.second);
  return end;
}

void Scanner::on_start_tag(GumboTag tag) {
  if (select_open_ && in_select(tag)) return;
  // A template's first table part switches it to a table mode without a
  // <table> (gumbo then foster parents out of the template): not modelled.
  if (!templates_.empty() && tables_.empty() && is_table_part(tag)) throw GiveUp{ScanGiveUp::kTemplateTablePart};
  for (;;) {
    if (tables_.empty()) break;
    Mode& mode = tables_.back();
    if (mode == Mode::kCell || mode == Mode::kCaption) {
      if (!is_table_part(tag)) break;  // "in body"
      mode = Mode::kTable;
      continue;
    }
    if (mode == Mode::kColgroup) {
      if (tag == GUMBO_TAG_COL) return;
      if (tag == GUMBO_TAG_TEMPLATE) return open_template();  // "in head" rules, in the column group
      mode = Mode::kTable;
      continue;
    }
    switch (tag) {  // "in table", "in table body", "in row"
      case GUMBO_TAG_CAPTION:
        mode = Mode::kCaption;
        return;
      case GUMBO_TAG_COLGROUP:
      case GUMBO_TAG_COL:
        mode = Mode::kColgroup;
        return;
      case GUMBO_TAG_TBODY:
      case GUMBO_TAG_TFOOT:
      case GUMBO_TAG_THEAD:
      case GUMBO_TAG_TR:
      case GUMBO_TAG_FORM:
        return;
      case GUMBO_TAG_TD:
      case GUMBO_TAG_TH:
        mode = Mode::kCell;
        return;
      case GUMBO_TAG_TABLE:
        tables_.pop_back();
        continue;
      case GUMBO_TAG_TEMPLATE:  // "in head" rules: inserted in the table, not foster parented
        open_template();
        return;
      case GUMBO_TAG_STYLE:
        raw_text(tag, RawText::kRawtext, nullptr);
        return;
      case GUMBO_TAG_SCRIPT:
        raw_text(tag, RawText::kScript, nullptr);
        return;
      case GUMBO_TAG_INPUT: {
        const Attribute* type = attribute("type");
        if (type != nullptr && ascii::iequals(type->value, "hidden")) return;
        throw GiveUp{ScanGiveUp::kTableInput};
      }
      default:
        throw GiveUp{ScanGiveUp::kFosterStartTag};  // foster parenting
    }
  }
  in_body(tag);
}

// The start tags that end foreign content (gumbo's list, the WHATWG one):
// the tree builder pops every SVG element and handles the tag as HTML.
bool is_breakout(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_B: case GUMBO_TAG_BIG: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_BODY: case GUMBO_TAG_BR:
    case GUMBO_TAG_CENTER: case GUMBO_TAG_CODE: case GUMBO_TAG_DD: case GUMBO_TAG_DIV: case GUMBO_TAG_DL:
    case GUMBO_TAG_DT: case GUMBO_TAG_EM: case GUMBO_TAG_EMBED: case GUMBO_TAG_H1: case GUMBO_TAG_H2:
    case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_HEAD:
    case GUMBO_TAG_HR: case GUMBO_TAG_I: case GUMBO_TAG_IMG: case GUMBO_TAG_LI: case GUMBO_TAG_LISTING:
    case GUMBO_TAG_MENU: case GUMBO_TAG_META: case GUMBO_TAG_NOBR: case GUMBO_TAG_OL: case GUMBO_TAG_P:
    case GUMBO_TAG_PRE: case GUMBO_TAG_RUBY: case GUMBO_TAG_S: case GUMBO_TAG_SMALL: case GUMBO_TAG_SPAN:
    case GUMBO_TAG_STRONG: case GUMBO_TAG_STRIKE: case GUMBO_TAG_SUB: case GUMBO_TAG_SUP: case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TT: case GUMBO_TAG_U: case GUMBO_TAG_UL: case GUMBO_TAG_VAR:
      return true;
    default:
      return false;
  }
}

// A tag name whose text as written is its tokenized name up to ASCII case
// (gumbo compares foreign end tags by the text as written).
bool is_plain_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != ':' && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

void Scanner::foreign_start_tag(GumboTag tag) {
  if (is_breakout(tag)) {  // the pass holds no integration point open: every SVG element goes
    foreign_.clear();
    on_start_tag(tag);
    return;
  }
  if (tag == GUMBO_TAG_FONT || !is_plain_name(name_)) throw GiveUp{ScanGiveUp::kSvgFontOrName};  // <font color|face|size> breaks out
  if (self_closing_) return;                                            // acknowledged: popped at once
  if (tag == GUMBO_TAG_TITLE || tag == GUMBO_TAG_DESC || tag == GUMBO_TAG_FOREIGNOBJECT) {
    // An HTML integration point: its content is parsed as HTML. Modelled
    // only when it is text up to its own end tag, written exactly "</name>".
    const size_t lt = s_.find('<', pos_);
    const size_t end = lt + 2 + name_.size();
    if (lt == std::string_view::npos || end >= size() || s_[lt + 1] != '/' || s_[end] != '>' ||
        !ascii::iequals(s_.substr(lt + 2, name_.size()), name_))
      throw GiveUp{ScanGiveUp::kSvgIntegrationPoint};
    pos_ = end + 1;
    return;
  }
  foreign_.push_back(ascii::lower(name_));
}

// gumbo's end tag "in foreign content": the text between "</" and ">" as
// written (attributes, spaces and all) against each open SVG element's name,
// innermost first; the match is popped with all inside it. No match: gumbo
// hands the tag to the HTML insertion mode, which the pass does not model.
void Scanner::foreign_end_tag(size_t name_at) {
  const std::string_view written = s_.substr(name_at, pos_ - 1 - name_at);
  for (size_t k = foreign_.size(); k > 0; --k) {
    if (ascii::iequals(written, foreign_[k - 1])) {
      foreign_.resize(k - 1);
      return;
    }
  }
  throw GiveUp{ScanGiveUp::kSvgEndTag};
}

// In a <select>, the tree builder ignores every start tag but these: the
// tokenizer stays in the data state for <title>, <style>, ... there.
bool Scanner::in_select(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SELECT:  // acts as </select>
      select_open_ = false;
      return true;
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_TEXTAREA:  // close the select, then go on "in body"
      select_open_ = false;
      return false;
    case GUMBO_TAG_SCRIPT:
      raw_text(tag, RawText::kScript, nullptr);
      return true;
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_HTML:
      throw GiveUp{ScanGiveUp::kTemplateOrHtmlInSelect};
    default:  // <option>, <optgroup>; anything else is ignored
      return true;
  }
}

void Scanner::in_body(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SELECT:
      if (!tables_.empty()) throw GiveUp{ScanGiveUp::kSelectInTable};  // "in select in table"
      if (template_in_table()) throw GiveUp{ScanGiveUp::kTemplateInTableReset};
      select_open_ = true;
      return;
    case GUMBO_TAG_SVG:
      if (!self_closing_) foreign_.push_back(ascii::lower(name_));
      return;
    case GUMBO_TAG_MATH:
      throw GiveUp{ScanGiveUp::kMath};
    case GUMBO_TAG_TEMPLATE:
      open_template();
      return;
    case GUMBO_TAG_FRAMESET:
      throw GiveUp{ScanGiveUp::kFrameset};
    case GUMBO_TAG_TABLE:
      if (template_in_table()) throw GiveUp{ScanGiveUp::kTemplateInTableReset};
      tables_.push_back(Mode::kTable);
      return;
    case GUMBO_TAG_TITLE:
      if (title_seen_ || !templates_.empty()) {
        raw_text(tag, RawText::kRcdata, nullptr);
      } else {
        title_seen_ = true;
        facts_.title.emplace();
        raw_text(tag, RawText::kRcdata, &*facts_.title);
      }
      return;
    case GUMBO_TAG_TEXTAREA:
      raw_text(tag, RawText::kRcdata, nullptr);
      return;
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_XMP:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES:
      raw_text(tag, RawText::kRawtext, nullptr);
      return;
    case GUMBO_TAG_SCRIPT:
      raw_text(tag, RawText::kScript, nullptr);
      return;
    case GUMBO_TAG_PLAINTEXT:
      pos_ = size();
      return;
    case GUMBO_TAG_META:
      if (templates_.empty()) meta();
      return;
    case GUMBO_TAG_BASE:
      if (templates_.empty()) base();
      return;
    case GUMBO_TAG_A:
    case GUMBO_TAG_AREA:
      if (templates_.empty()) {
        link();
      } else if (tag == GUMBO_TAG_A) {
        templates_.back().link = true;
      }
      return;
    default:
      return;
  }
}

void Scanner::open_template() {
  if (template_in_table()) throw GiveUp{ScanGiveUp::kTemplateInTableReset};
  templates_.push_back(Template{std::move(tables_)});
  tables_.clear();
}

// gumbo pops every element up to the template, then resets the insertion
// mode from the elements around it: the table mode it was in.
void Scanner::close_template() {
  if (templates_.back().link) throw GiveUp{ScanGiveUp::kTemplateLink};
  tables_ = std::move(templates_.back().tables);
  templates_.pop_back();
}

void Scanner::on_end_tag(GumboTag tag) {
  if (select_open_) {
    if (tag == GUMBO_TAG_SELECT) select_open_ = false;
    if (tag == GUMBO_TAG_TEMPLATE) throw GiveUp{ScanGiveUp::kTemplateOrHtmlInSelect};
    return;  // other end tags: ignored, or <option>/<optgroup> closed
  }
  if (tag == GUMBO_TAG_TEMPLATE) {  // "in head" rules in every mode here; ignored with none open
    if (!templates_.empty()) close_template();
    return;
  }
  while (!tables_.empty()) {
    Mode& mode = tables_.back();
    switch (mode) {
      case Mode::kCell:
        if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) {
          mode = Mode::kTable;
          return;
        }
        if (tag != GUMBO_TAG_TABLE && tag != GUMBO_TAG_TBODY && tag != GUMBO_TAG_TFOOT &&
            tag != GUMBO_TAG_THEAD && tag != GUMBO_TAG_TR)
          return;
        mode = Mode::kTable;
        continue;
      case Mode::kCaption:
        if (tag == GUMBO_TAG_CAPTION) {
          mode = Mode::kTable;
          return;
        }
        if (tag != GUMBO_TAG_TABLE) return;
        mode = Mode::kTable;
        continue;
      case Mode::kColgroup:
        if (tag == GUMBO_TAG_COL) return;
        mode = Mode::kTable;
        if (tag == GUMBO_TAG_COLGROUP) return;
        continue;
      case Mode::kTable:
        if (tag == GUMBO_TAG_TABLE) {
          tables_.pop_back();
          return;
        }
        if (is_table_part(tag) || tag == GUMBO_TAG_BODY || tag == GUMBO_TAG_HTML) return;
        throw GiveUp{ScanGiveUp::kStrayEndTagInTable};
    }
  }
}

const Attribute* Scanner::attribute(std::string_view name) const {
  for (const Attribute& a : attributes_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

void Scanner::meta() {
  const Attribute* name = attribute("name");
  const Attribute* content = attribute("content");
  if (name != nullptr && content != nullptr) note_meta(name->value, content->value, agent_, facts_);
}

void Scanner::base() {
  if (facts_.base_href) return;
  if (const Attribute* href = attribute("href")) facts_.base_href = href->value;
}

void Scanner::link() {
  const Attribute* href = attribute("href");
  const Attribute* rel = attribute("rel");
  if (href == nullptr || (rel != nullptr && has_nofollow(rel->value))) return;
  facts_.hrefs.push_back(keep(*href));
}

std::string_view Scanner::keep(const Attribute& attr) {
  if (attr.source.data() != nullptr || attr.value.empty()) return attr.source.data() != nullptr ? attr.source : "";
  return facts_.owned.emplace_back(attr.value);
}

bool Scanner::appropriate_end_tag(size_t i, std::string_view name, size_t& after) const {
  if (i + 1 >= size() || s_[i + 1] != '/') return false;
  size_t j = i + 2;
  while (j < size() && is_alpha(s_[j])) ++j;
  if (j >= size() || !ascii::iequals(s_.substr(i + 2, j - i - 2), name)) return false;
  if (!is_space(s_[j]) && s_[j] != '/' && s_[j] != '>') return false;
  after = j;
  return true;
}

// The text of a RCDATA / RAWTEXT / script element up to its end tag, then
// the end tag (which the "text" insertion mode takes: no table mode change).
void Scanner::raw_text(GumboTag tag, RawText kind, std::string* text) {
  const std::string_view name = gumbo_normalized_tagname(tag);
  size_t i = pos_;
  size_t delimiter = 0;
  if (kind == RawText::kScript) {
    i = script_data(i, delimiter);
    if (i >= size()) {
      pos_ = size();
      return;
    }
    end_raw_text(delimiter);
    return;
  }
  while (i < size()) {
    if (text == nullptr) {
      const void* lt = std::memchr(s_.data() + i, '<', size() - i);
      if (lt == nullptr) break;
      i = static_cast<size_t>(static_cast<const char*>(lt) - s_.data());
    }
    const char c = s_[i];
    if (c == '<') {
      if (appropriate_end_tag(i, name, delimiter)) {
        end_raw_text(delimiter);
        return;
      }
      if (text != nullptr) *text += '<';
      ++i;
    } else if (c == '&' && kind == RawText::kRcdata) {
      i = char_ref(i, ' ', false, *text);
    } else {
      append_char(*text, i);
    }
  }
  pos_ = size();
}

// The rest of a raw text element's end tag, from the delimiter after its name.
void Scanner::end_raw_text(size_t delimiter) { attributes(delimiter, false); }

// gumbo's script data states from `i`; returns the position of the '<' of
// the "</script" end tag and sets `after` to its delimiter, or size().
size_t Scanner::script_data(size_t i, size_t& after) const {
  enum {
    kData,
    kEscaped,
    kEscapedDash,
    kEscapedDashDash,
    kDouble,
    kDoubleDash,
    kDoubleDashDash
  } state = kData;
  while (i < size()) {
    const char c = s_[i];
    switch (state) {
      case kData: {
        const void* lt = std::memchr(s_.data() + i, '<', size() - i);
        if (lt == nullptr) return size();
        i = static_cast<size_t>(static_cast<const char*>(lt) - s_.data());
        if (appropriate_end_tag(i, "script", after)) return i;
        if (s_.substr(i + 1).starts_with("!--")) {  // escape start, start dash
          state = kEscapedDashDash;
          i += 4;
        } else if (s_.substr(i + 1).starts_with("!-")) {
          i += 3;  // "<!-" then anything but '-': script data again
        } else {
          ++i;
        }
        continue;
      }
      case kEscaped:
      case kEscapedDash:
      case kEscapedDashDash:
        if (c == '-') {
          state = state == kEscaped ? kEscapedDash : kEscapedDashDash;
          ++i;
        } else if (c == '<') {
          if (appropriate_end_tag(i, "script", after)) return i;
          if (i + 1 < size() && is_alpha(s_[i + 1])) {  // double escape start
            size_t j = i + 1;
            while (j < size() && is_alpha(s_[j])) ++j;
            const bool script = ascii::iequals(s_.substr(i + 1, j - i - 1), "script");
            if (j < size() && (is_space(s_[j]) || s_[j] == '/' || s_[j] == '>')) {
              state = script ? kDouble : kEscaped;
              i = j + 1;
            } else {
              state = kEscaped;
              i = j;
            }
          } else {
            state = kEscaped;
            ++i;
          }
        } else if (c == '>' && state == kEscapedDashDash) {
          state = kData;
          ++i;
        } else {
          state = kEscaped;
          ++i;
        }
        continue;
      case kDouble:
      case kDoubleDash:
      case kDoubleDashDash:
        if (c == '-') {
          state = state == kDouble ? kDoubleDash : kDoubleDashDash;
          ++i;
        } else if (c == '<') {
          state = kDouble;
          ++i;
          if (i < size() && s_[i] == '/') {  // double escape end
            size_t j = i + 1;
            while (j < size() && is_alpha(s_[j])) ++j;
            const bool script = ascii::iequals(s_.substr(i + 1, j - i - 1), "script");
            if (j < size() && (is_space(s_[j]) || s_[j] == '/' || s_[j] == '>')) {
              state = script ? kEscaped : kDouble;
              i = j + 1;
            } else {
              i = j;
            }
          }
        } else if (c == '>' && state == kDoubleDashDash) {
          state = kData;
          ++i;
        } else {
          state = kDouble;
          ++i;
        }
        continue;
    }
  }
  return size();
}

}  // namespace

std::optional<PageFacts> scan_html(std::string_view html, std::string_view robots_agent, ScanGiveUp* why) {
  try {
    return Scanner(html, robots_agent).run();
  } catch (const GiveUp& give_up) {
    if (why != nullptr) *why = give_up.reason;
    return std::nullopt;
  }
}

std::string_view give_up_name(ScanGiveUp reason) {
  switch (reason) {
    case ScanGiveUp::kMath: return "math";
    case ScanGiveUp::kTemplateTablePart: return "template-table-part";
    case ScanGiveUp::kTemplateLink: return "template-link";
    case ScanGiveUp::kTemplateInTableReset: return "template-in-table-reset";
    case ScanGiveUp::kFrameset: return "frameset";
    case ScanGiveUp::kSelectInTable: return "select-in-table";
    case ScanGiveUp::kTemplateOrHtmlInSelect: return "template-or-html-in-select";
    case ScanGiveUp::kFosterStartTag: return "foster-start-tag";
    case ScanGiveUp::kFosterText: return "foster-text";
    case ScanGiveUp::kTableInput: return "table-input";
    case ScanGiveUp::kStrayEndTagInTable: return "stray-end-tag-in-table";
    case ScanGiveUp::kSvgFontOrName: return "svg-font-or-name";
    case ScanGiveUp::kSvgIntegrationPoint: return "svg-integration-point";
    case ScanGiveUp::kSvgEndTag: return "svg-end-tag";
    case ScanGiveUp::kSvgAfterNoToken: return "svg-after-no-token";
    case ScanGiveUp::kNumericOverflow: return "numeric-overflow";
    case ScanGiveUp::kInvalidUtf8: return "invalid-utf8";
  }
  return "?";
}

}  // namespace forager
