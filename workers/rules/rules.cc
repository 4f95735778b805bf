#include "workers/rules/rules.h"

#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

#include "crawler/util/url.h"
#include "crawler/wire/protocol.h"
#include "workers/parse/extractor.h"

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

std::variant<FieldRule, std::string> parse_field(const std::string& where, const std::string& name,
                                                 const json& spec) {
  if (spec.is_string()) {
    auto selector = parse_selector(where, spec);
    if (auto* error = std::get_if<std::string>(&selector)) return *error;
    return FieldRule{name, std::get<css::Selector>(std::move(selector))};
  }
  if (!spec.is_object())
    return where + ": expected a selector string or an object with \"css\", \"all\", \"url\", found " +
           type_name(spec);
  for (const auto& [key, value] : spec.items()) {
    if (key != "css" && key != "all" && key != "url")
      return where + ": unknown key " + in_quotes(key) + " (expected \"css\", \"all\" or \"url\")";
    if (key != "css" && !value.is_boolean())
      return where + "." + key + ": expected true or false, found " + type_name(value);
  }
  if (!spec.contains("css")) return where + ": missing \"css\" (the selector)";
  auto selector = parse_selector(where, spec["css"]);
  if (auto* error = std::get_if<std::string>(&selector)) return *error;
  FieldRule rule{name, std::get<css::Selector>(std::move(selector))};
  rule.all = spec.value("all", false);
  rule.url = spec.value("url", false);
  return rule;
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

// A string from the page, cut to the value limit.
std::string clean_value(std::string_view raw) {
  std::string value = normalize_whitespace(raw);
  truncate_utf8(value, kMaxFieldValueBytes);
  return value;
}

// The JSON value of one field on a page; `budget` is the bytes of values
// still allowed on this page.
// Steps a selector may take out of what is left for the page.
uint64_t step_budget(uint64_t steps_left) { return std::min(steps_left, css::kMaxMatchSteps); }

ordered_json field_value(const FieldRule& field, const GumboNode* root, std::string_view base_url,
                         size_t& budget, uint64_t& steps_left) {
  if (steps_left == 0) return nullptr;
  auto convert = [&](const std::string& raw) -> std::optional<std::string> {
    std::string value = clean_value(raw);
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
    return value;
  };
  if (!field.all) {
    css::Selection selection = field.selector.select(root, 1, step_budget(steps_left));
    steps_left -= std::min(steps_left, selection.steps);
    if (selection.values.empty()) return nullptr;
    std::optional<std::string> value = convert(selection.values.front());
    return value ? ordered_json(std::move(*value)) : ordered_json(nullptr);
  }
  ordered_json list = ordered_json::array();
  css::Selection selection = field.selector.select(root, kMaxListValues, step_budget(steps_left));
  steps_left -= std::min(steps_left, selection.steps);
  for (const std::string& raw : selection.values) {
    if (budget == 0) break;
    if (std::optional<std::string> value = convert(raw)) list.push_back(std::move(*value));
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
  for (const RuleSet& set : rules.rule_sets) {
    if (set.match && !set.match->search(page_url)) continue;
    any_set = true;
    for (const FieldRule& field : set.fields) {
      if (fields.contains(field.name)) continue;
      fields[field.name] = field_value(field, root, base_url, budget, steps_left);
    }
  }
  if (any_set) out.fields_json = fields.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  if (rules.has_follow) {
    out.follow_restricted = true;
    out.follow_links = follow_links(rules, root, base_url, steps_left);
  }
  return out;
}

Extracted extract_page(const HtmlDocument& document, std::string_view page_url, const Rules* rules) {
  Extracted out = extract_page(document, page_url);
  if (rules == nullptr) return out;
  RulesOutput applied = apply_rules(*rules, document, page_url, out.base_url);
  out.fields_json = std::move(applied.fields_json);
  out.follow_restricted = applied.follow_restricted;
  out.follow_links = std::move(applied.follow_links);
  return out;
}

}  // namespace forager
