#include "workers/rules/xpath.h"

#include <libxml/HTMLtree.h>
#include <libxml/dict.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crawler/util/ascii.h"
#include "crawler/util/regex.h"

namespace forager::xpath {
namespace {

const xmlChar* x(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
const char* c(const xmlChar* s) { return reinterpret_cast<const char*>(s); }

// EXSLT regular expressions, bound to `re` as parsel does.
constexpr const char* kRegexNamespace = "http://exslt.org/regular-expressions";

// ---- Checking the names an expression calls (libxml2 only finds an
// unknown function when an evaluation reaches the call) ----

constexpr std::array<std::string_view, 27> kCoreFunctions = {
    "last",         "position",  "count",        "id",          "local-name",       "namespace-uri",
    "name",         "string",    "concat",       "starts-with", "contains",         "substring-before",
    "substring-after", "substring", "string-length", "normalize-space", "translate",   "boolean",
    "not",          "true",      "false",        "lang",        "number",           "sum",
    "floor",        "ceiling",   "round"};
// Node tests and operators that a '(' may follow.
constexpr std::array<std::string_view, 8> kNotFunctions = {"node", "text", "comment", "processing-instruction",
                                                           "and",  "or",   "div",     "mod"};

bool name_start(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || static_cast<unsigned char>(ch) >= 0x80;
}
bool name_char(char ch) { return name_start(ch) || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'; }

template <size_t N>
bool one_of(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<CompileError> check_names(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const char ch = s[i];
    if (ch == '"' || ch == '\'') {
      const size_t close = s.find(ch, i + 1);
      if (close == std::string_view::npos) return std::nullopt;  // libxml2 reports it
      i = close + 1;
      continue;
    }
    if (ch == '$') return CompileError{i + 1, "variables are not supported"};
    if (!name_start(ch)) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < s.size() && name_char(s[i])) ++i;
    std::string_view prefix, local = s.substr(start, i - start);
    if (i + 1 < s.size() && s[i] == ':' && s[i + 1] != ':') {
      prefix = local;
      if (prefix != "re") return CompileError{start + 1, "unknown namespace prefix '" + std::string(prefix) + "'"};
      ++i;
      const size_t local_start = i;
      if (i < s.size() && s[i] == '*') ++i;
      while (i < s.size() && name_char(s[i])) ++i;
      local = s.substr(local_start, i - local_start);
    }
    size_t j = i;
    while (j < s.size() && ascii::is_whitespace(s[j])) ++j;
    if (j >= s.size() || s[j] != '(') continue;
    const bool known = prefix.empty() ? one_of(kCoreFunctions, local) || one_of(kNotFunctions, local)
                                      : local == "test" || local == "match" || local == "replace";
    if (!known) {
      std::string name(s.substr(start, i - start));
      return CompileError{start + 1, "unknown function '" + name + "()'" +
                                         (prefix.empty() ? "" : " (the EXSLT functions are re:test, re:match and re:replace)")};
    }
  }
  return std::nullopt;
}

// What an evaluation's callbacks share (the context's userData): where
// libxml2's first error goes, and the document that re:match() creates its
// <match> elements in (freed after the result is read).
struct EvalData {
  std::optional<CompileError>* error = nullptr;
  xmlDocPtr scratch = nullptr;
  ~EvalData() { xmlFreeDoc(scratch); }
};

// ---- libxml2 errors: kept, never printed ----

void keep_error(void* data, xmlErrorPtr error) {
  auto* out = static_cast<EvalData*>(data)->error;
  if (out->has_value() || error == nullptr) return;
  std::string message = error->message != nullptr ? error->message : "invalid expression";
  while (!message.empty() && ascii::is_whitespace(message.back())) message.pop_back();
  if (!message.empty()) message[0] = ascii::lower(message[0]);
  *out = CompileError{static_cast<size_t>(std::max(error->int1, 0)) + 1, std::move(message)};
}

void init_libxml() {
  static const bool done = [] {
    xmlInitParser();
    return true;
  }();
  (void)done;
}

// ---- EXSLT regular expressions (re:test, re:match, re:replace), with the
// results lxml gives them, so that parsel expressions port unchanged. The
// patterns are PCRE2; flag "i" ignores case, "g" takes every match. ----

// At most this many <match> elements from one re:match() call.
constexpr size_t kMaxRegexMatches = 10000;

// The compiled pattern (cached per process), or null when it is invalid.
const Regex* cached_regex(const std::string& pattern) {
  thread_local std::unordered_map<std::string, std::optional<Regex>> cache;
  if (cache.size() > 256) cache.clear();
  auto [it, inserted] = cache.try_emplace(pattern);
  if (inserted) {
    auto compiled = Regex::compile(pattern);
    if (auto* regex = std::get_if<Regex>(&compiled)) it->second = std::move(*regex);
  }
  return it->second ? &*it->second : nullptr;
}

std::string pop_string(xmlXPathParserContextPtr ctxt) {
  xmlChar* value = xmlXPathPopString(ctxt);
  std::string out = value != nullptr ? c(value) : "";
  xmlFree(value);
  return out;
}

// The arguments of a call re:FUNCTION(string, pattern, flags?), popped
// (after `replacement` for re:replace, whose flags are not optional); null
// after raising an XPath error for a wrong arity or an invalid pattern.
struct RegexCall {
  const Regex* regex = nullptr;
  std::string subject, flags, replacement;
  bool global() const { return flags.find('g') != std::string::npos; }
};
std::optional<RegexCall> pop_regex_call(xmlXPathParserContextPtr ctxt, int nargs, bool replace) {
  const int least = replace ? 4 : 2, most = replace ? 4 : 3;
  if (nargs < least || nargs > most) {
    xmlXPathErr(ctxt, XPATH_INVALID_ARITY);
    return std::nullopt;
  }
  RegexCall call;
  if (replace) call.replacement = pop_string(ctxt);
  if (nargs >= 3) call.flags = pop_string(ctxt);
  const std::string pattern = (call.flags.find('i') != std::string::npos ? "(?i)" : "") + pop_string(ctxt);
  call.subject = pop_string(ctxt);
  if (ctxt->error != XPATH_EXPRESSION_OK) return std::nullopt;
  call.regex = cached_regex(pattern);
  if (call.regex == nullptr) {
    xmlXPathErr(ctxt, XPATH_INVALID_ARITY);  // an invalid pattern: no value
    return std::nullopt;
  }
  return call;
}

std::string_view group_text(std::string_view subject, const Regex::Groups& match, size_t group) {
  const auto [begin, end] = match[group];
  return begin == std::string_view::npos ? std::string_view() : subject.substr(begin, end - begin);
}

// re:test(string, pattern, flags?): whether the pattern is found in the string.
void regex_test(xmlXPathParserContextPtr ctxt, int nargs) {
  const auto call = pop_regex_call(ctxt, nargs, false);
  if (call) valuePush(ctxt, xmlXPathNewBoolean(call->regex->search(call->subject)));
}

void append_text(xmlNodePtr element, const std::string& text) {
  if (text.empty()) return;
  xmlNodePtr node = xmlNewDocTextLen(element->doc, x(text.c_str()), static_cast<int>(text.size()));
  if (node != nullptr) xmlAddChild(element, node);
}

// re:match(string, pattern, flags?): <match> elements. Without "g": the whole
// first match, then each of its groups ("" for a group that took no part);
// with "g": every match, each as its groups joined (the whole match when the
// pattern has no group), as Python's findall.
void regex_match(xmlXPathParserContextPtr ctxt, int nargs) {
  const auto call = pop_regex_call(ctxt, nargs, false);
  if (!call) return;
  const std::string& subject = call->subject;
  const bool global = call->global();
  std::vector<std::string> texts;
  const auto found = call->regex->matches(subject, global ? kMaxRegexMatches : 1);
  if (!global && !found.empty()) {
    for (size_t g = 0; g < found[0].size(); ++g) texts.emplace_back(group_text(subject, found[0], g));
  } else if (global) {
    for (const auto& match : found) {
      std::string joined;
      if (match.size() == 1) joined = group_text(subject, match, 0);
      for (size_t g = 1; g < match.size(); ++g) joined += group_text(subject, match, g);
      texts.push_back(std::move(joined));
    }
  }
  auto* data = static_cast<EvalData*>(ctxt->context->userData);
  if (data->scratch == nullptr) data->scratch = xmlNewDoc(x("1.0"));
  xmlNodeSetPtr set = xmlXPathNodeSetCreate(nullptr);
  xmlNodePtr root = data->scratch != nullptr ? xmlNewDocNode(data->scratch, nullptr, x("matches"), nullptr) : nullptr;
  if (root != nullptr) {
    xmlAddChild(reinterpret_cast<xmlNodePtr>(data->scratch), root);
    for (const std::string& text : texts) {
      xmlNodePtr element = xmlNewDocNode(data->scratch, nullptr, x("match"), nullptr);
      if (element == nullptr) break;
      append_text(element, text);
      xmlAddChild(root, element);
      xmlXPathNodeSetAdd(set, element);
    }
  }
  valuePush(ctxt, xmlXPathWrapNodeSet(set));
}

// Python's re.sub() replacement template: \1 .. \99, \g<n>, \g<name>, the
// escapes \n \t \r \f \v \a \b \\; other escapes stay as written. False for
// a reference to a group the pattern does not have.
bool expand_template(const std::string& tmpl, const Regex& regex, std::string_view subject,
                     const Regex::Groups& match, std::string& out) {
  const size_t groups = match.size() - 1;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '\\' || i + 1 == tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    const char next = tmpl[++i];
    size_t group = std::string::npos;
    if (next >= '1' && next <= '9') {
      group = static_cast<size_t>(next - '0');
      if (i + 1 < tmpl.size() && tmpl[i + 1] >= '0' && tmpl[i + 1] <= '9') group = group * 10 + (tmpl[++i] - '0');
    } else if (next == 'g' && i + 1 < tmpl.size() && tmpl[i + 1] == '<') {
      const size_t close = tmpl.find('>', i + 2);
      if (close == std::string::npos) return false;
      const std::string name = tmpl.substr(i + 2, close - i - 2);
      if (name.empty()) return false;
      if (name.find_first_not_of("0123456789") == std::string::npos) {
        group = name.size() > 4 ? groups + 1 : std::stoul(name);
      } else {
        group = regex.group_number(name);
        if (group == 0) return false;
      }
      i = close;
    } else {
      static constexpr std::string_view kFrom = "ntrfvab\\", kTo = "\n\t\r\f\v\a\b\\";
      const size_t k = kFrom.find(next);
      if (k != std::string_view::npos) {
        out += kTo[k];
      } else {
        out += '\\';
        out += next;
      }
      continue;
    }
    if (group > groups) return false;
    out += group_text(subject, match, group);
  }
  return true;
}

// re:replace(string, pattern, flags, replacement): the string with the first
// match (every match with "g") replaced, as Python's re.sub.
void regex_replace(xmlXPathParserContextPtr ctxt, int nargs) {
  const auto call = pop_regex_call(ctxt, nargs, true);
  if (!call) return;
  const std::string& subject = call->subject;
  std::string out;
  size_t done = 0;
  for (const auto& match : call->regex->matches(subject, call->global() ? kMaxRegexMatches : 1)) {
    out.append(subject, done, match[0].first - done);
    if (!expand_template(call->replacement, *call->regex, subject, match, out)) {
      xmlXPathErr(ctxt, XPATH_INVALID_ARITY);
      return;
    }
    done = match[0].second;
  }
  out.append(subject, done, std::string::npos);
  valuePush(ctxt, xmlXPathNewString(x(out.c_str())));
}

struct ContextDeleter {
  void operator()(xmlXPathContextPtr context) const { xmlXPathFreeContext(context); }
};
using Context = std::unique_ptr<xmlXPathContext, ContextDeleter>;

Context new_context(xmlDocPtr doc, EvalData* data) {
  Context context(xmlXPathNewContext(doc));
  if (!context) return context;
  context->error = keep_error;
  context->userData = data;
  xmlXPathRegisterNs(context.get(), x("re"), x(kRegexNamespace));
  xmlXPathRegisterFuncNS(context.get(), x("test"), x(kRegexNamespace), regex_test);
  xmlXPathRegisterFuncNS(context.get(), x("match"), x(kRegexNamespace), regex_match);
  xmlXPathRegisterFuncNS(context.get(), x("replace"), x(kRegexNamespace), regex_replace);
  return context;
}

bool blank(const xmlChar* text) {
  for (const xmlChar* p = text; p != nullptr && *p != 0; ++p)
    if (!ascii::is_whitespace(static_cast<char>(*p))) return false;
  return true;
}

// The name gumbo's element gets in the copy: lower case, as lxml.html.
std::string element_name(const GumboElement& element) {
  if (element.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(element.tag);
  GumboStringPiece piece = element.original_tag;
  if (piece.data != nullptr && piece.length > 0) gumbo_tag_from_original_text(&piece);
  std::string name = ascii::lower(std::string_view(piece.data != nullptr ? piece.data : "", piece.length));
  return name.empty() ? "unknown" : name;
}

void append_child(xmlNodePtr parent, xmlNodePtr child) {
  // Linked by hand: xmlAddChild would merge adjacent text nodes.
  child->parent = parent;
  child->doc = parent->doc;
  if (parent->last != nullptr) {
    parent->last->next = child;
    child->prev = parent->last;
  } else {
    parent->children = child;
  }
  parent->last = child;
}

}  // namespace

struct Expression::Compiled {
  xmlXPathCompExprPtr expression = nullptr;
  ~Compiled() { xmlXPathFreeCompExpr(expression); }
};

Expression::Expression(std::string text, std::shared_ptr<const Compiled> compiled)
    : text_(std::move(text)), compiled_(std::move(compiled)) {}

std::variant<Expression, CompileError> Expression::compile(std::string_view text) {
  if (text.size() > kMaxExpressionBytes)
    return CompileError{kMaxExpressionBytes + 1,
                        "expression longer than " + std::to_string(kMaxExpressionBytes) + " bytes"};
  if (text.find('\0') != std::string_view::npos) return CompileError{text.find('\0') + 1, "NUL in expression"};
  init_libxml();
  std::optional<CompileError> error;
  EvalData data{&error};
  Context context = new_context(nullptr, &data);
  if (!context) return CompileError{1, "out of memory"};
  const std::string owned(text);
  auto compiled = std::make_shared<Compiled>();
  compiled->expression = xmlXPathCtxtCompile(context.get(), x(owned.c_str()));
  if (compiled->expression == nullptr) return error.value_or(CompileError{1, "invalid expression"});
  if (std::optional<CompileError> names = check_names(text)) return *names;
  return Expression(owned, std::move(compiled));
}

// The copy. Its text nodes (children of elements and of the document, not
// attribute values) borrow their content from gumbo's text nodes instead of
// copying it (~1.2 x a page's size on a big one): nothing in an XPath
// evaluation writes a node's content, and the borrowed pointers are cleared
// before xmlFreeDoc, which would free them.
struct Tree::Doc {
  xmlDocPtr doc = nullptr;
  ~Doc() {
    if (doc == nullptr) return;
    const auto top = reinterpret_cast<xmlNodePtr>(doc);
    xmlNodePtr node = doc->children;
    while (node != nullptr) {  // document order, without a stack
      if (node->type == XML_TEXT_NODE) node->content = nullptr;
      if (node->type == XML_ELEMENT_NODE && node->children != nullptr) {
        node = node->children;
        continue;
      }
      while (node != nullptr && node->next == nullptr) node = node->parent == top ? nullptr : node->parent;
      if (node != nullptr) node = node->next;
    }
    xmlFreeDoc(doc);
  }
};

namespace {

// A text node whose content is `text`, borrowed (see Tree::Doc).
xmlNodePtr borrowed_text(xmlDocPtr doc, const char* text) {
  xmlNodePtr node = xmlNewDocText(doc, nullptr);
  if (node != nullptr) node->content = const_cast<xmlChar*>(x(text));
  return node;
}

}  // namespace

Tree::Tree(const GumboNode* document) : gumbo_(document) {}
Tree::~Tree() = default;

void Tree::build() {
  init_libxml();
  doc_ = std::make_unique<Doc>();
  // An HTML document, so that id() finds id attributes as in lxml.html.
  doc_->doc = htmlNewDocNoDtD(nullptr, nullptr);
  if (doc_->doc == nullptr || gumbo_ == nullptr) return;
  // Element and attribute names go into the document's dictionary, once
  // each, instead of a copy per node (xmlFreeDoc frees it).
  doc_->doc->dict = xmlDictCreate();
  std::vector<std::pair<const GumboNode*, xmlNodePtr>> stack;
  auto push_children = [&](const GumboVector& children, xmlNodePtr parent) {
    for (size_t i = children.length; i > 0; --i)
      stack.emplace_back(static_cast<const GumboNode*>(children.data[i - 1]), parent);
  };
  push_children(gumbo_->v.document.children, reinterpret_cast<xmlNodePtr>(doc_->doc));
  xmlDocPtr doc = doc_->doc;
  while (!stack.empty() && nodes_ < kMaxTreeNodes) {
    auto [node, parent] = stack.back();
    stack.pop_back();
    xmlNodePtr copy = nullptr;
    switch (node->type) {
      case GUMBO_NODE_ELEMENT: {
        const GumboElement& element = node->v.element;
        copy = xmlNewDocNode(doc, nullptr, x(element_name(element).c_str()), nullptr);
        if (copy == nullptr) return;
        for (size_t i = 0; i < element.attributes.length && nodes_ < kMaxTreeNodes; ++i) {
          const auto* attr = static_cast<const GumboAttribute*>(element.attributes.data[i]);
          xmlNewProp(copy, x(ascii::lower(attr->name).c_str()), x(attr->value));
          ++nodes_;
        }
        push_children(element.children, copy);
        break;
      }
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE: copy = borrowed_text(doc, node->v.text.text); break;
      case GUMBO_NODE_CDATA: {
        const char* text = node->v.text.text;
        copy = xmlNewCDataBlock(doc, x(text), static_cast<int>(std::char_traits<char>::length(text)));
        break;
      }
      case GUMBO_NODE_COMMENT: copy = xmlNewDocComment(doc, x(node->v.text.text)); break;
      default: continue;  // templates: not part of the document
    }
    if (copy == nullptr) return;
    append_child(parent, copy);
    ++nodes_;
  }
}

css::Selection Tree::evaluate(const Expression& expression, size_t limit, uint64_t max_steps, bool keep_blank) {
  css::Selection out;
  if (limit == 0 || max_steps == 0) return out;
  if (!doc_) build();
  if (doc_->doc == nullptr) return out;
  std::optional<CompileError> error;  // evaluation errors: kept from stderr, no value
  EvalData data{&error};
  Context context = new_context(doc_->doc, &data);
  if (!context) return out;
  context->node = reinterpret_cast<xmlNodePtr>(doc_->doc);
  context->opLimit = max_steps;
  std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> result(
      xmlXPathCompiledEval(expression.compiled_->expression, context.get()), &xmlXPathFreeObject);
  out.steps = context->opCount;
  if (!result) {
    out.truncated = context->opCount >= context->opLimit;
    return out;
  }
  auto add_owned = [&](xmlChar* value) {
    if (value != nullptr) out.values.emplace_back(c(value));
    xmlFree(value);
  };
  switch (result->type) {
    case XPATH_NODESET: {
      const xmlNodeSetPtr nodes = result->nodesetval;
      for (int i = 0; nodes != nullptr && i < nodes->nodeNr && out.values.size() < limit; ++i) {
        const xmlNodePtr node = nodes->nodeTab[i];
        switch (node->type) {
          case XML_TEXT_NODE:
          case XML_CDATA_SECTION_NODE:
            if (keep_blank || !blank(node->content)) out.values.emplace_back(c(node->content));
            break;
          case XML_COMMENT_NODE:
          case XML_PI_NODE:
          case XML_ATTRIBUTE_NODE:
          case XML_ELEMENT_NODE:
          case XML_DOCUMENT_NODE:
          case XML_HTML_DOCUMENT_NODE: add_owned(xmlNodeGetContent(node)); break;
          default: break;  // namespace nodes
        }
      }
      break;
    }
    case XPATH_STRING: out.values.emplace_back(c(result->stringval)); break;
    case XPATH_BOOLEAN: out.values.emplace_back(result->boolval ? "true" : "false"); break;
    case XPATH_NUMBER: add_owned(xmlXPathCastNumberToString(result->floatval)); break;
    default: break;
  }
  return out;
}

}  // namespace forager::xpath
