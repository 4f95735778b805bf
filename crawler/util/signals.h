// SIGINT, SIGTERM and SIGCHLD turned into bytes on a self-pipe, so that the
// coordinator's poll loop wakes for them and handles them outside the
// handler. One instance per process.
#pragma once

#include <vector>

#include "crawler/util/unique_fd.h"

namespace forager {

class SignalPipe {
 public:
  SignalPipe();   // installs the handlers
  ~SignalPipe();  // restores the default dispositions
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  int fd() const { return read_.get(); }
  // The signals received since the last call, in order.
  std::vector<int> drain();

 private:
  UniqueFd read_, write_;
};

}  // namespace forager
