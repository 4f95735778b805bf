// The worker processes: children of the coordinator, each joined to it by one
// Channel. Each child is forked and then, when the pool has an exec_argv (the
// crawl command passes /proc/self/exe, so "forager __worker FD"), replaced by
// a fresh image of the binary; without one (unit tests), or if the exec
// fails, the forked child runs the worker entry itself. Workers are forked
// before the store is opened; a replacement forked later never touches the
// inherited SQLite handle (it execs, or runs the worker entry and leaves with
// _exit, running no destructors).
//
// Workers die with the coordinator: PR_SET_PDEATHSIG(SIGKILL), plus EOF on
// their channel. They ignore SIGINT/SIGTERM: the coordinator alone decides how
// a crawl stops and tells them with a Shutdown message.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crawler/wire/channel.h"

namespace forager {

class WorkerPool {
 public:
  using Entry = std::function<int(UniqueFd)>;

  struct Worker {
    pid_t pid = -1;
    std::unique_ptr<Channel> channel;
    int in_flight = 0;      // tasks sent and not yet answered
    bool ready = false;     // answered Config with Ready
    bool isolated = false;  // running one suspect task alone
    int64_t last_progress_ms = 0;  // last message, or when it got work while idle
    int64_t results = 0;           // tasks answered since it was forked
    bool draining = false;         // being recycled: no new work, Shutdown when idle
    bool alive() const { return pid > 0; }
  };

  // `entry` runs in each child; its return value is the child's exit status.
  // With `exec_argv` (the program's path, then its argv from argv[0] on),
  // each child instead executes it with the channel's fd number appended, and runs `entry` only
  // if that fails: a fresh image shares nothing with the coordinator, whose
  // heap (the seen set, SQLite's cache) would otherwise stay mapped in every
  // worker and be copied page by page as the coordinator writes to it.
  WorkerPool(int count, Entry entry, std::vector<std::string> exec_argv = {});
  ~WorkerPool();  // kills and reaps whatever is still running
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Forks every worker. Throws std::runtime_error if fork or socketpair fail.
  void start();
  // Forks a replacement into a slot whose worker has died.
  void respawn(size_t slot);
  // Reaps dead children without blocking; returns the slots that died (their
  // pid is cleared and channel closed) together with how they ended.
  struct Death {
    size_t slot;
    int pid;
    int wait_status;
  };
  std::vector<Death> reap();
  void kill(size_t slot);
  // Memory a live worker owns alone (private resident pages; 0 when unknown).
  int64_t private_bytes(size_t slot) const;
  // Asks every worker to stop, waits up to `grace_ms` for them to exit, then
  // kills and reaps the rest. No zombies are left behind.
  void shutdown(int64_t grace_ms);

  std::vector<Worker>& workers() { return workers_; }
  size_t size() const { return workers_.size(); }

 private:
  void fork_into(size_t slot);
  void exec_worker(int channel_fd);
  Entry entry_;
  std::vector<std::string> exec_argv_;
  std::vector<Worker> workers_;
  pid_t parent_ = -1;
};

}  // namespace forager
