// Revisit records (workers/capture.h), reading a record back by its offset
// (workers/warc/reader.h), undoing a Content-Encoding (workers/content_coding.h)
// and extracting from an archived response (workers/archived.h).
#include <gtest/gtest.h>

#include <brotli/encode.h>

#include <filesystem>

#include "crawler/wire/error_codes.h"
#include "tests/support/gzip.h"
#include "tests/support/warc_reader.h"
#include "workers/archived.h"
#include "workers/capture.h"
#include "workers/content_coding.h"
#include "workers/rules/rules.h"
#include "workers/warc/reader.h"
#include "workers/warc/writer.h"

namespace forager {
namespace {

using testing::test_sha1_base32;

Capture archived_exchange(const std::string& head, const std::string& body) {
  Capture capture(1 << 20);
  capture.on_debug(CURLINFO_HEADER_OUT, "GET /a HTTP/1.1\r\nHost: example.test\r\n\r\n");
  size_t pos = 0;
  while (pos < head.size()) {
    const size_t end = head.find("\r\n", pos) + 2;
    capture.on_debug(CURLINFO_HEADER_IN, std::string_view(head).substr(pos, end - pos));
    pos = end;
  }
  if (!body.empty()) capture.on_debug(CURLINFO_DATA_IN, body);
  return capture;
}

FetchFacts facts_with_previous(int status, const std::string& digest) {
  FetchFacts f;
  f.url = "http://example.test/a";
  f.fetched_at_ms = 1700000100000;
  f.status = status;
  f.previous_digest = digest;
  f.previous_uri = "http://example.test/a";
  f.previous_date_ms = 1700000000000;
  f.previous_record_id = "<urn:uuid:11111111-1111-4111-8111-111111111111>";
  return f;
}

std::string field(const warc::Record& r, const std::string& name) { return warc::field_value(r, name); }

const std::string kHead = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n";
const std::string kBody = "<html><title>T</title><p>same</p></html>";

TEST(RevisitTest, TheSamePayloadAsBeforeIsARevisitWithoutTheBody) {
  auto records = fetch_records(archived_exchange(kHead, kBody), facts_with_previous(200, test_sha1_base32(kBody)));
  ASSERT_EQ(records.size(), 3u);
  const warc::Record& revisit = records[1];
  EXPECT_EQ(revisit.type, "revisit");
  EXPECT_EQ(field(revisit, "WARC-Profile"), kProfileIdenticalPayload);
  EXPECT_EQ(field(revisit, "WARC-Refers-To-Target-URI"), "http://example.test/a");
  EXPECT_EQ(field(revisit, "WARC-Refers-To-Date"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(field(revisit, "WARC-Refers-To"), "<urn:uuid:11111111-1111-4111-8111-111111111111>");
  EXPECT_EQ(revisit.block, kHead);
  EXPECT_EQ(field(revisit, "WARC-Payload-Digest"), test_sha1_base32(kBody));
  EXPECT_EQ(field(revisit, "WARC-Block-Digest"), test_sha1_base32(kHead));
  EXPECT_EQ(field(records[0], "WARC-Concurrent-To"), revisit.record_id);
}

TEST(RevisitTest, ANotModifiedAnswerIsAServerNotModifiedRevisit) {
  const std::string head = "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";
  auto records = fetch_records(archived_exchange(head, ""), facts_with_previous(304, "sha1:OTHER"));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].type, "revisit");
  EXPECT_EQ(field(records[1], "WARC-Profile"), kProfileNotModified);
  EXPECT_EQ(records[1].block, head);
  EXPECT_EQ(field(records[1], "WARC-Payload-Digest"), "");
}

TEST(RevisitTest, AChangedPayloadOrNoPreviousCaptureIsAResponse) {
  auto changed = fetch_records(archived_exchange(kHead, kBody), facts_with_previous(200, test_sha1_base32("other")));
  EXPECT_EQ(changed[1].type, "response");
  EXPECT_EQ(field(changed[1], "WARC-Refers-To"), "");
  FetchFacts first = facts_with_previous(200, test_sha1_base32(kBody));
  first.previous_uri.clear();
  EXPECT_EQ(fetch_records(archived_exchange(kHead, kBody), first)[1].type, "response");
  // A 304 with nothing to refer to is archived as the response it is.
  FetchFacts unarchived = facts_with_previous(304, "");
  unarchived.previous_date_ms = 0;
  EXPECT_EQ(fetch_records(archived_exchange("HTTP/1.1 304 Not Modified\r\n\r\n", ""), unarchived)[1].type, "response");
}

class ArchiveReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/forager-archived-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  void TearDown() override {
    writer_.reset();  // writes its CDXJ index into the folder
    std::filesystem::remove_all(dir_);
  }
  // Writes one fetch of `head` + `body` and returns its response's offset.
  uint64_t archive(const std::string& head, const std::string& body) {
    if (!writer_) {
      warc::WriterOptions options;
      options.dir = dir_;
      options.member = "1";
      options.warcinfo = "software: test\r\n";
      writer_.emplace(options);
    }
    FetchFacts f;
    f.url = "http://example.test/a";
    f.fetched_at_ms = 1700000000000;
    f.status = 200;
    EXPECT_TRUE(writer_->write_group(fetch_records(archived_exchange(head, body), f))) << writer_->error();
    return writer_->group_offsets()[1];
  }
  std::string dir_;
  std::optional<warc::Writer> writer_;
};

std::string brotli(const std::string& data) {
  std::string out(BrotliEncoderMaxCompressedSize(data.size()), '\0');
  size_t size = out.size();
  BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.size(),
                        reinterpret_cast<const uint8_t*>(data.data()), &size, reinterpret_cast<uint8_t*>(out.data()));
  out.resize(size);
  return out;
}

