#include "crawler/cli/process_identity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace forager {
namespace {

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// Field 22 of /proc/PID/stat: start time in clock ticks since boot.
std::string start_time(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return field;
  }
  return "";
}

}  // namespace

std::string current_process_identity() {
  int pid = static_cast<int>(::getpid());
  return boot_id() + "/" + std::to_string(pid) + "/" + start_time(pid);
}

int process_identity_pid(const std::string& identity) {
  size_t first = identity.find('/');
  if (first == std::string::npos) return 0;
  try {
    return std::stoi(identity.substr(first + 1));
  } catch (...) {
    return 0;
  }
}

bool process_identity_alive(const std::string& identity) {
  size_t first = identity.find('/');
  size_t second = identity.rfind('/');
  if (first == std::string::npos || second == first) return false;
  if (identity.substr(0, first) != boot_id()) return false;
  int pid = process_identity_pid(identity);
  if (pid <= 0) return false;
  std::string started = start_time(pid);
  return !started.empty() && started == identity.substr(second + 1);
}

}  // namespace forager
