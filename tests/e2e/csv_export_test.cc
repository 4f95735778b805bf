// CSV export (storage/exporter.h): RFC 4180 output read back with a real
// RFC 4180 reader written here, through both the writer and `forager export`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "storage/exporter.h"
#include "storage/sqlite/sqlite_store.h"
#include "tests/support/forager_process.h"

namespace forager::storage {
namespace {

using Row = std::vector<std::string>;

// An RFC 4180 reader: records end in CRLF; a field is quoted or not; inside
// quotes, "" is a quote and commas, CR and LF are data. Fails the test on
// anything RFC 4180 does not allow (bare CR/LF, a quote in an unquoted field,
// text after a closing quote, a missing final CRLF).
std::vector<Row> parse_csv(const std::string& text) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  size_t i = 0;
  bool row_started = false;
  while (i < text.size()) {
    row_started = true;
    if (text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) {
          ADD_FAILURE() << "unterminated quoted field";
          return rows;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
        if (text[i] == '"') ADD_FAILURE() << "quote in an unquoted field at byte " << i;
        field += text[i++];
      }
    }
    row.push_back(std::move(field));
    field.clear();
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    if (text.compare(i, 2, "\r\n") != 0) {
      ADD_FAILURE() << "expected CRLF at byte " << i;
      return rows;
    }
    i += 2;
    rows.push_back(std::move(row));
    row.clear();
    row_started = false;
  }
  EXPECT_FALSE(row_started) << "last record without CRLF";
  return rows;
}

const Row kRecordColumns = {"url",   "final_url",    "status", "error",       "depth", "referrer",
                            "fetched_at", "content_type", "bytes", "content_hash", "title", "description",
                            "noindex", "links", "run",          "job",    "changed"};

ExportRecord record(const std::string& url, const std::string& title, const std::string& fields_json) {
  ExportRecord r;
  r.run = 3;
  r.job = "shop";
  r.page.url = url;
  r.page.final_url = url;
  r.page.status = 200;
  r.page.depth = 1;
  r.page.fetched_at_ms = 1'795'330'378'123;
  r.page.content_type = "text/html";
  r.page.bytes = 10;
  r.page.content_hash = "ab";
  r.page.title = title;
  r.page.links = {"https://e.com/a,b", "https://e.com/\"q\""};
  r.page.fields_json = fields_json;
  return r;
}

std::string write_csv(const std::vector<ExportRecord>& records, std::vector<std::string> columns) {
  std::ostringstream out;
  auto writer = make_writer("csv", out, std::move(columns));
  EXPECT_NE(writer, nullptr);
  writer->start();
  for (const auto& r : records) writer->write(r);
  writer->finish();
  return out.str();
}

TEST(CsvExportTest, HeaderHasRecordColumnsThenRuleFields) {
  const auto rows = parse_csv(write_csv({}, {"name", "price", "url"}));
  ASSERT_EQ(rows.size(), 1u);
  Row expected = kRecordColumns;
  expected.insert(expected.end(), {"name", "price", "fields.url"});
  EXPECT_EQ(rows[0], expected);
}

