#include "crawler/frontier/frontier.h"

#include <algorithm>
#include <climits>
#include <string>

#include "crawler/util/url.h"

namespace forager {

uint64_t url_hash(std::string_view url) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : url) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// ---- HashSet ------------------------------------------------------------------

namespace {

// Spreads FNV's low bits (which index the table) over the whole word.
size_t slot_of(uint64_t hash, size_t mask) {
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  return static_cast<size_t>(hash) & mask;
}

}  // namespace

size_t HashSet::find(uint64_t hash) const {
  if (slots_.empty()) return std::string::npos;
  if (hash == 0) hash = 1;
  const size_t mask = slots_.size() - 1;
  for (size_t i = slot_of(hash, mask);; i = (i + 1) & mask) {
    if (slots_[i] == hash) return i;
    if (slots_[i] == 0) return std::string::npos;
  }
}

bool HashSet::contains(uint64_t hash) const { return find(hash) != std::string::npos; }

std::optional<uint8_t> HashSet::mark(uint64_t hash) const {
  const size_t slot = find(hash);
  if (slot == std::string::npos) return std::nullopt;
  return marks_[slot];
}

void HashSet::set_mark(uint64_t hash, uint8_t mark) {
  const size_t slot = find(hash);
  if (slot != std::string::npos) marks_[slot] = mark;
}

bool HashSet::insert(uint64_t hash, uint8_t mark) {
  if ((size_ + 1) * 10 > slots_.size() * 7) grow();
  if (hash == 0) hash = 1;
  const size_t mask = slots_.size() - 1;
  for (size_t i = slot_of(hash, mask);; i = (i + 1) & mask) {
    if (slots_[i] == hash) return false;
    if (slots_[i] == 0) {
      slots_[i] = hash;
      marks_[i] = mark;
      ++size_;
      return true;
    }
  }
}

void HashSet::grow() {
  std::vector<uint64_t> old = std::move(slots_);
  std::vector<uint8_t> old_marks = std::move(marks_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  marks_.assign(slots_.size(), 0);
  const size_t mask = slots_.size() - 1;
  for (size_t k = 0; k < old.size(); ++k) {
    if (old[k] == 0) continue;
    size_t i = slot_of(old[k], mask);
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = old[k];
    marks_[i] = old_marks[k];
  }
}

// ---- Frontier -------------------------------------------------------------------

bool Frontier::lower_depth(std::string_view url, int depth) {
  const uint64_t hash = url_hash(url);
  const std::optional<uint8_t> mark = seen_.mark(hash);
  if (!mark || *mark == kDispatched || depth_mark(depth) >= *mark) return false;
  seen_.set_mark(hash, depth_mark(depth));
  return true;
}

std::optional<int> Frontier::pending_depth(std::string_view url) const {
  const std::optional<uint8_t> mark = seen_.mark(url_hash(url));
  if (!mark || *mark == kDispatched) return std::nullopt;
  return *mark - 1;
}

void Frontier::activate(const std::string& origin) {
  if (active_set_.insert(origin).second) active_.push_back(origin);
}

bool Frontier::push_new(PendingUrl p, const std::string& origin) {
  Origin& o = origins_[origin];
  activate(origin);
  if (o.stored > 0 || o.window.size() >= kWindow || in_memory_ >= kMaxInMemory) {
    ++o.stored;  // keeps seq order: once anything is left to the store, so is what follows
    return false;
  }
  o.last_seq_loaded = std::max(o.last_seq_loaded, p.seq);
  o.window.push_back(std::move(p));
  ++in_memory_;
  return true;
}

void Frontier::push(PendingUrl p, int64_t now_ms) {
  if (p.not_before_ms > now_ms) {
    delayed_.push(std::move(p));
    return;
  }
  enqueue(std::move(p));
}

void Frontier::enqueue(PendingUrl p) {
  std::string origin = url::origin(p.target());
  activate(origin);
  origins_[origin].window.push_back(std::move(p));
  ++in_memory_;
}

void Frontier::release_due(int64_t now_ms) {
  while (!delayed_.empty() && delayed_.top().not_before_ms <= now_ms) {
    // priority_queue::top is const; the copy is cheap next to a fetch.
    PendingUrl p = delayed_.top();
    delayed_.pop();
    enqueue(std::move(p));
  }
}

int64_t Frontier::next_due_ms() const { return delayed_.empty() ? INT64_MAX : delayed_.top().not_before_ms; }

bool Frontier::wants_refill(const std::string& origin) const {
  auto it = origins_.find(origin);
  return it != origins_.end() && it->second.stored > 0 && it->second.window.size() < kRefillBelow;
}

size_t Frontier::refill_room(const std::string& origin) const {
  auto it = origins_.find(origin);
  if (it == origins_.end()) return 0;
  const size_t window = it->second.window.size();
  if (window >= kWindow) return 0;
  const size_t room = in_memory_ < kMaxInMemory ? kMaxInMemory - in_memory_ : 0;
  // An origin with nothing in memory always gets a little, so that none starves.
  return std::min(kWindow - window, std::max(room, window == 0 ? kRefillBelow / 16 : size_t{0}));
}

int64_t Frontier::refill_after(const std::string& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.last_seq_loaded;
}

void Frontier::refill(const std::string& origin, std::vector<PendingUrl> entries, bool exhausted) {
  Origin& o = origins_[origin];
  const auto loaded = static_cast<int64_t>(entries.size());
  for (PendingUrl& p : entries) {
    o.last_seq_loaded = std::max(o.last_seq_loaded, p.seq);
    o.window.push_back(std::move(p));
    ++in_memory_;
  }
  // `stored` counted what was left to the store; the store has the last word.
  o.stored = exhausted ? 0 : std::max<int64_t>(o.stored - loaded, 1);
}

void Frontier::drop_stored(const std::string& origin) {
  auto it = origins_.find(origin);
  if (it != origins_.end()) it->second.stored = 0;
}

void Frontier::compact() {
  in_memory_ = 0;
  for (const auto& [origin, o] : origins_) in_memory_ += o.window.size();
  auto idle = [&](const std::string& origin) {
    auto it = origins_.find(origin);
    if (it != origins_.end() && (!it->second.window.empty() || it->second.stored > 0)) return false;
    if (it != origins_.end()) origins_.erase(it);
    active_set_.erase(origin);
    return true;
  };
  active_.erase(std::remove_if(active_.begin(), active_.end(), idle), active_.end());
}

size_t Frontier::size() const {
  size_t n = delayed_.size();
  for (const auto& origin : active_) {
    auto it = origins_.find(origin);
    if (it != origins_.end()) n += it->second.window.size() + static_cast<size_t>(it->second.stored);
  }
  return n;
}

}  // namespace forager
