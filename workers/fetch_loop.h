// The worker's event loop: runs the coordinator's fetch tasks on one libcurl
// multi handle and sends each result back over the channel.
//
// Driven the documented way (curl docs/examples/multi-app.c):
// curl_multi_perform, drain curl_multi_info_read, then curl_multi_poll with
// the channel's fd in extra_fds (POLLIN, plus POLLOUT while results wait to
// be written). Easy handles are reused from a pool.
//
// Connections: the multi handle's connection cache keeps every connection
// alive between transfers (up to connection_cache_size(), far above libcurl's
// default of 4 per easy handle added, which closed the connection of a host
// waiting out its --delay as soon as other hosts were fetched); the share
// handle keeps the DNS cache, and the worker's TlsSessionCache (one session per
// origin, for as many origins as connections are kept) lets a connection that
// must be opened again resume its TLS session. No per-host connection cap is set:
// the coordinator decides politeness and sends a host's fetches to the same
// worker while it can.
//
// Cookies: a FetchBatch's cookie lines are loaded into the jar before its
// tasks start; after a response with Set-Cookie, the jar's changes go back in
// that task's FetchResult.cookies (CookieSync).
//
// Contract with the coordinator: every task accepted gets exactly one
// FetchResult, sent as soon as it finishes. At most Config.concurrency
// transfers run at once; further tasks wait in a queue, in arrival order.
// With Config.warc_dir, a fetch's WARC records are written to this worker's
// own WARC file before its FetchResult is sent; when they cannot be written,
// the result carries the error "warc" instead of its content.
// An extract task (Purpose::kExtract, `forager extract`) starts no transfer:
// it is answered at once from the WARC record it names (workers/archived.h).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "crawler/wire/channel.h"
#include "crawler/wire/protocol.h"
#include "workers/cookie_sync.h"
#include "workers/curl_handles.h"
#include "workers/tls_sessions.h"
#include "workers/tls_trust.h"
#include "workers/transfer.h"
#include "workers/warc/writer.h"

namespace forager {

struct Rules;  // workers/rules/rules.h

// How many connections (busy and idle) a worker's multi handle keeps: at
// least `concurrency`, at most kMaxCachedConnections, and never more than
// the file descriptors the process may open (with room for its own). Raises
// the soft RLIMIT_NOFILE towards the hard limit to make room.
inline constexpr long kMaxCachedConnections = 1024;
long connection_cache_size(uint32_t concurrency);

class FetchLoop {
 public:
  // `channel`, `config` and `rules` (null: no extraction rules) must outlive
  // the loop. curl_global_init must have been called.
  FetchLoop(Channel& channel, const protocol::Config& config, const Rules* rules = nullptr);
  FetchLoop(const FetchLoop&) = delete;
  FetchLoop& operator=(const FetchLoop&) = delete;
  ~FetchLoop();

  // Handles `pending` (messages that arrived with the Config), then runs
  // until:
  //   - Shutdown was received and every accepted task has been answered and
  //     flushed: returns 0;
  //   - the coordinator closed the channel, sent something out of protocol
  //     (a second Config, a FetchBatch after Shutdown, a worker-side kind,
  //     a bad frame) or stopped taking results: returns 1 at once.
  int run(std::vector<protocol::Message> pending = {});

 private:
  // Takes one message from the coordinator; false on a protocol violation.
  bool handle(protocol::Message& message);
  void start_queued();
  void start(protocol::FetchTask task);
  void drain_finished();
  void complete(Transfer* transfer, CURLcode code);
  // Writes a fetch's WARC records; on failure replaces `result` by an error.
  void archive(std::vector<warc::Record> records, protocol::FetchResult& result);
  void send_result(protocol::FetchResult result);
  CurlEasy acquire_handle();
  void release_handle(CurlEasy handle);
  // Writes what is still queued on the channel, waiting for the socket.
  bool flush_all();

  Channel& channel_;
  const protocol::Config& config_;
  const Rules* rules_;
  // Before multi_: connections closed with the multi handle may still store a session.
  TlsSessionCache sessions_;
  CurlMulti multi_;
  CurlShare share_;  // DNS, libcurl's TLS sessions and (unless --no-cookies) the cookie jar
  TlsTrust trust_;   // certificate verification, the CA store loaded once
  std::optional<warc::Writer> warc_;  // set when Config.warc_dir is
  std::optional<CookieSync> cookie_sync_;  // set when cookies are kept (not --no-cookies)
  std::deque<protocol::FetchTask> queue_;  // accepted, not started yet
  std::unordered_map<Transfer*, std::unique_ptr<Transfer>> active_;
  std::vector<CurlEasy> idle_handles_;
  bool shutdown_ = false;
};

}  // namespace forager
