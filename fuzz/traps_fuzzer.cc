// The crawler-trap detector (crawler/frontier/traps.h) on hostile links: the input is
// normalized first (looks_like_trap expects a normalized URL), its first byte
// is the query-parameter limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crawler/frontier/traps.h"
#include "crawler/util/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  int max_query_params = data[0] % 32;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  if (auto normalized = forager::url::normalize(input)) {
    forager::looks_like_trap(*normalized, max_query_params);
    forager::looks_like_trap(*normalized, 0);
  }
  if (auto resolved = forager::url::resolve("http://example.com/a/b/", input))
    forager::looks_like_trap(*resolved, max_query_params);
  return 0;
}
