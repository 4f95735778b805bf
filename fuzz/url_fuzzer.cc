// URL normalization and resolution (crawler/util/url.h, crawler/util/whatwg_url.h) on
// hostile hrefs.
// Input: "BASE\nREFERENCE" (without a newline, the whole input is the
// reference, resolved against a fixed base).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crawler/util/url.h"
#include "crawler/util/whatwg_url.h"
#include "fuzz/fuzz_check.h"

namespace {

bool starts_with_http(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

// What url.h promises about every normalized string.
void check_normalized(const std::string& normalized) {
  namespace url = forager::url;
  FUZZ_CHECK(starts_with_http(normalized));
  FUZZ_CHECK(normalized.size() <= url::kMaxUrlBytes);
  auto again = url::normalize(normalized);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == normalized);  // normalizing is idempotent
  std::string host = url::host(normalized);
  std::string origin = url::origin(normalized);
  std::string path = url::path_and_query(normalized);
  FUZZ_CHECK(!host.empty());
  FUZZ_CHECK(starts_with_http(origin));
  FUZZ_CHECK(!path.empty() && path[0] == '/');
  url::registrable_domain(host);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace url = forager::url;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view base = "http://example.com/a/b/c?q=1";
  std::string_view reference = input;
  if (size_t newline = input.find('\n'); newline != std::string_view::npos) {
    base = input.substr(0, newline);
    reference = input.substr(newline + 1);
  }
  if (auto normalized = url::normalize(reference)) check_normalized(*normalized);
  if (auto normalized = url::normalize(base)) {
    check_normalized(*normalized);
    if (auto resolved = url::resolve(*normalized, reference)) check_normalized(*resolved);
    // The hand-written fast path must agree with the full parser wherever it applies.
    if (auto plain = url::resolve_plain(*normalized, reference)) {
      auto slow = url::resolve_full(*normalized, reference);
      FUZZ_CHECK(slow.has_value());
      FUZZ_CHECK(*slow == *plain);
    }
  }
  if (auto resolved = url::resolve(base, reference)) check_normalized(*resolved);
  // The standard's serialization parses back to itself.
  if (auto parsed = url::whatwg::parse(reference)) {
    const std::string href = parsed->href();
    auto again = url::whatwg::parse(href);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->href() == href);
  }
  url::normalize_escapes(reference);
  return 0;
}
