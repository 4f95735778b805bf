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
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/store.h"

namespace forager::storage {

// Which keys (JSON, JSON Lines) or columns (CSV) an export has.
struct ExportShape {
  // Empty: every record field, in record_to_json's order (CSV: the rule
  // fields as columns of their own). Else exactly these, in this order: names
  // of record_field_names(), or "fields.NAME" for one rule field (null, or
  // an empty cell, when a record lacks it). JSON keys are the names as given.
  std::vector<std::string> fields;
  bool links = true;  // false: no `links` key or column (--no-links)
};

// The top-level names of an exported record, in record_to_json's order.
const std::vector<std::string>& record_field_names();

// "" when every name can be exported, else what is wrong, listing the valid
// names: an unknown name, an empty one, a name given twice, or `links`
// together with links = false.
std::string check_shape(const ExportShape& shape);

// The record as the shape selects it (see ExportShape).
nlohmann::ordered_json shaped_json(const ExportRecord& record, const ExportShape& shape);

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
  explicit JsonWriter(std::ostream& out, ExportShape shape = {}) : out_(out), shape_(std::move(shape)) {}
  void start() override;
  void write(const ExportRecord& record) override;
  void finish() override;

 private:
  std::ostream& out_;
  ExportShape shape_;
  bool first_ = true;
};

// JSON Lines: one object per line, each line ending in "\n".
class JsonLinesWriter final : public RecordWriter {
 public:
  explicit JsonLinesWriter(std::ostream& out, ExportShape shape = {}) : out_(out), shape_(std::move(shape)) {}
  void write(const ExportRecord& record) override;

 private:
  std::ostream& out_;
  ExportShape shape_;
};

// CSV (RFC 4180): a header row, then one row per record; every row ends in
// CRLF. Columns: the record fields in record_to_json's order without
// `fields` (url, final_url, status, error, depth, referrer, fetched_at,
// content_type, bytes, content_hash, title, description, links, run, job,
// changed), then one column per name in `field_columns` (the rule fields,
// which the caller collects from the records beforehand, since a streamed
// export cannot go back to widen its header). A rule field named like a
// record column gets the column "fields.NAME". Cells: strings as they are
// (invalid UTF-8 replaced by U+FFFD), numbers and booleans as in JSON, null
// and missing fields empty, lists and objects as compact JSON. A cell is
// quoted when it holds a comma, a quote, CR or LF, with quotes doubled.
// Record fields whose names are not in `field_columns` are left out.
// With shape.fields, the columns are exactly those names instead (the header
// row spells them as given; `fields` is the rule-field object as JSON), and
// `field_columns` is not used; without shape.links there is no links column.
class CsvWriter final : public RecordWriter {
 public:
  CsvWriter(std::ostream& out, std::vector<std::string> field_columns, ExportShape shape = {})
      : out_(out), field_columns_(std::move(field_columns)), shape_(std::move(shape)) {}
  void start() override;
  void write(const ExportRecord& record) override;

 private:
  void write_row(const std::vector<std::string>& cells);
  std::ostream& out_;
  std::vector<std::string> field_columns_;
  ExportShape shape_;
  std::vector<std::string> record_columns_;  // set by start()
};

// The writer for `format` ("json", "jsonl", "csv"), or nullptr when it is
// unknown. `field_columns` are the rule-field columns of a CSV export (see
// CsvWriter); json and jsonl ignore them.
std::unique_ptr<RecordWriter> make_writer(std::string_view format, std::ostream& out,
                                          std::vector<std::string> field_columns = {}, ExportShape shape = {});

// The names of the rule fields of `record` (the keys of its fields_json
// object, in their order); empty when there are none or it does not parse.
std::vector<std::string> field_names(const ExportRecord& record);

// One CSV cell, quoted per RFC 4180 when it must be.
std::string csv_quote(std::string_view cell);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

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
