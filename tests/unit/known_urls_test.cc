#include "crawler/frontier/known_urls.h"

#include <gtest/gtest.h>

#include <string>

namespace forager {
namespace {

// The reference vectors of the SipHash paper (key 00 01 .. 0f, message 00 01 .. len-1).
TEST(KnownUrlsTest, SipHashMatchesTheReferenceVectors) {
  const uint64_t k0 = 0x0706050403020100ull, k1 = 0x0f0e0d0c0b0a0908ull;
  std::string message;
  EXPECT_EQ(siphash24(k0, k1, message), 0x726fdb47dd0e0e31ull);
  for (int i = 0; i < 15; ++i) message.push_back(static_cast<char>(i));
  EXPECT_EQ(siphash24(k0, k1, message), 0xa129ca6149be45e5ull);
  message.push_back(15);
  EXPECT_EQ(siphash24(k0, k1, message), 0x3f2acc7f57c29bdbull);
}

TEST(KnownUrlsTest, ALinkIsClaimedOnceWhileItsFinishIsPendingAndNeverAfterItCommitted) {
  KnownUrls known;
  EXPECT_TRUE(known.claim("http://a/1"));
  EXPECT_FALSE(known.claim("http://a/1"));  // on its way in an outcome
  EXPECT_FALSE(known.known("http://a/1"));
  known.committed("http://a/1");
  EXPECT_TRUE(known.known("http://a/1"));
  EXPECT_FALSE(known.claim("http://a/1"));
  EXPECT_EQ(known.pending(), 0u);
}

TEST(KnownUrlsTest, ARefusedOrDroppedFinishDoesNotPoisonTheFilter) {
  KnownUrls known;
  ASSERT_TRUE(known.claim("http://a/1"));
  known.dropped("http://a/1");
  EXPECT_FALSE(known.known("http://a/1"));
  EXPECT_TRUE(known.claim("http://a/1"));  // sent again when found again
}

TEST(KnownUrlsTest, LeasedUrlsAndSeedsAreKnownWithoutBeingSent) {
  KnownUrls known;
  known.learn("http://a/seed");
  EXPECT_FALSE(known.claim("http://a/seed"));
}

TEST(KnownUrlsTest, MemoryIsBoundedByTwoGenerationsAndForgettingOnlyCostsAResend) {
  KnownUrls known(1, 2, 100);
  for (int i = 0; i < 1000; ++i) known.learn("http://a/" + std::to_string(i));
  EXPECT_LE(known.size(), 200u);
  EXPECT_TRUE(known.known("http://a/999"));     // the newest are kept
  EXPECT_FALSE(known.known("http://a/0"));      // the oldest forgotten ...
  EXPECT_TRUE(known.claim("http://a/0"));       // ... and sent again
}

TEST(KnownUrlsTest, EachProcessHasItsOwnKey) {
  KnownUrls a, b;
  a.learn("http://a/x");
  EXPECT_TRUE(a.known("http://a/x"));
  EXPECT_FALSE(b.known("http://a/x"));
  EXPECT_NE(siphash24(1, 2, "http://a/x"), siphash24(3, 4, "http://a/x"));
}

}  // namespace
}  // namespace forager
