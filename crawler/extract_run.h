// `forager extract`: extraction run again over the archived bodies of a
// stored run, without any network access, in the worker processes (the same
// extraction code as a crawl: workers/archived.h), written as a new run of
// the job that `export` reads like any other.
//
// The new run has one record per record of the source run, in the same
// order (seq 1, 2, ...), each a copy of its source record with:
//   - for a record whose payload is archived (WarcCapture::body_file): the
//     content re-extracted from that response: content_type, bytes,
//     content_hash, title, description, links, fields_json, noindex; the
//     error too_large / content_encoding / warc when the body was cut, could
//     not be decoded or could not be read (then the content is empty);
//   - worker_pid: the extracting worker; changed and change: null;
//   - url, final_url, status, depth, referrer, fetched_at_ms (the capture's
//     time), etag, last_modified, elapsed_ms and the capture: the source's.
// A record without an archived payload (an error, a robots refusal, a fetch
// made without --warc) is copied as it is (changed and change null).
//
// The new run records the extract's options with "extract_of": SOURCE. An
// extract that was stopped (signal, kill) leaves its run unfinished; the
// next extract of the job resumes it, extracting only what is missing.
//
// Memory is bounded whatever the run's size: the source run is read a page
// of `page_records` records at a time (the next page once less than a page
// waits), and each worker holds at most options.concurrency tasks, so at
// most 2 x page_records + workers x concurrency source records are held at
// once (ExtractSummary::peak_held).
//
// Workers are watched as in a crawl: one that dies, or that holds tasks (or
// has not answered its Config) without a word for options.timeout_ms, is
// killed and replaced, and its tasks are given to the others; a record
// whose extraction took two workers down gets the error worker_crash.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "crawler/crawl_options.h"
#include "crawler/util/clock.h"
#include "crawler/util/signals.h"
#include "crawler/worker_pool.h"
#include "storage/store.h"

namespace forager {

struct ExtractSummary {
  int64_t run = 0;
  int64_t source_run = 0;
  bool resumed = false;
  int stop_signal = 0;        // SIGINT/SIGTERM when stopped by one
  int64_t records = 0;        // records written by this process
  int64_t extracted = 0;      // ... of which re-extracted from an archived body
  int64_t errors = 0;         // ... of which the extraction failed (warc, content_encoding, ...)
  int64_t workers_replaced = 0;  // died or stalled
  int64_t peak_held = 0;      // most source records held at once (waiting or in flight)
  int64_t elapsed_ms = 0;
};

inline constexpr size_t kExtractPageRecords = 500;

class ExtractRun {
 public:
  // `options`: the job, the rules (rules_json), and the source run's
  // max_bytes, user_agent and robots_agent; `source_run` a run of the job.
  // The store, pool (started), signals and clock must outlive this object.
  ExtractRun(CrawlOptions options, int64_t source_run, storage::Store& store, WorkerPool& pool,
             SignalPipe& signals, const Clock& clock, size_t page_records = kExtractPageRecords);

  // Runs the whole extract (or resumes the job's unfinished one). Throws
  // storage::StoreError if the store fails.
  ExtractSummary run();

 private:
  // A record of the source run, numbered as in the new run (its place in
  // the source run, from 1).
  struct Source {
    int64_t seq = 0;
    storage::PageRecord page;
    int crashes = 0;  // workers that died holding it
  };
  struct Task {
    Source source;
    size_t worker = 0;
  };

  void start_run();
  // Reads pages of the source run while less than a page waits.
  void refill();
  void read_page();
  // The seqs of the new run already stored in [first, first + count).
  std::vector<bool> already_done(int64_t first, size_t count);
  void dispatch();
  void poll_once();
  void handle_messages(size_t slot);
  void handle_result(size_t slot, protocol::FetchResult result);
  void handle_deaths();
  void kill_stalled_workers();
  void handle_signals();
  void send_config(size_t slot);
  // Stores the record of `source` (with its frontier entry).
  void complete(const Source& source, storage::PageRecord record);
  void commit_if_due(bool force);

  CrawlOptions options_;
  int64_t source_run_;
  storage::Store& store_;
  WorkerPool& pool_;
  SignalPipe& signals_;
  const Clock& clock_;

  size_t page_records_;

  storage::RunInfo run_;
  int64_t source_after_seq_ = 0;  // the source run's seq of the last record read
  int64_t sources_read_ = 0;      // records of the source run read so far
  bool source_exhausted_ = false;
  std::deque<Source> pending_;    // waiting for a worker
  std::unordered_map<uint64_t, Task> tasks_;
  uint64_t next_task_id_ = 1;
  storage::Batch batch_;
  int64_t batch_started_ms_ = 0;
  bool stopping_ = false;
  ExtractSummary summary_;
};

}  // namespace forager
