#include "workers/rules/selectors.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <unordered_set>
#include <utility>

#include "crawler/util/ascii.h"
#include "workers/parse/charset.h"

namespace forager::css {
namespace detail {

enum class Combinator { kNone, kDescendant, kChild, kNextSibling, kSubsequentSibling };
enum class AttrOp { kExists, kEquals, kIncludes, kDashMatch, kPrefix, kSuffix, kSubstring };

struct AttrTest {
  std::string name;  // lower case
  AttrOp op = AttrOp::kExists;
  std::string value;
  bool ignore_case = false;
};

enum class PseudoKind {
  kNthChild, kNthLastChild, kNthOfType, kNthLastOfType,  // first/last/only map onto these
  kOnlyChild, kOnlyOfType, kRoot, kEmpty, kNot, kHas, kContains,
  kIs,  // :is(), :where(), :matches(): any of a list
  kLang, kChecked, kDisabled, kEnabled, kLink,
  kNever,  // user-action and history states: :hover, :visited, ... (a page at rest)
};

struct PseudoClass {
  PseudoKind kind = PseudoKind::kRoot;
  int a = 0, b = 0;                 // an+b
  std::shared_ptr<const List> list; // :not, :has, :is
  std::string text;                 // :contains; :lang (lower case)
};

struct Compound {
  // How this compound relates to the one on its left; for the first compound
  // of a :has() argument, to the :has() element (kNone elsewhere).
  Combinator combinator = Combinator::kNone;
  std::string tag_name;  // lower case; empty for * or no type
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  std::vector<std::string> ids, classes;
  std::vector<AttrTest> attrs;
  std::vector<PseudoClass> pseudos;
  bool bare() const { return tag_name.empty() && ids.empty() && classes.empty() && attrs.empty() && pseudos.empty(); }
};

struct Complex {
  std::vector<Compound> compounds;
  PseudoElement pseudo = PseudoElement::kNone;
  std::string attr_name;       // for ::attr
  bool text_subject = false;   // ends in a bare `*::text`: its subjects are text nodes
};

struct List {
  std::vector<Complex> selectors;
};

}  // namespace detail

namespace {

using detail::AttrOp;
using detail::AttrTest;
using detail::Combinator;
using detail::Complex;
using detail::Compound;
using detail::List;
using detail::PseudoClass;
using detail::PseudoKind;

using ascii::iequals;
using ascii::lower;
std::string to_lower(std::string_view s) { return ascii::lower(s); }
bool is_space(char c) { return ascii::is_whitespace(c); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9') || c == '-'; }


// A recursive-descent parser over the selector text. Errors are kept as the
// first ParseError; every function returns false once one is set.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::optional<List> parse_group() {
    List list;
    if (!parse_list(list, /*nested=*/false, /*relative=*/false)) return std::nullopt;
    if (pos_ < s_.size()) {
      fail(pos_, "unexpected '" + std::string(1, s_[pos_]) + "'");
      return std::nullopt;
    }
    return list;
  }
  const ParseError& error() const { return error_; }

