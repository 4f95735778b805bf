// PgScheduleStore: ScheduleStore (storage/schedule_store.h) as the
// forager.schedules table of a PostgreSQL database (created with the rest of
// the schema, storage/postgres/pg_schema.cc), on its own connection.
//
// Contract: as SqliteScheduleStore. Every method is one statement (atomic on
// its own); claim_start is a compare-and-set on last_started_at_ms, so two
// schedulers on two machines sharing the database never both claim one due
// run. args_json is a JSON array of strings, as on SQLite.
#pragma once

#include <memory>
#include <string>

#include "storage/postgres/pg_connection.h"
#include "storage/schedule_store.h"

namespace forager::storage {

class PgScheduleStore final : public ScheduleStore {
 public:
  // Connects to `location`, creating the schema when missing.
  static std::unique_ptr<PgScheduleStore> open(const std::string& location);

  bool add(const Schedule& schedule) override;
  bool remove(const std::string& name) override;
  std::vector<Schedule> list() override;
  std::optional<Schedule> get(const std::string& name) override;
  bool claim_start(const std::string& name, std::optional<int64_t> expected_last_start,
                   int64_t started_at_ms) override;
  void record_finish(const std::string& name, int64_t started_at_ms, int64_t finished_at_ms,
                     std::optional<int> exit_status, const std::string& outcome) override;

 private:
  explicit PgScheduleStore(pg::Connection conn) : conn_(std::move(conn)) {}

  pg::Connection conn_;
};

}  // namespace forager::storage
