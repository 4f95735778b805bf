// What the store keeps: runs, frontier entries, page records, worker events,
// and the error every backend reports with. The interfaces by role are in
// crawl_store.h (the coordinator), record_reader.h (export), job_locks.h,
// report_queries.h (status, report) and schedule_store.h; open.h opens them.
//
// Errors are reported by throwing StoreError (the coordinator treats any store
// failure as fatal for the run: it stops and exits non-zero; what was
// committed before stays committed).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace forager::storage {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The life of one URL in one run's frontier.
enum class UrlState : int {
  kQueued = 0,  // waiting to be dispatched
  kLeased = 1,  // handed to a worker; back to kQueued if the run is resumed
  kDone = 2,    // a page record exists for it
  kFailed = 3,  // a page record with an error exists for it
};

enum class RunState : int {
  kRunning = 0,      // a coordinator is (or was, until it died) working on it
  kInterrupted = 1,  // stopped by a signal; resumable
  kDone = 2,         // the frontier ran empty or a budget was reached
};

struct RunInfo {
  int64_t id = 0;
  std::string job;
  bool resumed = false;       // true when an unfinished run was picked up
  int64_t other_members = 0;  // a shared run: its live members when this one joined
  std::string options_json;   // the options the run was started with
};

// One URL of the frontier. `seq` is assigned by the coordinator, unique
// within a run (the coordinator continues from max_seq() on resume).
struct FrontierEntry {
  int64_t seq = 0;
  std::string url;
  int depth = 0;
  std::string referrer;   // empty for seeds
  int attempts = 0;       // fetch attempts that ended in a retryable failure
  int crashes = 0;        // times a worker died while holding this URL
  UrlState state = UrlState::kQueued;
  std::string origin;     // url::origin(url)
};

// Where a record's fetch is archived (--warc, --keep-bodies; docs/WARC.md).
// An empty `file` means nothing was archived for it.
struct WarcCapture {
  std::string file;         // absolute path of the WARC file with this fetch's response or revisit record
  int64_t offset = 0;       // the offset of that record's gzip member in `file`
  std::string digest;       // WARC-Payload-Digest of the payload ("sha1:BASE32")
  // The response record that holds the payload: this fetch's own, or for a
  // revisit (a 304, or the same digest as before) the original it refers
  // to. Empty body_file: no archived payload (a 304 whose original was not
  // archived).
  std::string body_file;
  int64_t body_offset = 0;
  std::string body_record_id;  // its WARC-Record-ID
  int64_t body_date_ms = 0;    // its WARC-Date, Unix ms
  std::string body_uri;        // its WARC-Target-URI
};

// What a run stores about one URL it fetched or tried (the export record,
// without run/job which the store adds).
struct PageRecord {
  std::string url;                    // the normalized URL that was queued
  std::string final_url;              // after redirects
  std::optional<int> status;          // none when there was no response
  std::string error;                  // empty means no error (null in exports)
  int depth = 0;
  std::string referrer;               // empty means null
  int64_t fetched_at_ms = 0;          // Unix ms, UTC
  std::string content_type;
  int64_t bytes = 0;
  std::string content_hash;
  std::string title;
  std::string description;
  bool noindex = false;               // meta robots / X-Robots-Tag said noindex or none
  std::vector<std::string> links;     // every outlink, also of a nofollow page (not followed)
  std::string fields_json;            // JSON object text; empty means {}
  std::optional<bool> changed;        // null on a first run
  std::string change;                 // empty on a first run, else new/changed/unchanged/gone
  std::string etag;                   // validators for re-crawls
  std::string last_modified;
  int worker_pid = 0;                 // the worker process that fetched it (0: none)
  int64_t elapsed_ms = 0;             // how long the transfer took
  WarcCapture warc;                   // where the fetch is archived, if it is
};

// A worker process starting or ending, for reports of who did what when.
struct WorkerEvent {
  int64_t at_ms = 0;                  // Unix ms
  int slot = 0;
  int pid = 0;
  std::string event;                  // start, crash, stall, recycle, stop
};

// Everything one batched transaction applies. Applied atomically, in the
// order: discovered, leased, requeued, completed.
struct Batch {
  int64_t run = 0;                        // the run every change belongs to
  std::vector<FrontierEntry> discovered;  // insert if (run, url) is new
  std::vector<int64_t> leased;            // seq -> kLeased
  std::vector<FrontierEntry> requeued;    // seq -> kQueued with new attempts/crashes
  struct Completion {
    int64_t seq = 0;
    PageRecord page;                      // state becomes kFailed if page.error is set
  };
  std::vector<Completion> completed;
  std::vector<WorkerEvent> worker_events;
  bool empty() const {
    return discovered.empty() && leased.empty() && requeued.empty() && completed.empty() &&
           worker_events.empty();
  }
};

// A record as exported: the page plus where it belongs.
struct ExportRecord {
  PageRecord page;
  int64_t run = 0;
  int64_t seq = 0;                  // its place in the run (records come in (run, seq) order)
  std::string job;
};

struct ExportQuery {
  std::optional<std::string> job;   // all jobs when unset
  enum class Runs { kLatest, kAll, kOne } runs = Runs::kLatest;
  int64_t run_id = 0;               // with Runs::kOne
  bool changed_only = false;
  // A page of the records: those after (run, after_seq) in (run, seq)
  // order, at most `limit` of them (0: no limit). With Runs::kOne, the run's
  // records whose seq > after_seq.
  int64_t after_seq = 0;
  int64_t limit = 0;
};

struct RunSummary {
  int64_t id = 0;
  std::string job;
  std::string state;                // running, interrupted, done
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;       // 0 while unfinished
  int64_t pages = 0;                // page records
  int64_t errors = 0;               // page records with an error
  int64_t queued = 0, leased = 0, done = 0, failed = 0;  // frontier by state
  int64_t new_pages = 0, changed = 0, unchanged = 0, gone = 0;  // re-crawl outcomes
};

}  // namespace forager::storage