TEST(CsvExportTest, RoundTripOfAwkwardValues) {
  const std::string awkward = "comma, \"quote\", CR\r, LF\n, CRLF\r\n and non-ASCII: Misérables £ 日本 😀";
  nlohmann::json fields = {{"name", awkward},
                           {"price", "£47.18"},
                           {"tags", {"a,b", "c\"d", "e\nf"}},
                           {"missing", nullptr},
                           {"n", 5}};
  std::vector<ExportRecord> records = {record("https://e.com/1", awkward, fields.dump()),
                                       record("https://e.com/2", "plain", ""),
                                       record("https://e.com/3", "bad \xff utf8", R"({"name":"x","extra":"y"})")};
  records[1].page.status.reset();
  records[1].page.error = "timeout";
  records[1].page.changed = false;
  const std::string text = write_csv(records, {"name", "price", "tags", "missing", "n"});
  const auto rows = parse_csv(text);
  ASSERT_EQ(rows.size(), 4u);
  const size_t kCols = kRecordColumns.size() + 5;
  for (const Row& row : rows) ASSERT_EQ(row.size(), kCols);

  auto cell = [&](size_t r, const std::string& column) {
    Row header = rows[0];
    for (size_t c = 0; c < header.size(); ++c)
      if (header[c] == column) return rows[r][c];
    ADD_FAILURE() << "no column " << column;
    return std::string();
  };
  EXPECT_EQ(cell(1, "title"), awkward);
  EXPECT_EQ(cell(1, "name"), awkward);
  EXPECT_EQ(cell(1, "price"), "£47.18");
  EXPECT_EQ(nlohmann::json::parse(cell(1, "tags")), fields["tags"]);
  EXPECT_EQ(cell(1, "missing"), "");
  EXPECT_EQ(cell(1, "n"), "5");
  EXPECT_EQ(nlohmann::json::parse(cell(1, "links")),
            nlohmann::json::array({"https://e.com/a,b", "https://e.com/\"q\""}));
  EXPECT_EQ(cell(1, "status"), "200");
  EXPECT_EQ(cell(1, "error"), "");
  EXPECT_EQ(cell(1, "referrer"), "");
  EXPECT_EQ(cell(1, "fetched_at"), "2026-11-22T06:52:58.123Z");
  EXPECT_EQ(cell(1, "run"), "3");
  EXPECT_EQ(cell(1, "job"), "shop");
  EXPECT_EQ(cell(1, "changed"), "");
  // A record without fields, without a status, with an error.
  EXPECT_EQ(cell(2, "status"), "");
  EXPECT_EQ(cell(2, "error"), "timeout");
  EXPECT_EQ(cell(2, "changed"), "false");
  EXPECT_EQ(cell(2, "name"), "");
  // Invalid UTF-8 is replaced; a field not in the header is left out.
  EXPECT_EQ(cell(3, "title"), "bad \xEF\xBF\xBD utf8");
  EXPECT_EQ(cell(3, "name"), "x");
  EXPECT_EQ(text.find("extra"), std::string::npos);
}

