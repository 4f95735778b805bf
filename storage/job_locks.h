// JobLocks: one crawl of a job at a time, across processes.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace forager::storage {

class JobLocks {
 public:
  virtual ~JobLocks() = default;

  // Takes the lock for `holder` unless another holder has it and
  // `alive(that holder)` says it is still running; then returns that holder.
  // A dead holder's lock is simply taken over.
  virtual std::optional<std::string> lock_job(const std::string& job, const std::string& holder,
                                              const std::function<bool(const std::string&)>& alive) = 0;
  virtual void unlock_job(const std::string& job, const std::string& holder) = 0;
};

}  // namespace forager::storage
