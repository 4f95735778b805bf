#include "crawler/frontier/host_slots.h"

#include <algorithm>
#include <climits>

namespace forager {

int64_t HostSlots::ready_at(const std::string& host, int64_t now_ms) const {
  auto it = slots_.find(host);
  if (it == slots_.end()) return now_ms;
  const Slot& slot = it->second;
  if (slot.in_flight >= per_host_) return INT64_MAX;
  int64_t delay = std::max(slot.delay_ms, default_delay_ms_);
  if (delay <= 0) return now_ms;
  return std::max({now_ms, slot.last_start_ms + delay, slot.last_end_ms + delay});
}

void HostSlots::start(const std::string& host, int64_t now_ms) {
  Slot& slot = slots_[host];
  ++slot.in_flight;
  slot.last_start_ms = now_ms;
}

void HostSlots::finish(const std::string& host, int64_t now_ms) {
  auto it = slots_.find(host);
  if (it == slots_.end()) return;
  if (it->second.in_flight > 0) --it->second.in_flight;
  it->second.last_end_ms = now_ms;
}

void HostSlots::raise_delay(const std::string& host, int64_t delay_ms) {
  Slot& slot = slots_[host];
  slot.delay_ms = std::max(slot.delay_ms, delay_ms);
}

int HostSlots::in_flight(const std::string& host) const {
  auto it = slots_.find(host);
  return it == slots_.end() ? 0 : it->second.in_flight;
}

int64_t HostSlots::delay(const std::string& host) const {
  auto it = slots_.find(host);
  return it == slots_.end() ? 0 : it->second.delay_ms;
}

}  // namespace forager