 private:
  bool fail(size_t at, std::string message) {
    if (error_.column == 0) error_ = ParseError{at + 1, std::move(message)};
    return false;
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  bool skip_space() {
    size_t start = pos_;
    while (!at_end() && is_space(s_[pos_])) ++pos_;
    return pos_ > start;
  }
  std::string describe_here() const {
    if (at_end()) return "end of selector";
    return std::string{'\'', s_[pos_], '\''};
  }

  // One escape after a backslash (CSS Syntax 4.3.7).
  void parse_escape(std::string& out) {
    ++pos_;  // the backslash
    if (at_end()) {
      out += "\xEF\xBF\xBD";
      return;
    }
    if (is_hex(peek())) {
      uint32_t cp = 0;
      for (int i = 0; i < 6 && is_hex(peek()); ++i) {
        char c = lower(s_[pos_++]);
        cp = cp * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
      }
      if (is_space(peek())) ++pos_;
      charset::append_utf8(out, cp);
      return;
    }
    out += s_[pos_++];
  }

  bool ident_starts_here() const {
    char c = peek();
    if (is_name_start(c) || c == '\\') return true;
    if (c == '-') return is_name_start(peek(1)) || peek(1) == '-' || peek(1) == '\\';
    return false;
  }

  bool parse_ident(std::string& out, const char* what) {
    if (!ident_starts_here()) return fail(pos_, std::string("expected ") + what + ", found " + describe_here());
    while (!at_end()) {
      if (peek() == '\\') {
        parse_escape(out);
      } else if (is_name_char(peek())) {
        out += s_[pos_++];
      } else {
        break;
      }
    }
    return true;
  }

  bool parse_string(std::string& out) {
    const size_t start = pos_;
    const char quote = s_[pos_++];
    while (true) {
      if (at_end()) return fail(start, "unterminated string");
      char c = s_[pos_];
      if (c == quote) {
        ++pos_;
        return true;
      }
      if (c == '\n') return fail(start, "unterminated string");
      if (c == '\\') {
        if (peek(1) == '\n') {
          pos_ += 2;
          continue;
        }
        parse_escape(out);
        continue;
      }
      out += c;
      ++pos_;
    }
  }

  bool parse_list(List& list, bool nested, bool relative) {
    if (depth_ > kMaxNesting)
      return fail(pos_, "more than " + std::to_string(kMaxNesting) + " nested :not()/:has()/:is()");
    while (true) {
      skip_space();
      if (++selector_count_ > kMaxSelectors)
        return fail(pos_, "more than " + std::to_string(kMaxSelectors) + " selectors");
      Complex complex;
      if (!parse_complex(complex, nested, relative)) return false;
      list.selectors.push_back(std::move(complex));
      skip_space();
      if (peek() != ',') return true;
      ++pos_;
    }
  }

  bool parse_complex(Complex& complex, bool nested, bool relative) {
    Combinator combinator = Combinator::kNone;
    if (relative) {
      combinator = Combinator::kDescendant;
      if (parse_combinator_char(combinator)) skip_space();
    }
    while (true) {
      if (complex.compounds.size() >= kMaxCompounds)
        return fail(pos_, "more than " + std::to_string(kMaxCompounds) + " compound selectors in a row");
      Compound compound;
      compound.combinator = combinator;
      if (!parse_compound(compound, complex, nested)) return false;
      complex.compounds.push_back(std::move(compound));
      if (complex.pseudo != PseudoElement::kNone) {
        if (complex.pseudo == PseudoElement::kText && complex.compounds.back().bare())
          complex.text_subject = true;
        skip_space();
        if (!at_end() && peek() != ',' && peek() != ')')
          return fail(pos_, "a pseudo-element must come last in a selector");
        return true;
      }
      const bool had_space = skip_space();
      if (parse_combinator_char(combinator)) {
        skip_space();
        continue;
      }
      if (at_end() || peek() == ',' || peek() == ')') return true;
      if (!had_space) return fail(pos_, "unexpected " + describe_here());
      combinator = Combinator::kDescendant;
    }
  }

  bool parse_combinator_char(Combinator& combinator) {
    switch (peek()) {
      case '>': combinator = Combinator::kChild; break;
      case '+': combinator = Combinator::kNextSibling; break;
      case '~': combinator = Combinator::kSubsequentSibling; break;
      default: return false;
    }
    ++pos_;
    return true;
  }

  bool parse_compound(Compound& compound, Complex& complex, bool nested) {
    const size_t start = pos_;
    bool any = false;
    if (peek() == '*') {
      ++pos_;
      any = true;
    } else if (ident_starts_here()) {
      std::string name;
      if (!parse_ident(name, "a tag name")) return false;
      compound.tag_name = to_lower(name);
      compound.tag = gumbo_tag_enum(compound.tag_name.c_str());
      any = true;
    }
    if (peek() == '|') return fail(pos_, "namespaces are not supported");
    while (!at_end()) {
      const char c = peek();
      if (c == '#') {
        ++pos_;
        std::string id;
        if (!parse_ident(id, "an id after '#'")) return false;
        compound.ids.push_back(std::move(id));
      } else if (c == '.') {
        ++pos_;
        std::string cls;
        if (!parse_ident(cls, "a class name after '.'")) return false;
        compound.classes.push_back(std::move(cls));
      } else if (c == '[') {
        if (!parse_attribute(compound)) return false;
      } else if (c == ':' && peek(1) == ':') {
        if (nested) return fail(pos_, "pseudo-elements are not allowed inside :not() or :has()");
        return parse_pseudo_element(complex);
      } else if (c == ':') {
        if (!parse_pseudo_class(compound)) return false;
      } else {
        break;
      }
      any = true;
    }
    if (!any) return fail(start, "expected a selector, found " + describe_here());
    return true;
  }

  bool parse_attribute(Compound& compound) {
    const size_t open = pos_++;
    skip_space();
    AttrTest test;
    if (!parse_ident(test.name, "an attribute name")) return false;
    test.name = to_lower(test.name);
    skip_space();
    if (peek() == '|' && peek(1) != '=') return fail(pos_, "namespaces are not supported");
    if (peek() == ']') {
      ++pos_;
      compound.attrs.push_back(std::move(test));
      return true;
    }
    const size_t op_at = pos_;
    switch (peek()) {
      case '=': test.op = AttrOp::kEquals; break;
      case '~': test.op = AttrOp::kIncludes; break;
      case '|': test.op = AttrOp::kDashMatch; break;
      case '^': test.op = AttrOp::kPrefix; break;
      case '$': test.op = AttrOp::kSuffix; break;
      case '*': test.op = AttrOp::kSubstring; break;
      default:
        if (at_end()) return fail(open, "unclosed '['");
        return fail(op_at, "expected ']' or an operator (= ~= |= ^= $= *=), found " + describe_here());
    }
    ++pos_;
    if (test.op != AttrOp::kEquals) {
      if (peek() != '=') return fail(op_at, "expected '=' after '" + std::string(1, s_[op_at]) + "'");
      ++pos_;
    }
    skip_space();
    if (peek() == '"' || peek() == '\'') {
      if (!parse_string(test.value)) return false;
    } else if (ident_starts_here() || (peek() >= '0' && peek() <= '9') || peek() == '-') {
      // Unquoted: an identifier, or (leniently, as browsers' jQuery users
      // expect) a run of name characters such as 42 or 4x.
      while (!at_end() && (is_name_char(peek()) || peek() == '\\')) {
        if (peek() == '\\') parse_escape(test.value);
        else test.value += s_[pos_++];
      }
    } else {
      return fail(pos_, "expected an attribute value, found " + describe_here());
    }
    skip_space();
    if (peek() == 'i' || peek() == 'I' || peek() == 's' || peek() == 'S') {
      test.ignore_case = lower(peek()) == 'i';
      ++pos_;
      skip_space();
    }
    if (peek() != ']') {
      if (at_end()) return fail(open, "unclosed '['");
      return fail(pos_, "expected ']', found " + describe_here());
    }
    ++pos_;
    if (test.ignore_case) test.value = to_lower(test.value);
    compound.attrs.push_back(std::move(test));
    return true;
  }

  bool parse_pseudo_element(Complex& complex) {
    const size_t start = pos_;
    pos_ += 2;
    std::string name;
    if (!ident_starts_here()) return fail(start, "expected a pseudo-element name after '::'");
    parse_ident(name, "a pseudo-element name");
    name = to_lower(name);
    if (name == "text") {
      complex.pseudo = PseudoElement::kText;
      if (peek() == '(') return fail(pos_, "'::text' takes no argument");
      return true;
    }
    if (name == "attr") {
      if (peek() != '(') return fail(start, "'::attr' needs an attribute name: ::attr(NAME)");
      ++pos_;
      skip_space();
      if (!parse_ident(complex.attr_name, "an attribute name")) return false;
      complex.attr_name = to_lower(complex.attr_name);
      skip_space();
      if (peek() != ')') return fail(pos_, "expected ')', found " + describe_here());
      ++pos_;
      complex.pseudo = PseudoElement::kAttr;
      return true;
    }
    return fail(start, "unknown pseudo-element '::" + name + "'");
  }

  bool parse_pseudo_class(Compound& compound) {
    const size_t start = pos_++;
    std::string name;
    if (!ident_starts_here()) return fail(start, "expected a pseudo-class name after ':'");
    parse_ident(name, "a pseudo-class name");
    name = to_lower(name);
    PseudoClass pc;
    struct Simple {
      const char* name;
      PseudoKind kind;
      int a, b;
    };
    static constexpr Simple kSimple[] = {
        {"first-child", PseudoKind::kNthChild, 0, 1},     {"last-child", PseudoKind::kNthLastChild, 0, 1},
        {"only-child", PseudoKind::kOnlyChild, 0, 0},     {"first-of-type", PseudoKind::kNthOfType, 0, 1},
        {"last-of-type", PseudoKind::kNthLastOfType, 0, 1}, {"only-of-type", PseudoKind::kOnlyOfType, 0, 0},
        {"root", PseudoKind::kRoot, 0, 0},                {"empty", PseudoKind::kEmpty, 0, 0},
        // A rule's selectors start from the whole page, whose scope element
        // is the root (as parsel's response.css(":scope > body")).
        {"scope", PseudoKind::kRoot, 0, 0},
        {"checked", PseudoKind::kChecked, 0, 0},          {"disabled", PseudoKind::kDisabled, 0, 0},
        {"enabled", PseudoKind::kEnabled, 0, 0},          {"link", PseudoKind::kLink, 0, 0},
        {"visited", PseudoKind::kNever, 0, 0},            {"hover", PseudoKind::kNever, 0, 0},
        {"active", PseudoKind::kNever, 0, 0},             {"focus", PseudoKind::kNever, 0, 0},
        {"target", PseudoKind::kNever, 0, 0},
    };
    for (const Simple& simple : kSimple) {
      if (name != simple.name) continue;
      if (peek() == '(') return fail(pos_, "':" + name + "' takes no argument");
      pc.kind = simple.kind;
      pc.a = simple.a;
      pc.b = simple.b;
      compound.pseudos.push_back(std::move(pc));
      return true;
    }
    static constexpr std::pair<const char*, PseudoKind> kFunctional[] = {
        {"nth-child", PseudoKind::kNthChild},   {"nth-last-child", PseudoKind::kNthLastChild},
        {"nth-of-type", PseudoKind::kNthOfType}, {"nth-last-of-type", PseudoKind::kNthLastOfType},
        {"not", PseudoKind::kNot},              {"has", PseudoKind::kHas},
        {"contains", PseudoKind::kContains},    {"lang", PseudoKind::kLang},
        {"is", PseudoKind::kIs},                {"where", PseudoKind::kIs},
        {"matches", PseudoKind::kIs},
    };
    const auto* found = std::find_if(std::begin(kFunctional), std::end(kFunctional),
                                     [&](const auto& entry) { return name == entry.first; });
    if (found == std::end(kFunctional)) return fail(start, "unknown pseudo-class ':" + name + "'");
    if (peek() != '(') return fail(start, "':" + name + "()' needs an argument in parentheses");
    const size_t open = pos_++;
    pc.kind = found->second;
    skip_space();
    if (pc.kind == PseudoKind::kNot || pc.kind == PseudoKind::kHas || pc.kind == PseudoKind::kIs) {
      auto list = std::make_shared<List>();
      ++depth_;
      if (depth_ > kMaxNesting)
        return fail(open, "more than " + std::to_string(kMaxNesting) + " nested :not()/:has()/:is()");
      if (!parse_list(*list, /*nested=*/true, /*relative=*/pc.kind == PseudoKind::kHas)) return false;
      --depth_;
      pc.list = std::move(list);
    } else if (pc.kind == PseudoKind::kContains || pc.kind == PseudoKind::kLang) {
      if (peek() == '"' || peek() == '\'') {
        if (!parse_string(pc.text)) return false;
      } else if (!parse_ident(pc.text, "a quoted string")) {
        return false;
      }
      if (pc.kind == PseudoKind::kLang) pc.text = to_lower(pc.text);
    } else if (!parse_nth(pc)) {
      return false;
    }
    skip_space();
    if (peek() != ')') {
      if (at_end()) return fail(open, "unclosed '('");
      return fail(pos_, "expected ')', found " + describe_here());
    }
    ++pos_;
    compound.pseudos.push_back(std::move(pc));
    return true;
  }

  // an+b | odd | even, with optional spaces around the sign of b.
  bool parse_nth(PseudoClass& pc) {
    const size_t start = pos_;
    auto bad = [&] { return fail(start, "expected an+b, odd or even"); };
    std::string word;
    while (!at_end() && (is_name_char(peek()) || peek() == '+')) {
      if (peek() == '+' && !word.empty()) break;
      word += lower(s_[pos_++]);
    }
    if (word == "odd") {
      pc.a = 2, pc.b = 1;
      return true;
    }
    if (word == "even") {
      pc.a = 2, pc.b = 0;
      return true;
    }
    // word is like "2n", "-n", "+3", "-2n-1" (a '-' b may be glued on).
    size_t i = 0;
    auto read_int = [&](long& value) {
      size_t begin = i;
      value = 0;
      while (i < word.size() && word[i] >= '0' && word[i] <= '9' && value < 1'000'000)
        value = value * 10 + (word[i++] - '0');
      if (i < word.size() && word[i] >= '0' && word[i] <= '9') return false;  // too long
      return i > begin;
    };
    long sign = 1;
    if (i < word.size() && (word[i] == '+' || word[i] == '-')) sign = word[i++] == '-' ? -1 : 1;
    long number = 0;
    const bool has_number = read_int(number);
    if (i == word.size()) {
      if (!has_number) return bad();
      pc.a = 0;
      pc.b = static_cast<int>(sign * number);
      return true;
    }
    if (word[i] != 'n') return bad();
    ++i;
    pc.a = static_cast<int>(sign * (has_number ? number : 1));
    pc.b = 0;
    long b_sign = 0;
    if (i < word.size()) {  // "-1" glued on: 2n-1
      if (word[i] != '-') return bad();
      ++i;
      long b = 0;
      if (!read_int(b) || i != word.size()) return bad();
      pc.b = static_cast<int>(-b);
      return true;
    }
    skip_space();
    if (peek() == '+' || peek() == '-') {
      b_sign = peek() == '-' ? -1 : 1;
      ++pos_;
      skip_space();
      long b = 0;
      size_t begin = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9' && b < 1'000'000) b = b * 10 + (s_[pos_++] - '0');
      if (pos_ == begin) return bad();
      pc.b = static_cast<int>(b_sign * b);
    }
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  size_t selector_count_ = 0;
  ParseError error_;
};

// ---- Matching ----

bool is_element(const GumboNode* node) { return node != nullptr && node->type == GUMBO_NODE_ELEMENT; }
bool is_text(const GumboNode* node) {
  return node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA || node->type == GUMBO_NODE_WHITESPACE;
}

const GumboNode* parent_element(const GumboNode* node) {
  const GumboNode* parent = node->parent;
  return is_element(parent) ? parent : nullptr;
}

const GumboVector* children_of(const GumboNode* node) {
  if (node->type == GUMBO_NODE_DOCUMENT) return &node->v.document.children;
  if (node->type == GUMBO_NODE_ELEMENT) return &node->v.element.children;
  return nullptr;  // text, comments; templates are not part of the document
}

const GumboNode* child(const GumboVector* children, size_t i) {
  return static_cast<const GumboNode*>(children->data[i]);
}

const char* attribute(const GumboNode* element, const char* name) {
  const GumboAttribute* attr = gumbo_get_attribute(&element->v.element.attributes, name);
  return attr != nullptr ? attr->value : nullptr;
}

// The tag name of an element not known to gumbo, from its source text.
std::string_view unknown_tag_name(const GumboElement& element) {
  GumboStringPiece piece = element.original_tag;
  if (piece.data == nullptr || piece.length == 0) return {};
  gumbo_tag_from_original_text(&piece);
  return std::string_view(piece.data, piece.length);
}

// Whether the element's (lower-case) tag name is `name`.
bool is_named(const GumboNode* element, std::string_view name) {
  const GumboTag tag = element->v.element.tag;
  if (tag != GUMBO_TAG_UNKNOWN) return name == gumbo_normalized_tagname(tag);
  return iequals(unknown_tag_name(element->v.element), name);
}

bool is_named_any(const GumboNode* element, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view name) { return is_named(element, name); });
}

bool has_attribute(const GumboNode* element, const char* name) { return attribute(element, name) != nullptr; }

// cssselect's `name(.) = 'input' and @type != 'hidden'`: an XPath comparison
// with a missing attribute is false, so an <input> without type is neither
// :enabled nor :disabled there, and here.
bool is_typed_non_hidden_input(const GumboNode* element) {
  const char* type = attribute(element, "type");
  return is_named(element, "input") && type != nullptr && std::string_view(type) != "hidden";
}

bool has_ancestor(const GumboNode* element, std::string_view name, const char* with_attribute) {
  for (const GumboNode* up = element->parent; is_element(up); up = up->parent)
    if (is_named(up, name) && has_attribute(up, with_attribute)) return true;
  return false;
}

// The HTML state pseudo-classes, as cssselect's HTMLTranslator writes them
// in XPath (attribute values compared exactly, as there).
bool is_checked(const GumboNode* e) {
  if (is_named(e, "option") && has_attribute(e, "selected")) return true;
  const char* type = attribute(e, "type");
  return has_attribute(e, "checked") && is_named_any(e, {"input", "command"}) && type != nullptr &&
         (std::string_view(type) == "checkbox" || std::string_view(type) == "radio");
}

bool is_form_control(const GumboNode* e) {
  return is_typed_non_hidden_input(e) || is_named_any(e, {"button", "select", "textarea"});
}

bool is_disabled(const GumboNode* e) {
  if (has_attribute(e, "disabled") &&
      (is_form_control(e) || is_named_any(e, {"command", "fieldset", "optgroup", "option"})))
    return true;
  return is_form_control(e) && has_ancestor(e, "fieldset", "disabled");
}

bool is_link(const GumboNode* e) { return has_attribute(e, "href") && is_named_any(e, {"a", "link", "area"}); }

bool is_enabled(const GumboNode* e) {
  if (is_link(e)) return true;
  const bool disabled = has_attribute(e, "disabled");
  if (is_named_any(e, {"command", "fieldset", "optgroup"})) return !disabled;
  if (is_form_control(e) || is_named(e, "keygen")) return !disabled && !has_ancestor(e, "fieldset", "disabled");
  if (is_named(e, "option")) return !disabled && !has_ancestor(e, "optgroup", "disabled");
  return false;
}

// :lang(x): the nearest lang attribute of the element or an ancestor,
// lower-cased, equals x or starts with "x-" (cssselect's HTML translation).
bool lang_matches(const GumboNode* e, const std::string& want) {
  for (const GumboNode* up = e; is_element(up); up = up->parent) {
    const char* lang = attribute(up, "lang");
    if (lang == nullptr) continue;
    const std::string value = to_lower(lang) + '-';
    return value.compare(0, want.size() + 1, want + '-') == 0;
  }
  return false;
}

bool same_type(const GumboNode* a, const GumboNode* b) {
  if (a->v.element.tag != b->v.element.tag) return false;
  if (a->v.element.tag != GUMBO_TAG_UNKNOWN) return true;
  return iequals(unknown_tag_name(a->v.element), unknown_tag_name(b->v.element));
}

bool has_token(std::string_view list, std::string_view token, bool ignore_case) {
  if (token.empty()) return false;
  size_t pos = 0;
  while (pos < list.size()) {
    while (pos < list.size() && is_space(list[pos])) ++pos;
    size_t end = pos;
    while (end < list.size() && !is_space(list[end])) ++end;
    std::string_view word = list.substr(pos, end - pos);
    if (ignore_case ? iequals(word, token) : word == token) return true;
    pos = end;
  }
  return false;
}

bool attr_matches(const AttrTest& test, std::string_view actual) {
  std::string folded;
  if (test.ignore_case) {
    folded = to_lower(actual);
    actual = folded;
  }
  const std::string_view want = test.value;
  switch (test.op) {
    case AttrOp::kExists: return true;
    case AttrOp::kEquals: return actual == want;
    case AttrOp::kIncludes:
      return want.find_first_of(" \t\n\r\f") == std::string_view::npos && has_token(actual, want, false);
    case AttrOp::kDashMatch:
      return actual == want || (actual.size() > want.size() && actual.substr(0, want.size()) == want &&
                                actual[want.size()] == '-');
    case AttrOp::kPrefix: return !want.empty() && actual.substr(0, want.size()) == want;
    case AttrOp::kSuffix:
      return !want.empty() && actual.size() >= want.size() && actual.substr(actual.size() - want.size()) == want;
    case AttrOp::kSubstring: return !want.empty() && actual.find(want) != std::string_view::npos;
  }
  return false;
}

bool nth_matches(int a, int b, long index) {  // index is 1-based
  if (a == 0) return index == b;
  long diff = index - b;
  return diff % a == 0 && diff / a >= 0;
}

struct MemoKey {
  const Complex* complex;
  size_t index;
  const GumboNode* node;
  const GumboNode* anchor;
  bool operator==(const MemoKey&) const = default;
};
struct MemoHash {
  size_t operator()(const MemoKey& k) const {
    size_t h = std::hash<const void*>()(k.complex);
    h = h * 31 + k.index;
    h = h * 1000003 ^ std::hash<const void*>()(k.node);
    return h * 1000003 ^ std::hash<const void*>()(k.anchor);
  }
};

// Tests nodes against compiled selectors, right to left, counting steps.
// Failures below a descendant or subsequent-sibling combinator are
// remembered, so that backtracking over ancestors stays polynomial.
class Matcher {
 public:
  explicit Matcher(uint64_t max_steps) : max_steps_(max_steps) {}

