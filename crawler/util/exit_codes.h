// The exit statuses of every `forager` command, as documented in README.md
// and forager(1): 0 success, 1 a runtime failure (reported on stderr), 2 wrong
// usage or an unknown job, run or schedule named (nothing written), 3 a crawl
// that fetched no page, 4 a crawl with --fail-on-error that has a failed
// record, 75 the job is being crawled by another process, 128+N when a crawl
// was stopped by signal N. The scheduler reads them back from the crawls it
// starts, so they live below both.
#pragma once

namespace forager {

inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;
// The run finished, but not one request got an HTTP response.
inline constexpr int kExitNothingFetched = 3;
// --fail-on-error, and a record of the run has an error or an HTTP status >= 400.
inline constexpr int kExitRecordFailed = 4;
// Another live process is crawling the same job (EX_TEMPFAIL).
inline constexpr int kExitJobRunning = 75;

}  // namespace forager
