#include "workers/rules/rules.h"

#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

#include "crawler/util/url.h"
#include "crawler/wire/protocol.h"
#include "workers/parse/extractor.h"
#include "workers/rules/value_type.h"

namespace forager {
namespace {

using nlohmann::ordered_json;
using json = nlohmann::ordered_json;  // keeps the file's key order

// (Appends rather than operator+: g++ 12 -O3 warns falsely on "\"" + string.)
std::string in_quotes(std::string_view s) {
  std::string out(1, '"');
  out.append(s);
  out += '"';
  return out;
}

std::string type_name(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "a list";
  return "an object";
}

// Parses one selector; the error names `where`, the selector and the column.
std::variant<css::Selector, std::string> parse_selector(const std::string& where, const json& value) {
  if (!value.is_string()) return where + ": expected a selector string, found " + type_name(value);
  const std::string& text = value.get_ref<const std::string&>();
  auto parsed = css::Selector::parse(text);
  if (auto* error = std::get_if<css::ParseError>(&parsed))
    return where + ": selector " + in_quotes(text) + " column " + std::to_string(error->column) + ": " +
           error->message;
  return std::get<css::Selector>(std::move(parsed));
}

// Parses one XPath expression; the error names `where`, the expression and
// the column.
std::variant<xpath::Expression, std::string> parse_xpath(const std::string& where, const json& value) {
  if (!value.is_string()) return where + ": expected an XPath expression string, found " + type_name(value);
  const std::string& text = value.get_ref<const std::string&>();
  auto compiled = xpath::Expression::compile(text);
  if (auto* error = std::get_if<xpath::CompileError>(&compiled))
    return where + ": xpath " + in_quotes(text) + " column " + std::to_string(error->column) + ": " + error->message;
  return std::get<xpath::Expression>(std::move(compiled));
}

bool is_field_key(const std::string& key) {
  return key == "css" || key == "xpath" || key == "all" || key == "url" || key == "raw" || key == "re" ||
         key == "type";
}

// The options of an object field: all, url, raw, re, type.
std::optional<std::string> parse_field_options(const std::string& where, const json& spec, FieldRule& rule) {
  for (const auto& [key, value] : spec.items()) {
    if (!is_field_key(key))
      return where + ": unknown key " + in_quotes(key) +
             " (expected \"css\" or \"xpath\", \"all\", \"url\", \"raw\", \"re\", \"type\")";
    if ((key == "all" || key == "url" || key == "raw") && !value.is_boolean())
      return where + "." + key + ": expected true or false, found " + type_name(value);
  }
  rule.all = spec.value("all", false);
  rule.url = spec.value("url", false);
  rule.raw = spec.value("raw", false);
  if (spec.contains("re")) {
    const json& re = spec["re"];
    if (!re.is_string()) return where + ".re: expected a regular expression string, found " + type_name(re);
    auto regex = Regex::compile(re.get<std::string>());
    if (auto* error = std::get_if<std::string>(&regex)) return where + ".re: " + *error;
    rule.re = std::get<Regex>(std::move(regex));
  }
  if (spec.contains("type")) {
    const json& type = spec["type"];
    std::optional<ValueType> named = type.is_string() ? value_type_named(type.get<std::string>()) : std::nullopt;
    if (!named)
      return where + ".type: expected \"number\", \"integer\", \"boolean\" or \"string\", found " +
             (type.is_string() ? in_quotes(type.get<std::string>()) : type_name(type));
    rule.type = *named;
  }
  if (rule.url && rule.type != ValueType::kString)
    return where + ": \"url\" gives URLs (strings); drop \"url\" or \"type\"";
  return std::nullopt;
}

std::variant<FieldRule, std::string> parse_field(const std::string& where, const std::string& name,
                                                 const json& spec) {
  if (spec.is_string()) {
    auto selector = parse_selector(where, spec);
    if (auto* error = std::get_if<std::string>(&selector)) return *error;
    return FieldRule{name, std::get<css::Selector>(std::move(selector))};
  }
  if (!spec.is_object())
    return where + ": expected a selector string or an object with \"css\" or \"xpath\" and options, found " +
           type_name(spec);
  const bool css = spec.contains("css"), xpath = spec.contains("xpath");
  if (css && xpath) return where + ": give \"css\" or \"xpath\", not both";
  if (!css && !xpath) return where + ": missing \"css\" or \"xpath\" (the selector)";
  std::optional<FieldRule> rule;
  if (css) {
    auto selector = parse_selector(where, spec["css"]);
    if (auto* error = std::get_if<std::string>(&selector)) return *error;
    rule = FieldRule{name, std::get<css::Selector>(std::move(selector))};
  } else {
    auto expression = parse_xpath(where, spec["xpath"]);
    if (auto* error = std::get_if<std::string>(&expression)) return *error;
    rule = FieldRule{name, std::get<xpath::Expression>(std::move(expression))};
  }
  if (std::optional<std::string> error = parse_field_options(where, spec, *rule)) return *error;
  return std::move(*rule);
}

std::variant<RuleSet, std::string> parse_rule_set(const std::string& where, const json& spec) {
  if (!spec.is_object()) return where + ": expected an object with \"match\" and \"fields\", found " + type_name(spec);
  RuleSet set;
  for (const auto& [key, value] : spec.items())
    if (key != "match" && key != "fields")
      return where + ": unknown key " + in_quotes(key) + " (expected \"match\" or \"fields\")";
  if (spec.contains("match")) {
    const json& match = spec["match"];
    if (!match.is_string()) return where + ".match: expected a regular expression string, found " + type_name(match);
    auto regex = Regex::compile(match.get<std::string>());
    if (auto* error = std::get_if<std::string>(&regex)) return where + ".match: " + *error;
    set.match = std::get<Regex>(std::move(regex));
  }
  if (!spec.contains("fields")) return where + ": missing \"fields\"";
  const json& fields = spec["fields"];
  if (!fields.is_object()) return where + ".fields: expected an object of NAME: selector, found " + type_name(fields);
  if (fields.size() > kMaxFieldsPerRuleSet)
    return where + ".fields: more than " + std::to_string(kMaxFieldsPerRuleSet) + " fields";
  for (const auto& [name, field_spec] : fields.items()) {
    if (name.empty()) return where + ".fields: a field name is empty";
    auto field = parse_field(where + ".fields." + name, name, field_spec);
    if (auto* error = std::get_if<std::string>(&field)) return *error;
    set.fields.push_back(std::get<FieldRule>(std::move(field)));
  }
  return set;
}

std::variant<Rules, std::string> parse_document(const ordered_json& doc) {
  if (!doc.is_object()) return "expected a JSON object with \"rules\" and/or \"follow\", found " + type_name(doc);
  Rules rules;
  for (const auto& [key, value] : doc.items())
    if (key != "rules" && key != "follow") return "unknown key " + in_quotes(key) + " (expected \"rules\" or \"follow\")";
  if (doc.contains("rules")) {
    const ordered_json& list = doc["rules"];
    if (!list.is_array()) return "rules: expected a list of rule sets, found " + type_name(list);
    if (list.size() > kMaxRuleSets) return "rules: more than " + std::to_string(kMaxRuleSets) + " rule sets";
    for (size_t i = 0; i < list.size(); ++i) {
      auto set = parse_rule_set("rules[" + std::to_string(i) + "]", list[i]);
      if (auto* error = std::get_if<std::string>(&set)) return *error;
      rules.rule_sets.push_back(std::get<RuleSet>(std::move(set)));
    }
  }
  if (doc.contains("follow")) {
    const ordered_json& list = doc["follow"];
    if (!list.is_array()) return "follow: expected a list of selector strings, found " + type_name(list);
    if (list.size() > kMaxFollowSelectors)
      return "follow: more than " + std::to_string(kMaxFollowSelectors) + " selectors";
    rules.has_follow = true;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = "follow[" + std::to_string(i) + "]";
      auto selector = parse_selector(where, list[i]);
      if (auto* error = std::get_if<std::string>(&selector)) return *error;
      css::Selector& parsed = std::get<css::Selector>(selector);
      if (parsed.uses(css::PseudoElement::kText) || parsed.uses(css::PseudoElement::kAttr))
        return where + ": selector " + in_quotes(parsed.text()) +
               ": follow selectors select elements (links, or elements holding links); drop the pseudo-element";
      rules.follow.push_back(std::move(parsed));
    }
  }
  return rules;
}

// Steps a selector may take out of what is left for the page.
uint64_t step_budget(uint64_t steps_left) { return std::min(steps_left, css::kMaxMatchSteps); }

// What the field's CSS selector or XPath expression gives on the page.
css::Selection select(const FieldRule& field, const GumboNode* root, xpath::Tree& tree, size_t limit,
                      uint64_t max_steps) {
  if (const auto* selector = std::get_if<css::Selector>(&field.selector))
    return selector->select(root, limit, max_steps, field.raw);
  return tree.evaluate(std::get<xpath::Expression>(field.selector), limit, max_steps, field.raw);
}

// The field's texts: the selected values, whitespace-normalized unless raw,
// replaced by their regex matches when `re` is set; the first one only
// unless `all` (as parsel's .get()/.re_first() and .getall()/.re()).
std::vector<std::string> field_texts(const FieldRule& field, css::Selection selection) {
  std::vector<std::string> texts;
  for (std::string& value : selection.values) {
    if (!field.raw) value = normalize_whitespace(value);
    if (field.re) {
      for (std::string& match : field.re->extract(value, kMaxListValues - texts.size()))
        texts.push_back(std::move(match));
    } else {
      texts.push_back(std::move(value));
    }
    if ((!field.all && !texts.empty()) || texts.size() >= kMaxListValues) break;
  }
  if (!field.all && texts.size() > 1) texts.resize(1);
  return texts;
}

// The JSON value of one field on a page; `budget` is the bytes of values
// still allowed on this page.
ordered_json field_value(const FieldRule& field, const GumboNode* root, xpath::Tree& tree,
                         std::string_view base_url, size_t& budget, uint64_t& steps_left) {
  if (steps_left == 0) return nullptr;
  const size_t limit = field.all || field.re ? kMaxListValues : 1;
  css::Selection selection = select(field, root, tree, limit, step_budget(steps_left));
  steps_left -= std::min(steps_left, selection.steps);
  auto convert = [&](std::string value) -> std::optional<ordered_json> {
    truncate_utf8(value, kMaxFieldValueBytes);
    if (field.url) {
      std::optional<std::string> resolved = url::resolve(base_url, value);
      if (!resolved) return std::nullopt;
      value = std::move(*resolved);
    }
    if (value.size() > budget) {
      budget = 0;
      return std::nullopt;
    }
    budget -= value.size();
    return typed_value(value, field.type);
  };
  std::vector<std::string> texts = field_texts(field, std::move(selection));
  if (!field.all) {
    if (texts.empty()) return nullptr;
    std::optional<ordered_json> value = convert(std::move(texts.front()));
    return value ? std::move(*value) : ordered_json(nullptr);
  }
  ordered_json list = ordered_json::array();
  for (std::string& text : texts) {
    if (budget == 0) break;
    if (std::optional<ordered_json> value = convert(std::move(text))) list.push_back(std::move(*value));
  }
  return list;
}

std::vector<std::string> follow_links(const Rules& rules, const GumboNode* root, std::string_view base_url,
                                      uint64_t& steps_left) {
  std::vector<std::string> links;
  std::unordered_set<std::string> seen;
  std::vector<const GumboNode*> anchors;
  for (const css::Selector& selector : rules.follow) {
    if (steps_left == 0) break;
    uint64_t steps = 0;
    const auto elements = selector.select_elements(root, SIZE_MAX, step_budget(steps_left), nullptr, &steps);
    steps_left -= std::min(steps_left, steps);
    for (const GumboNode* element : elements) {
      // The element itself when it is a link, else the links inside it.
      std::vector<const GumboNode*> stack{element};
      while (!stack.empty() && anchors.size() < protocol::kMaxLinksPerPage * 4) {
        const GumboNode* node = stack.back();
        stack.pop_back();
        if (node->type != GUMBO_NODE_ELEMENT) continue;
        if (node->v.element.tag == GUMBO_TAG_A || node->v.element.tag == GUMBO_TAG_AREA) {
          anchors.push_back(node);
          continue;
        }
        const GumboVector& children = node->v.element.children;
        for (size_t i = children.length; i > 0; --i) stack.push_back(static_cast<const GumboNode*>(children.data[i - 1]));
      }
    }
  }
  for (const GumboNode* anchor : anchors) {
    if (links.size() >= protocol::kMaxLinksPerPage) break;
    const char* href = followable_href(anchor);
    if (href == nullptr) continue;
    std::optional<std::string> link = url::resolve(base_url, href);
    if (link && seen.insert(*link).second) links.push_back(std::move(*link));
  }
  return links;
}

}  // namespace

