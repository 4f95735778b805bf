// The WARC writer (workers/warc) and the capture of an HTTP exchange
// (workers/capture.h), read back with the independent reader of
// tests/support/warc_reader.h.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/gzip.h"
#include "tests/support/warc_reader.h"
#include "workers/capture.h"
#include "workers/warc/cdxj.h"
#include "workers/warc/gzip.h"
#include "workers/warc/record.h"
#include "workers/warc/writer.h"

namespace forager {
namespace {

using testing::read_warc_file;
using testing::test_sha1_base32;
using testing::WarcRecord;

class WarcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/forager-warc-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir_))
      if (entry.path().string().ends_with(".warc.gz")) out.push_back(entry.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  warc::WriterOptions options(uint64_t max = 1 << 30) const {
    warc::WriterOptions o;
    o.dir = dir_;
    o.member = "4242";
    o.max_file_bytes = max;
    o.warcinfo = "software: forager/test\r\nrobots: obey\r\n";
    return o;
  }

  std::string dir_;
};

// A capture of one exchange, fed as curl's debug callback would feed it.
Capture fake_exchange(const std::string& head, const std::string& body, uint64_t limit = 1 << 20) {
  Capture capture(limit);
  capture.on_debug(CURLINFO_HEADER_OUT, "GET /a HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t\r\n\r\n");
  size_t pos = 0;
  while (pos < head.size()) {  // one header line per call, as curl does
    size_t end = head.find("\r\n", pos) + 2;
    capture.on_debug(CURLINFO_HEADER_IN, std::string_view(head).substr(pos, end - pos));
    pos = end;
  }
  for (size_t i = 0; i < body.size(); i += 7)  // in small pieces
    capture.on_debug(CURLINFO_DATA_IN, std::string_view(body).substr(i, 7));
  return capture;
}

FetchFacts facts(const std::vector<std::string>* links = nullptr) {
  FetchFacts f;
  f.url = "http://example.test/a";
  f.ip = "127.0.0.1";
  f.fetched_at_ms = 1700000000123;
  f.elapsed_ms = 12;
  f.links = links;
  return f;
}

void expect_digests(const WarcRecord& r) {
  EXPECT_TRUE(r.length_ok) << r.field("WARC-Type");
  EXPECT_EQ(r.field("WARC-Block-Digest"), test_sha1_base32(r.block));
  if (!r.field("WARC-Payload-Digest").empty()) {
    EXPECT_EQ(r.field("WARC-Payload-Digest"), test_sha1_base32(r.payload()));
  }
}

