// `forager export`: streams records from the store to stdout or to a file.
// A file is written beside its final name and renamed into place, so a failed
// export never leaves half a file behind.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unordered_set>
#include <vector>

#include "crawler/cli/commands.h"
#include "crawler/cli/known_runs.h"
#include "storage/exporter.h"
#include "storage/open.h"

namespace forager {
namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "forager export: %s\nRun 'forager export --help' for more information.\n", message.c_str());
  return kExitUsage;
}

std::optional<storage::ExportQuery> make_query(const ExportOptions& options) {
  storage::ExportQuery query;
  query.job = options.job;
  query.changed_only = options.changed_only;
  if (options.run == "latest") {
    query.runs = storage::ExportQuery::Runs::kLatest;
  } else if (options.run == "all") {
    query.runs = storage::ExportQuery::Runs::kAll;
  } else {
    char* end = nullptr;
    long long id = std::strtoll(options.run.c_str(), &end, 10);
    if (options.run.empty() || *end != '\0' || id <= 0) return std::nullopt;
    query.runs = storage::ExportQuery::Runs::kOne;
    query.run_id = id;
  }
  return query;
}

// --fields and --no-links as an ExportShape: the names split at commas, with
// the spaces around each taken off.
storage::ExportShape make_shape(const ExportOptions& options) {
  storage::ExportShape shape;
  shape.links = !options.no_links;
  if (options.fields.empty()) return shape;
  for (size_t start = 0; start <= options.fields.size();) {
    size_t end = options.fields.find(',', start);
    if (end == std::string::npos) end = options.fields.size();
    std::string name = options.fields.substr(start, end - start);
    const size_t first = name.find_first_not_of(' ');
    name = first == std::string::npos ? "" : name.substr(first, name.find_last_not_of(' ') - first + 1);
    shape.fields.push_back(name);
    start = end + 1;
  }
  return shape;
}

// The rule-field names of the selected records, in first-seen order: a
// first pass over the same query, holding only the set of names.
std::vector<std::string> collect_field_names(storage::RecordReader& store, const storage::ExportQuery& query) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  store.for_each_record(query, [&](const storage::ExportRecord& record) {
    if (record.page.fields_json.empty()) return;
    for (std::string& name : storage::field_names(record))
      if (seen.insert(name).second) names.push_back(std::move(name));
  });
  return names;
}

// Streams the records to `out`. CSV needs its columns up front, so it reads
// the records twice: once for the rule-field names, once to write.
// With --fields, CSV has its columns from the start and reads them once.
int64_t write_records(storage::RecordReader& store, const storage::ExportQuery& query, const std::string& format,
                      const storage::ExportShape& shape, std::ostream& out) {
  std::vector<std::string> field_columns;
  if (format == "csv" && shape.fields.empty()) field_columns = collect_field_names(store, query);
  auto writer = storage::make_writer(format, out, std::move(field_columns), shape);
  int64_t count = 0;
  writer->start();
  store.for_each_record(query, [&](const storage::ExportRecord& record) {
    writer->write(record);
    ++count;
  });
  writer->finish();
  out.flush();
  return count;
}

}  // namespace

int export_command(const ExportOptions& options) {
  auto query = make_query(options);
  if (!query) return usage_error("--run: '" + options.run + "' is not a run ID, 'latest' or 'all'");
  const storage::ExportShape shape = make_shape(options);
  if (auto problem = storage::check_shape(shape); !problem.empty()) return usage_error("--fields: " + problem);
  std::ostringstream probe;
  if (!storage::make_writer(options.format, probe))
    return usage_error("--format " + options.format + " is not supported by this build");
  if (!storage::exists(options.db_path))
    return usage_error(options.db_path + ": no such store (crawl first, or pass --db)");
  try {
    auto store = storage::open(options.db_path);
    const std::optional<int64_t> run_id =
        query->runs == storage::ExportQuery::Runs::kOne ? std::optional<int64_t>(query->run_id) : std::nullopt;
    if (auto unknown = unknown_job_or_run(store->list_runs(std::nullopt), options.job, run_id, options.db_path);
        !unknown.empty())
      return usage_error(unknown);
    if (options.output.empty() || options.output == "-") {
      write_records(*store, *query, options.format, shape, std::cout);
      if (!std::cout) throw std::runtime_error("writing to stdout failed");
      return 0;
    }
    std::string temporary = options.output + ".tmp";
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) throw std::runtime_error(temporary + ": cannot create");
    int64_t count = 0;
    try {
      count = write_records(*store, *query, options.format, shape, file);
      file.close();
      if (!file) throw std::runtime_error(temporary + ": write failed (disk full?)");
    } catch (...) {
      std::remove(temporary.c_str());
      throw;
    }
    if (std::rename(temporary.c_str(), options.output.c_str()) != 0) {
      std::remove(temporary.c_str());
      throw std::runtime_error(options.output + ": cannot rename into place");
    }
    std::fprintf(stderr, "forager export: %lld records written to %s\n", static_cast<long long>(count),
                 options.output.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "forager export: %s\n", e.what());
    return kExitRuntime;
  }
}

}  // namespace forager
