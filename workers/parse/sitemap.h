// Sitemaps (sitemaps.org protocol): a <urlset> lists page URLs, a
// <sitemapindex> lists further sitemaps. Parsed with expat, never by hand;
// gzip'd sitemap files (.xml.gz) are inflated with zlib first. Both are
// bounded: at most kMaxSitemapUrls URLs, at most `max_bytes` inflated.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace forager {

inline constexpr size_t kMaxSitemapUrls = 50000;  // the protocol's own per-file limit

struct Sitemap {
  std::vector<std::string> pages;     // <urlset><url><loc>, resolved and normalized
  std::vector<std::string> sitemaps;  // <sitemapindex><sitemap><loc>
  bool malformed = false;             // the XML did not parse (what came before is kept)
};

// `body` may be gzip data (magic 1f 8b); `sitemap_url` resolves relative locs.
Sitemap parse_sitemap(std::string_view body, std::string_view sitemap_url, size_t max_bytes);

// Inflates gzip data into at most `max_bytes`; false on corrupt data.
bool gunzip(std::string_view compressed, size_t max_bytes, std::string& out);

}  // namespace forager