TEST(WarcRecordTest, DigestIsBase32Sha1AsWarcioWritesIt) {
  // sha1("") = da39a3ee5e6b4b0d3255bfef95601890afd80709
  EXPECT_EQ(warc::sha1_digest(""), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
  EXPECT_EQ(warc::sha1_digest("abc"), test_sha1_base32("abc"));
}

TEST(WarcRecordTest, IdsAndDatesHaveTheStandardForms) {
  const std::string id = warc::new_record_id();
  EXPECT_EQ(id.size(), std::string("<urn:uuid:00000000-0000-4000-8000-000000000000>").size());
  EXPECT_EQ(id.rfind("<urn:uuid:", 0), 0u);
  EXPECT_NE(id, warc::new_record_id());
  EXPECT_EQ(warc::warc_date(1700000000123), "2023-11-14T22:13:20Z");
  EXPECT_EQ(warc::compact_timestamp(1700000000123), "20231114221320");
}

TEST(WarcGzipTest, MembersAreAppendedAfterWhatIsThereAndEachDecompressesAlone) {
  warc::GzipCompressor gzip;
  std::string html;
  for (int i = 0; i < 3000; ++i) html += "<p class=\"x\">paragraph " + std::to_string(i) + "</p>\n";
  const std::string inputs[] = {html, "", std::string(1 << 20, 'z'), "tail"};
  std::string out = "prefix";
  for (const std::string& input : inputs) ASSERT_TRUE(gzip.append_member(input, out));
  ASSERT_EQ(out.substr(0, 6), "prefix");
  EXPECT_LT(out.size(), html.size() / 2);  // compressed, not stored
  std::vector<size_t> offsets;
  bool torn = false;
  const auto members = testing::gunzip_members(out.substr(6), offsets, torn);
  EXPECT_FALSE(torn);
  ASSERT_EQ(members.size(), 4u);
  for (size_t i = 0; i < members.size(); ++i) EXPECT_EQ(members[i], inputs[i]) << i;
}

TEST(WarcRecordTest, FieldsWithLineBreaksAreDropped) {
  warc::Record r;
  r.add_field("WARC-Target-URI", "http://x/\r\nEvil: 1");
  EXPECT_TRUE(r.fields.empty());
}

TEST_F(WarcTest, FetchRecordsRoundTripWithDigestsAndLinks) {
  const std::vector<std::string> links = {"http://example.test/b", "http://example.test/c"};
  Capture capture = fake_exchange("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\n", "hello world");
  warc::Writer writer(options());
  ASSERT_TRUE(writer.write_group(fetch_records(capture, facts(&links)))) << writer.error();

  ASSERT_EQ(files().size(), 1u);
  const std::string name = std::filesystem::path(files()[0]).filename();
  EXPECT_EQ(name.rfind("forager-", 0), 0u);
  EXPECT_NE(name.find("-00000-4242.warc.gz"), std::string::npos) << name;
  bool torn = true;
  auto records = read_warc_file(files()[0], &torn);
  EXPECT_FALSE(torn);
  ASSERT_EQ(records.size(), 4u);
  for (const auto& r : records) {
    EXPECT_EQ(r.version, "WARC/1.1");
    expect_digests(r);
  }
  const WarcRecord &info = records[0], &request = records[1], &response = records[2], &metadata = records[3];
  EXPECT_EQ(info.field("WARC-Type"), "warcinfo");
  EXPECT_EQ(info.field("WARC-Filename"), name);
  EXPECT_NE(info.block.find("software: forager/test"), std::string::npos);
  EXPECT_EQ(request.field("WARC-Type"), "request");
  EXPECT_EQ(request.field("Content-Type"), "application/http;msgtype=request");
  EXPECT_EQ(request.block, "GET /a HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t\r\n\r\n");
  EXPECT_EQ(request.field("WARC-Concurrent-To"), response.field("WARC-Record-ID"));
  EXPECT_EQ(response.field("WARC-Type"), "response");
  EXPECT_EQ(response.field("Content-Type"), "application/http;msgtype=response");
  EXPECT_EQ(response.field("WARC-Target-URI"), "http://example.test/a");
  EXPECT_EQ(response.field("WARC-IP-Address"), "127.0.0.1");
  EXPECT_EQ(response.field("WARC-Date"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(response.payload(), "hello world");
  EXPECT_EQ(response.field("WARC-Payload-Digest"), test_sha1_base32("hello world"));
  EXPECT_EQ(response.field("WARC-Truncated"), "");
  for (const auto* r : {&request, &response, &metadata})
    EXPECT_EQ(r->field("WARC-Warcinfo-ID"), info.field("WARC-Record-ID"));
  EXPECT_EQ(metadata.field("WARC-Type"), "metadata");
  EXPECT_EQ(metadata.field("WARC-Concurrent-To"), response.field("WARC-Record-ID"));
  EXPECT_EQ(metadata.block, "fetchTimeMs: 12\r\noutlink: http://example.test/b\r\noutlink: http://example.test/c\r\n");
  std::set<std::string> ids;
  for (const auto& r : records) ids.insert(r.field("WARC-Record-ID"));
  EXPECT_EQ(ids.size(), 4u);
}

TEST_F(WarcTest, ChunkedBodiesAreArchivedDechunkedWithoutTheirTransferEncoding) {
  Capture capture = fake_exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n",
                             "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n");
  EXPECT_EQ(capture.response_block(), "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nhello world");
}

TEST_F(WarcTest, MalformedChunksAreArchivedRawWithTheirHeader) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  Capture capture = fake_exchange(head, "zz\r\nhello\r\n");
  EXPECT_EQ(capture.response_block(), head + "zz\r\nhello\r\n");
}

TEST(DechunkTest, StopsAtTheEndOfACutStream) {
  std::string out;
  EXPECT_TRUE(dechunk("a\r\n0123456789\r\n10\r\nabc", out));
  EXPECT_EQ(out, "0123456789abc");
  out.clear();
  EXPECT_FALSE(dechunk("3\r\nabcX\r\n", out));
}

TEST_F(WarcTest, BodyBeyondTheLimitIsCutAndMarkedTruncated) {
  Capture capture = fake_exchange("HTTP/1.1 200 OK\r\n\r\n", std::string(100, 'x'), 40);
  warc::Writer writer(options());
  ASSERT_TRUE(writer.write_group(fetch_records(capture, facts())));
  auto records = read_warc_file(files()[0]);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[2].payload(), std::string(40, 'x'));
  EXPECT_EQ(records[2].field("WARC-Truncated"), "length");
  expect_digests(records[2]);
}

