// The CSS selector parser and matcher (workers/rules/selectors.h), and the
// XPath compiler and evaluator (workers/rules/xpath.h), on hostile selectors,
// expressions and pages: the input is tried as both.
// Input: "SELECTOR\0HTML" (without a NUL, the selector runs on a small
// built-in page).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz/fuzz_check.h"
#include "workers/parse/charset.h"
#include "workers/parse/html_document.h"
#include "workers/rules/selectors.h"
#include "workers/rules/xpath.h"

namespace {

constexpr std::string_view kPage =
    "<!doctype html><html><head><title>T</title></head><body>"
    "<div id=main class='a b' lang=en-US><h1>Name</h1><p class=price>12</p><p></p>"
    "<a href=next.html>next</a><a rel=nofollow href=/x>x</a>"
    "<ul><li>1</li><li data-v=2>2 <b>bold</b></li><li>3</li></ul>"
    "<table><tr><td>c</td></tr></table><template><p>t</p></template></div></body></html>";

// A smaller budget than the production one keeps each run short; the same
// code paths run.
constexpr uint64_t kSteps = 200'000;

void fuzz_xpath(std::string_view input, const forager::HtmlDocument& document) {
  namespace xpath = forager::xpath;
  auto compiled = xpath::Expression::compile(input);
  if (auto* error = std::get_if<xpath::CompileError>(&compiled)) {
    FUZZ_CHECK(!error->message.empty());
    FUZZ_CHECK(error->column >= 1);
    return;
  }
  FUZZ_CHECK(input.size() <= xpath::kMaxExpressionBytes);
  xpath::Tree tree(document.document());
  auto selection = tree.evaluate(std::get<xpath::Expression>(compiled), 3, kSteps, true);
  FUZZ_CHECK(selection.values.size() <= 3);
  FUZZ_CHECK(tree.nodes() <= xpath::kMaxTreeNodes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace css = forager::css;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view html = kPage;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    html = input.substr(nul + 1);
    input = input.substr(0, nul);
  }
  auto document = forager::HtmlDocument::parse(forager::charset::to_utf8(std::string(html), ""));
  if (document.document()) fuzz_xpath(input, document);
  auto parsed = css::Selector::parse(input);
  if (auto* error = std::get_if<css::ParseError>(&parsed)) {
    FUZZ_CHECK(!error->message.empty());
    FUZZ_CHECK(error->column >= 1 && error->column <= input.size() + 1);
    return 0;
  }
  const auto& selector = std::get<css::Selector>(parsed);
  FUZZ_CHECK(input.size() <= css::kMaxSelectorBytes);
  if (!document.document()) return 0;
  auto selection = selector.select(document.document(), SIZE_MAX, kSteps);
  auto blank_kept = selector.select(document.document(), SIZE_MAX, kSteps, true);
  FUZZ_CHECK(blank_kept.truncated || selection.truncated || blank_kept.values.size() >= selection.values.size());
  auto limited = selector.select(document.document(), 2, kSteps);
  FUZZ_CHECK(limited.values.size() <= 2);
  bool truncated = false;
  auto elements = selector.select_elements(document.document(), SIZE_MAX, kSteps, &truncated);
  for (const GumboNode* node : elements)
    FUZZ_CHECK(node && (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE));
  selector.uses(css::PseudoElement::kText);
  css::text_content(document.document());
  return 0;
}
