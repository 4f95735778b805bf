// The CSS selector parser and matcher (workers/rules/selectors.h) on hostile
// selectors and pages.
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace css = forager::css;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view html = kPage;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    html = input.substr(nul + 1);
    input = input.substr(0, nul);
  }
  auto parsed = css::Selector::parse(input);
  if (auto* error = std::get_if<css::ParseError>(&parsed)) {
    FUZZ_CHECK(!error->message.empty());
    FUZZ_CHECK(error->column >= 1 && error->column <= input.size() + 1);
    return 0;
  }
  const auto& selector = std::get<css::Selector>(parsed);
  FUZZ_CHECK(input.size() <= css::kMaxSelectorBytes);
  auto document = forager::HtmlDocument::parse(forager::charset::to_utf8(std::string(html), ""));
  if (!document.document()) return 0;
  auto selection = selector.select(document.document(), SIZE_MAX, kSteps);
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
