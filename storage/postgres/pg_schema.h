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
// - An older version is migrated under the same lock, in one transaction:
//   1 -> 2 adds pages.noindex, 2 -> 3 what shared runs need (new columns with
//   defaults and new tables only, so a forager of the older version still
//   crawling on the same server keeps working; no shared run can be live on
//   a store older than 3). A migration that breaks older binaries would have
//   to wait until no member is live; none does yet.
#pragma once

#include "storage/postgres/pg_connection.h"

namespace forager::storage::pg {

// The schema version this build reads and writes.
inline constexpr int kSchemaVersion = 7;

// Creates the schema if the database has none, else checks its version.
void ensure_schema(Connection& conn);
// Checks the schema exists and has a version this build knows; never writes.
// Throws StoreError ("no forager store in ...") when there is none.
void check_schema(Connection& conn);
// Whether the database holds a forager schema.
bool has_schema(Connection& conn);

}  // namespace forager::storage::pg
