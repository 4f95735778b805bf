// Runs the real `forager` binary as a child process for end-to-end tests,
// with its output captured in files and every wait bounded.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace forager::testing {

struct ProcessResult {
  int exit_code = -1;     // 128+N when killed by signal N
  std::string out, err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ForagerProcess {
 public:
  ForagerProcess(const std::vector<std::string>& args, const std::string& dir) {
    out_path_ = dir + "/stdout." + std::to_string(counter()++);
    err_path_ = out_path_ + ".err";
    // Everything the child needs is prepared before fork: the test process
    // has server threads, so the child only calls async-signal-safe functions.
    std::string binary = FORAGER_BINARY;
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    argv.push_back(binary.data());
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~ForagerProcess() {
    if (pid_ > 0 && !done_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }
  void signal(int signo) { ::kill(pid_, signo); }

  // Waits at most `timeout`; kills the process if it is still running then.
  ProcessResult wait(std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (!done_) {
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        done_ = true;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        done_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ProcessResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = read_file(out_path_);
    result.err = read_file(err_path_);
    return result;
  }

  // The pids of this process's direct children (its workers).
  std::vector<pid_t> children() const {
    std::vector<pid_t> pids;
    DIR* proc = ::opendir("/proc");
    if (!proc) return pids;
    while (dirent* entry = ::readdir(proc)) {
      pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
      if (pid <= 0) continue;
      std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
      size_t close = stat.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream rest(stat.substr(close + 2));
      char state;
      pid_t ppid;
      rest >> state >> ppid;
      if (ppid == pid_ && state != 'Z') pids.push_back(pid);
    }
    ::closedir(proc);
    return pids;
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  pid_t pid_ = -1;
  bool done_ = false;
  std::string out_path_, err_path_;
};

inline ProcessResult run_forager(const std::vector<std::string>& args, const std::string& dir,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  ForagerProcess process(args, dir);
  return process.wait(timeout);
}

// The process among `candidates` that owns the TCP connection whose local
// port is `port` on this machine (the client side of a request a loopback
// server received), or -1.
inline pid_t owner_of_client_port(int port, const std::vector<pid_t>& candidates) {
  std::istringstream table(read_file("/proc/net/tcp") + read_file("/proc/net/tcp6"));
  // Every socket on that local port: an earlier connection from the same
  // port to another address may still be listed (TIME_WAIT, inode 0).
  std::set<std::string> wanted;
  std::string line;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, node;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> node;
    size_t colon = local.rfind(':');
    if (colon == std::string::npos || node == "0") continue;
    if (std::strtol(local.c_str() + colon + 1, nullptr, 16) == port) wanted.insert("socket:[" + node + "]");
  }
  if (wanted.empty()) return -1;
  for (pid_t pid : candidates) {
    std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
    DIR* dir = ::opendir(fd_dir.c_str());
    if (!dir) continue;
    while (dirent* entry = ::readdir(dir)) {
      char target[128];
      ssize_t n = ::readlink((fd_dir + "/" + entry->d_name).c_str(), target, sizeof target - 1);
      if (n > 0 && wanted.count(std::string(target, static_cast<size_t>(n)))) {
        ::closedir(dir);
        return pid;
      }
    }
    ::closedir(dir);
  }
  return -1;
}

// True when `pid` has ended: it no longer exists (reaped or never was), or it
// is a zombie (dead, waiting for its new parent, init, to reap it: how soon
// depends on the init of the machine, not on forager).
inline bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X');
}

}  // namespace forager::testing