  bool exhausted() const { return steps_ > max_steps_; }
  uint64_t steps() const { return steps_; }
  bool step(uint64_t n = 1) {
    steps_ += n;
    return !exhausted();
  }

  bool matches_list(const List& list, const GumboNode* element) {
    for (const Complex& complex : list.selectors)
      if (!complex.text_subject && matches(complex, complex.compounds.size() - 1, element, nullptr)) return true;
    return false;
  }

  // Whether `node` matches compounds[0..index] of `complex`, with compound
  // `index` as the subject; `anchor` is the :has() element, or null.
  bool matches(const Complex& complex, size_t index, const GumboNode* node, const GumboNode* anchor) {
    if (!step()) return false;
    const Compound& compound = complex.compounds[index];
    if (is_element(node)) {
      if (!matches_compound(compound, node)) return false;
    } else if (!(complex.text_subject && index + 1 == complex.compounds.size())) {
      return false;
    }
    if (index == 0) return anchor == nullptr || related(compound.combinator, node, anchor);
    switch (compound.combinator) {
      case Combinator::kChild: {
        const GumboNode* parent = parent_element(node);
        return parent != nullptr && matches(complex, index - 1, parent, anchor);
      }
      case Combinator::kDescendant:
        for (const GumboNode* up = parent_element(node); up != nullptr; up = parent_element(up))
          if (matches_memo(complex, index - 1, up, anchor)) return true;
        return false;
      case Combinator::kNextSibling: {
        const GumboNode* previous = previous_element(node);
        return previous != nullptr && matches(complex, index - 1, previous, anchor);
      }
      case Combinator::kSubsequentSibling:
        for (const GumboNode* s = previous_element(node); s != nullptr; s = previous_element(s))
          if (matches_memo(complex, index - 1, s, anchor)) return true;
        return false;
      case Combinator::kNone:
        return false;
    }
    return false;
  }

