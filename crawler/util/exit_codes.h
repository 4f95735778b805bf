// The exit statuses of every `forager` command, as documented in README.md:
// 0 success, 1 a runtime failure (reported on stderr), 2 wrong usage (nothing
// written), 75 the job is being crawled by another process, 128+N when a
// crawl was stopped by signal N. The scheduler reads them back from the
// crawls it starts, so they live below both.
#pragma once

namespace forager {

inline constexpr int kExitUsage = 2;
// Another live process is crawling the same job (EX_TEMPFAIL).
inline constexpr int kExitJobRunning = 75;

}  // namespace forager
