// The frame fuzzer's seed corpus (tests/fuzz/corpus/frame) is written by the
// current protocol: a seed of an older version only reaches the decoder's
// version check, and the fuzzer never gets to the payloads. This test fails
// when the protocol changed and the seeds did not; then
//   FORAGER_WRITE_FRAME_SEEDS=1 build/tests/forager_unit_tests --gtest_filter='FrameSeeds*'
// writes them again. huge_length (a length over kMaxFrameBytes) is not a
// message and is left alone.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "crawler/wire/channel.h"
#include "crawler/wire/protocol.h"

namespace forager::protocol {
namespace {

const std::filesystem::path kCorpus = std::filesystem::path(FORAGER_SOURCE_DIR) / "tests/fuzz/corpus/frame";

std::string frame(const Message& message) {
  std::string out;
  encode(message, out);
  return out;
}

Config config() {
  Config c;
  c.user_agent = "forager/0.1.0";
  c.rules_json = R"({"rules":[]})";
  c.ca_file = "/etc/ssl/ca.pem";
  c.headers = {"X-Token: abc"};
  c.resolve = {"example.com:443:127.0.0.1"};
  c.user = "user";
  c.auth_hosts = {"example.com"};
  c.robots_agent = "forager";
  c.warc_dir = "/tmp/warc";
  c.warcinfo = "software: forager\r\n";
  return c;
}

FetchBatch batch() {
  FetchBatch b;
  FetchTask page;
  page.task_id = 1;
  page.url = "http://a.example/";
  page.if_none_match = "\"v1\"";
  page.previous_digest = "sha1:AAAA";
  page.previous_uri = "http://a.example/";
  page.previous_date_ms = 1'700'000'000'000;
  FetchTask robots;
  robots.task_id = 2;
  robots.url = "http://a.example/robots.txt";
  robots.purpose = Purpose::kRobots;
  FetchTask extract;
  extract.task_id = 3;
  extract.url = "http://a.example/x";
  extract.purpose = Purpose::kExtract;
  extract.warc_file = "/tmp/warc/a.warc.gz";
  extract.warc_offset = 1234;
  b.tasks = {page, robots, extract};
  b.cookies = {"a.example\tFALSE\t/\tFALSE\t0\tk\tv"};
  return b;
}

FetchResult result() {
  FetchResult r;
  r.task_id = 1;
  r.status = 200;
  r.fetched_at_ms = 1'700'000'000'000;
  r.elapsed_ms = 12;
  r.content_type = "text/html";
  r.bytes = 2048;
  r.content_hash = std::string(64, 'a');
  r.etag = "\"v2\"";
  r.title = "Title";
  r.description = "About";
  r.links = {"http://a.example/1", "http://a.example/2"};
  r.fields_json = R"({"price":"1"})";
  r.follow_links = {"http://a.example/1"};
  r.follow_restricted = true;
  r.cookies = {"a.example\tFALSE\t/\tFALSE\t1\tk\tv"};
  r.warc_file = "/tmp/warc/a.warc.gz";
  r.warc_offset = 99;
  r.warc_record_id = "<urn:uuid:1>";
  r.payload_digest = "sha1:AAAA";
  return r;
}

FetchResult result_error() {
  FetchResult r;
  r.task_id = 2;
  r.error = "timeout";
  r.retry_after = "5";
  return r;
}

FetchResult sitemap() {
  FetchResult r;
  r.task_id = 4;
  r.status = 200;
  r.content_type = "application/xml";
  r.links = {"http://a.example/from-sitemap"};
  r.follow_links = {"http://a.example/child.xml"};
  return r;
}

// Every seed but huge_length, as the current protocol encodes it.
std::map<std::string, std::string> seeds() {
  const std::string two = frame(result()) + frame(sitemap());
  return {
      {"config", frame(config())},
      {"batch", frame(batch())},
      {"ready_shutdown", frame(Ready{42}) + frame(Shutdown{})},
      {"result", frame(result())},
      {"result_error", frame(result_error())},
      {"sitemap", frame(sitemap())},
      {"two_cut", two.substr(0, two.size() - 7)},  // the second frame cut short
  };
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FrameSeeds, AreWrittenByTheCurrentProtocol) {
  const bool write = std::getenv("FORAGER_WRITE_FRAME_SEEDS") != nullptr;
  for (const auto& [name, bytes] : seeds()) {
    if (write) std::ofstream(kCorpus / name, std::ios::binary | std::ios::trunc) << bytes;
    EXPECT_EQ(read(kCorpus / name), bytes) << name << ": the protocol changed; write the seeds again (see the top of "
                                           << __FILE__ << ")";
  }
}

TEST(FrameSeeds, DecodeToTheirMessages) {
  for (const auto& [name, bytes] : seeds()) {
    FrameDecoder decoder;
    decoder.feed(bytes);
    int messages = 0;
    while (decoder.next()) ++messages;
    EXPECT_FALSE(decoder.failed()) << name;
    EXPECT_EQ(messages, name == "ready_shutdown" ? 2 : 1) << name;
  }
}

}  // namespace
}  // namespace forager::protocol
