// The coordinator-worker wire format: round trips, input split at every byte,
// truncated and oversized frames, and a peer that dies mid-frame.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "crawler/wire/channel.h"

namespace forager {
namespace {

protocol::FetchResult sample_result() {
  protocol::FetchResult r;
  r.task_id = 42;
  r.status = 200;
  r.redirect_to = "";
  r.fetched_at_ms = 1790000000123;
  r.elapsed_ms = 17;
  r.content_type = "text/html; charset=utf-8";
  r.bytes = 31337;
  r.content_hash = std::string(64, 'a');
  r.title = "Les Mis\xc3\xa9rables";
  r.links = {"http://127.0.0.1/a", "http://127.0.0.1/b", ""};
  r.fields_json = R"({"price":"12.34"})";
  r.follow_links = {"http://127.0.0.1/a"};
  r.follow_restricted = true;
  r.noindex = true;
  r.warc_file = "/tmp/w/forager-1.warc.gz";
  r.warc_offset = 123456789012;
  r.warc_record_id = "<urn:uuid:1>";
  r.payload_digest = "sha1:ABC";
  r.revisit = true;
  return r;
}

protocol::FetchTask task(uint64_t id, std::string url, protocol::Purpose purpose, std::string if_none_match = "",
                         std::string if_modified_since = "") {
  protocol::FetchTask t;
  t.task_id = id;
  t.url = std::move(url);
  t.purpose = purpose;
  t.if_none_match = std::move(if_none_match);
  t.if_modified_since = std::move(if_modified_since);
  return t;
}

std::string encoded(const protocol::Message& m) {
  std::string out;
  protocol::encode(m, out);
  return out;
}

TEST(Protocol, ResultRoundTrips) {
  std::string bytes = encoded(sample_result());
  FrameDecoder decoder;
  decoder.feed(bytes);
  auto message = decoder.next();
  ASSERT_TRUE(message.has_value());
  const auto& r = std::get<protocol::FetchResult>(*message);
  EXPECT_EQ(r.task_id, 42u);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.fetched_at_ms, 1790000000123);
  EXPECT_EQ(r.title, "Les Mis\xc3\xa9rables");
  EXPECT_EQ(r.links, sample_result().links);
  EXPECT_EQ(r.fields_json, R"({"price":"12.34"})");
  EXPECT_EQ(r.follow_links, sample_result().follow_links);
  EXPECT_TRUE(r.follow_restricted);
  EXPECT_TRUE(r.noindex);
  EXPECT_FALSE(r.nofollow);
  EXPECT_EQ(r.warc_file, "/tmp/w/forager-1.warc.gz");
  EXPECT_EQ(r.warc_offset, 123456789012u);
  EXPECT_EQ(r.warc_record_id, "<urn:uuid:1>");
  EXPECT_EQ(r.payload_digest, "sha1:ABC");
  EXPECT_TRUE(r.revisit);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(Protocol, TaskRoundTripsWithItsPreviousCaptureAndArchiveLocation) {
  protocol::FetchBatch batch;
  protocol::FetchTask t;
  t.task_id = 5;
  t.url = "http://127.0.0.1/a";
  t.purpose = protocol::Purpose::kExtract;
  t.previous_digest = "sha1:XYZ";
  t.previous_uri = "http://127.0.0.1/a";
  t.previous_date_ms = 1700000000000;
  t.previous_record_id = "<urn:uuid:2>";
  t.warc_file = "/tmp/w.warc.gz";
  t.warc_offset = 77;
  batch.tasks.push_back(t);
  auto decoded = protocol::decode(2, encoded(batch).substr(6));
  ASSERT_TRUE(decoded.has_value());
  const protocol::FetchTask& got = std::get<protocol::FetchBatch>(*decoded).tasks.at(0);
  EXPECT_EQ(got.purpose, protocol::Purpose::kExtract);
  EXPECT_EQ(got.previous_digest, "sha1:XYZ");
  EXPECT_EQ(got.previous_uri, "http://127.0.0.1/a");
  EXPECT_EQ(got.previous_date_ms, 1700000000000);
  EXPECT_EQ(got.previous_record_id, "<urn:uuid:2>");
  EXPECT_EQ(got.warc_file, "/tmp/w.warc.gz");
  EXPECT_EQ(got.warc_offset, 77u);
}

TEST(Protocol, EveryKindRoundTrips) {
  protocol::Config config;
  config.user_agent = "forager/test";
  config.concurrency = 7;
  config.timeout_ms = 1234;
  config.max_bytes = 99;
  config.rules_json = "{}";
  config.insecure = true;
  config.proxy = "http://127.0.0.1:3128/";
  config.cookies = false;
  config.ca_file = "/etc/forager/ca.pem";
  config.headers = {"X-Token: abc", "Accept-Language: fr"};
  config.resolve = {"shop.test:80:127.0.0.1"};
  config.user = "alice";
  config.password = "s3cret";
  config.auth_hosts = {"shop.test"};
  config.robots_agent = "ExampleBot";
  config.warc_dir = "/tmp/warc";
  config.warc_max_bytes = 5000;
  config.warcinfo = "software: forager\r\n";
  protocol::FetchBatch batch;
  batch.tasks.push_back(task(1, "http://127.0.0.1/", protocol::Purpose::kRobots, "\"etag\"", "Sat, 01 Jan 2000 00:00:00 GMT"));
  batch.tasks.push_back(task(2, "http://127.0.0.1/x", protocol::Purpose::kPage));
  FrameDecoder decoder;
  decoder.feed(encoded(config) + encoded(batch) + encoded(protocol::Shutdown{}) + encoded(protocol::Ready{77}));
  auto c = std::get<protocol::Config>(*decoder.next());
  EXPECT_EQ(c.user_agent, "forager/test");
  EXPECT_EQ(c.concurrency, 7u);
  EXPECT_EQ(c.timeout_ms, 1234u);
  EXPECT_EQ(c.max_bytes, 99u);
  EXPECT_TRUE(c.insecure);
  EXPECT_EQ(c.proxy, "http://127.0.0.1:3128/");
  EXPECT_FALSE(c.cookies);
  EXPECT_EQ(c.ca_file, "/etc/forager/ca.pem");
  EXPECT_EQ(c.headers, config.headers);
  EXPECT_EQ(c.resolve, config.resolve);
  EXPECT_EQ(c.user, "alice");
  EXPECT_EQ(c.password, "s3cret");
  EXPECT_EQ(c.auth_hosts, config.auth_hosts);
  EXPECT_EQ(c.robots_agent, "ExampleBot");
  EXPECT_EQ(c.warc_dir, "/tmp/warc");
  EXPECT_EQ(c.warc_max_bytes, 5000u);
  EXPECT_EQ(c.warcinfo, "software: forager\r\n");
  auto b = std::get<protocol::FetchBatch>(*decoder.next());
  ASSERT_EQ(b.tasks.size(), 2u);
  EXPECT_EQ(b.tasks[0].purpose, protocol::Purpose::kRobots);
  EXPECT_EQ(b.tasks[0].if_none_match, "\"etag\"");
  EXPECT_EQ(b.tasks[1].url, "http://127.0.0.1/x");
  EXPECT_TRUE(std::holds_alternative<protocol::Shutdown>(*decoder.next()));
  EXPECT_EQ(std::get<protocol::Ready>(*decoder.next()).pid, 77u);
  EXPECT_FALSE(decoder.next().has_value());
  EXPECT_FALSE(decoder.failed());
}

TEST(Protocol, CookieLinesRoundTripWithinTheirBounds) {
  protocol::FetchBatch batch;
  batch.tasks.push_back(task(1, "http://127.0.0.1/", protocol::Purpose::kPage));
  batch.cookies = {"#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc"};
  protocol::FetchResult result = sample_result();
  result.cookies = {".example.org\tTRUE\t/\tTRUE\t1\tgone\t"};
  FrameDecoder decoder;
  decoder.feed(encoded(batch) + encoded(result));
  EXPECT_EQ(std::get<protocol::FetchBatch>(*decoder.next()).cookies, batch.cookies);
  EXPECT_EQ(std::get<protocol::FetchResult>(*decoder.next()).cookies, result.cookies);
  // A result may report at most kMaxCookieChanges lines of at most kMaxCookieLineBytes.
  result.cookies.assign(protocol::kMaxCookieChanges + 1, "a\tFALSE\t/\tFALSE\t0\tn\tv");
  EXPECT_FALSE(protocol::decode(11, encoded(result).substr(6)).has_value());
  result.cookies = {std::string(protocol::kMaxCookieLineBytes + 1, 'x')};
  EXPECT_FALSE(protocol::decode(11, encoded(result).substr(6)).has_value());
}

TEST(Protocol, InputSplitAtEveryByte) {
  std::string bytes = encoded(sample_result()) + encoded(protocol::Ready{5});
  for (size_t split = 0; split <= bytes.size(); ++split) {
    FrameDecoder decoder;
    std::vector<protocol::Message> got;
    decoder.feed(std::string_view(bytes).substr(0, split));
    while (auto m = decoder.next()) got.push_back(std::move(*m));
    decoder.feed(std::string_view(bytes).substr(split));
    while (auto m = decoder.next()) got.push_back(std::move(*m));
    ASSERT_FALSE(decoder.failed()) << "split at " << split;
    ASSERT_EQ(got.size(), 2u) << "split at " << split;
    EXPECT_EQ(std::get<protocol::FetchResult>(got[0]).links.size(), 3u);
    EXPECT_EQ(std::get<protocol::Ready>(got[1]).pid, 5u);
  }
}

TEST(Protocol, ByteAtATime) {
  std::string bytes = encoded(sample_result());
  FrameDecoder decoder;
  int messages = 0;
  for (char c : bytes) {
    decoder.feed(std::string_view(&c, 1));
    while (decoder.next()) ++messages;
  }
  EXPECT_EQ(messages, 1);
  EXPECT_FALSE(decoder.failed());
}

TEST(Protocol, TruncatedFrameWaitsForMore) {
  std::string bytes = encoded(sample_result());
  FrameDecoder decoder;
  decoder.feed(std::string_view(bytes).substr(0, bytes.size() - 1));
  EXPECT_FALSE(decoder.next().has_value());
  EXPECT_FALSE(decoder.failed());
  EXPECT_EQ(decoder.buffered(), bytes.size() - 1);
}

TEST(Protocol, OversizedLengthFails) {
  std::string bytes(4, '\0');
  uint32_t length = protocol::kMaxFrameBytes + 1;
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  FrameDecoder decoder;
  decoder.feed(bytes);
  EXPECT_FALSE(decoder.next().has_value());
  EXPECT_TRUE(decoder.failed());
}

TEST(Protocol, WrongVersionFails) {
  std::string bytes = encoded(protocol::Ready{1});
  bytes[4] = static_cast<char>(protocol::kProtocolVersion + 1);
  FrameDecoder decoder;
  decoder.feed(bytes);
  EXPECT_FALSE(decoder.next().has_value());
  EXPECT_TRUE(decoder.failed());
}

TEST(Protocol, PurposeIsPageRobotsSitemapOrExtract) {
  protocol::FetchBatch batch;
  batch.tasks.push_back(task(3, "http://127.0.0.1/sitemap.xml", protocol::Purpose::kSitemap));
  std::string payload = encoded(batch).substr(6);
  auto decoded = protocol::decode(2, payload);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(std::get<protocol::FetchBatch>(*decoded).tasks.at(0).purpose, protocol::Purpose::kSitemap);
  // The purpose byte follows the count (u32), task_id (u64) and url (u32 + bytes).
  size_t at = 4 + 8 + 4 + batch.tasks[0].url.size();
  ASSERT_EQ(payload[at], 2);
  payload[at] = 4;
  EXPECT_FALSE(protocol::decode(2, payload).has_value());
}

TEST(Protocol, PayloadLiesAreRejected) {
  // A payload shorter than its declared fields, an unknown kind, trailing
  // bytes and a list count larger than the payload: all are protocol errors.
  std::string good = encoded(sample_result());
  std::string payload = good.substr(6);
  EXPECT_FALSE(protocol::decode(11, payload.substr(0, payload.size() - 1)).has_value());
  EXPECT_FALSE(protocol::decode(99, payload).has_value());
  EXPECT_FALSE(protocol::decode(11, payload + "x").has_value());
  std::string lying_batch = std::string("\xff\xff\xff\x7f", 4);
  EXPECT_FALSE(protocol::decode(2, lying_batch).has_value());
  // follow_restricted, noindex, nofollow and revisit are u8s holding 0 or 1:
  // revisit is the last byte; the other three precede the (empty) cookie
  // list, warc_file, warc_offset, warc_record_id and payload_digest.
  const size_t sample_tail = 4 + sample_result().warc_file.size() + 8 + 4 + sample_result().warc_record_id.size() + 4 +
                      sample_result().payload_digest.size() + 1;
  for (size_t from_end : {size_t{1}, sample_tail + 5, sample_tail + 6, sample_tail + 7}) {
    std::string bad_flag = payload;
    bad_flag[bad_flag.size() - from_end] = 2;
    EXPECT_FALSE(protocol::decode(11, bad_flag).has_value()) << from_end;
  }
  // Every prefix of a valid payload is rejected without crashing.
  for (size_t n = 0; n < payload.size(); ++n)
    EXPECT_FALSE(protocol::decode(11, payload.substr(0, n)).has_value()) << n;
}

TEST(Channel, SendsAndReceivesOverSocketpair) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  Channel a{UniqueFd(fds[0])}, b{UniqueFd(fds[1])};
  // More than the socket buffer holds, so flush() must be called repeatedly.
  protocol::FetchResult big = sample_result();
  big.body.assign(3u << 20, 'x');
  a.send(big);
  a.send(protocol::Ready{9});
  std::vector<protocol::Message> got;
  for (int round = 0; round < 10000 && got.size() < 2; ++round) {
    ASSERT_TRUE(a.flush());
    ASSERT_EQ(b.read_available(got), Channel::ReadStatus::kOk);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<protocol::FetchResult>(got[0]).body.size(), 3u << 20);
  EXPECT_FALSE(a.wants_write());
}

TEST(Channel, PeerDyingMidFrameIsClosed) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  Channel reader{UniqueFd(fds[1])};
  std::string bytes = encoded(sample_result());
  ASSERT_EQ(::write(fds[0], bytes.data(), bytes.size() / 2), static_cast<ssize_t>(bytes.size() / 2));
  ::close(fds[0]);
  std::vector<protocol::Message> got;
  EXPECT_EQ(reader.read_available(got), Channel::ReadStatus::kClosed);
  EXPECT_TRUE(got.empty());
}

TEST(Channel, FlushToClosedPeerFails) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  Channel writer{UniqueFd(fds[0])};
  ::close(fds[1]);
  writer.send(protocol::Ready{1});
  EXPECT_FALSE(writer.flush());
}

}  // namespace
}  // namespace forager
