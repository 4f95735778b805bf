// Time behind a small interface, so that politeness, retries and schedules can
// be tested with a clock the test moves by hand.
#pragma once

#include <chrono>
#include <cstdint>

namespace forager {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds on a clock that never jumps (for delays and deadlines).
  virtual int64_t now_ms() const = 0;
  // Milliseconds since the Unix epoch, UTC (for records).
  virtual int64_t wall_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
  int64_t wall_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// A clock that moves only when told to, for tests of anything timed: both
// readings start at `start_ms` and advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 0) : now_(start_ms) {}
  int64_t now_ms() const override { return now_; }
  int64_t wall_ms() const override { return now_; }
  void set(int64_t ms) { now_ = ms; }
  void advance(int64_t ms) { now_ += ms; }

 private:
  int64_t now_;
};

}  // namespace forager