  // Whether the element has a pseudo-element-free `list` match in relation
  // to it (its :has() argument).
  bool has(const List& list, const GumboNode* element) {
    for (const Complex& complex : list.selectors) {
      const Combinator leading = complex.compounds.front().combinator;
      const size_t last = complex.compounds.size() - 1;
      auto test = [&](const GumboNode* candidate) { return matches(complex, last, candidate, element); };
      if (leading == Combinator::kDescendant || leading == Combinator::kChild) {
        if (any_descendant(element, test)) return true;
      } else {
        for (const GumboNode* s = next_element(element); s != nullptr; s = next_element(s)) {
          if (test(s)) return true;
          if (last > 0 && any_descendant(s, test)) return true;
          if (exhausted()) return false;
        }
      }
      if (exhausted()) return false;
    }
    return false;
  }

 private:
  bool matches_memo(const Complex& complex, size_t index, const GumboNode* node, const GumboNode* anchor) {
    MemoKey key{&complex, index, node, anchor};
    if (failed_.count(key)) return false;
    if (matches(complex, index, node, anchor)) return true;
    if (!exhausted()) failed_.insert(key);
    return false;
  }

  template <typename Test>
  bool any_descendant(const GumboNode* root, Test& test) {
    std::vector<const GumboNode*> stack;
    push_children(root, stack);
    while (!stack.empty()) {
      const GumboNode* node = stack.back();
      stack.pop_back();
      if (!step()) return false;
      if (!is_element(node)) continue;
      if (test(node)) return true;
      push_children(node, stack);
    }
    return false;
  }

