#include "storage/postgres/pg_schedule_store.h"

#include <nlohmann/json.hpp>

#include "storage/postgres/pg_schema.h"

namespace forager::storage {
namespace {

constexpr const char* kColumns =
    "SELECT name, cron, every_ms, utc, args_json, created_at_ms, last_started_at_ms, "
    "last_finished_at_ms, last_exit, last_outcome FROM schedules";

std::vector<std::string> args_from_json(const std::string& text) {
  std::vector<std::string> args;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return args;
  for (const auto& item : j)
    if (item.is_string()) args.push_back(item.get<std::string>());
  return args;
}

pg::Param optional_integer(std::optional<int64_t> value) { return value ? pg::integer(*value) : pg::null(); }

Schedule read_row(const pg::Result& r, int row) {
  Schedule s;
  s.name = r.text(row, 0);
  if (!r.is_null(row, 1)) s.cron = r.text(row, 1);
  if (!r.is_null(row, 2)) s.every_ms = r.int64(row, 2);
  s.utc = r.boolean(row, 3);
  s.args = args_from_json(r.text(row, 4));
  s.created_at_ms = r.int64(row, 5);
  if (!r.is_null(row, 6)) s.last_started_at_ms = r.int64(row, 6);
  if (!r.is_null(row, 7)) s.last_finished_at_ms = r.int64(row, 7);
  if (!r.is_null(row, 8)) s.last_exit = r.int32(row, 8);
  if (!r.is_null(row, 9)) s.last_outcome = r.text(row, 9);
  return s;
}

}  // namespace

std::unique_ptr<PgScheduleStore> PgScheduleStore::open(const std::string& location) {
  pg::Connection conn = pg::Connection::open(location);
  pg::ensure_schema(conn);
  return std::unique_ptr<PgScheduleStore>(new PgScheduleStore(std::move(conn)));
}

bool PgScheduleStore::add(const Schedule& s) {
  pg::Result r = conn_.query(
      "INSERT INTO schedules (name, cron, every_ms, utc, args_json, created_at_ms) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING",
      {pg::text(s.name), s.cron ? pg::text(*s.cron) : pg::null(), optional_integer(s.every_ms), pg::boolean(s.utc),
       pg::text(nlohmann::json(s.args).dump()), pg::integer(s.created_at_ms)});
  return r.affected() == 1;
}

bool PgScheduleStore::remove(const std::string& name) {
  return conn_.query("DELETE FROM schedules WHERE name = $1", {pg::text(name)}).affected() == 1;
}

std::vector<Schedule> PgScheduleStore::list() {
  pg::Result rows = conn_.query(std::string(kColumns) + " ORDER BY name COLLATE \"C\"");
  std::vector<Schedule> out;
  for (int i = 0; i < rows.rows(); ++i) out.push_back(read_row(rows, i));
  return out;
}

std::optional<Schedule> PgScheduleStore::get(const std::string& name) {
  pg::Result rows = conn_.query(std::string(kColumns) + " WHERE name = $1", {pg::text(name)});
  if (rows.rows() == 0) return std::nullopt;
  return read_row(rows, 0);
}

bool PgScheduleStore::claim_start(const std::string& name, std::optional<int64_t> expected_last_start,
                                  int64_t started_at_ms) {
  pg::Result r = conn_.query(
      "UPDATE schedules SET last_started_at_ms = $3, last_finished_at_ms = NULL, last_exit = NULL, "
      "last_outcome = NULL WHERE name = $1 AND last_started_at_ms IS NOT DISTINCT FROM $2::bigint",
      {pg::text(name), optional_integer(expected_last_start), pg::integer(started_at_ms)});
  return r.affected() == 1;
}

void PgScheduleStore::record_finish(const std::string& name, int64_t started_at_ms, int64_t finished_at_ms,
                                    std::optional<int> exit_status, const std::string& outcome) {
  conn_.query(
      "UPDATE schedules SET last_finished_at_ms = $3, last_exit = $4, last_outcome = $5 "
      "WHERE name = $1 AND last_started_at_ms = $2",
      {pg::text(name), pg::integer(started_at_ms), pg::integer(finished_at_ms),
       exit_status ? pg::integer(*exit_status) : pg::null(), pg::text(outcome)});
}

}  // namespace forager::storage
