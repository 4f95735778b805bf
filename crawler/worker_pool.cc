#include "crawler/worker_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace forager {
namespace {

// Runs in the child right after fork: become a worker that dies with its
// parent and leaves signal handling to the coordinator.
void become_worker(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);  // the parent died before prctl
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGCHLD, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace

// In the child: replaces the image with exec_argv_ + the channel fd. Returns
// only if that fails (the caller then runs the worker in this image).
void WorkerPool::exec_worker(int channel_fd) {
  if (::fcntl(channel_fd, F_SETFD, 0) != 0) return;  // the fd must survive exec
  std::vector<std::string> args(exec_argv_.begin() + 1, exec_argv_.end());
  args.push_back(std::to_string(channel_fd));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(exec_argv_[0].c_str(), argv.data());
  std::fprintf(stderr, "forager crawl: cannot run a worker as %s (%s); forking one instead\n",
               exec_argv_[0].c_str(), std::strerror(errno));
  ::fcntl(channel_fd, F_SETFD, FD_CLOEXEC);
}

WorkerPool::WorkerPool(int count, Entry entry, std::vector<std::string> exec_argv)
    : entry_(std::move(entry)), exec_argv_(std::move(exec_argv)), workers_(count) {}

WorkerPool::~WorkerPool() {
  for (size_t i = 0; i < workers_.size(); ++i) kill(i);
  for (auto& w : workers_) {
    if (w.pid > 0) ::waitpid(w.pid, nullptr, 0);
    w.pid = -1;
  }
}

void WorkerPool::start() {
  parent_ = ::getpid();
  for (size_t i = 0; i < workers_.size(); ++i) fork_into(i);
}

void WorkerPool::respawn(size_t slot) { fork_into(slot); }

void WorkerPool::fork_into(size_t slot) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  UniqueFd ours(fds[0]), theirs(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    become_worker(parent_);
    // Close the coordinator's ends of every channel, so that each worker's
    // only link is its own and EOF means what it says.
    ::close(ours.release());
    for (auto& w : workers_)
      if (w.channel) ::close(w.channel->fd());
    if (exec_argv_.size() >= 2) exec_worker(theirs.get());
    ::_exit(entry_(std::move(theirs)));
  }
  Worker& w = workers_[slot];
  w.pid = pid;
  w.channel = std::make_unique<Channel>(std::move(ours));
  w.in_flight = 0;
  w.ready = false;
  w.isolated = false;
  w.last_progress_ms = 0;
  w.results = 0;
  w.draining = false;
}

std::vector<WorkerPool::Death> WorkerPool::reap() {
  std::vector<Death> deaths;
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    for (size_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i].pid != pid) continue;
      workers_[i].pid = -1;
      workers_[i].channel.reset();
      deaths.push_back({i, static_cast<int>(pid), status});
    }
  }
  return deaths;
}

int64_t WorkerPool::private_bytes(size_t slot) const {
  if (workers_[slot].pid <= 0) return 0;
  // Private pages only: right after fork a worker shares (copy-on-write) the
  // coordinator's memory, which its RSS would count but which it does not own.
  std::ifstream rollup("/proc/" + std::to_string(workers_[slot].pid) + "/smaps_rollup");
  std::string line;
  int64_t total_kib = 0;
  while (std::getline(rollup, line)) {
    if (line.rfind("Private_Clean:", 0) == 0 || line.rfind("Private_Dirty:", 0) == 0)
      total_kib += std::atoll(line.c_str() + line.find(':') + 1);
  }
  return total_kib * 1024;
}

void WorkerPool::kill(size_t slot) {
  if (workers_[slot].pid > 0) ::kill(workers_[slot].pid, SIGKILL);
}

void WorkerPool::shutdown(int64_t grace_ms) {
  for (auto& w : workers_) {
    if (!w.alive() || !w.channel) continue;
    w.channel->send(protocol::Shutdown{});
    w.channel->flush();
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  auto any_alive = [&] {
    for (auto& w : workers_)
      if (w.alive()) return true;
    return false;
  };
  while (any_alive() && std::chrono::steady_clock::now() < deadline) {
    reap();
    if (any_alive()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (size_t i = 0; i < workers_.size(); ++i) kill(i);
  for (auto& w : workers_) {
    if (w.pid > 0) ::waitpid(w.pid, nullptr, 0);
    w.pid = -1;
    w.channel.reset();
  }
}

}  // namespace forager
