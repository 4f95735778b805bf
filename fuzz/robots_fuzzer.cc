// robots.txt parsing and matching (crawler/frontier/robots.h) on hostile bodies.
// Input: the robots.txt body; the path checked and the user agent are read
// from its first line when that line starts with "#fuzz " ("#fuzz /path UA"),
// which a robots.txt parser sees as a comment anyway.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crawler/frontier/robots.h"
#include "crawler/util/url.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace robots = forager::robots;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string path = "/a/b?c=d";
  std::string user_agent = "forager/0.1.0";
  if (body.starts_with("#fuzz ")) {
    size_t end = body.find('\n');  // never before 6: the prefix has none
    std::string_view line = body.substr(6, end == std::string_view::npos ? end : end - 6);
    size_t space = line.find(' ');
    path = "/" + forager::url::normalize_escapes(line.substr(0, space));
    if (space != std::string_view::npos) user_agent = std::string(line.substr(space + 1));
  }
  auto rules = robots::RobotsTxt::parse(body, user_agent);
  rules.allowed(path);
  rules.allowed("/");
  FUZZ_CHECK(rules.allowed("/robots.txt"));
  if (auto delay = rules.crawl_delay_seconds()) FUZZ_CHECK(*delay >= 0);
  for (const auto& sitemap : rules.sitemaps()) (void)sitemap.size();
  robots::product_token(user_agent);
  // The matcher alone, with the body's first line as the pattern.
  std::string pattern = forager::url::normalize_escapes(body.substr(0, body.find('\n')));
  robots::pattern_matches(pattern, path);
  return 0;
}
