// The extraction rules file (workers/rules/rules.h): parsing and checking hostile
// rules JSON, then applying what parses to a page.
// Input: "RULES JSON\0HTML" (without a NUL, the rules are applied to a small
// built-in page).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "crawler/wire/protocol.h"
#include "fuzz/fuzz_check.h"
#include "workers/parse/charset.h"
#include "workers/parse/extractor.h"
#include "workers/parse/html_document.h"
#include "workers/rules/rules.h"

namespace {

constexpr std::string_view kPage =
    "<html><head><title>T</title><base href=/b/></head><body>"
    "<div id=main class='a b'><h1>Name</h1><p class=price>12</p>"
    "<a href=next.html>next</a><a rel=nofollow href=/x>x</a>"
    "<ul><li>1</li><li data-v=2>2</li></ul><img src=i.png></div></body></html>";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view html = kPage;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    html = input.substr(nul + 1);
    input = input.substr(0, nul);
  }
  auto parsed = forager::Rules::parse(input);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    FUZZ_CHECK(!error->empty());
    return 0;
  }
  const auto& rules = std::get<forager::Rules>(parsed);
  auto document = forager::HtmlDocument::parse(forager::charset::to_utf8(std::string(html), ""));
  const std::string page_url = "http://example.com/dir/page.html";
  auto output = forager::apply_rules(rules, document, page_url, forager::document_base_url(document, page_url));
  if (!output.fields_json.empty()) {
    FUZZ_CHECK(forager::charset::is_valid_utf8(output.fields_json));
    auto json = nlohmann::json::parse(output.fields_json, nullptr, false);
    FUZZ_CHECK(!json.is_discarded() && json.is_object());
  }
  FUZZ_CHECK(output.follow_restricted == rules.has_follow);
  FUZZ_CHECK(output.follow_links.size() <= forager::protocol::kMaxLinksPerPage);
  forager::extract_page(document, page_url, &rules);
  return 0;
}
