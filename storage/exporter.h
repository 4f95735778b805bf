// Record exporters, in the style of Scrapy's exporters: a writer is started,
// given records one by one, and finished. Writers stream: they hold no more
// than the record being written.
//
// Contract: `out` must outlive the writer. Call start() once, write() any
// number of times, then finish() once. Writers never throw on the content of
// a record (invalid UTF-8 from the web is replaced by U+FFFD); errors of the
// stream itself are left to the caller to check (out.fail()).
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "storage/store.h"

namespace forager::storage {

class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  virtual void start() {}
  virtual void write(const ExportRecord& record) = 0;
  virtual void finish() {}
};

// A JSON array: "[" then records separated by ",\n" then "]\n".
// Zero records give "[]\n".
class JsonWriter final : public RecordWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}
  void start() override;
  void write(const ExportRecord& record) override;
  void finish() override;

 private:
  std::ostream& out_;
  bool first_ = true;
};

// JSON Lines: one object per line, each line ending in "\n".
class JsonLinesWriter final : public RecordWriter {
 public:
  explicit JsonLinesWriter(std::ostream& out) : out_(out) {}
  void write(const ExportRecord& record) override;

 private:
  std::ostream& out_;
};

// The writer for `format` ("json", "jsonl"), or nullptr when it is unknown.
std::unique_ptr<RecordWriter> make_writer(std::string_view format, std::ostream& out);

// The record as exported, keys in this order: url, final_url, status, error,
// depth, referrer, fetched_at, content_type, bytes, content_hash, title,
// description, links, fields, run, job, changed. Empty error/referrer and a
// missing status/changed are null; fields is {} when fields_json is empty or
// does not parse.
nlohmann::ordered_json record_to_json(const ExportRecord& record);

// Serializes compactly; invalid UTF-8 is replaced, never thrown on.
std::string dump_json(const nlohmann::ordered_json& value);

// "2026-11-22T06:52:58.123Z" for a Unix time in milliseconds.
std::string format_iso8601_utc(int64_t unix_ms);

}  // namespace forager::storage
