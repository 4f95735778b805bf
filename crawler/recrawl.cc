#include "crawler/recrawl.h"

namespace forager {
namespace {

bool is_gone(int status) { return status == 404 || status == 410; }

}  // namespace

void mark_change(storage::PageRecord& record, const std::optional<storage::PageRecord>& previous) {
  if (!record.error.empty() || !record.status) return;
  int status = *record.status;
  if (status == 304 && previous) {
    // Not modified: the record keeps what the last run scraped.
    record.content_type = previous->content_type;
    record.bytes = previous->bytes;
    record.content_hash = previous->content_hash;
    record.title = previous->title;
    record.description = previous->description;
    record.noindex = record.noindex || previous->noindex;
    record.links = previous->links;
    record.fields_json = previous->fields_json;
    if (record.etag.empty()) record.etag = previous->etag;
    if (record.last_modified.empty()) record.last_modified = previous->last_modified;
    record.changed = false;
    record.change = "unchanged";
  } else if (status >= 200 && status < 300) {
    bool same = previous && previous->content_hash == record.content_hash;
    record.changed = !same;
    record.change = !previous ? "new" : same ? "unchanged" : "changed";
  } else if (is_gone(status) && previous) {
    const bool still_gone = previous->status && is_gone(*previous->status);
    record.changed = !still_gone;
    record.change = still_gone ? "unchanged" : "gone";
  }
}

}  // namespace forager
