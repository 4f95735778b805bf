// The streaming extraction pass (workers/parse/html_scan.h) against gumbo's
// tree walk on hostile pages: whenever the pass gives a result, it must be
// exactly the DOM path's Extracted (title, description, base, links, robots).
// Input: the page body; it goes through charset::to_utf8 without a
// Content-Type first, as fill_content does.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "workers/parse/charset.h"
#include "workers/parse/extractor.h"
#include "workers/parse/html_document.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr std::string_view kPage = "http://example.com/dir/page.html?x=1";
  std::string utf8 = forager::charset::to_utf8(std::string(reinterpret_cast<const char*>(data), size), "");
  const forager::Extracted dom = forager::extract_page(forager::HtmlDocument::parse(utf8), kPage, "forager");
  std::optional<forager::Extracted> streamed = forager::extract_page_streaming(utf8, kPage, "forager");
  if (!streamed) return 0;
  FUZZ_CHECK(streamed->title == dom.title);
  FUZZ_CHECK(streamed->description == dom.description);
  FUZZ_CHECK(streamed->base_url == dom.base_url);
  FUZZ_CHECK(streamed->links == dom.links);
  FUZZ_CHECK(streamed->robots.noindex == dom.robots.noindex);
  FUZZ_CHECK(streamed->robots.nofollow == dom.robots.nofollow);
  return 0;
}
