// The forager schema on a PostgreSQL server: every table lives in the
// PostgreSQL schema `forager` of the database the URI names (so forager's
// tables never meet another application's), and forager.schema_version holds
// the version number of the layout.
//
// Contract:
// - ensure_schema creates the schema on first use, under a transaction-level
//   advisory lock, so that two processes starting together create it once.
// - A schema newer than this build knows is refused with a StoreError that
//   says to upgrade forager; nothing is written then.
// - Version 1 is the first; migrations of older versions (under the same
//   lock, and only when no member is live) come with version 2.
#pragma once

#include "storage/postgres/pg_connection.h"

namespace forager::storage::pg {

// The schema version this build reads and writes.
inline constexpr int kSchemaVersion = 3;

// Creates the schema if the database has none, else checks its version.
void ensure_schema(Connection& conn);
// Checks the schema exists and has a version this build knows; never writes.
// Throws StoreError ("no forager store in ...") when there is none.
void check_schema(Connection& conn);
// Whether the database holds a forager schema.
bool has_schema(Connection& conn);

}  // namespace forager::storage::pg
