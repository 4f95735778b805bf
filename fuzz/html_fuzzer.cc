// HTML extraction on hostile pages: charset detection and conversion
// (workers/parse/charset.h to_utf8), then gumbo and title / description / links
// (workers/parse/extractor.h extract_page).
// Input: "Content-Type value\nbody" when it starts with "ct:" (e.g.
// "ct:text/html; charset=shift_jis\n<html>..."), else the whole input is the
// body with no Content-Type.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crawler/util/url.h"
#include "crawler/wire/protocol.h"
#include "fuzz/fuzz_check.h"
#include "workers/parse/charset.h"
#include "workers/parse/extractor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view content_type;
  std::string_view body = input;
  if (input.starts_with("ct:")) {
    size_t newline = input.find('\n');
    content_type = input.substr(3, newline == std::string_view::npos ? newline : newline - 3);
    body = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  }
  std::string utf8 = forager::charset::to_utf8(std::string(body), content_type);
  FUZZ_CHECK(forager::charset::is_valid_utf8(utf8));

  auto page = forager::extract_page(utf8, "http://example.com/dir/page.html?x=1");
  FUZZ_CHECK(forager::charset::is_valid_utf8(page.title));
  FUZZ_CHECK(forager::charset::is_valid_utf8(page.description));
  FUZZ_CHECK(page.title.size() <= forager::protocol::kMaxTextFieldBytes);
  FUZZ_CHECK(page.description.size() <= forager::protocol::kMaxTextFieldBytes);
  FUZZ_CHECK(page.links.size() <= forager::protocol::kMaxLinksPerPage);
  for (const auto& link : page.links) {
    auto again = forager::url::normalize(link);
    FUZZ_CHECK(again && *again == link);
  }
  return 0;
}
