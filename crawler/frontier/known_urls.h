// KnownUrls: what a member of a shared run (storage/shared_run.h) knows the
// server already holds, so that it does not send those links again. The
// server's unique key is what makes a URL queued once; this filter only
// saves inserts.
//
// Contract:
// - A URL becomes known only once the server is known to hold it: links
//   sent by a finish that committed (committed()), URLs that came with a
//   lease, the run's seeds and the run's URLs the member read (learn()),
//   whichever member sent them. A link put into an outcome not
//   committed yet is pending: claim() says no to it meanwhile (it is on its
//   way), and a finish that was refused, lost or dropped gives it back
//   (dropped()), so it is sent again next time it is found.
// - Bounded: at most 2 * kGeneration known URLs (two generations of a flat
//   hash set, about 19 MB); when the newer one is full, the older is
//   forgotten. Forgetting costs a redundant insert (ON CONFLICT DO NOTHING),
//   never a lost link. Pending hashes are bounded by the outcomes in flight.
// - URLs are kept as 64-bit SipHash-2-4 hashes under a random key of this
//   process. A false "known" would lose a link for this member (until
//   another page or member sends it): with at most 1.4 M hashes held, a new
//   URL matches one by chance with probability 1.4e6 / 2^64 ≈ 8e-14 per
//   lookup, under 1e-3 over ten billion lookups; and the key being secret
//   and different in every member, a hostile site cannot choose URLs that
//   collide, nor make two members lose the same one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_set>

#include "crawler/frontier/frontier.h"

namespace forager {

class KnownUrls {
 public:
  static constexpr size_t kGeneration = 700'000;  // hashes a generation holds (2^20 slots, 70 % full)

  KnownUrls();  // a random key
  explicit KnownUrls(uint64_t key0, uint64_t key1, size_t generation = kGeneration);

  // True when `url` should be sent: neither known nor pending. It is then
  // pending until committed() or dropped().
  bool claim(std::string_view url);
  // The server holds it (a lease's URL, a seed): never sent again.
  void learn(std::string_view url);
  // A finish that sent it committed: pending -> known.
  void committed(std::string_view url);
  // A finish that sent it was refused or never posted: no longer pending.
  void dropped(std::string_view url);

  bool known(std::string_view url) const;
  size_t size() const { return newer_.size() + older_.size(); }
  size_t pending() const { return pending_.size(); }

 private:
  uint64_t hash(std::string_view url) const;
  void insert(uint64_t h);

  uint64_t key0_, key1_;
  size_t generation_;
  HashSet newer_, older_;
  std::unordered_set<uint64_t> pending_;
};

// SipHash-2-4 of `data` under the 128-bit key (key0, key1).
uint64_t siphash24(uint64_t key0, uint64_t key1, std::string_view data);

}  // namespace forager