  static void push_children(const GumboNode* node, std::vector<const GumboNode*>& stack) {
    const GumboVector* children = children_of(node);
    if (children == nullptr) return;
    for (size_t i = children->length; i > 0; --i) stack.push_back(child(children, i - 1));
  }

  static bool related(Combinator combinator, const GumboNode* node, const GumboNode* anchor) {
    switch (combinator) {
      case Combinator::kChild: return node->parent == anchor;
      case Combinator::kDescendant:
        for (const GumboNode* up = node->parent; up != nullptr; up = up->parent)
          if (up == anchor) return true;
        return false;
      case Combinator::kNextSibling: return previous_element(node) == anchor;
      case Combinator::kSubsequentSibling:
        return node->parent == anchor->parent && node->index_within_parent > anchor->index_within_parent;
      case Combinator::kNone: return false;
    }
    return false;
  }

  static const GumboNode* sibling_element(const GumboNode* node, int direction) {
    const GumboNode* parent = node->parent;
    if (parent == nullptr) return nullptr;
    const GumboVector* children = children_of(parent);
    if (children == nullptr) return nullptr;
    for (long i = static_cast<long>(node->index_within_parent) + direction;
         i >= 0 && i < static_cast<long>(children->length); i += direction) {
      const GumboNode* candidate = child(children, static_cast<size_t>(i));
      if (is_element(candidate)) return candidate;
    }
    return nullptr;
  }
  static const GumboNode* previous_element(const GumboNode* node) { return sibling_element(node, -1); }
  static const GumboNode* next_element(const GumboNode* node) { return sibling_element(node, +1); }

