#include "workers/parse/sitemap.h"

#include <expat.h>
#include <zlib.h>

#include <memory>

#include "crawler/util/url.h"

namespace forager {
namespace {

// Element names without a namespace prefix ("ns:loc" and "loc" alike).
std::string_view local_name(const XML_Char* name) {
  std::string_view n(name);
  size_t sep = n.find_last_of(":| ");
  return sep == std::string_view::npos ? n : n.substr(sep + 1);
}

struct ParseState {
  Sitemap* sitemap = nullptr;
  std::string_view base;
  enum class In { kNone, kUrl, kSitemap } in = In::kNone;
  bool in_loc = false;
  std::string loc;
  size_t total = 0;
};

void on_start(void* data, const XML_Char* name, const XML_Char**) {
  auto* s = static_cast<ParseState*>(data);
  std::string_view n = local_name(name);
  if (n == "url") s->in = ParseState::In::kUrl;
  else if (n == "sitemap") s->in = ParseState::In::kSitemap;
  else if (n == "loc" && s->in != ParseState::In::kNone) {
    s->in_loc = true;
    s->loc.clear();
  }
}

void on_end(void* data, const XML_Char* name) {
  auto* s = static_cast<ParseState*>(data);
  std::string_view n = local_name(name);
  if (n == "loc" && s->in_loc) {
    s->in_loc = false;
    if (s->total >= kMaxSitemapUrls) return;
    auto resolved = url::resolve(s->base, s->loc);
    if (!resolved) return;
    ++s->total;
    (s->in == ParseState::In::kUrl ? s->sitemap->pages : s->sitemap->sitemaps).push_back(std::move(*resolved));
  } else if (n == "url" || n == "sitemap") {
    s->in = ParseState::In::kNone;
  }
}

void on_text(void* data, const XML_Char* text, int length) {
  auto* s = static_cast<ParseState*>(data);
  if (s->in_loc && s->loc.size() < url::kMaxUrlBytes) s->loc.append(text, static_cast<size_t>(length));
}

}  // namespace

bool gunzip(std::string_view compressed, size_t max_bytes, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return false;  // 16: gzip wrapper
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  char chunk[64 << 10];
  int rc = Z_OK;
  while (rc == Z_OK && out.size() < max_bytes) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    size_t produced = sizeof chunk - z.avail_out;
    out.append(chunk, std::min(produced, max_bytes - out.size()));
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated input: keep what came
  }
  inflateEnd(&z);
  return rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR;
}

Sitemap parse_sitemap(std::string_view body, std::string_view sitemap_url, size_t max_bytes) {
  Sitemap sitemap;
  std::string inflated;
  if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
      static_cast<unsigned char>(body[1]) == 0x8b) {
    if (!gunzip(body, max_bytes, inflated)) sitemap.malformed = true;
    body = inflated;
  }
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate(nullptr), &XML_ParserFree);
  if (!parser) {
    sitemap.malformed = true;
    return sitemap;
  }
  ParseState state;
  state.sitemap = &sitemap;
  state.base = sitemap_url;
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_text);
  // Feed in slices: XML_Parse takes an int length.
  constexpr size_t kSlice = 1 << 20;
  for (size_t offset = 0; offset <= body.size(); offset += kSlice) {
    size_t n = std::min(kSlice, body.size() - offset);
    bool last = offset + n >= body.size();
    if (XML_Parse(parser.get(), body.data() + offset, static_cast<int>(n), last) == XML_STATUS_ERROR) {
      sitemap.malformed = true;
      break;
    }
    if (last) break;
  }
  return sitemap;
}

}  // namespace forager