TEST(CsvExportTest, QuotingFollowsRfc4180) {
  EXPECT_EQ(csv_quote("plain"), "plain");
  EXPECT_EQ(csv_quote(""), "");
  EXPECT_EQ(csv_quote("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_quote("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_quote("a\nb"), "\"a\nb\"");
  EXPECT_EQ(csv_quote("a\rb"), "\"a\rb\"");
  EXPECT_EQ(valid_utf8("ok é \xC3"), "ok é \xEF\xBF\xBD");
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
}

TEST(CsvExportTest, FieldNamesKeepTheirOrder) {
  EXPECT_EQ(field_names(record("u", "t", R"({"b":1,"a":2})")), (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(field_names(record("u", "t", "")).empty());
  EXPECT_TRUE(field_names(record("u", "t", "not json")).empty());
}

// `forager export --format csv` on a real store: the header holds the union
// of the rule fields of the selected records, in first-seen order, and -o
// writes the file whole.
TEST(CsvExportTest, ExportCommandCollectsFieldColumns) {
  char pattern[] = "/tmp/forager-csv-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  const std::string db = dir + "/store.db";
  {
    auto store = SqliteStore::open(db);
    RunInfo run = store->open_run("shop", "{}");
    Batch batch;
    batch.run = run.id;
    const std::vector<std::string> fields = {R"({"name":"A, the \"first\"","price":"£1"})", "",
                                             R"({"price":"£3","tags":["x","y"]})"};
    for (int i = 0; i < 3; ++i) {
      FrontierEntry entry;
      entry.seq = i + 1;
      entry.url = "https://e.com/" + std::to_string(i);
      batch.discovered.push_back(entry);
      Batch::Completion done;
      done.seq = i + 1;
      done.page = record(entry.url, "T" + std::to_string(i), fields[i]).page;
      batch.completed.push_back(done);
    }
    store->commit(batch);
    store->finish_run(run.id, RunState::kDone);
  }
  const std::string out = dir + "/out.csv";
  auto result = forager::testing::run_forager(
      {"export", "--db", db, "--job", "shop", "--format", "csv", "-o", out}, dir);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream in(out, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const auto rows = parse_csv(text.str());
  ASSERT_EQ(rows.size(), 4u);
  Row expected = kRecordColumns;
  expected.insert(expected.end(), {"name", "price", "tags"});
  EXPECT_EQ(rows[0], expected);
  std::map<std::string, Row> by_url;
  for (size_t r = 1; r < rows.size(); ++r) by_url[rows[r][0]] = rows[r];
  const size_t first_field = kRecordColumns.size();  // the rule fields follow the record columns
  EXPECT_EQ(by_url["https://e.com/0"][first_field], "A, the \"first\"");
  EXPECT_EQ(by_url["https://e.com/0"][first_field + 1], "£1");
  EXPECT_EQ(by_url["https://e.com/1"][first_field + 1], "");
  EXPECT_EQ(by_url["https://e.com/2"][first_field + 2], R"(["x","y"])");
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
  std::filesystem::remove_all(dir);
}

// --fields selects and orders the columns (CSV) or keys (JSON, JSON Lines),
// fields.NAME reaches into the rule fields, --no-links leaves links out, and
// an unknown name is wrong usage that lists the valid ones.
TEST(CsvExportTest, FieldsSelectAndOrderAndNoLinksLeavesLinksOut) {
  char pattern[] = "/tmp/forager-csv-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  const std::string db = dir + "/store.db";
  {
    auto store = SqliteStore::open(db);
    RunInfo run = store->open_run("shop", "{}");
    Batch batch;
    batch.run = run.id;
    FrontierEntry entry;
    entry.seq = 1;
    entry.url = "https://e.com/book";
    batch.discovered.push_back(entry);
    Batch::Completion done;
    done.seq = 1;
    done.page = record(entry.url, "Book, one", R"({"price":"£9","name":"B"})").page;
    done.page.links = {"https://e.com/a"};
    batch.completed.push_back(done);
    store->commit(batch);
    store->finish_run(run.id, RunState::kDone);
  }
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"export", "--db", db, "--job", "shop"});
    return forager::testing::run_forager(args, dir);
  };
  auto csv = run({"--format", "csv", "--fields", "title, fields.price,url,fields.missing"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(parse_csv(csv.out),
            (std::vector<Row>{{"title", "fields.price", "url", "fields.missing"}, {"Book, one", "£9", "https://e.com/book", ""}}));
  auto jsonl = run({"--format", "jsonl", "--fields", "fields.price,url,fields"});
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  EXPECT_EQ(jsonl.out, "{\"fields.price\":\"£9\",\"url\":\"https://e.com/book\",\"fields\":{\"price\":\"£9\",\"name\":\"B\"}}\n");
  auto json = run({"--format", "json", "--fields", "url,links"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, "[{\"url\":\"https://e.com/book\",\"links\":[\"https://e.com/a\"]}]\n");

  auto no_links = run({"--format", "csv", "--no-links"});
  ASSERT_EQ(no_links.exit_code, 0) << no_links.err;
  Row expected = kRecordColumns;
  expected.erase(std::find(expected.begin(), expected.end(), "links"));
  expected.insert(expected.end(), {"price", "name"});
  EXPECT_EQ(parse_csv(no_links.out).at(0), expected);
  auto no_links_json = run({"--format", "jsonl", "--no-links"});
  ASSERT_EQ(no_links_json.exit_code, 0);
  auto object = nlohmann::json::parse(no_links_json.out);
  EXPECT_FALSE(object.contains("links"));
  EXPECT_TRUE(object.contains("fields"));

  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--fields", "url,titel"}, {"--fields", "url,,title"}, {"--fields", "url,url"},
        {"--fields", "links", "--no-links"}, {"--fields", "fields."}}) {
    std::vector<std::string> args = bad;
    args.insert(args.end(), {"-o", dir + "/never.csv"});
    auto refused = run(args);
    EXPECT_EQ(refused.exit_code, 2) << bad[1];
    EXPECT_EQ(refused.err.rfind("forager export: --fields: ", 0), 0u) << refused.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/never.csv"));
  }
  auto unknown = run({"--fields", "url,titel"});
  EXPECT_NE(unknown.err.find("unknown field 'titel'; the fields are url,final_url,status,"), std::string::npos)
      << unknown.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace forager::storage
