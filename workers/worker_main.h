// The entry point of a worker process.
#pragma once

#include "crawler/util/unique_fd.h"

namespace forager {

// Runs one worker on its end of the coordinator's socketpair, which it takes
// over (and closes on return). The worker pool calls it in the forked child,
// after setting PR_SET_PDEATHSIG and ignoring SIGINT/SIGTERM/SIGPIPE; the
// child then exits with the returned code.
//
// Sequence: wait for Config, parse its rules_json once (workers/rules/rules.h),
// reply Ready{getpid()}, then run the FetchLoop
// (workers/fetch_loop.h): tasks from FetchBatch messages are started at
// once (queued beyond Config.concurrency), each answered by one FetchResult.
// Returns 0 after a Shutdown once every accepted task has been answered and
// flushed; returns 1 at once on EOF or a protocol error from the coordinator.
//
// Calls curl_global_init once per process. Safe to call from several threads
// at once (tests run workers as threads), each with its own channel.
int run_worker(UniqueFd channel_fd);

// How the coordinator starts a worker in a fresh image: "forager __worker FD"
// (see WorkerPool). Not a user command.
inline constexpr const char* kWorkerArgument = "__worker";
// Runs a worker on the channel fd given as text; never returns.
[[noreturn]] void run_worker_process(const char* fd_text);

}  // namespace forager
