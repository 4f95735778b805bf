#include "storage/exporter.h"

#include <chrono>
#include <cstdio>
#include <utility>

#include "crawler/util/ascii.h"

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

// Whether the record's body was HTML, the only kind title and description come
// from: by its media type, or (no Content-Type: the worker sniffed it) by
// having either.
bool html_body(const PageRecord& p) {
  std::string type = p.content_type.substr(0, p.content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  size_t start = 0;
  while (start < type.size() && (type[start] == ' ' || type[start] == '\t')) ++start;
  type = ascii::lower(std::string_view(type).substr(start));
  if (type.empty()) return !p.title.empty() || !p.description.empty();
  return type == "text/html" || type == "application/xhtml+xml";
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
  // Null for non-HTML bodies (and records without a body).
  const bool html = html_body(p);
  j["title"] = html ? ordered_json(p.title) : ordered_json(nullptr);
  j["description"] = html ? ordered_json(p.description) : ordered_json(nullptr);
  j["noindex"] = p.noindex;
  j["links"] = p.links;
  j["fields"] = parse_fields(p.fields_json);
  j["run"] = record.run;
  j["job"] = record.job;
  j["changed"] = p.changed ? ordered_json(*p.changed) : ordered_json(nullptr);
  return j;
}

const std::vector<std::string>& record_field_names() {
  static const std::vector<std::string> names = {
      "url",   "final_url",    "status", "error",       "depth",   "referrer", "fetched_at", "content_type",
      "bytes", "content_hash", "title",  "description", "noindex", "links",    "fields",     "run",
      "job",   "changed"};
  return names;
}

std::string check_shape(const ExportShape& shape) {
  std::string valid;
  for (const auto& name : record_field_names()) valid += (valid.empty() ? "" : ",") + name;
  valid += " and fields.NAME for a rule field";
  for (size_t i = 0; i < shape.fields.size(); ++i) {
    const std::string& name = shape.fields[i];
    for (size_t j = 0; j < i; ++j)
      if (shape.fields[j] == name) return "'" + name + "' is given twice";
    if (name.rfind("fields.", 0) == 0 && name.size() > 7) continue;
    bool known = false;
    for (const auto& field : record_field_names()) known = known || field == name;
    if (!known) return "unknown field '" + name + "'; the fields are " + valid;
    if (name == "links" && !shape.links) return "'links' cannot be selected together with --no-links";
  }
  return "";
}

ordered_json shaped_json(const ExportRecord& record, const ExportShape& shape) {
  ordered_json full = record_to_json(record);
  if (shape.fields.empty()) {
    if (!shape.links) full.erase("links");
    return full;
  }
  ordered_json out = ordered_json::object();
  for (const std::string& name : shape.fields) {
    if (name.rfind("fields.", 0) == 0) {
      const ordered_json& fields = full["fields"];
      auto it = fields.is_object() ? fields.find(name.substr(7)) : fields.end();
      out[name] = fields.is_object() && it != fields.end() ? *it : ordered_json(nullptr);
    } else {
      out[name] = full[name];
    }
  }
  return out;
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
  out_ << dump_json(shaped_json(record, shape_));
}

void JsonWriter::finish() { out_ << "]\n"; }

void JsonLinesWriter::write(const ExportRecord& record) {
  out_ << dump_json(shaped_json(record, shape_)) << '\n';
}

std::unique_ptr<RecordWriter> make_writer(std::string_view format, std::ostream& out,
                                          std::vector<std::string> field_columns, ExportShape shape) {
  if (format == "json") return std::make_unique<JsonWriter>(out, std::move(shape));
  if (format == "jsonl") return std::make_unique<JsonLinesWriter>(out, std::move(shape));
  if (format == "csv") return std::make_unique<CsvWriter>(out, std::move(field_columns), std::move(shape));
  return nullptr;
}

std::vector<std::string> field_names(const ExportRecord& record) {
  std::vector<std::string> names;
  ordered_json fields = parse_fields(record.page.fields_json);
  if (!fields.is_object()) return names;
  for (const auto& [name, value] : fields.items()) names.push_back(name);
  return names;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t min = 0;
    if (c < 0x80) length = 1;
    else if (c >= 0xC2 && c <= 0xDF) length = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) length = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) length = 4, min = 0x10000;
    bool ok = length > 0 && i + length <= text.size();
    uint32_t cp = length == 1 ? c : c & (0x7F >> length);
    for (size_t k = 1; ok && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

std::string csv_quote(std::string_view cell) {
  if (cell.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(cell);
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

namespace {

std::string csv_cell(const ordered_json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return valid_utf8(value.get_ref<const std::string&>());
  return dump_json(value);
}

}  // namespace

void CsvWriter::start() {
  if (!shape_.fields.empty()) {
    std::vector<std::string> header;
    for (const std::string& name : shape_.fields) header.push_back(valid_utf8(name));
    write_row(header);
    return;
  }
  // The record columns of a default CSV export: record_to_json's keys
  // without "fields" (and without "links" when the shape leaves them out).
  record_columns_.clear();
  for (const std::string& name : record_field_names())
    if (name != "fields" && (name != "links" || shape_.links)) record_columns_.push_back(name);
  std::vector<std::string> header = record_columns_;
  for (const std::string& name : field_columns_) {
    bool clash = false;
    for (const std::string& column : record_field_names()) clash = clash || (column == name && name != "fields");
    header.push_back(valid_utf8(clash ? "fields." + name : name));
  }
  write_row(header);
}

void CsvWriter::write(const ExportRecord& record) {
  std::vector<std::string> cells;
  if (!shape_.fields.empty()) {
    const ordered_json j = shaped_json(record, shape_);
    for (const std::string& name : shape_.fields) cells.push_back(csv_cell(j[name]));
    write_row(cells);
    return;
  }
  const ordered_json j = record_to_json(record);
  cells.reserve(record_columns_.size() + field_columns_.size());
  for (const std::string& column : record_columns_) cells.push_back(csv_cell(j[column]));
  const ordered_json& fields = j["fields"];
  for (const std::string& name : field_columns_) {
    auto it = fields.is_object() ? fields.find(name) : fields.end();
    cells.push_back(fields.is_object() && it != fields.end() ? csv_cell(*it) : std::string());
  }
  write_row(cells);
}

void CsvWriter::write_row(const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out_ << ',';
    out_ << csv_quote(cells[i]);
  }
  out_ << "\r\n";
}

}  // namespace forager::storage