  bool matches_compound(const Compound& compound, const GumboNode* node) {
    const GumboElement& element = node->v.element;
    if (!compound.tag_name.empty()) {
      if (element.tag != compound.tag) return false;
      if (compound.tag == GUMBO_TAG_UNKNOWN && !iequals(unknown_tag_name(element), compound.tag_name)) return false;
    }
    for (const std::string& id : compound.ids) {
      const char* value = attribute(node, "id");
      if (value == nullptr || id != value) return false;
    }
    if (!compound.classes.empty()) {
      const char* value = attribute(node, "class");
      if (value == nullptr) return false;
      for (const std::string& cls : compound.classes)
        if (!has_token(value, cls, false)) return false;
    }
    for (const AttrTest& test : compound.attrs) {
      const char* value = attribute(node, test.name.c_str());
      if (value == nullptr || !attr_matches(test, value)) return false;
    }
    for (const PseudoClass& pc : compound.pseudos)
      if (!matches_pseudo(pc, node)) return false;
    return true;
  }

  // 1-based position of `node` among its element siblings (of its type),
  // counted from the start or from the end.
  long position(const GumboNode* node, bool of_type, bool from_end) {
    const GumboNode* parent = node->parent;
    const GumboVector* children = parent != nullptr ? children_of(parent) : nullptr;
    if (children == nullptr) return 1;
    long count = 1;
    const size_t self = node->index_within_parent;
    const size_t begin = from_end ? self + 1 : 0;
    const size_t end = from_end ? children->length : self;
    step(end - begin);
    for (size_t i = begin; i < end; ++i) {
      const GumboNode* sibling = child(children, i);
      if (is_element(sibling) && (!of_type || same_type(sibling, node))) ++count;
    }
    return count;
  }

