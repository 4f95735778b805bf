#include "storage/exporter.h"

#include <chrono>
#include <cstdio>

namespace forager::storage {
namespace {

using nlohmann::ordered_json;

ordered_json text_or_null(const std::string& s) {
  return s.empty() ? ordered_json(nullptr) : ordered_json(s);
}

ordered_json parse_fields(const std::string& fields_json) {
  if (fields_json.empty()) return ordered_json::object();
  ordered_json fields = ordered_json::parse(fields_json, nullptr, false);
  if (fields.is_discarded()) return ordered_json::object();
  return fields;
}

}  // namespace

ordered_json record_to_json(const ExportRecord& record) {
  const PageRecord& p = record.page;
  ordered_json j = ordered_json::object();
  j["url"] = p.url;
  j["final_url"] = p.final_url;
  j["status"] = p.status ? ordered_json(*p.status) : ordered_json(nullptr);
  j["error"] = text_or_null(p.error);
  j["depth"] = p.depth;
  j["referrer"] = text_or_null(p.referrer);
  j["fetched_at"] = format_iso8601_utc(p.fetched_at_ms);
  j["content_type"] = p.content_type;
  j["bytes"] = p.bytes;
  j["content_hash"] = p.content_hash;
  j["title"] = p.title;
  j["description"] = p.description;
  j["links"] = p.links;
  j["fields"] = parse_fields(p.fields_json);
  j["run"] = record.run;
  j["job"] = record.job;
  j["changed"] = p.changed ? ordered_json(*p.changed) : ordered_json(nullptr);
  return j;
}

std::string dump_json(const ordered_json& value) {
  return value.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string format_iso8601_utc(int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds{unix_ms}};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> tod{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()),
                static_cast<int>(tod.subseconds().count()));
  return buf;
}

void JsonWriter::start() {
  out_ << '[';
  first_ = true;
}

void JsonWriter::write(const ExportRecord& record) {
  if (!first_) out_ << ",\n";
  first_ = false;
  out_ << dump_json(record_to_json(record));
}

void JsonWriter::finish() { out_ << "]\n"; }

void JsonLinesWriter::write(const ExportRecord& record) {
  out_ << dump_json(record_to_json(record)) << '\n';
}

std::unique_ptr<RecordWriter> make_writer(std::string_view format, std::ostream& out) {
  if (format == "json") return std::make_unique<JsonWriter>(out);
  if (format == "jsonl") return std::make_unique<JsonLinesWriter>(out);
  return nullptr;
}

}  // namespace forager::storage
