// Which worker gets a host's next fetch (host affinity).
//
// A worker keeps its connections alive between fetches, so a host fetched
// again by the worker that fetched it before reuses an idle connection (and
// its TLS session, and its cookie jar); sent anywhere else, it costs a new
// connection and handshake. The rule:
//   1. a worker that has fetched the host before and has no fetch of it in
//      flight now (so its connection to the host is idle) and a free transfer
//      slot gets it; the least busy of them if several;
//   2. if such a worker exists but is saturated (in_flight >= concurrency),
//      the fetch waits for it (none is chosen) unless another worker is
//      idle: then that one (a new connection beats an idle worker). Waiting
//      costs little: a saturated worker frees a slot with every result;
//   3. otherwise (the host is new, or each worker that fetched it holds a
//      fetch of it already, which needs a connection of its own anyway) the
//      least busy worker, ties going round-robin from the last one chosen.
// So many hosts stick each to one worker (one connection per host at
// --per-host 1), while a host fetched in parallel (--per-host 2 and more) is
// spread over workers, and a single-host crawl still parses on every worker.
// Politeness is not decided here: the caller asks only for fetches that
// HostSlots lets start.
//
// An isolated fetch (a URL that was held by a worker that died) goes only to
// an idle worker, without affinity.
//
// Memory: one entry per host with a fetch in flight or one fetched before; the
// ones with nothing in flight are forgotten when kMaxRememberedHosts is passed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace forager {

class WorkerChooser {
 public:
  // What the chooser needs to know of one worker slot.
  struct Load {
    bool usable = false;  // alive, configured, not draining, not running an isolated fetch
    int in_flight = 0;    // tasks sent and not answered
  };

  static constexpr size_t kMaxRememberedHosts = 100000;

  // `concurrency`: transfers a worker runs at once (--concurrency).
  explicit WorkerChooser(int concurrency) : concurrency_(concurrency) {}

  // The worker for `host`'s next fetch, or none when every usable worker is
  // saturated (for an isolated fetch: none is idle) or the fetch waits for
  // the worker holding the host (rule 2). `host` empty: any worker, by rule 3.
  std::optional<size_t> choose(const std::vector<Load>& workers, const std::string& host, bool isolated) const;

  // A fetch of `host` was sent to `worker` / answered by it.
  void started(const std::string& host, size_t worker);
  void finished(const std::string& host, size_t worker);
  // The worker in this slot died: its connections are gone.
  void forget_worker(size_t worker);

  size_t remembered_hosts() const { return hosts_.size(); }

 private:
  // A worker that has fetched the host, and how many of its fetches of the
  // host are in flight there.
  struct Holder {
    size_t worker;
    int in_flight;
  };
  std::optional<size_t> least_busy(const std::vector<Load>& workers, bool isolated) const;
  void forget_idle_hosts();

  int concurrency_;
  size_t last_worker_ = 0;
  std::unordered_map<std::string, std::vector<Holder>> hosts_;
};

}  // namespace forager