  bool contains_text(const GumboNode* node, const std::string& text) {
    std::string all = text_content(node);
    step(all.size() / 64 + 1);
    return all.find(text) != std::string::npos;
  }

  bool matches_pseudo(const PseudoClass& pc, const GumboNode* node) {
    switch (pc.kind) {
      case PseudoKind::kNthChild: return nth_matches(pc.a, pc.b, position(node, false, false));
      case PseudoKind::kNthLastChild: return nth_matches(pc.a, pc.b, position(node, false, true));
      case PseudoKind::kNthOfType: return nth_matches(pc.a, pc.b, position(node, true, false));
      case PseudoKind::kNthLastOfType: return nth_matches(pc.a, pc.b, position(node, true, true));
      case PseudoKind::kOnlyChild: return position(node, false, false) == 1 && position(node, false, true) == 1;
      case PseudoKind::kOnlyOfType: return position(node, true, false) == 1 && position(node, true, true) == 1;
      case PseudoKind::kRoot: return node->parent != nullptr && node->parent->type == GUMBO_NODE_DOCUMENT;
      case PseudoKind::kEmpty: {
        const GumboVector& children = node->v.element.children;
        for (size_t i = 0; i < children.length; ++i) {
          const GumboNode* c = child(&children, i);
          if (c->type != GUMBO_NODE_COMMENT) return false;
        }
        return true;
      }
      case PseudoKind::kNot: return !matches_list(*pc.list, node);
      case PseudoKind::kHas: return has(*pc.list, node);
      case PseudoKind::kContains: return contains_text(node, pc.text);
      case PseudoKind::kIs: return matches_list(*pc.list, node);
      case PseudoKind::kLang: return lang_matches(node, pc.text);
      case PseudoKind::kChecked: return is_checked(node);
      case PseudoKind::kDisabled: return is_disabled(node);
      case PseudoKind::kEnabled: return is_enabled(node);
      case PseudoKind::kLink: return is_link(node);
      case PseudoKind::kNever: return false;
    }
    return false;
  }