std::variant<Rules, std::string> Rules::parse(std::string_view json_text) {
  ordered_json doc;
  try {
    doc = ordered_json::parse(json_text);
  } catch (const ordered_json::exception& e) {  // parse_error, or out_of_range for 1e400
    std::string message = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    if (size_t close = message.find("] "); close != std::string::npos) message = message.substr(close + 2);
    return "not valid JSON: " + message;
  }
  return parse_document(doc);
}

RulesOutput apply_rules(const Rules& rules, const HtmlDocument& document, std::string_view page_url,
                        std::string_view base_url) {
  RulesOutput out;
  const GumboNode* root = document.document();
  if (root == nullptr) return out;
  ordered_json fields = ordered_json::object();
  bool any_set = false;
  size_t budget = kMaxFieldsJsonBytes;
  uint64_t steps_left = kMaxPageMatchSteps;
  xpath::Tree tree(root);  // built by the first XPath field, if any
  for (const RuleSet& set : rules.rule_sets) {
    if (set.match && !set.match->search(page_url)) continue;
    any_set = true;
    for (const FieldRule& field : set.fields) {
      if (fields.contains(field.name)) continue;
      fields[field.name] = field_value(field, root, tree, base_url, budget, steps_left);
    }
  }
  if (any_set) out.fields_json = fields.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  if (rules.has_follow) {
    out.follow_restricted = true;
    out.follow_links = follow_links(rules, root, base_url, steps_left);
  }
  return out;
}

bool needs_tree(const Rules& rules, std::string_view page_url) {
  if (rules.has_follow) return true;
  for (const RuleSet& set : rules.rule_sets) {
    if (!set.match || set.match->search(page_url)) return true;
  }
  return false;
}

Extracted extract_page(const HtmlDocument& document, std::string_view page_url, const Rules* rules,
                       std::string_view robots_agent) {
  Extracted out = extract_page(document, page_url, robots_agent);
  if (rules == nullptr) return out;
  RulesOutput applied = apply_rules(*rules, document, page_url, out.base_url);
  out.fields_json = std::move(applied.fields_json);
  out.follow_restricted = applied.follow_restricted;
  out.follow_links = std::move(applied.follow_links);
  return out;
}

}  // namespace forager