TEST_F(ArchiveReadTest, ARecordIsReadBackByItsOffset) {
  const uint64_t first = archive(kHead, "first body");
  const uint64_t second = archive(kHead, "second body");
  std::string error;
  auto a = warc::read_record(writer_->path(), first, 1 << 20, error);
  auto b = warc::read_record(writer_->path(), second, 1 << 20, error);
  ASSERT_TRUE(a && b) << error;
  EXPECT_EQ(a->type, "response");
  EXPECT_EQ(a->block, kHead + "first body");
  EXPECT_EQ(b->block, kHead + "second body");
  EXPECT_EQ(field(*b, "WARC-Target-URI"), "http://example.test/a");
  EXPECT_FALSE(warc::read_record(writer_->path(), second + 1, 1 << 20, error));
  EXPECT_FALSE(warc::read_record(writer_->path(), second, 10, error)) << "a record over the limit is refused";
  EXPECT_FALSE(warc::read_record(dir_ + "/none.warc.gz", 0, 1 << 20, error));
  // A torn member (a kill during the write) does not read.
  std::filesystem::resize_file(writer_->path(), second + 20);
  EXPECT_FALSE(warc::read_record(writer_->path(), second, 1 << 20, error));
  EXPECT_TRUE(warc::read_record(writer_->path(), first, 1 << 20, error)) << error;
}

TEST(ContentCodingTest, GzipDeflateBrotliAndTheirCombinations) {
  const std::string text(5000, 'x');
  std::string out;
  EXPECT_EQ(decode_content("gzip", testing::gzip(text), 1 << 20, out), DecodeStatus::kOk);
  EXPECT_EQ(out, text);
  EXPECT_EQ(decode_content("deflate", testing::deflated(text, 15), 1 << 20, out), DecodeStatus::kOk);
  EXPECT_EQ(out, text);
  EXPECT_EQ(decode_content("deflate", testing::deflated(text, -15), 1 << 20, out), DecodeStatus::kOk);
  EXPECT_EQ(out, text);
  EXPECT_EQ(decode_content("br", brotli(text), 1 << 20, out), DecodeStatus::kOk);
  EXPECT_EQ(out, text);
  EXPECT_EQ(decode_content("gzip, br", brotli(testing::gzip(text)), 1 << 20, out), DecodeStatus::kOk);
  EXPECT_EQ(out, text);
  EXPECT_EQ(decode_content("", text, 1 << 20, out), DecodeStatus::kOk);
  EXPECT_EQ(decode_content("Identity", text, 1 << 20, out), DecodeStatus::kOk);
  EXPECT_EQ(decode_content("gzip", testing::gzip(text), 100, out), DecodeStatus::kCut);
  EXPECT_EQ(out.size(), 100u);
  EXPECT_EQ(decode_content("zstd", text, 1 << 20, out), DecodeStatus::kUnsupported);
  EXPECT_EQ(decode_content("gzip", "not gzip at all", 1 << 20, out), DecodeStatus::kCorrupt);
}

TEST_F(ArchiveReadTest, ExtractionFromAnArchivedResponseIsTheCrawlsExtraction) {
  const std::string page =
      "<html><head><title>Archived</title><meta name=robots content=noindex></head><body>"
      "<h1>Big</h1><a href=\"/b\">b</a></body></html>";
  const uint64_t offset = archive(
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: br\r\nETag: \"e\"\r\n\r\n",
      brotli(page));
  auto rules = Rules::parse(R"({"rules": [{"match": "", "fields": {"h": "h1::text"}}]})");
  ASSERT_TRUE(std::holds_alternative<Rules>(rules));
  protocol::Config config;
  protocol::FetchTask task;
  task.task_id = 7;
  task.url = "http://example.test/a";
  task.purpose = protocol::Purpose::kExtract;
  task.warc_file = writer_->path();
  task.warc_offset = offset;
  const protocol::FetchResult result = extract_archived(task, config, &std::get<Rules>(rules));
  EXPECT_EQ(result.task_id, 7u);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.etag, "\"e\"");
  EXPECT_EQ(result.title, "Archived");
  EXPECT_EQ(result.bytes, page.size());
  EXPECT_TRUE(result.noindex);
  EXPECT_EQ(result.links, std::vector<std::string>{"http://example.test/b"});
  EXPECT_EQ(result.fields_json, R"({"h":"Big"})");

  task.warc_offset = offset + 3;
  EXPECT_EQ(extract_archived(task, config, nullptr).error, errors::kWarc);
  const uint64_t zstd = archive("HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\n\r\n", "abc");
  task.warc_offset = zstd;
  EXPECT_EQ(extract_archived(task, config, nullptr).error, errors::kContentEncoding);
}

}  // namespace
}  // namespace forager
