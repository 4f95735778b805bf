#include "crawler/frontier/known_urls.h"

#include <cstring>
#include <random>
#include <utility>

namespace forager {
namespace {

uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

uint64_t load_le(const unsigned char* p, size_t n) {
  uint64_t m = 0;
  for (size_t i = 0; i < n; ++i) m |= static_cast<uint64_t>(p[i]) << (8 * i);
  return m;
}

uint64_t random_word() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

uint64_t siphash24(uint64_t key0, uint64_t key1, std::string_view data) {
  SipState s{key0 ^ 0x736f6d6570736575ull, key1 ^ 0x646f72616e646f6dull, key0 ^ 0x6c7967656e657261ull,
             key1 ^ 0x7465646279746573ull};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const size_t whole = data.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) s.absorb(load_le(p + i, 8));
  s.absorb(load_le(p + whole, data.size() - whole) | (static_cast<uint64_t>(data.size() & 0xff) << 56));
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

KnownUrls::KnownUrls() : KnownUrls(random_word(), random_word()) {}

KnownUrls::KnownUrls(uint64_t key0, uint64_t key1, size_t generation)
    : key0_(key0), key1_(key1), generation_(generation) {}

uint64_t KnownUrls::hash(std::string_view url) const { return siphash24(key0_, key1_, url); }

bool KnownUrls::known(std::string_view url) const {
  const uint64_t h = hash(url);
  return newer_.contains(h) || older_.contains(h);
}

bool KnownUrls::claim(std::string_view url) {
  const uint64_t h = hash(url);
  if (newer_.contains(h) || older_.contains(h)) return false;
  return pending_.insert(h).second;
}

void KnownUrls::insert(uint64_t h) {
  if (newer_.contains(h)) return;
  if (newer_.size() >= generation_) {  // the older generation is forgotten
    older_ = std::move(newer_);
    newer_ = HashSet{};
  }
  newer_.insert(h);
}

void KnownUrls::learn(std::string_view url) { insert(hash(url)); }

void KnownUrls::committed(std::string_view url) {
  const uint64_t h = hash(url);
  pending_.erase(h);
  insert(h);
}

void KnownUrls::dropped(std::string_view url) { pending_.erase(hash(url)); }

}  // namespace forager
