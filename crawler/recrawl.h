// What a re-crawl makes of a fetched record, given the job's previous record
// of the same URL: conditional-request validators going out, and on the way
// back whether the content changed.
#pragma once

#include <optional>

#include "storage/store.h"

namespace forager {

// Fills `record` (just fetched, in a run that has a previous run) with
// `changed` and `change`. `previous` is the job's latest earlier record of the
// URL that got a response (any status; records with an error are skipped):
//   304 with a previous record   -> the previous content, changed=false, "unchanged"
//   2xx, same content hash       -> changed=false, "unchanged"
//   2xx, new hash                -> changed=true,  "changed"
//   2xx, no previous record      -> changed=true,  "new"
//   404/410, previous 404/410    -> changed=false, "unchanged" (still gone)
//   404/410, any other previous  -> changed=true,  "gone"
//   anything else (errors, ...)  -> left null: there is no content to compare
void mark_change(storage::PageRecord& record, const std::optional<storage::PageRecord>& previous);

}  // namespace forager
