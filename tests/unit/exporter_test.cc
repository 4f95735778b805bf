// JSON / JSON Lines exporters and ISO 8601 formatting.
#include "storage/exporter.h"

#include <sstream>

#include <gtest/gtest.h>

namespace forager::storage {
namespace {

using nlohmann::json;

ExportRecord sample(int i) {
  ExportRecord r;
  r.run = 7;
  r.job = "shop";
  PageRecord& p = r.page;
  p.url = "https://example.com/" + std::to_string(i);
  p.final_url = p.url + "/";
  p.status = 200;
  p.depth = 2;
  p.referrer = "https://example.com/";
  p.fetched_at_ms = 1'795'330'378'123;  // 2026-11-22T06:52:58.123Z
  p.content_type = "text/html; charset=utf-8";
  p.bytes = 1234;
  p.content_hash = "abc";
  p.title = "Title " + std::to_string(i);
  p.description = "Desc";
  p.links = {"https://example.com/a", "https://example.com/b"};
  p.fields_json = R"({"price":"£51.77","tags":["a","b"]})";
  p.changed = true;
  return r;
}

std::string export_all(std::string_view format, const std::vector<ExportRecord>& recs) {
  std::ostringstream out;
  auto writer = make_writer(format, out);
  EXPECT_NE(writer, nullptr);
  if (!writer) return {};
  writer->start();
  for (const auto& r : recs) writer->write(r);
  writer->finish();
  return out.str();
}

std::vector<ExportRecord> samples(int n) {
  std::vector<ExportRecord> recs;
  for (int i = 0; i < n; ++i) recs.push_back(sample(i));
  return recs;
}

TEST(ExporterTest, UnknownFormatGivesNull) {
  std::ostringstream out;
  EXPECT_EQ(make_writer("xml", out), nullptr);
  EXPECT_EQ(make_writer("", out), nullptr);
}

TEST(ExporterTest, JsonArrayIsValidForZeroOneAndMany) {
  for (int n : {0, 1, 2, 500}) {
    const std::string text = export_all("json", samples(n));
    json parsed = json::parse(text, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << "n=" << n << ": " << text.substr(0, 200);
    ASSERT_TRUE(parsed.is_array());
    ASSERT_EQ(parsed.size(), static_cast<size_t>(n));
    if (n > 0) {
      EXPECT_EQ(parsed.back()["url"], "https://example.com/" + std::to_string(n - 1));
    }
    EXPECT_EQ(text.back(), '\n');
  }
  EXPECT_EQ(export_all("json", {}), "[]\n");
  const std::string two = export_all("json", samples(2));
  EXPECT_EQ(two.front(), '[');
  EXPECT_NE(two.find("},\n{"), std::string::npos);
  EXPECT_EQ(two.substr(two.size() - 3), "}]\n");
}

TEST(ExporterTest, JsonLinesIsOneObjectPerLine) {
  EXPECT_EQ(export_all("jsonl", {}), "");
  std::istringstream in(export_all("jsonl", samples(3)));
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    json parsed = json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
    EXPECT_TRUE(parsed.is_object());
    EXPECT_EQ(parsed["title"], "Title " + std::to_string(count));
    ++count;
  }
  EXPECT_EQ(count, 3);
}

TEST(ExporterTest, KeysInContractOrderWithValues) {
  const nlohmann::ordered_json j = record_to_json(sample(1));
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "url", "final_url", "status", "error", "depth", "referrer", "fetched_at",
                      "content_type", "bytes", "content_hash", "title", "description", "noindex", "links",
                      "fields", "run", "job", "changed"}));
  EXPECT_EQ(j["status"], 200);
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_EQ(j["fetched_at"], "2026-11-22T06:52:58.123Z");
  EXPECT_EQ(j["links"].size(), 2u);
  EXPECT_EQ(j["fields"]["price"], "£51.77");
  EXPECT_EQ(j["run"], 7);
  EXPECT_EQ(j["job"], "shop");
  EXPECT_EQ(j["changed"], true);
  // Keys also in this order in the serialized text.
  const std::string text = dump_json(j);
  EXPECT_EQ(text.rfind("{\"url\":", 0), 0u) << text;
  EXPECT_LT(text.find("\"fields\""), text.find("\"run\""));
}

TEST(ExporterTest, TitleAndDescriptionAreNullForNonHtmlBodies) {
  ExportRecord r = sample(1);
  r.page.content_type = "application/pdf";
  r.page.title.clear();
  r.page.description.clear();
  auto j = record_to_json(r);
  EXPECT_TRUE(j["title"].is_null());
  EXPECT_TRUE(j["description"].is_null());
  r.page.content_type = " Text/HTML ; charset=utf-8";
  j = record_to_json(r);
  EXPECT_EQ(j["title"], "");  // an HTML page without a title
  EXPECT_EQ(j["description"], "");
  r.page.content_type = "application/xhtml+xml";
  EXPECT_EQ(record_to_json(r)["title"], "");
  r.page.content_type.clear();  // no Content-Type and nothing extracted: no HTML body (or none at all)
  EXPECT_TRUE(record_to_json(r)["title"].is_null());
  r.page.title = "Sniffed";  // no Content-Type, sniffed as HTML
  EXPECT_EQ(record_to_json(r)["title"], "Sniffed");
  EXPECT_EQ(record_to_json(r)["description"], "");
}

TEST(ExporterTest, NullsForMissingValues) {
  ExportRecord r = sample(1);
  r.page.status.reset();
  r.page.error = "timeout";
  r.page.referrer.clear();
  r.page.changed.reset();
  r.page.fields_json.clear();
  r.page.links.clear();
  const auto j = record_to_json(r);
  EXPECT_TRUE(j["status"].is_null());
  EXPECT_EQ(j["error"], "timeout");
  EXPECT_TRUE(j["referrer"].is_null());
  EXPECT_TRUE(j["changed"].is_null());
  EXPECT_TRUE(j["fields"].is_object());
  EXPECT_TRUE(j["fields"].empty());
  EXPECT_TRUE(j["links"].is_array());
  r.page.changed = false;
  r.page.fields_json = "{not json";
  const auto k = record_to_json(r);
  EXPECT_EQ(k["changed"], false);
  EXPECT_TRUE(k["fields"].is_object());
  EXPECT_TRUE(k["fields"].empty());
}

TEST(ExporterTest, InvalidUtf8DoesNotThrow) {
  ExportRecord r = sample(1);
  r.page.title = "caf\xe9 \xff\xfe end";
  r.page.links.push_back("https://example.com/\xc3");
  std::string text;
  ASSERT_NO_THROW(text = export_all("json", {r}));
  json parsed = json::parse(text, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << text;
  EXPECT_EQ(parsed[0]["title"], "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd end");
  ASSERT_NO_THROW(text = export_all("jsonl", {r}));
}

TEST(ExporterTest, FormatsIso8601Utc) {
  EXPECT_EQ(format_iso8601_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_utc(1'795'330'378'123), "2026-11-22T06:52:58.123Z");
  EXPECT_EQ(format_iso8601_utc(951'782'400'007), "2000-02-29T00:00:00.007Z");
  EXPECT_EQ(format_iso8601_utc(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601_utc(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace forager::storage
