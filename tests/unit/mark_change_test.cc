// mark_change (crawler/recrawl.h); tests/e2e/recrawl_test.cc runs whole re-crawls.
#include "crawler/recrawl.h"

#include <gtest/gtest.h>

namespace forager {
namespace {

storage::PageRecord fetched(int status, const std::string& hash) {
  storage::PageRecord record;
  record.url = "https://example.com/page";
  record.final_url = record.url;
  record.status = status;
  record.content_hash = hash;
  return record;
}

storage::PageRecord previous_record() {
  storage::PageRecord record = fetched(200, "hash-old");
  record.content_type = "text/html";
  record.bytes = 1234;
  record.title = "Old title";
  record.description = "Old description";
  record.links = {"https://example.com/a", "https://example.com/b"};
  record.fields_json = R"({"price":"9.99"})";
  record.etag = "\"v1\"";
  record.last_modified = "Sat, 05 Dec 2026 10:00:00 GMT";
  return record;
}

TEST(MarkChange, NewPageWithoutAPreviousRecord) {
  auto record = fetched(200, "hash");
  mark_change(record, std::nullopt);
  EXPECT_EQ(record.changed, true);
  EXPECT_EQ(record.change, "new");
}

TEST(MarkChange, SameHashIsUnchanged) {
  auto record = fetched(200, "hash-old");
  record.title = "Scraped again";
  mark_change(record, previous_record());
  EXPECT_EQ(record.changed, false);
  EXPECT_EQ(record.change, "unchanged");
  EXPECT_EQ(record.title, "Scraped again");  // a 200 keeps what this fetch scraped
}

TEST(MarkChange, NewHashIsChanged) {
  auto record = fetched(200, "hash-new");
  mark_change(record, previous_record());
  EXPECT_EQ(record.changed, true);
  EXPECT_EQ(record.change, "changed");
}

TEST(MarkChange, AnyTwoHundredStatusCompares) {
  auto record = fetched(203, "hash-old");
  mark_change(record, previous_record());
  EXPECT_EQ(record.change, "unchanged");
  auto created = fetched(299, "x");
  mark_change(created, std::nullopt);
  EXPECT_EQ(created.change, "new");
}

TEST(MarkChange, NotModifiedTakesThePreviousContent) {
  auto record = fetched(304, "");
  mark_change(record, previous_record());
  const auto before = previous_record();
  EXPECT_EQ(record.changed, false);
  EXPECT_EQ(record.change, "unchanged");
  EXPECT_EQ(record.status, 304);  // the response itself is kept
  EXPECT_EQ(record.content_type, before.content_type);
  EXPECT_EQ(record.bytes, before.bytes);
  EXPECT_EQ(record.content_hash, before.content_hash);
  EXPECT_EQ(record.title, before.title);
  EXPECT_EQ(record.description, before.description);
  EXPECT_EQ(record.links, before.links);
  EXPECT_EQ(record.fields_json, before.fields_json);
  EXPECT_EQ(record.etag, before.etag);
  EXPECT_EQ(record.last_modified, before.last_modified);
}

TEST(MarkChange, NotModifiedKeepsValidatorsTheServerSentAgain) {
  auto record = fetched(304, "");
  record.etag = "\"v2\"";
  record.last_modified = "Sun, 06 Dec 2026 10:00:00 GMT";
  mark_change(record, previous_record());
  EXPECT_EQ(record.etag, "\"v2\"");
  EXPECT_EQ(record.last_modified, "Sun, 06 Dec 2026 10:00:00 GMT");
  EXPECT_EQ(record.title, "Old title");
}

TEST(MarkChange, NotModifiedWithoutAPreviousRecordIsLeftNull) {
  auto record = fetched(304, "");
  mark_change(record, std::nullopt);
  EXPECT_FALSE(record.changed.has_value());
  EXPECT_EQ(record.change, "");
}

TEST(MarkChange, NotFoundOrGoneAfterAPreviousRecordIsGone) {
  for (int status : {404, 410}) {
    auto record = fetched(status, "");
    mark_change(record, previous_record());
    EXPECT_EQ(record.changed, true) << status;
    EXPECT_EQ(record.change, "gone") << status;
    EXPECT_EQ(record.title, "") << status;  // nothing carried over
  }
}

TEST(MarkChange, StillGoneIsUnchanged) {
  for (int before : {404, 410}) {
    for (int now : {404, 410}) {
      auto record = fetched(now, "");
      mark_change(record, fetched(before, ""));
      EXPECT_EQ(record.changed, false) << before << " " << now;
      EXPECT_EQ(record.change, "unchanged") << before << " " << now;
    }
  }
  auto back = fetched(200, "hash");
  mark_change(back, fetched(404, ""));
  EXPECT_EQ(back.changed, true);
  EXPECT_EQ(back.change, "changed");
  auto gone_after_error_status = fetched(404, "");
  mark_change(gone_after_error_status, fetched(500, ""));
  EXPECT_EQ(gone_after_error_status.change, "gone");
}

TEST(MarkChange, NotFoundWithoutAPreviousRecordIsLeftNull) {
  auto record = fetched(404, "");
  mark_change(record, std::nullopt);
  EXPECT_FALSE(record.changed.has_value());
  EXPECT_EQ(record.change, "");
}

TEST(MarkChange, OtherStatusesAreLeftNull) {
  for (int status : {301, 403, 500, 503}) {
    auto record = fetched(status, "");
    mark_change(record, previous_record());
    EXPECT_FALSE(record.changed.has_value()) << status;
    EXPECT_EQ(record.change, "") << status;
  }
}

TEST(MarkChange, ErrorsAndMissingResponsesAreLeftNull) {
  auto errored = fetched(200, "hash-new");
  errored.error = "too_large";
  mark_change(errored, previous_record());
  EXPECT_FALSE(errored.changed.has_value());
  EXPECT_EQ(errored.change, "");

  storage::PageRecord no_response;
  no_response.error = "timeout";
  mark_change(no_response, previous_record());
  EXPECT_FALSE(no_response.changed.has_value());

  storage::PageRecord no_status;  // no error text, but no response either
  mark_change(no_status, previous_record());
  EXPECT_FALSE(no_status.changed.has_value());
  EXPECT_EQ(no_status.change, "");
}

}  // namespace
}  // namespace forager