  uint64_t max_steps_;
  uint64_t steps_ = 0;
  std::unordered_set<MemoKey, MemoHash> failed_;
};

// Visits the nodes under `root` in document order (iteratively): elements,
// and text nodes too when `with_text`. `visit` returns false to stop.
template <typename Visit>
void walk(const GumboNode* root, bool with_text, Matcher& matcher, Visit visit) {
  std::vector<const GumboNode*> stack;
  const GumboVector* top = children_of(root);
  if (top == nullptr) return;
  for (size_t i = top->length; i > 0; --i) stack.push_back(child(top, i - 1));
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (!matcher.step()) return;
    const bool element = is_element(node);
    if (!element && !(with_text && is_text(node))) continue;
    if (!visit(node)) return;
    if (!element) continue;
    const GumboVector& children = node->v.element.children;
    for (size_t i = children.length; i > 0; --i) stack.push_back(child(&children, i - 1));
  }
}

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return is_space(c); });
}

}  // namespace

std::variant<Selector, ParseError> Selector::parse(std::string_view text) {
  if (text.size() > kMaxSelectorBytes)
    return ParseError{kMaxSelectorBytes + 1, "selector longer than " + std::to_string(kMaxSelectorBytes) + " bytes"};
  Parser parser(text);
  std::optional<List> list = parser.parse_group();
  if (!list) return parser.error();
  return Selector(std::string(text), std::make_shared<const List>(std::move(*list)));
}

Selector::Selector(std::string text, std::shared_ptr<const detail::List> list)
    : text_(std::move(text)), list_(std::move(list)) {}

bool Selector::uses(PseudoElement pseudo) const {
  return std::any_of(list_->selectors.begin(), list_->selectors.end(),
                     [&](const Complex& complex) { return complex.pseudo == pseudo; });
}

Selection Selector::select(const GumboNode* root, size_t limit, uint64_t max_steps, bool keep_blank) const {
  Selection out;
  if (root == nullptr || limit == 0) return out;
  Matcher matcher(max_steps);
  const bool with_text = uses(PseudoElement::kText);
  // Elements matched by an `X::text` member: their own text nodes are
  // selected when the walk reaches them, so that text comes in document order.
  std::unordered_set<const GumboNode*> own_text_parents;
  std::vector<const std::string*> attr_names;
  auto add = [&](std::string value) {
    out.values.push_back(std::move(value));
    return out.values.size() < limit;
  };
  walk(root, with_text, matcher, [&](const GumboNode* node) {
    if (!is_element(node)) {
      std::string_view text = node->v.text.text;
      if (!keep_blank && (node->type == GUMBO_NODE_WHITESPACE || blank(text))) return true;
      bool selected = own_text_parents.count(node->parent) > 0;
      for (const Complex& complex : list_->selectors) {
        if (selected) break;
        selected = complex.text_subject && matcher.matches(complex, complex.compounds.size() - 1, node, nullptr);
      }
      return !selected || add(std::string(text));  // once, whichever members selected it
    }
    // An element's values, in document order: the element itself, then its
    // attributes in their order; each once however many members select it.
    bool whole = false;
    attr_names.clear();
    for (const Complex& complex : list_->selectors) {
      if (complex.text_subject || !matcher.matches(complex, complex.compounds.size() - 1, node, nullptr)) continue;
      switch (complex.pseudo) {
        case PseudoElement::kNone: whole = true; break;
        case PseudoElement::kText: own_text_parents.insert(node); break;
        case PseudoElement::kAttr: attr_names.push_back(&complex.attr_name); break;
      }
    }
    if (whole && !add(text_content(node))) return false;
    const GumboVector& attributes = node->v.element.attributes;
    for (size_t i = 0; i < attributes.length && !attr_names.empty(); ++i) {
      const auto* attr = static_cast<const GumboAttribute*>(attributes.data[i]);
      const bool wanted = std::any_of(attr_names.begin(), attr_names.end(),
                                      [&](const std::string* name) { return iequals(*name, attr->name); });
      if (wanted && !add(attr->value)) return false;
    }
    return true;
  });
  out.truncated = matcher.exhausted();
  out.steps = matcher.steps();
  return out;
}

std::vector<const GumboNode*> Selector::select_elements(const GumboNode* root, size_t limit, uint64_t max_steps,
                                                        bool* truncated, uint64_t* steps) const {
  std::vector<const GumboNode*> out;
  Matcher matcher(max_steps);
  if (root != nullptr && limit > 0) {
    walk(root, false, matcher, [&](const GumboNode* node) {
      if (matcher.matches_list(*list_, node)) out.push_back(node);
      return out.size() < limit;
    });
  }
  if (truncated != nullptr) *truncated = matcher.exhausted();
  if (steps != nullptr) *steps = matcher.steps();
  return out;
}

std::string text_content(const GumboNode* node) {
  std::string text;
  if (node == nullptr) return text;
  std::vector<const GumboNode*> stack{node};
  while (!stack.empty()) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (is_text(n)) {
      text += n->v.text.text;
      continue;
    }
    const GumboVector* children = children_of(n);
    if (children == nullptr) continue;
    for (size_t i = children->length; i > 0; --i) stack.push_back(child(children, i - 1));
  }
  return text;
}

}  // namespace forager::css