TEST_F(WarcTest, InterimResponsesAreReplacedByTheFinalOne) {
  Capture capture(1000);
  capture.on_debug(CURLINFO_HEADER_IN, "HTTP/1.1 100 Continue\r\n");
  capture.on_debug(CURLINFO_HEADER_IN, "\r\n");
  capture.on_debug(CURLINFO_HEADER_IN, "HTTP/1.1 200 OK\r\n");
  capture.on_debug(CURLINFO_HEADER_IN, "\r\n");
  capture.on_debug(CURLINFO_DATA_IN, "ok");
  EXPECT_EQ(capture.response_block(), "HTTP/1.1 200 OK\r\n\r\nok");
}

TEST_F(WarcTest, NoResponseNoRecords) {
  Capture capture(1000);
  capture.on_debug(CURLINFO_HEADER_OUT, "GET / HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(fetch_records(capture, facts()).empty());
}

TEST_F(WarcTest, FilesRollOverAndEachStartsWithWarcinfo) {
  warc::Writer writer(options(2000));
  for (int i = 0; i < 6; ++i) {
    Capture capture = fake_exchange("HTTP/1.1 200 OK\r\n\r\n", std::string(1500, static_cast<char>('a' + i)));
    ASSERT_TRUE(writer.write_group(fetch_records(capture, facts())));
  }
  auto names = files();
  ASSERT_GE(names.size(), 2u);
  size_t responses = 0;
  for (const auto& name : names) {
    auto records = read_warc_file(name);
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0].field("WARC-Type"), "warcinfo") << name;
    for (size_t i = 1; i < records.size(); ++i) {
      EXPECT_EQ(records[i].field("WARC-Warcinfo-ID"), records[0].field("WARC-Record-ID"));
      expect_digests(records[i]);
      if (records[i].field("WARC-Type") == "response") ++responses;
    }
  }
  EXPECT_EQ(responses, 6u);
}

TEST_F(WarcTest, ATornTailLeavesEveryEarlierRecordReadableAndIsNeverAppendedTo) {
  {
    warc::Writer writer(options());
    Capture capture = fake_exchange("HTTP/1.1 200 OK\r\n\r\n", "first");
    ASSERT_TRUE(writer.write_group(fetch_records(capture, facts())));
  }
  const std::string first = files()[0];
  // What a kill -9 in the middle of write(2) leaves: half a gzip member.
  const std::string member = testing::gzip(std::string(5000, 'z'));
  {
    std::ofstream out(first, std::ios::binary | std::ios::app);
    out.write(member.data(), static_cast<std::streamsize>(member.size() / 2));
  }
  const auto size_before = std::filesystem::file_size(first);
  bool torn = false;
  auto records = read_warc_file(first, &torn);
  EXPECT_TRUE(torn);
  EXPECT_EQ(records.size(), 4u);
  // The next process (same member name, same second) opens a new file.
  warc::Writer writer(options());
  Capture capture = fake_exchange("HTTP/1.1 200 OK\r\n\r\n", "second");
  ASSERT_TRUE(writer.write_group(fetch_records(capture, facts())));
  EXPECT_EQ(files().size(), 2u);
  EXPECT_EQ(std::filesystem::file_size(first), size_before);
  EXPECT_NE(writer.path(), first);
}

TEST(CdxjTest, SurtKeysAsPywbComputesThem) {
  EXPECT_EQ(warc::surt_key("http://www.Example.com:8080/a/b?z=1&a=2#f"), "com,example:8080)/a/b?a=2&z=1");
  EXPECT_EQ(warc::surt_key("https://example.com"), "com,example)/");
  EXPECT_EQ(warc::surt_key("https://www2.example.co.uk:443/x?"), "uk,co,example)/x");
  EXPECT_EQ(warc::surt_key("http://127.0.0.1:18778/robots.txt"), "1,0,0,127:18778)/robots.txt");
  EXPECT_EQ(warc::surt_key("http://user@wwwx.example.com/"), "com,example,wwwx)/");
  EXPECT_EQ(warc::surt_key("ftp://example.com/"), "ftp://example.com/");
}

TEST_F(WarcTest, EachFinishedFileHasASortedCdxjIndexPointingAtItsResponses) {
  {
    warc::Writer writer(options(3000));
    for (const char* path : {"/z", "/a", "/m", "/b"}) {
      Capture capture = fake_exchange("HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\n\r\n",
                                      std::string(2000, path[1]));
      FetchFacts f = facts();
      f.url = std::string("http://example.test") + path;
      ASSERT_TRUE(writer.write_group(fetch_records(capture, f)));
    }
  }
  size_t lines_seen = 0;
  for (const std::string& file : files()) {
    const std::string index = file.substr(0, file.size() - std::string(".warc.gz").size()) + ".cdxj";
    ASSERT_TRUE(std::filesystem::exists(index)) << index;
    std::ifstream in(index);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ifstream warc(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(warc)), std::istreambuf_iterator<char>());
    std::istringstream lines(data);
    std::string line, previous;
    while (std::getline(lines, line)) {
      ++lines_seen;
      EXPECT_LE(previous, line);
      previous = line;
      const size_t brace = line.find('{');
      ASSERT_NE(brace, std::string::npos);
      const auto json = nlohmann::json::parse(line.substr(brace));
      EXPECT_EQ(line.substr(0, brace), warc::surt_key(json["url"].get<std::string>()) + " 20231114221320 ");
      EXPECT_EQ(json["status"], "404");
      EXPECT_EQ(json["mime"], "text/html");
      EXPECT_EQ(json["filename"], std::filesystem::path(file).filename().string());
      // The offset and length frame exactly the response's gzip member.
      const size_t offset = std::stoull(json["offset"].get<std::string>());
      const size_t length = std::stoull(json["length"].get<std::string>());
      std::vector<size_t> offsets;
      bool torn = false;
      auto members = testing::gunzip_members(bytes.substr(offset, length), offsets, torn);
      ASSERT_EQ(members.size(), 1u);
      EXPECT_FALSE(torn);
      EXPECT_NE(members[0].find("WARC-Type: response\r\n"), std::string::npos);
      EXPECT_NE(members[0].find("WARC-Target-URI: " + json["url"].get<std::string>() + "\r\n"), std::string::npos);
      EXPECT_NE(members[0].find("WARC-Payload-Digest: sha1:" + json["digest"].get<std::string>()), std::string::npos);
    }
  }
  EXPECT_EQ(lines_seen, 4u);
}

TEST_F(WarcTest, AnUnwritableFolderIsAnError) {
  warc::WriterOptions o = options();
  o.dir = dir_ + "/missing";
  warc::Writer writer(o);
  Capture capture = fake_exchange("HTTP/1.1 200 OK\r\n\r\n", "x");
  EXPECT_FALSE(writer.write_group(fetch_records(capture, facts())));
  EXPECT_NE(writer.error().find("cannot create"), std::string::npos) << writer.error();
}

}  // namespace
}  // namespace forager
